import { useEffect, useMemo, useState } from "react";
import { z } from "zod";
import { parseJsonWith } from "../../workers/lib/json";

/**
 * Whether what a person typed has reached the server, for the "Saving… / Saved / Offline" line
 * beside every field (issue 15, point 2). Two kinds of field:
 *
 * - Live fields (name, type, description, tags) are edits of the shared document. Each goes to
 *   the room at once and into this browser's IndexedDB copy; the room has it once it has answered
 *   a sync request sent after it (the room reads a socket's frames in order and answers a sync
 *   step 1 with a step 2). `RoomSaves` counts local edits and those answers.
 * - Fields saved through the API (an element's secret, world settings) keep what was typed in
 *   localStorage at once, send it after a short pause, send what is left with `keepalive` when the
 *   page is hidden or unloads, and send it again when the browser is back online or the page is
 *   opened again: a reload or a closed tab loses nothing (`DraftSaver`).
 */
export type SaveState = "saved" | "saving" | "offline" | "error";

export const SAVE_STATE_TEXT: Record<SaveState, string> = {
  saved: "Saved",
  saving: "Saving…",
  offline: "Offline — kept on this device, sent when you reconnect",
  error: "Not saved",
};

/**
 * Counts this browser's edits of the shared document and the room's answers to sync requests
 * sent after them. A request is sent a moment after an edit (not per keystroke); the room's answer
 * to it covers every edit made before it was sent.
 */
export class RoomSaves {
  private edits = 0;
  private confirmed = 0;
  /** Edit counts at the time each unanswered request was sent, oldest first. */
  private probes: number[] = [];

  /** A local edit of the document. */
  edited() {
    this.edits += 1;
  }

  /** Whether an edit is not yet covered by a request on its way. */
  needsProbe(): boolean {
    return this.edits > (this.probes.at(-1) ?? this.confirmed);
  }

  /** A sync request has been sent on the open socket. */
  probeSent() {
    this.probes.push(this.edits);
  }

  /** The room answered a sync request (a sync step 2 arrived): the oldest one is answered. */
  answered() {
    const covered = this.probes.shift();
    if (covered !== undefined) this.confirmed = Math.max(this.confirmed, covered);
  }

  /** The socket closed: requests on it will not be answered. Edits made meanwhile stay unconfirmed. */
  disconnected() {
    this.probes = [];
  }

  /**
   * The room refused a change and the page starts again from the room's copy: what was refused
   * is gone on purpose (the room said why), so nothing is waiting.
   */
  reset() {
    this.probes = [];
    this.confirmed = this.edits;
  }

  state(online: boolean): SaveState {
    if (this.confirmed >= this.edits) return "saved";
    return online ? "saving" : "offline";
  }
}

type Stored<T> = { value: T; at: number };

/** Drafts older than this are not restored (a stale tab's leftovers must not overwrite newer work). */
const DRAFT_TTL_MS = 7 * 24 * 3600_000;

/** Where drafts are kept: the browser's localStorage (none where there is none, as in a Worker). */
export type DraftStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;
const browserStorage = (): DraftStorage | null => (typeof localStorage === "undefined" ? null : localStorage);

/** A draft as kept: what was typed and when, read back through the field's own schema. */
function readDraft<T>(storage: DraftStorage | null, key: string, schema: z.ZodType<T>): Stored<T> | null {
  if (!storage) return null;
  let raw: string | null;
  try {
    raw = storage.getItem(key);
  } catch {
    return null;
  }
  if (!raw) return null;
  const parsed = parseJsonWith(z.object({ value: schema, at: z.number() }), raw);
  if (!parsed || Date.now() - parsed.at > DRAFT_TTL_MS) {
    // Another version's leftovers, a hand edit or an old draft: not restored over newer work.
    storage.removeItem(key);
    return null;
  }
  return { value: parsed.value as T, at: parsed.at };
}

function writeDraft<T>(storage: DraftStorage | null, key: string, value: T | null) {
  if (!storage) return;
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify({ value, at: Date.now() } satisfies Stored<T>));
  } catch {
    // storage full or disabled: the value is still sent; only the reload safety net is missing
  }
}

export type DraftSend<T> = (value: T, options: { keepalive: boolean }) => Promise<void>;

/**
 * One value saved through the API as it is typed. `set` keeps the value in localStorage at once and
 * sends it after `delayMs` of quiet; a failure for want of a network is retried when the browser is
 * online again; `flush(true)` (page hidden or unloading) sends what is left with `keepalive`, which
 * the browser completes after the page is gone. Values are sent one at a time, newest last.
 */
export class DraftSaver<T> {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private busy = false;
  private latest: { value: T } | null = null;
  private sent: { value: T } | null = null;
  private status: SaveState = "saved";
  private message: string | null = null;

