// The picture another app shared (the manifest's share_target): the service worker keeps it in
// Cache Storage (sw/service-worker.ts, sw/share-target.ts) until a world's *From photo* takes it.
// Read here straight from Cache Storage, which pages and the worker share.
import { SHARE_CACHE } from "../../sw/policy";
import { SHARED_NAME_HEADER as NAME_HEADER, SHARED_PHOTO_KEY, SHARED_TEXT_HEADER as TEXT_HEADER } from "../../sw/share-target";

/** The last world this browser edited, offered first on /share. */
const LAST_WORLD_KEY = "loreloom:last-edited-world";

export type SharedPhoto = { file: File; hint: string };

function decoded(value: string | null): string {
  if (!value) return "";
  try {
    return decodeURIComponent(value);
  } catch {
    return "";
  }
}

/** The shared picture waiting for a world, if there is one. */
export async function readSharedPhoto(): Promise<SharedPhoto | null> {
  if (typeof caches === "undefined") return null;
  try {
    const cache = await caches.open(SHARE_CACHE);
    const kept = await cache.match(SHARED_PHOTO_KEY);
    if (!kept) return null;
    const blob = await kept.blob();
    const type = kept.headers.get("content-type") ?? blob.type;
    const name = decoded(kept.headers.get(NAME_HEADER)) || "shared-photo";
    return { file: new File([blob], name, { type }), hint: decoded(kept.headers.get(TEXT_HEADER)) };
  } catch {
    return null;
  }
}

/** Drops the shared picture once it was sent (or the person put it aside). */
export async function forgetSharedPhoto(): Promise<void> {
  if (typeof caches === "undefined") return;
  try {
    const cache = await caches.open(SHARE_CACHE);
    await cache.delete(SHARED_PHOTO_KEY);
  } catch {
    // Storage unavailable (private mode): nothing was kept either.
  }
}

export function rememberLastWorld(worldId: string) {
  try {
    localStorage.setItem(LAST_WORLD_KEY, worldId);
  } catch {
    // Storage unavailable: /share simply offers no "last edited".
  }
}

export function lastWorld(): string | null {
  try {
    return localStorage.getItem(LAST_WORLD_KEY);
  } catch {
    return null;
  }
}

/** The query /share opens a world with, so that *From photo* opens holding the shared picture. */
export const SHARED_PHOTO_QUERY = "photo=shared";

/** Whether this page was opened from /share to take the shared picture. */
export function sharedPhotoRequested(): boolean {
  return typeof window !== "undefined" && new URLSearchParams(window.location.search).get("photo") === "shared";
}

/** Drops `?photo=shared` from the address, so a reload or a shared link does not ask again. */
export function clearSharedPhotoRequest() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has("photo")) return;
  url.searchParams.delete("photo");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
}
