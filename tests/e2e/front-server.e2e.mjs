// The app as `npm start` serves it (vite preview in front of workerd), tried with what a careless
// client or an attacker sends (issue 14, findings 5 and 9): oversize bodies, declared and streamed,
// must get the Worker's 413 in the API's error shape, and malformed paths on every page route a
// 400 or 404; no answer is a 5xx, and none shows a stack trace or a path of this machine.
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { startServer } from "../../scripts/lib/server.mjs";
import { uniqueEmail } from "./harness.mjs";

const RUNS = Number(process.env.FUZZ_RUNS) || 1;
const MIB = 1024 * 1024;

/** What must never reach a client: a stack frame, or a path of the machine serving it. */
function assertNothingLeaks(label, text) {
  assert.doesNotMatch(text, /\n\s*at .+[:(]\d+:\d+\)?|\bat (?:async )?[\w.<>]+ \(/, `${label}: a stack trace in ${text.slice(0, 300)}`);
  for (const local of [process.cwd(), tmpdir(), "node_modules", "file://"]) {
    assert.ok(!text.includes(local), `${label}: the local path ${local} in ${text.slice(0, 300)}`);
  }
}

/** One request through node:http, chunked (no Content-Length) when `chunks` is given as a list. */
function send(url, { method = "POST", headers = {}, chunks }) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, "transfer-encoding": "chunked" } }, (res) => {
      const parts = [];
      res.on("data", (part) => parts.push(part));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(parts).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    (async () => {
      for (const chunk of chunks) {
        if (!req.write(chunk)) await new Promise((done) => req.once("drain", done));
      }
      req.end();
    })().catch(reject);
  });
}

function* piecesOf(total, size = 64 * 1024) {
  for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), 0x78);
}

/** The page routes of app/routes.ts, as paths with their `:params`. */
function pageRoutes() {
  const source = readFileSync("app/routes.ts", "utf8");
  const routes = [...source.matchAll(/\broute\(\s*"([^"]*)"/g)].map((match) => `/${match[1]}`);
  if (/\bindex\(/.test(source)) routes.unshift("/");
  return routes;
}

const badPercent = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constant("%"), fc.string({ unit: fc.constantFrom("0", "2", "e", "E", "f", "F", "Z", "g", "%", "/", "."), maxLength: 2 })).map(([p, rest]) => p + rest),
      fc.constantFrom("a", "..", "x", "%C0%AF", "%ED%A0%80", "%E0%A4%A", "%FF", "%00"),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => parts.join(""));
const malformedSegment = fc.oneof(
  { arbitrary: badPercent, weight: 4 },
  { arbitrary: fc.constantFrom("%ZZ", "%", "..", ".", "%2e%2e%2f", "\u0000", "<script>", "\u{1F600}", "__proto__", "NaN"), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 }), weight: 1 },
  { arbitrary: fc.integer({ min: 65, max: 6000 }).map((length) => "a".repeat(length)), weight: 1 },
);