  constructor(
    private readonly key: string,
    /** What a draft of this field may hold; anything else in storage is dropped, not restored. */
    private readonly schema: z.ZodType<T>,
    private send: DraftSend<T>,
    private readonly onStatus: (state: SaveState, message: string | null) => void,
    private readonly delayMs = 600,
    private readonly storage: DraftStorage | null = browserStorage(),
    private readonly isOffline: () => boolean = () => typeof navigator !== "undefined" && navigator.onLine === false,
  ) {}

  /** The newest way to send (a component's callback changes as it renders). */
  sendWith(send: DraftSend<T>) {
    this.send = send;
  }

  /** A value typed in an earlier visit that never reached the server, if any. */
  restore(): T | null {
    const draft = readDraft<T>(this.storage, this.key, this.schema);
    return draft ? draft.value : null;
  }

  set(value: T) {
    this.latest = { value };
    writeDraft(this.storage, this.key, value);
    this.report(this.isOffline() ? "offline" : "saving", null);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(false), this.delayMs);
  }

  /** Whether something typed has not been confirmed by the server yet. */
  get unsaved(): boolean {
    return this.latest !== null;
  }

  async flush(keepalive: boolean): Promise<void> {
    if (keepalive) {
      // The page is going, and a request in flight goes with it: the newest value is sent again,
      // in a request the browser finishes on its own (PATCH is idempotent). Should the page stay
      // after all (back/forward cache), the usual send follows as planned.
      if (this.latest) void this.send(this.latest.value, { keepalive: true }).catch(() => undefined);
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.busy) return; // the loop below picks up the newest value when the request returns
    this.busy = true;
    try {
      while (this.latest && this.latest !== this.sent) {
        const item = this.latest;
        this.sent = item;
        try {
          await this.send(item.value, { keepalive: false });
        } catch (error) {
          if (this.latest !== item) continue; // typed on meanwhile: send that instead
          if (this.isOffline() || (error as { status?: number }).status === 0) {
            // Kept (here and in localStorage) until the browser is online again.
            this.report("offline", null);
          } else {
            // The server refused this value (a 4xx says why): it is not kept for the next visit.
            this.latest = null;
            writeDraft(this.storage, this.key, null);
            this.report("error", (error as Error).message);
          }
          return;
        }
        if (this.latest === item) {
          this.latest = null;
          writeDraft(this.storage, this.key, null);
          this.report("saved", null);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** Back online: send again what could not be sent. */
  retry() {
    if (this.latest) {
      this.sent = null;
      void this.flush(false);
    }
  }

  dispose() {
    if (this.timer) clearTimeout(this.timer);
  }

  private report(state: SaveState, message: string | null) {
    if (state === this.status && message === this.message) return;
    this.status = state;
    this.message = message;
    this.onStatus(state, message);
  }
}

/**
 * A `DraftSaver` for a component's lifetime: flushed when the page is hidden or unloads, sent
 * again when the browser is back online, and flushed when the component goes (panel closed).
 */
export function useDraftSaver<T>(key: string, schema: z.ZodType<T>, send: DraftSend<T>, delayMs = 600) {
  const [status, setStatus] = useState<{ state: SaveState; message: string | null }>({ state: "saved", message: null });
  const [initialSend] = useState(() => send);
  const saver = useMemo(() => new DraftSaver<T>(key, schema, initialSend, (state, message) => setStatus({ state, message }), delayMs), [key, schema, delayMs, initialSend]);
  useEffect(() => saver.sendWith(send));
  useEffect(() => {
    const hidden = () => void saver.flush(true);
    const visibility = () => {
      if (document.visibilityState === "hidden") void saver.flush(false);
    };
    const online = () => saver.retry();
    window.addEventListener("pagehide", hidden);
    document.addEventListener("visibilitychange", visibility);
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("pagehide", hidden);
      document.removeEventListener("visibilitychange", visibility);
      window.removeEventListener("online", online);
      void saver.flush(false);
      saver.dispose();
    };
  }, [saver]);
  return { saver, status };
}

/** "Saving… / Saved / Offline" for a field or a group of fields. */
export function SaveNote({ state, message, testId, className = "" }: { state: SaveState; message?: string | null; testId: string; className?: string }) {
  const tone = state === "error" ? "text-red-700" : state === "offline" ? "text-amber-800" : "text-stone-500";
  return (
    <span role="status" data-testid={testId} data-state={state} className={`text-xs font-normal ${tone} ${className}`}>
      {message ? `${SAVE_STATE_TEXT[state]}: ${message}` : SAVE_STATE_TEXT[state]}
    </span>
  );
}

