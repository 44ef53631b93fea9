// Editing sessions: how the room turns a stream of edits into versions and history entries people
// can use. A person's edits of an element are one version until they have been quiet for a few
// minutes, someone else edits it, or someone saves the version; what the AI or a restore writes
// is a version of its own. The D1 projection still runs after every change: a session's version
// row is rewritten in place, so D1 always holds its current content.
import { elementFieldsInWords } from "../../workers/domain/field-labels";

import { SESSION_QUIET_MS } from "../../workers/domain/sessions";

export { SESSION_QUIET_MS };

/** Actions that open (or continue) a person's session; every other action is a version of its own. */
const SESSION_ACTIONS = new Set(["created", "edited"]);

/** The open version of an element: whose it is, its number, and when it last changed. */
export type VersionSession = { userId: string | null; version: number; action: string; lastAt: number };

/** Why an element changed since it was last projected: an RPC's action and actor, or live edits. */
export type VersionCause = { action: string; userId: string | null };

export type VersionDecision = {
  /** The version row to write: the open session's own (rewritten) or the next number. */
  version: number;
  action: string;
  userId: string | null;
  /** Whether this rewrites the open session's row rather than adding one. */
  extends: boolean;
  /** The element's open session afterwards (null: none, the next edit starts a new version). */
  session: VersionSession | null;
};

/**
 * The version a changed element's projection writes. `editors` are the people whose edits (live
 * or through the API) touched it since its last projection, in order; empty when they are not
 * known (edits replayed after the room restarted). `lastVersion` is its highest version so far.
 */
export function decideVersion(input: {
  cause: VersionCause | null;
  editors: string[];
  projectedBefore: boolean;
  lastVersion: number;
  session: VersionSession | null;
  now: number;
}): VersionDecision {
  const { cause, editors, projectedBefore, lastVersion, now } = input;
  let action = cause?.action ?? "edited";
  if (!projectedBefore && action === "edited") action = "created";
  const open = input.session && now - input.session.lastAt < SESSION_QUIET_MS ? input.session : null;
  // The session's person is still at it (others may be typing alongside): the same version.
  if (action === "edited" && open && (editors.length === 0 || editors.includes(open.userId ?? ""))) {
    return { version: open.version, action: open.action, userId: open.userId, extends: true, session: { ...open, lastAt: now } };
  }
  // A new version: someone else took over, the session ended, or the AI or a restore wrote it.
  const userId = SESSION_ACTIONS.has(action)
    ? (editors.find((id) => id !== open?.userId) ?? editors[0] ?? cause?.userId ?? null)
    : (cause?.userId ?? null);
  const version = lastVersion + 1;
  return {
    version,
    action,
    userId,
    extends: false,
    session: SESSION_ACTIONS.has(action) ? { userId, version, action, lastAt: now } : null,
  };
}

/** Element fields a content change touched, as the history and versions name them. */
export function changedFields(before: readonly unknown[] | null, after: readonly unknown[], layout: readonly string[]): string[] {
  if (!before) return [];
  const fields: string[] = [];
  layout.forEach((field, index) => {
    const [a, b] = [before[index], after[index]];
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (field === "assets") {
      for (const kind of ["image", "video", "audio"]) {
        if ((a as Record<string, unknown>)?.[kind] !== (b as Record<string, unknown>)?.[kind]) fields.push(kind);
      }
    } else if (field !== "metadata") {
      fields.push(field);
    }
  });
  return fields;
}

/**
 * One person's edits in one session, as a single history entry rewritten while it lasts (its id
 * stays): what they created, edited (and which fields), and only moved.
 */
export type HistorySession = { id: string; lastAt: number; created: string[]; edited: string[]; moved: string[]; fields: string[] };

export type ElementEdit = { id: string; kind: "created" | "edited" | "moved"; fields: string[] };

/** Adds a batch's edits to a person's session, or starts a new one when theirs has ended. */
export function extendHistorySession(session: HistorySession | null, edits: ElementEdit[], now: number, newId: () => string): HistorySession {
  const open = session && now - session.lastAt < SESSION_QUIET_MS ? session : null;
  const next: HistorySession = open
    ? { ...open, created: [...open.created], edited: [...open.edited], moved: [...open.moved], fields: [...open.fields], lastAt: now }
    : { id: newId(), lastAt: now, created: [], edited: [], moved: [], fields: [] };
  const add = (list: string[], id: string) => {
    if (!list.includes(id) && list.length < 100) list.push(id);
  };
  for (const edit of edits) {
    if (edit.kind === "created" || next.created.includes(edit.id)) add(next.created, edit.id);
    else if (edit.kind === "edited") {
      add(next.edited, edit.id);
      next.moved = next.moved.filter((id) => id !== edit.id);
      for (const field of edit.fields) if (!next.fields.includes(field)) next.fields.push(field);
    } else if (!next.edited.includes(edit.id)) add(next.moved, edit.id);
  }
  return next;
}

const quote = (name: string) => `“${name}”`;

function names(ids: string[], nameOf: (id: string) => string | null): string {
  const known = ids.map(nameOf).filter((name): name is string => Boolean(name));
  if (known.length === 0) return ids.length === 1 ? "an element" : `${ids.length} elements`;
  const shown = known.slice(0, 3).map(quote);
  const more = ids.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.length > 1 ? `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}` : shown[0]!;
}

/** The history entry's text: "Edited “Mira” (description and secret notes); moved “Old mill”". */
export function historySummary(session: HistorySession, nameOf: (id: string) => string | null): string {
  const parts: string[] = [];
  if (session.created.length) parts.push(`created ${names(session.created, nameOf)}`);
  if (session.edited.length) {
    const fields = session.fields.length ? ` (${elementFieldsInWords(session.fields)})` : "";
    parts.push(`edited ${names(session.edited, nameOf)}${fields}`);
  }
  if (session.moved.length) parts.push(`moved ${names(session.moved, nameOf)}`);
  const text = parts.join("; ") || "edited";
  return (text.charAt(0).toUpperCase() + text.slice(1)).slice(0, 500);
}

/** The history action of a session entry. */
export function historyAction(session: HistorySession): string {
  if (session.edited.length === 0 && session.moved.length === 0 && session.created.length) return "created";
  if (session.edited.length === 0 && session.created.length === 0) return "moved";
  return "edited";
}