describe("the front server of npm start", () => {
  let server;
  let stateDir;
  let cookie;
  let worldId;

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "loreloom-e2e-"));
    server = await startServer({ port: Number(process.env.E2E_PORT) || 8797, stateDir, build: process.env.E2E_SKIP_BUILD !== "1", seed: false, quiet: true });
    const signUp = await fetch(`${server.url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: uniqueEmail("front"), password: "correct-horse-battery", name: "Front" }),
    });
    assert.equal(signUp.status, 200, await signUp.clone().text());
    cookie = signUp.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
    const world = await fetch(`${server.url}/api/worlds`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ title: "Front door" }),
    });
    assert.equal(world.status, 201);
    worldId = (await world.json()).world.id;
  });

  after(async () => {
    await server?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("answers oversize bodies, declared or streamed, with the Worker's 413 JSON and no stack trace", async () => {
    const targets = [
      { path: "/api/worlds", type: "application/json", size: 1 * MIB, signedIn: true },
      { path: `/api/worlds/${worldId}/elements`, type: "application/json", size: 30 * MIB, signedIn: true },
      { path: "/api/auth/sign-in/email", type: "application/json", size: 1 * MIB, signedIn: false },
      { path: `/api/worlds/${worldId}/photo`, type: "multipart/form-data; boundary=x", size: 11 * MIB, signedIn: true },
      { path: "/api/worlds", type: "application/json", size: 2 * MIB, signedIn: false },
    ];
    // The failure this guards against was a race (the Worker's answer against the upload), so
    // every way of sending is tried more than once.
    for (let round = 0; round < 2; round += 1) {
      for (const target of targets) {
        const headers = { "content-type": target.type, ...(target.signedIn ? { cookie } : {}) };
        const url = `${server.url}${target.path}`;
        const declared = await fetch(url, { method: "POST", headers, body: Buffer.alloc(target.size, 0x78) });
        const streamed = await fetch(url, {
          method: "POST",
          headers,
          duplex: "half",
          body: new ReadableStream({
            start(controller) {
              for (const piece of piecesOf(target.size)) controller.enqueue(piece);
              controller.close();
            },
          }),
        });
        const chunked = await send(url, { headers, chunks: piecesOf(target.size) });
        for (const [how, answer] of [
          ["with Content-Length", { status: declared.status, type: declared.headers.get("content-type"), text: await declared.text() }],
          ["streamed by fetch", { status: streamed.status, type: streamed.headers.get("content-type"), text: await streamed.text() }],
          ["chunked by node:http", { status: chunked.status, type: chunked.headers["content-type"], text: chunked.text }],
        ]) {
          const label = `POST ${target.path} (${target.size} bytes, ${how}, round ${round + 1})`;
          assertNothingLeaks(label, answer.text);
          assert.equal(answer.status, 413, `${label}: ${answer.text.slice(0, 300)}`);
          assert.match(answer.type ?? "", /^application\/json/, label);
          assert.equal(JSON.parse(answer.text).error.code, "payload_too_large", label);
        }
      }
    }
    // The server is still there, and a body of the allowed size still works.
    const fine = await fetch(`${server.url}/api/worlds/${worldId}/elements`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ type: "item", name: "Still here" }),
    });
    assert.equal(fine.status, 201);
  });

  it("answers an oversize form post to a page with 413 and no stack trace", async () => {
    for (const path of ["/?index", "/sign-out", `/worlds`]) {
      const chunked = await send(`${server.url}${path}`, { headers: { "content-type": "application/x-www-form-urlencoded", cookie }, chunks: piecesOf(2 * MIB) });
      assertNothingLeaks(`POST ${path}`, chunked.text);
      assert.equal(chunked.status, 413, `POST ${path}: ${chunked.text.slice(0, 200)}`);
    }
  });

  it("answers malformed paths on every page route, and on the API through the front server, with 4xx and no stack trace", async () => {
    const routes = pageRoutes();
    assert.ok(routes.includes("/w/:id") && routes.includes("/"), `routes read from app/routes.ts: ${routes}`);
    for (const path of ["/api/assets/%ZZ", "/api/worlds/%E0%A4%A", "/%ZZ", "/worlds/%ZZ"]) {
      const response = await fetch(`${server.url}${path}`);
      const text = await response.text();
      assertNothingLeaks(path, text);
      assert.ok([400, 404].includes(response.status), `${path}: ${response.status}`);
      if (path.startsWith("/api/")) assert.ok(JSON.parse(text).error.code, path);
    }
    for (const [index, route] of routes.entries()) {
      await fc.assert(
        fc.asyncProperty(malformedSegment, malformedSegment, async (segment, extra) => {
          const path = route.includes(":") ? route.replace(/:[A-Za-z]+/g, segment) : `${route.replace(/\/$/, "")}/${segment}/${extra}`;
          for (const headers of [{}, { cookie }]) {
            const response = await fetch(`${server.url}${path}`, { headers, redirect: "manual" });
            const text = await response.text();
            const label = `GET ${path} (${headers.cookie ? "signed in" : "signed out"}) for ${route}`;
            assert.ok(response.status < 500, `${label}: ${response.status} ${text.slice(0, 300)}`);
            assertNothingLeaks(label, text);
          }
        }),
        { seed: 14_009 + index, numRuns: 12 * RUNS },
      );
    }
  });
});
