// A local stand-in for an HTTP mail API (Resend's `POST /emails` shape), started in Node by
// global-setup.ts: it checks the key and the body of every message, keeps what it accepted, and
// answers `GET /sent` with it so a test can read what was sent.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export const STANDIN_MAIL_KEY = "mail-standin-key";

export type SentMail = { from: string; to: string[]; subject: string; text: string; html: string };

function isSentMail(value: unknown): value is SentMail {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.from === "string" &&
    Array.isArray(v.to) &&
    v.to.length === 1 &&
    typeof v.to[0] === "string" &&
    typeof v.subject === "string" &&
    typeof v.text === "string" &&
    typeof v.html === "string" &&
    Object.keys(v).length === 5
  );
}

export async function startMailStandin() {
  const sent: SentMail[] = [];
  const server = createServer((request, response) => {
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method === "GET" && request.url === "/sent") return answer(200, sent);
    if (request.method !== "POST" || request.url !== "/emails") return answer(404, { message: "not found" });
    if (request.headers.authorization !== `Bearer ${STANDIN_MAIL_KEY}`) return answer(401, { message: "invalid API key" });
    if (request.headers["content-type"] !== "application/json") return answer(415, { message: "send JSON" });
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return answer(400, { message: "invalid JSON" });
      }
      if (!isSentMail(body)) return answer(422, { message: "expected {from, to: [one address], subject, text, html}" });
      sent.push(body);
      answer(200, { id: `standin-${sent.length}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
