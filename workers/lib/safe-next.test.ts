import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { DEFAULT_NEXT, safeNext } from "./safe-next";

// The page a person signs in on; a browser resolves our `Location` against it.
const SITE = "https://loreloom.example";
const BASE = `${SITE}/?next=whatever`;

/** Where a browser goes when it follows `Location: location` from the sign-in page. */
const followed = (location: string) => new URL(location, BASE);

describe("next after sign-in (issue 14, finding 9)", () => {
  it("sends every known open-redirect trick back to the safe path", () => {
    for (const attack of [
      "/\\evil.example/",
      "/\t/evil.example/",
      "/\n/evil.example/",
      "/\r/evil.example/",
      "\\/evil.example/",
      "//evil.example",
      "//evil.example/worlds",
      "///evil.example",
      "/\\/evil.example",
      "https://evil.example",
      "http:evil.example",
      "https:/evil.example",
      "javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      " //evil.example",
      "/.//evil.example",
      "/..//evil.example",
      "evil.example",
      "",
    ]) {
      const next = safeNext(attack);
      expect(followed(next).origin, JSON.stringify(attack)).toBe(SITE);
      expect(next, JSON.stringify(attack)).toMatch(/^\/(?![/\\])/);
    }
    expect(safeNext("//evil.example")).toBe(DEFAULT_NEXT);
    expect(safeNext("/\\evil.example/")).toBe(DEFAULT_NEXT);
    expect(safeNext("/\t/evil.example/")).toBe(DEFAULT_NEXT);
    expect(safeNext("https://evil.example")).toBe(DEFAULT_NEXT);
    expect(safeNext(null)).toBe(DEFAULT_NEXT);
    expect(safeNext(42)).toBe(DEFAULT_NEXT);
  });

  it("keeps the paths the app itself sends people to", () => {
    expect(safeNext("/invite/abc123")).toBe("/invite/abc123");
    expect(safeNext("/w/xyz#sign-in")).toBe("/w/xyz#sign-in");
    expect(safeNext("/worlds?tab=shared")).toBe("/worlds?tab=shared");
    expect(safeNext("/worlds/a b")).toBe("/worlds/a%20b");
  });

  it("never lets a generated next leave the origin", () => {
    // Strings built from the characters that make URL parsers disagree, plus anything at all.
    const tricky = fc.constantFrom("/", "\\", "\t", "\n", "\r", " ", ".", "..", ":", "@", "?", "#", "%2f", "%5c", "%09", "evil.example", "http:", "https:", "javascript:", "\u0000", "\u3002", "／");
    const candidate = fc.oneof(
      fc.array(tricky, { maxLength: 10 }).map((parts) => parts.join("")),
      fc.array(tricky, { maxLength: 10 }).map((parts) => `/${parts.join("")}`),
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.webUrl().map((url) => url.replace(/^https?:/, "")),
      fc.webUrl(),
    );
    fc.assert(
      fc.property(candidate, (raw) => {
        const next = safeNext(raw);
        expect(followed(next).origin).toBe(SITE);
        expect(next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\")).toBe(true);
        // What we answer is already in the parser's own form: a browser reads the path we checked.
        expect(followed(next).pathname + followed(next).search + followed(next).hash).toBe(next);
      }),
      { seed: 14, numRuns: 4000 * Number(env.FUZZ_RUNS || 1) },
    );
  });
});
