const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A state-changing request a browser sent from another site (SPEC §6). Requests with no Origin
 * header (scripts, API clients) carry no ambient browser credentials to abuse, so they pass.
 */
export function isCrossSiteWrite(request: Request): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site");
  return (origin !== null && origin !== new URL(request.url).origin) || site === "cross-site";
}
