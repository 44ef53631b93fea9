// Property-based fuzz of the API's paths and bodies (issue 14, findings 5 and "Prove it"): every
// route the Hono app has, read from the app itself so a new route is fuzzed without editing this
// file, gets malformed path segments, query strings and JSON bodies, signed in and signed out.
// Nothing may answer 5xx; every refusal is the API's error shape; a refused write changes nothing.
// Seeded, so a failure reproduces; `FUZZ_RUNS=50 npm run test:workers` runs fifty times as long.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../../workers/api/app";
import { ORIGIN, addMember, call, createWorld, expectErrorShape, signUp, type Person } from "./helpers";

const RUNS = Number(env.FUZZ_RUNS) || 1;

type Route = { method: string; path: string };

/** The app's own routes (middleware is registered as `ALL`; better-auth's catch-all is kept). */
const ROUTES: Route[] = api.routes
  .filter((route) => route.method !== "ALL" || route.path === "/api/auth/*")
  .map((route) => ({ method: route.method === "ALL" ? "POST" : route.method, path: route.path }))
  .filter((route, index, all) => all.findIndex((other) => other.method === route.method && other.path === route.path) === index);

/** Broken percent-encodings: `%` followed by zero to two characters that may not be hex digits. */
const badPercent = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constant("%"), fc.string({ unit: fc.constantFrom("0", "2", "e", "E", "f", "F", "Z", "g", "%", "/", "."), maxLength: 2 })).map(([p, rest]) => p + rest),
      fc.constantFrom("a", "..", "x", "%C0%AF", "%ED%A0%80", "%E0%A4%A", "%FF"),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => parts.join(""));

/** Segments a careless client or an attacker puts in a path: none of them is one of our ids. */
const malformedSegment = fc.oneof(
  { arbitrary: badPercent, weight: 4 },
  {
    arbitrary: fc.constantFrom(
      "%ZZ", "%", "%%", "%00", "%2e%2e", "%2F", "%5C", "%25", "%u0041", "%%32%65", "..", ".", "...", "\u0000", "nul\u0000byte", "\\", "%0A%0D",
      "%20", " ", "'; drop table worlds; --", "<script>", "\u{1F600}", "\uFEFF", "\u202E", "Ω≈ç√", "ID", "-1", "0", "1e309", "NaN", "null",
      "undefined", "__proto__", "constructor",
    ),
    weight: 2,
  },
  { arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 }), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 12 }), weight: 1 },
  { arbitrary: fc.integer({ min: 65, max: 6000 }).map((length) => "a".repeat(length)), weight: 1 },
);

const queryString = fc.option(
  fc
    .array(fc.tuple(fc.constantFrom("q", "cursor", "limit", "url", "share", "format", "maxwidth", "tag", "sort", "%ZZ", "next"), malformedSegment), {
      minLength: 1,
      maxLength: 3,
    })
    .map((pairs) => `?${pairs.map(([key, value]) => `${key}=${value}`).join("&")}`),
  { nil: "" },
);

/** The API's answer is never a 5xx, and a refusal is `{ error: { code, message } }`. */
function expectClearAnswer(label: string, response: Awaited<ReturnType<typeof call>>) {
  expect(response.status, `${label} → ${response.status} ${response.text.slice(0, 300)}`).toBeLessThan(500);
  if (response.status >= 400) {
    expect(response.headers.get("content-type") ?? "", label).toContain("application/json");
    expectErrorShape(response.json);
  }
}

/** Every row of every table of ours: a refused request must leave it exactly as it was. */
async function snapshot() {
  const tables = await env.DB.prepare(
    "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name not like 'd1_%' order by name",
  ).all<{ name: string }>();
  const parts = await env.DB.batch(tables.results.map(({ name }) => env.DB.prepare(`select * from "${name}" order by 1`)));
  return JSON.stringify(parts.map((part) => part.results));
}

let owner: Person;
let ids: Record<string, string>;

beforeAll(async () => {
  owner = await signUp("Fuzzowner");
  const editor = await signUp("Fuzzeditor");
  const world = await createWorld(owner, { title: "Fuzzed" });
  await addMember(world.id, editor, "editor");
  const make = async (name: string) =>
    (await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "character", name } })).json.element.id as string;
  const from = await make("Ilse");
  const to = await make("Brann");
  const rel = await call("POST", `/api/worlds/${world.id}/relationships`, { cookie: owner.cookie, body: { from, to, kind: "ally_of" } });
  const link = await call("POST", `/api/worlds/${world.id}/share`, { cookie: owner.cookie, body: { role: "viewer" } });
  ids = {
    id: world.id,
    eid: from,
    rid: rel.json?.relationship?.id ?? "zzzzzzzzzzzzzzzz",
    userId: editor.id,
    linkId: link.json?.link?.id ?? "zzzzzzzzzzzzzzzz",
    v: "1",
  };
});

/**
 * Fills a route's parameters, each with the real id it names or with a malformed segment; at least
 * one part of every path is malformed, since a request of real ids only could really act.
 */
