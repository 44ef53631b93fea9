// Loreloom's service worker (ADR 22). Built after `react-router build` by scripts/build-sw.mjs:
// bundled, then workbox-build's injectManifest writes the hashed client assets into
// `self.__WB_MANIFEST`, and the result is served at /sw.js. What it does with each request is
// decided in ./policy.ts.
import { CacheExpiration } from "workbox-expiration";
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from "workbox-precaching";
import { createPartialResponse } from "workbox-range-requests";
import {
  BUDGET,
  DATA_CACHE,
  MEDIA_CACHE,
  OFFLINE_PAGE,
  PAGES_CACHE,
  SHARE_CACHE,
  afterNavigationFailure,
  classifyRequest,
  isKeepable,
  isKeepableMedia,
  isSignOut,
  isSkipWaitingMessage,
  pagesKeptWith,
  staleCaches,
} from "./policy";
import {
  SHARED_NAME_HEADER,
  SHARED_PHOTO_KEY,
  SHARED_TEXT_HEADER,
  SHARE_FIELDS,
  isShareTargetPost,
  pickSharedPhoto,
  shareRedirect,
  sharedHint,
  type ShareProblem,
} from "./share-target";

// workbox-precaching declares `__WB_MANIFEST` on the scope; injectManifest replaces it at build time.
declare const self: ServiceWorkerGlobalScope;

const expirations = {
  [PAGES_CACHE]: new CacheExpiration(PAGES_CACHE, BUDGET.pages),
  [DATA_CACHE]: new CacheExpiration(DATA_CACHE, BUDGET.data),
  [MEDIA_CACHE]: new CacheExpiration(MEDIA_CACHE, BUDGET.media),
};
type OwnCache = keyof typeof expirations;

// The hashed build assets, the offline page, the manifest and icons, fetched at install.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// A new version installs and then waits: the page offers "Reload", and only that click sends SKIP_WAITING.
self.addEventListener("message", (event) => {
  if (isSkipWaitingMessage(event.data)) void self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(staleCaches(names).map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

/** Marks an entry used just now (least-recently-used eviction) and trims the cache to its budget. */
async function touch(cacheName: OwnCache, url: string) {
  const expiration = expirations[cacheName];
  await expiration.updateTimestamp(url);
  await expiration.expireEntries();
}

async function keep(cacheName: OwnCache, request: Request, response: Response) {
  const cache = await caches.open(cacheName);
  await cache.put(request, response);
  await touch(cacheName, request.url);
}

async function keptCopy(cacheName: OwnCache, request: Request) {
  const cache = await caches.open(cacheName);
  const response = await cache.match(request, { ignoreVary: true });
  if (response && (await expirations[cacheName].isURLExpired(request.url))) {
    await cache.delete(request, { ignoreVary: true });
    return undefined;
  }
  return response;
}

/**
 * A page load or React Router's data request: network first, the answer kept for offline use
 * (with the pages kept alongside it); when the network failed, the kept copy, and for a page load
 * with none the offline page. A server's error answer is passed through as it came.
 */
async function networkFirst(event: FetchEvent, cacheName: typeof PAGES_CACHE | typeof DATA_CACHE, { offlinePage }: { offlinePage: boolean }): Promise<Response> {
  const { request } = event;
  try {
    const response = await fetch(request);
    if (isKeepable(response)) {
      event.waitUntil(keep(cacheName, request, response.clone()));
      for (const page of pagesKeptWith(request.url, self.location.origin)) event.waitUntil(keepPage(page));
    }
    return response;
  } catch (error) {
    const kept = await keptCopy(cacheName, request);
    const outcome = afterNavigationFailure(error, Boolean(kept));
    if (outcome === "use-kept-copy" && kept) {
      event.waitUntil(touch(cacheName, request.url));
      return kept;
    }
    if (outcome === "offline-page" && offlinePage) {
      const offline = await matchPrecache(OFFLINE_PAGE);
      if (offline) return offline;
    }
    throw error;
  }
}

/** Fetches one of our pages in the background and keeps it as a navigation to it would. */
async function keepPage(path: string) {
  try {
    const request = new Request(new URL(path, self.location.origin).href, { credentials: "same-origin" });
    const response = await fetch(request);
    if (isKeepable(response)) await keep(PAGES_CACHE, request, response);
  } catch {
    // Offline again already: the copy kept last time (if any) stays.
  }
}

async function handleMedia(event: FetchEvent): Promise<Response> {
  const { request } = event;
  // Kept by URL alone: a range request (audio and video seeking) is answered from the whole file.
  const key = new Request(request.url);
  const kept = await keptCopy(MEDIA_CACHE, key);
  if (kept) {
    event.waitUntil(touch(MEDIA_CACHE, request.url));
    return request.headers.has("range") ? createPartialResponse(request, kept) : kept;
  }
  const response = await fetch(request);
  if (isKeepableMedia(response)) event.waitUntil(keep(MEDIA_CACHE, key, response.clone()));
  return response;
}

async function forgetPerson() {
  await Promise.all([PAGES_CACHE, DATA_CACHE, SHARE_CACHE].map((name) => caches.delete(name)));
}

/**
 * A picture shared from another app (the manifest's share_target): kept in the share cache, then
 * the person is sent to /share to choose its world. Offline too: it waits there for a connection.
 */
async function handleShare(request: Request): Promise<Response> {
  const see = (problem: ShareProblem | null) => Response.redirect(new URL(shareRedirect(problem), self.location.origin).href, 303);
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return see("unreadable");
  }
  const entries = form.getAll(SHARE_FIELDS.files);
  const picked = pickSharedPhoto(entries.map((entry) => (typeof entry === "string" ? entry : { type: entry.type, size: entry.size, name: entry.name })));
  if (!picked.ok) return see(picked.problem);
  const file = entries[picked.index];
  if (!(file instanceof File)) return see("no-file");
  const hint = sharedHint([form.get(SHARE_FIELDS.title), form.get(SHARE_FIELDS.text), form.get(SHARE_FIELDS.url)]);
  const cache = await caches.open(SHARE_CACHE);
  await cache.put(
    SHARED_PHOTO_KEY,
    new Response(file, {
      headers: {
        "content-type": file.type,
        [SHARED_NAME_HEADER]: encodeURIComponent(file.name || "shared-photo"),
        [SHARED_TEXT_HEADER]: encodeURIComponent(hint),
      },
    }),
  );
  return see(null);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const facts = { method: request.method, url: request.url, mode: request.mode, origin: self.location.origin };
  if (isShareTargetPost(facts)) {
    event.respondWith(handleShare(request));
    return;
  }
  if (isSignOut(facts)) {
    event.waitUntil(forgetPerson());
    return;
  }
  const kind = classifyRequest(facts);
  if (kind === "navigation") event.respondWith(networkFirst(event, PAGES_CACHE, { offlinePage: true }));
  else if (kind === "data") event.respondWith(networkFirst(event, DATA_CACHE, { offlinePage: false }));
  else if (kind === "media") event.respondWith(handleMedia(event));
});
