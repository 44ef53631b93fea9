// What the service worker does with each request, as pure functions the unit tests call
// (sw/policy.test.ts); sw/service-worker.ts only wires them to the Cache and fetch APIs (ADR 22).

/** Caches of our own; the version goes up when what they hold changes shape, and activate drops the rest. */
export const CACHE_VERSION = "v1";
export const PAGES_CACHE = `loreloom-pages-${CACHE_VERSION}` as const;
export const DATA_CACHE = `loreloom-data-${CACHE_VERSION}` as const;
export const MEDIA_CACHE = `loreloom-media-${CACHE_VERSION}` as const;
/** A picture shared from another app, waiting for a world (sw/share-target.ts); app/lib/shared-photo.ts reads it. */
export const SHARE_CACHE = `loreloom-share-${CACHE_VERSION}` as const;
export const OWN_CACHES = [PAGES_CACHE, DATA_CACHE, MEDIA_CACHE, SHARE_CACHE] as const;
/** The page shown for a navigation only when the device is offline and no copy was kept. */
export const OFFLINE_PAGE = "/offline.html";

/** The storage budget: pages, data and media each keep their most recently used entries. */
export const BUDGET = {
  pages: { maxEntries: 40, maxAgeSeconds: 30 * 24 * 3600 },
  data: { maxEntries: 80, maxAgeSeconds: 30 * 24 * 3600 },
  media: { maxEntries: 150, maxAgeSeconds: 30 * 24 * 3600 },
  /** A single image, narration or clip larger than this is never kept (a clip can be tens of MB). */
  maxMediaBytes: 8 * 1024 * 1024,
} as const;

export type RequestKind =
  /** A page load: network first, the kept copy or the offline page only when offline. */
  | "navigation"
  /** React Router's single-fetch data (`*.data`, and `?_data` for older clients): network first, kept copy offline. */
  | "data"
  /** An image, narration or clip (`GET /api/assets/*`): from the cache when kept, within the budget. */
  | "media"
  /** Everything else (the API, other sites, writes): the worker stays out of it. */
  | "passthrough";

export type RequestFacts = { method: string; url: string; mode: string; origin: string };

export function classifyRequest({ method, url, mode, origin }: RequestFacts): RequestKind {
  const parsed = new URL(url);
  if (parsed.origin !== origin || method !== "GET") return "passthrough";
  const path = parsed.pathname;
  if (path.startsWith("/api/assets/")) return "media";
  if (path === "/api" || path.startsWith("/api/")) return "passthrough";
  // The auth pages and the local outbox change with every visit and are never kept.
  if (path.startsWith("/dev/") || path === "/sign-out" || path.startsWith("/sign-out.")) return "passthrough";
  // Static files (the precache answers those it holds) and the worker itself.
  if (path.startsWith("/assets/") || /\.(html|webmanifest|js|css|png|svg|ico|woff2?)$/.test(path)) return "passthrough";
  if (path.endsWith(".data") || parsed.searchParams.has("_data")) return "data";
  if (mode === "navigate") return "navigation";
  return "passthrough";
}

/**
 * Pages kept alongside a page just loaded (a page load or its data request), so that they open
 * offline although the person never went to them: opening *My worlds* keeps /share, the page a picture shared from another app goes
 * to (issue 19: a photo shared on a train with no signal waits there for a world).
 */
export function pagesKeptWith(url: string, origin: string): string[] {
  const parsed = new URL(url);
  const myWorlds = parsed.pathname === "/worlds" || parsed.pathname === "/worlds.data";
  return parsed.origin === origin && myWorlds ? ["/share"] : [];
}

/** Signing out forgets the pages and data kept for this person (a POST to /sign-out, as a form or as single fetch). */
export function isSignOut({ method, url, origin }: Omit<RequestFacts, "mode">): boolean {
  const parsed = new URL(url);
  return parsed.origin === origin && method === "POST" && (parsed.pathname === "/sign-out" || parsed.pathname === "/sign-out.data");
}

/** A response worth keeping for offline use: a whole, successful, same-origin answer. */
export function isKeepable(response: { status: number; type: string; redirected: boolean; headers: Headers }): boolean {
  if (response.status !== 200 || response.type !== "basic" || response.redirected) return false;
  const cacheControl = response.headers.get("cache-control") ?? "";
  return !/\bno-store\b/i.test(cacheControl);
}

/** A media answer that fits the budget (a 206 range answer is never a whole file to keep). */
export function isKeepableMedia(response: { status: number; type: string; redirected: boolean; headers: Headers }): boolean {
  if (!isKeepable(response)) return false;
  const length = Number(response.headers.get("content-length"));
  return Number.isFinite(length) && length > 0 && length <= BUDGET.maxMediaBytes;
}

export type NavigationFailure = "use-kept-copy" | "offline-page" | "rethrow";

/**
 * What to show when a navigation's fetch did not answer. Only a network failure (fetch rejects with
 * a TypeError — the device is offline or the server cannot be reached) falls back, to the copy kept
 * from an earlier visit or else the offline page. Any answer the server gave, slow or 5xx, never
 * comes here: it is passed through as it is. An abort (the person navigated away) is rethrown.
 */
export function afterNavigationFailure(error: unknown, hasKeptCopy: boolean): NavigationFailure {
  const networkFailure = error instanceof TypeError;
  if (!networkFailure) return "rethrow";
  return hasKeptCopy ? "use-kept-copy" : "offline-page";
}

/** Cache names that activate removes: ours from older versions (workbox's precache cleans its own). */
export function staleCaches(names: readonly string[]): string[] {
  const current = new Set<string>(OWN_CACHES);
  return names.filter((name) => name.startsWith("loreloom-") && !current.has(name));
}

/** The one message a page sends: the person asked for the new version ("Reload"). */
export function isSkipWaitingMessage(data: unknown): boolean {
  return typeof data === "object" && data !== null && (data as { type?: unknown }).type === "SKIP_WAITING";
}