function pathOf(route: Route, picks: Array<{ real: boolean; segment: string }>) {
  const names = route.path.match(/:[A-Za-z]+|\*/g) ?? [];
  // Routes without parameters get a malformed segment after them.
  if (names.length === 0) return `${route.path}/${picks[0]!.segment}`;
  const parts = names.map((name, index) => {
    const real = name === "*" ? undefined : ids[name.slice(1)];
    return picks[index]!.real && real !== undefined ? real : picks[index]!.segment;
  });
  if (parts.every((part, index) => part !== picks[index]!.segment)) parts[parts.length - 1] = picks[parts.length - 1]!.segment;
  let next = 0;
  return route.path.replace(/:[A-Za-z]+|\*/g, () => parts[next++]!);
}

describe("malformed paths, on every API route, signed in and signed out", () => {
  it("answers the known attacks with 400 or 404 in the error shape: GET /api/assets/%ZZ without signing in", async () => {
    for (const path of ["/api/assets/%ZZ", "/api/assets/%", "/api/assets/worlds/%E0%A4%A/x.png", "/api/assets/worlds/abc/%ZZ.png", "/api/worlds/%ZZ", "/api/%ZZ"]) {
      for (const cookie of [undefined, owner.cookie]) {
        const response = await call("GET", path, { cookie });
        expect([400, 404], `${path} ${cookie ? "signed in" : "signed out"}: ${response.text}`).toContain(response.status);
        expectErrorShape(response.json);
      }
    }
  });

  it("never answers 5xx to a fuzzed path and answers every refusal in the error shape", async () => {
    const before = await snapshot();
    // Every route by itself, so none depends on the luck of a draw.
    for (const [index, route] of ROUTES.entries()) {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.record({ real: fc.boolean(), segment: malformedSegment }), { minLength: 4, maxLength: 4 }), queryString, async (picks, query) => {
          const path = pathOf(route, picks) + query;
          const writes = route.method === "POST" || route.method === "PATCH";
          for (const cookie of [undefined, owner.cookie]) {
            const response = await call(route.method, path, { cookie, body: writes ? {} : undefined });
            expectClearAnswer(`${route.method} ${path} (${cookie ? "signed in" : "signed out"}) for ${route.path}`, response);
          }
        }),
        { seed: 14_005 + index, numRuns: 3 * RUNS },
      );
    }
    // Every path had a malformed part, so nothing could have acted.
    expect(await snapshot()).toBe(before);
  }, 300_000 * RUNS);
});

const FIELDS = [
  "title", "name", "description", "type", "position", "tags", "assets", "visibility", "coverAssetKey", "settings", "style", "prompt",
  "role", "email", "ids", "positions", "from", "to", "kind", "label", "includeSecrets", "secret", "x", "y", "expiresInDays", "password",
];

/** Wrong types, huge strings and odd numbers, under the field names the API really reads. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.integer({ min: 200, max: 400_000 }).map((length) => "x".repeat(length)),
  fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53, 0.5, "", " ", "character", "public", "owner", "ally_of", "worlds/zzz/jobs/j/1-image.png"),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 5 }),
  fc.record({ x: fc.oneof(fc.double(), fc.string()), y: fc.oneof(fc.double(), fc.constant(null)) }),
);

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 }),
  fc.string({ maxLength: 40 }).map((text) => ({ raw: text })),
);

/** Write routes that take a JSON body, with real ids so the body is what decides. */
const WRITE_ROUTES = ROUTES.filter((route) => (route.method === "POST" || route.method === "PATCH") && !route.path.includes("*"))
  // Multipart uploads, and routes that would start a job or copy a world when a body happens to be
  // valid, are fuzzed with a field no schema allows: the answer still has to be a clear 4xx.
  .map((route) => ({ ...route, poisoned: /\/(import|photo|export|generate|refine|fork)$/.test(route.path) }))
  .concat([
    { method: "POST", path: "/api/auth/sign-up/email", poisoned: false },
    { method: "POST", path: "/api/auth/sign-in/email", poisoned: false },
  ]);

describe("fuzzed JSON bodies on every write endpoint", () => {
  it("never answers 5xx, answers refusals in the error shape and changes nothing when it refuses", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WRITE_ROUTES), body, fc.boolean(), async (route, payload, signedIn) => {
        const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => ids[name] ?? "zzzzzzzzzzzzzzzz");
        const sent =
          route.poisoned && typeof payload === "object" && payload !== null && !Array.isArray(payload) ? { ...payload, fuzzPoison: true } : route.poisoned ? [payload] : payload;
        const before = await snapshot();
        const response = await call(route.method, path, { cookie: signedIn ? owner.cookie : undefined, body: JSON.stringify(sent) });
        const label = `${route.method} ${path} (${signedIn ? "signed in" : "signed out"}) with ${JSON.stringify(sent).slice(0, 200)}`;
        expectClearAnswer(label, response);
        // Sign-in and sign-up may keep their own account of attempts; every other refusal leaves
        // the database exactly as it was.
        if (response.status >= 400 && !route.path.startsWith("/api/auth/")) expect(await snapshot(), label).toBe(before);
      }),
      { seed: 14_014, numRuns: 80 * RUNS },
    );
  }, 300_000 * RUNS);
});

it("reads the routes from the app: the fuzz covers every route it serves", () => {
  expect(ROUTES.length).toBeGreaterThan(40);
  expect(ROUTES).toContainEqual({ method: "GET", path: "/api/assets/*" });
  expect(ORIGIN).toMatch(/^http/);
});
