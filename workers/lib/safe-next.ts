/** Where a person goes after signing in when `next` is missing or leads somewhere else. */
export const DEFAULT_NEXT = "/worlds";

// A base no request ever has: anything that resolves to another origin than this left ours.
const PROBE = "https://loreloom.invalid";

/**
 * A `next` (where to go after sign-in, verification, …) reduced to a path on this site, or
 * `fallback`. It is read with the URL parser a browser uses on the `Location` we answer, not by
 * prefix: `/\evil.example/`, `/<TAB>/evil.example/`, `//evil` and `https://evil` all name another
 * host and fall back. What comes back is the parser's own serialisation of the path, so the
 * browser reads the same thing we checked.
 */
export function safeNext(raw: unknown, fallback: string = DEFAULT_NEXT): string {
  if (typeof raw !== "string" || !raw.startsWith("/") || raw.length > 2048) return fallback;
  let url: URL;
  try {
    url = new URL(raw, PROBE);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // A path the parser normalised to start with `//` would itself name a host in a `Location`.
  if (!path.startsWith("/") || path.startsWith("//")) return fallback;
  return path;
}
