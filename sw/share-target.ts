// The web app manifest's `share_target` (issue 19, point 5; ADR 25): another app shares a picture,
// the browser POSTs it here as multipart/form-data, the service worker keeps it in Cache Storage
// and sends the person (303) to /share to pick the world it goes into. What is accepted and where
// the person is sent are decided here, as pure functions (sw/share-target.test.ts).

/** Where the manifest's share_target posts, and the page that picks a world for the picture. */
export const SHARE_TARGET_PATH = "/share-target";
export const SHARE_PAGE = "/share";
/** The form fields the manifest names (`params`). */
export const SHARE_FIELDS = { files: "photo", title: "title", text: "text", url: "url" } as const;
/**
 * A shared picture may be larger than an upload (10 MB): the page shrinks it in the browser before
 * sending it. Beyond this it is not kept at all.
 */
export const MAX_SHARED_BYTES = 40 * 1024 * 1024;
/** The one shared picture waiting for a world (a newer share replaces it), under the share cache. */
export const SHARED_PHOTO_KEY = "/share-target/photo";
/** Headers on the kept copy: the file's name and the text shared with it, URI-encoded. */
export const SHARED_NAME_HEADER = "x-shared-name";
export const SHARED_TEXT_HEADER = "x-shared-text";
const MAX_SHARED_TEXT = 2000;

/** Why a share could not be taken; the /share page says each in words. */
export const SHARE_PROBLEMS = ["no-file", "not-image", "too-large", "unreadable", "not-ready"] as const;
export type ShareProblem = (typeof SHARE_PROBLEMS)[number];

export function isShareTargetPost({ method, url, origin }: { method: string; url: string; origin: string }): boolean {
  const parsed = new URL(url);
  return method === "POST" && parsed.origin === origin && parsed.pathname === SHARE_TARGET_PATH;
}

export type SharedFileFacts = { type: string; size: number; name: string };
export type SharedPick = { ok: true; index: number } | { ok: false; problem: ShareProblem };

/**
 * Which of the shared entries to keep: the first image of a size we keep. Entries that are not
 * files (a text field under the files' name) do not count; a non-image or an oversize image is
 * named as the problem when nothing fits.
 */
export function pickSharedPhoto(entries: ReadonlyArray<SharedFileFacts | string>): SharedPick {
  let problem: ShareProblem = "no-file";
  for (const [index, entry] of entries.entries()) {
    if (typeof entry === "string") continue;
    if (entry.size === 0) continue;
    if (!/^image\/[\w.+-]+$/i.test(entry.type)) {
      if (problem === "no-file") problem = "not-image";
      continue;
    }
    if (entry.size > MAX_SHARED_BYTES) {
      problem = "too-large";
      continue;
    }
    return { ok: true, index };
  }
  return { ok: false, problem };
}

/** Where the person goes after a share: the world picker, saying what went wrong if something did. */
export function shareRedirect(problem: ShareProblem | null): string {
  return problem ? `${SHARE_PAGE}?problem=${problem}` : SHARE_PAGE;
}

/** The problem a /share URL names, when it names one we know (anything else is ignored). */
export function shareProblemOf(value: string | null): ShareProblem | null {
  return SHARE_PROBLEMS.find((p) => p === value) ?? null;
}

/**
 * The words shared with the picture (its title, text and link), as a hint for "What is it?":
 * the distinct non-empty ones, joined, within the prompt's length.
 */
export function sharedHint(values: ReadonlyArray<unknown>): string {
  const parts: string[] = [];
  for (const value of values) {
    if (typeof value !== "string") continue;
    const text = value.replace(/\s+/g, " ").trim();
    if (text && !parts.includes(text)) parts.push(text);
  }
  return [...parts.join(" — ")].slice(0, MAX_SHARED_TEXT).join("").trim();
}
