// The real tools the story export tests open exported files with (issue 18, point 6), reached
// over HTTP from workerd like the other stand-ins (global-setup.ts starts this in Node, where
// child processes exist): `POST /epubcheck` runs the W3C's EPUBCheck on the EPUB in the body,
// `POST /pandoc` converts the DOCX in the body to plain text with pandoc. CI installs both
// (`.ci/run`: Debian's `epubcheck` and `pandoc` packages).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type ToolResult = { ok: boolean; missing: boolean; exitCode: number | null; output: string };

/** Debian's EPUBCheck (the `epubcheck` package); run through java, as its /usr/bin entry is the jar itself. */
const EPUBCHECK_JAR = process.env.EPUBCHECK_JAR ?? "/usr/share/java/epubcheck.jar";

function run(command: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(command, args, { maxBuffer: 32 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      const missing = (error as NodeJS.ErrnoException | null)?.code === "ENOENT";
      resolve({ ok: !error, missing, exitCode: code, output: missing ? `${command} is not installed: apt-get install -y epubcheck pandoc` : `${stdout}${stderr}` });
    });
  });
}

export async function startExportTools() {
  const dir = mkdtempSync(join(tmpdir(), "loreloom-export-tools-"));
  let n = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      if (request.method !== "POST") return answer(404, { message: "not found" });
      n += 1;
      const file = join(dir, `file-${n}`);
      if (request.url === "/epubcheck") {
        writeFileSync(`${file}.epub`, Buffer.concat(chunks));
        if (!existsSync(EPUBCHECK_JAR)) return answer(200, { ok: false, missing: true, exitCode: null, output: `No EPUBCheck at ${EPUBCHECK_JAR}: apt-get install -y epubcheck` });
        void run("java", ["-jar", EPUBCHECK_JAR, `${file}.epub`]).then((result) => answer(200, result));
      } else if (request.url === "/pandoc") {
        writeFileSync(`${file}.docx`, Buffer.concat(chunks));
        void run("pandoc", ["-f", "docx", "-t", "plain", "--standalone", "--wrap=none", `${file}.docx`]).then((result) => answer(200, result));
      } else answer(404, { message: "not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        rmSync(dir, { recursive: true, force: true });
        server.close(() => resolve());
      }),
  };
}
