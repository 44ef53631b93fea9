import { describe, expect, it } from "vitest";
import {
  BUDGET,
  DATA_CACHE,
  MEDIA_CACHE,
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

const origin = "https://loreloom.example";
const get = (path: string, mode = "cors") => ({ method: "GET", url: `${origin}${path}`, mode, origin });
const answer = (status: number, headers: Record<string, string> = {}, extra: Partial<{ type: string; redirected: boolean }> = {}) => ({
  status,
  type: "basic",
  redirected: false,
  headers: new Headers(headers),
  ...extra,
});

describe("which requests the service worker handles", () => {
  it("takes page loads network-first and React Router's data requests deliberately", () => {
    expect(classifyRequest(get("/worlds", "navigate"))).toBe("navigation");
    // A share from another app is a POST navigation: the share target's own handler takes it first.
    expect(classifyRequest({ method: "POST", url: `${origin}/share-target`, mode: "navigate", origin })).toBe("passthrough");
    expect(classifyRequest(get("/worlds/abc", "navigate"))).toBe("navigation");
    expect(classifyRequest(get("/worlds.data?_routes=routes%2Fworlds"))).toBe("data");
    expect(classifyRequest(get("/worlds/abc.data"))).toBe("data");
    expect(classifyRequest(get("/worlds?_data=routes%2Fworlds"))).toBe("data");
  });

  it("never touches the API except GET of an asset's bytes", () => {
    expect(classifyRequest(get("/api/assets/w/abc/image.png"))).toBe("media");
    expect(classifyRequest({ ...get("/api/assets/w/abc/image.png"), method: "HEAD" })).toBe("passthrough");
    expect(classifyRequest(get("/api/worlds"))).toBe("passthrough");
    expect(classifyRequest(get("/api/worlds/abc/room"))).toBe("passthrough");
    expect(classifyRequest(get("/api/auth/get-session"))).toBe("passthrough");
    expect(classifyRequest({ ...get("/worlds.data"), method: "POST" })).toBe("passthrough");
    expect(classifyRequest({ ...get("/worlds", "navigate"), method: "POST" })).toBe("passthrough");
  });

  it("leaves other sites, static files and pages that change every visit alone", () => {
    expect(classifyRequest({ method: "GET", url: "https://elsewhere.example/x", mode: "navigate", origin })).toBe("passthrough");
    expect(classifyRequest(get("/offline.html", "navigate"))).toBe("passthrough");
    expect(classifyRequest(get("/sw.js"))).toBe("passthrough");
    expect(classifyRequest(get("/assets/root-abc123.js"))).toBe("passthrough");
    expect(classifyRequest(get("/dev/outbox", "navigate"))).toBe("passthrough");
  });

  it("knows a sign-out, as a form post or as single fetch", () => {
    expect(isSignOut({ method: "POST", url: `${origin}/sign-out`, origin })).toBe(true);
    expect(isSignOut({ method: "POST", url: `${origin}/sign-out.data`, origin })).toBe(true);
    expect(isSignOut({ method: "GET", url: `${origin}/sign-out`, origin })).toBe(false);
  });
});

describe("pages kept before anyone opens them", () => {
  it("keeps /share with My worlds, and nothing with any other page or site", () => {
    expect(pagesKeptWith(`${origin}/worlds`, origin)).toEqual(["/share"]);
    expect(pagesKeptWith(`${origin}/worlds?sort=recent`, origin)).toEqual(["/share"]);
    // Reached inside the app: React Router's data request for the page.
    expect(pagesKeptWith(`${origin}/worlds.data`, origin)).toEqual(["/share"]);
    expect(pagesKeptWith(`${origin}/worlds/abc`, origin)).toEqual([]);
    expect(pagesKeptWith(`${origin}/share`, origin)).toEqual([]);
    expect(pagesKeptWith("https://elsewhere.example/worlds", origin)).toEqual([]);
  });
});

describe("the offline page", () => {
  it("appears only when the network failed and no copy was kept", () => {
    expect(afterNavigationFailure(new TypeError("Failed to fetch"), false)).toBe("offline-page");
    expect(afterNavigationFailure(new TypeError("Failed to fetch"), true)).toBe("use-kept-copy");
  });

  it("does not stand in for an abort", () => {
    expect(afterNavigationFailure(new DOMException("The user aborted a request.", "AbortError"), false)).toBe("rethrow");
  });
});

describe("what is kept", () => {
  it("keeps whole successful answers and passes server errors through uncached", () => {
    expect(isKeepable(answer(200))).toBe(true);
    expect(isKeepable(answer(500))).toBe(false);
    expect(isKeepable(answer(503))).toBe(false);
    expect(isKeepable(answer(404))).toBe(false);
    expect(isKeepable(answer(200, {}, { redirected: true }))).toBe(false);
    expect(isKeepable(answer(200, {}, { type: "opaqueredirect" }))).toBe(false);
    expect(isKeepable(answer(200, { "cache-control": "private, no-store" }))).toBe(false);
  });

  it("keeps media within the budget, never a range answer or an oversized clip", () => {
    expect(isKeepableMedia(answer(200, { "content-length": "120000" }))).toBe(true);
    expect(isKeepableMedia(answer(206, { "content-length": "1000" }))).toBe(false);
    expect(isKeepableMedia(answer(200, { "content-length": String(BUDGET.maxMediaBytes + 1) }))).toBe(false);
    expect(isKeepableMedia(answer(200))).toBe(false);
  });

  it("drops our caches of older versions and nobody else's", () => {
    const names = ["loreloom-pages-v0", PAGES_CACHE, DATA_CACHE, MEDIA_CACHE, SHARE_CACHE, "workbox-precache-v2-https://x/", "other-app"];
    expect(staleCaches(names)).toEqual(["loreloom-pages-v0"]);
  });

  it("skips waiting only when asked", () => {
    expect(isSkipWaitingMessage({ type: "SKIP_WAITING" })).toBe(true);
    expect(isSkipWaitingMessage("SKIP_WAITING")).toBe(false);
    expect(isSkipWaitingMessage(null)).toBe(false);
  });
});
