import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createWorld, expectErrorShape, signUp } from "./helpers";

/** A fingerprint of everything the API can change, to prove a refused request changed nothing. */
async function snapshot() {
  const tables = ["user", "account", "session", "worlds", "world_members", "elements", "relationships", "history", "jobs"];
  const parts = await env.DB.batch(tables.map((t) => env.DB.prepare(`select * from ${t} order by 1`)));
  return JSON.stringify(parts.map((p) => p.results));
}

describe("bad input on every endpoint that takes a body", () => {
  it("answers malformed JSON, wrong types, missing and unknown fields, wrong media type and oversize bodies with a 4xx and changes nothing", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner, { title: "Stable" });
    const endpoints: Array<{ method: string; path: string; valid: Record<string, unknown>; wrongType: unknown; missing: unknown }> = [
      { method: "POST", path: "/api/auth/sign-up/email", valid: { email: "new@example.test", password: "long-enough-1", name: "N" }, wrongType: { email: 1, password: true, name: [] }, missing: { email: "new@example.test" } },
      { method: "POST", path: "/api/auth/sign-in/email", valid: { email: owner.email, password: "correct-horse-1" }, wrongType: { email: owner.email, password: 5 }, missing: { password: "x" } },
      { method: "PATCH", path: "/api/me", valid: { name: "Changed" }, wrongType: { name: { first: "x" } }, missing: {} },
      { method: "POST", path: "/api/worlds", valid: { title: "New" }, wrongType: { title: ["New"] }, missing: { description: "no title" } },
      { method: "PATCH", path: `/api/worlds/${world.id}`, valid: { title: "Renamed" }, wrongType: { tags: "a,b" }, missing: {} },
    ];
    const before = await snapshot();
    for (const endpoint of endpoints) {
      const send = (body: unknown, headers?: Record<string, string>) =>
        call(endpoint.method, endpoint.path, { cookie: owner.cookie, body, headers });
      const cases: Array<[string, Promise<Awaited<ReturnType<typeof call>>>, number, string]> = [
        ["malformed JSON", send('{"title": "x",'), 400, "invalid_json"],
        ["wrong types", send(endpoint.wrongType), 400, "validation_failed"],
        ["missing fields", send(endpoint.missing), 400, "validation_failed"],
        ["unknown field", send({ ...endpoint.valid, isAdmin: true }), 400, "validation_failed"],
        ["not an object", send("42"), 400, "validation_failed"],
        ["wrong media type", send("title=x", { "content-type": "text/plain" }), 415, "unsupported_media_type"],
        ["oversize", send({ ...endpoint.valid, padding: "x".repeat(300 * 1024) }), 413, "payload_too_large"],
      ];
      for (const [label, pending, status, code] of cases) {
        const response = await pending;
        expect(response.status, `${endpoint.method} ${endpoint.path}: ${label}`).toBe(status);
        expectErrorShape(response.json, code);
      }
    }
    expect(await snapshot()).toBe(before);
  });

  it("refuses ids that cannot be ids and answers unknown ones with 404", async () => {
    const owner = await signUp("Owner");
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const bad = await call(method, "/api/worlds/DROP%20TABLE", { cookie: owner.cookie, body: method === "PATCH" ? { title: "x" } : undefined });
      expect(bad.status, method).toBe(400);
      expectErrorShape(bad.json, "validation_failed");
      const unknown = await call(method, "/api/worlds/zzzzzzzzzzzzzzzz", { cookie: owner.cookie, body: method === "PATCH" ? { title: "x" } : undefined });
      expect(unknown.status, method).toBe(404);
      expectErrorShape(unknown.json, "not_found");
    }
  });
});
