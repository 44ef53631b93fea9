import { useEffect, useMemo, useRef, useState } from "react";
import { IndexeddbPersistence } from "y-indexeddb";
import YProvider from "y-partyserver/provider";
import * as Y from "yjs";
import { ACCESS_CHANGED_CLOSE, parseServerMessage, type ChatMessage, type ClientMessage, type JobEvent, type RoomUser } from "../../durable-objects/world-room/protocol";
import { elementsOf, relationshipsOf } from "../../durable-objects/world-room/graph-doc";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import { api } from "./api";
import { RoomSaves, type SaveState } from "./save-state";
import { LOCAL, snapshot, type ElementState, type RelationshipState } from "./graph-model";

export type ConnectionState = "connecting" | "online" | "offline";
export type LockInfo = { by: RoomUser; until: number };
/** A generation job as the room has reported it (`job` messages), newest state per job. */
export type JobState = JobEvent & { seenAt: number };
/** Two people's refine requests for one element, waiting for someone to choose (D4). */
export type ConflictState = { conflictId: string; elementId: string; options: { merged: string; a: string; b: string; mergedOffline?: boolean }; choice: "merged" | "a" | "b" | null };
/** A job as the API describes it (the fields the room's notices also carry). */
export type JobSummary = {
  id: string;
  kind: string;
  status: JobEvent["status"];
  stage: string | null;
  progress: number;
  elementId: string | null;
  error?: string | null;
  createdAt?: string;
  updatedAt?: string;
};
/** Jobs that ended this recently are shown on opening too (a world seeded just before it opened); older ones are history. */
const RECENT_MS = 15_000;
export type Presence = { user: RoomUser; cursor: { x: number; y: number } | null; activeElement: string | null; at: number };

const FINISHED = new Set<JobEvent["status"]>(["succeeded", "failed", "cancelled"]);
const toJobState = (job: JobSummary, seenAt: number): JobState => ({
  jobId: job.id,
  kind: job.kind,
  status: job.status,
  stage: job.stage ?? "queued",
  progress: job.progress,
  elementId: job.elementId,
  error: job.error ?? null,
  seenAt,
});

/**
 * Joins a world's room: the shared Yjs document over the room's WebSocket (binary frames, via
 * y-partyserver's provider) plus the JSON side of the protocol (presence, chat, locks, errors).
 * Signed-in people also get the world's running jobs from the API each time they (re)join, since
 * the room only relays what happens while they are connected.
 */
export function useRoom(worldId: string, { signedIn = false, shareToken = null }: { signedIn?: boolean; shareToken?: string | null } = {}) {
  const [state, setState] = useState<{
    doc: Y.Doc;
    provider: YProvider;
    undo: Y.UndoManager;
  } | null>(null);
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [synced, setSynced] = useState(false);
  const [cached, setCached] = useState(false);
  // Shown once the room has synced, or earlier from this browser's copy if it holds the world.
  const [loaded, setLoaded] = useState(false);
  const [pending, setPending] = useState(0);
  // Whether this browser's edits of the shared document have reached the room (save-state.ts).
  const [saveState, setSaveState] = useState<SaveState>("saved");
  const [me, setMe] = useState<RoomUser | null>(null);
  const [users, setUsers] = useState<RoomUser[]>([]);
  const [locks, setLocks] = useState<Map<string, LockInfo>>(new Map());
  const [chat, setChat] = useState<ChatMessage[]>([]);
  const [presence, setPresence] = useState<Map<string, Presence>>(new Map());
  const [notice, setNotice] = useState<{ id: number; text: string; tone: "info" | "error" } | null>(null);
  const [generation, setGeneration] = useState(0);
  const [jobs, setJobs] = useState<Map<string, JobState>>(new Map());
  const [conflicts, setConflicts] = useState<Map<string, ConflictState>>(new Map());
  const noticeId = useRef(0);
  // The jobs as last rendered, for the catch-up after a reconnect (read in handlers only).
  const jobsSeen = useRef(jobs);
  useEffect(() => {
    jobsSeen.current = jobs;
  }, [jobs]);

  useEffect(() => {
    const doc = new Y.Doc();
    // The document is also kept in this browser (IndexedDB): the world opens offline, and edits
    // made offline are sent when the connection returns (Yjs merges them).
    const cache = new IndexeddbPersistence(`loreloom-world-${worldId}`, doc);
    void cache.whenSynced.then(() => {
      setCached(true);
      if (elementsOf(doc).size > 0) setLoaded(true);
    });
    let online = false;
    const saves = new RoomSaves();
    const publishSaves = () => setSaveState(saves.state(online));
    let probeTimer: ReturnType<typeof setTimeout> | null = null;
    // A sync request sent after this browser's edits: the room's answer says it has them all.
    const probe = () => {
      probeTimer = null;
      const ws = provider.ws as WebSocket | null;
      if (!online || !provider.synced || !ws || ws.readyState !== WebSocket.OPEN || !saves.needsProbe()) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.writeSyncStep1(encoder, doc);
      ws.send(encoding.toUint8Array(encoder));
      saves.probeSent();
    };
    const scheduleProbe = () => {
      probeTimer ??= setTimeout(probe, 150);
    };
    doc.on("update", (_update: Uint8Array, origin: unknown) => {
      if (origin === cache || origin === provider) return;
      if (!online) setPending((n) => n + 1);
      saves.edited();
      publishSaves();
      scheduleProbe();
    });
    const provider = new YProvider(window.location.host, "room", doc, {
      prefix: `/api/worlds/${worldId}/room`,
      protocol: window.location.protocol === "https:" ? "wss" : "ws",
      // A share link's holder joins with the link's role (the room route reads `share`).
      ...(shareToken ? { params: { share: shareToken } } : {}),
    });
    const undo = new Y.UndoManager([elementsOf(doc), relationshipsOf(doc)], { trackedOrigins: new Set([LOCAL]), captureTimeout: 400 });
    const say = (text: string, tone: "info" | "error" = "info") => setNotice({ id: ++noticeId.current, text, tone });
    let closed = false;
    /** Running and just-finished jobs from the API, and the fate of any this page saw running before it lost the room. */
    const catchUpJobs = async () => {
      const [{ jobs: active }, { jobs: latest }] = await Promise.all([
        api<{ jobs: JobSummary[] }>("GET", `/api/worlds/${worldId}/jobs?active=1`),
        api<{ jobs: JobSummary[] }>("GET", `/api/worlds/${worldId}/jobs?limit=5`),
      ]);
      const activeIds = new Set(active.map((j) => j.id));
      const recent = latest.filter((j) => FINISHED.has(j.status) && !activeIds.has(j.id) && Date.now() - Date.parse(j.updatedAt ?? "") < RECENT_MS);
      const recentIds = new Set(recent.map((j) => j.id));
      const lost = [...jobsSeen.current.values()].filter((j) => !FINISHED.has(j.status) && !activeIds.has(j.jobId) && !recentIds.has(j.jobId)).map((j) => j.jobId);
      const settled = await Promise.all(lost.map((id) => api<{ job: JobSummary }>("GET", `/api/jobs/${id}`).then((r) => r.job, () => null)));
      if (closed) return;
      setJobs((map) => {
        const next = new Map(map);
        for (const job of [...active, ...recent, ...settled]) {
          if (!job) continue;
          const known = next.get(job.id);
          // A notice that arrived meanwhile may be newer than this answer: never go backwards.
          if (known && (FINISHED.has(known.status) || (known.status === job.status && known.progress > job.progress))) continue;
          // An ended job is seen (as ended) now: the tray shows how it ended for a moment from here.
          next.set(job.id, toJobState(job, FINISHED.has(job.status) ? Date.now() : (known?.seenAt ?? (Date.parse(job.createdAt ?? "") || Date.now()))));
        }
        return next;
      });
    };

    const onJson = (event: MessageEvent) => {
      if (typeof event.data !== "string") return;
      const message = parseServerMessage(event.data);
      if (!message) return;
      switch (message.type) {
        case "welcome":
          setMe(message.you);
          setUsers(message.users);
          setLocks(new Map(message.locks.map((l) => [l.elementId, { by: l.by, until: Date.parse(l.until) }])));
          setChat([]);
          // The room sends the conflicts still open after this; one settled while this page was
          // away must not stay open here.
          setConflicts((map) => new Map([...map].filter(([, conflict]) => conflict.choice !== null)));
          if (signedIn) void catchUpJobs().catch(() => undefined);
          break;
        case "joined":
          setUsers((list) => [...list.filter((u) => u.id !== message.user.id), message.user]);
          say(`${message.user.name} joined`);
          break;
        case "left":
          setUsers((list) => {
            const who = list.find((u) => u.id === message.userId);
            if (who) say(`${who.name} left`);
            return list.filter((u) => u.id !== message.userId);
          });
          setPresence((map) => {
            const next = new Map(map);
            next.delete(message.userId);
            return next;
          });
          break;
        case "chat":
          setChat((list) => (list.some((m) => m.id === message.id) ? list : [...list, message].slice(-200)));
          break;
        case "presence":
          setPresence((map) => new Map(map).set(message.user.id, { user: message.user, cursor: message.cursor, activeElement: message.activeElement, at: Date.now() }));
          break;
        case "locked":
          setLocks((map) => new Map(map).set(message.elementId, { by: message.by, until: Date.parse(message.until) }));
          break;
        case "unlocked":
          setLocks((map) => {
            const next = new Map(map);
            next.delete(message.elementId);
            return next;
          });
          break;
        case "job": {
          const { type: _type, ...event } = message;
          setJobs((map) => {
            const known = map.get(event.jobId);
            // Notices are sent in order, but a catch-up answer may already hold the ending.
            if (known && FINISHED.has(known.status) && !FINISHED.has(event.status)) return map;
            return new Map(map).set(event.jobId, { ...known, ...event, elementId: event.elementId ?? known?.elementId ?? null, seenAt: Date.now() });
          });
          break;
        }
        case "conflict":
          setConflicts((map) =>
            map.has(message.conflictId) ? map : new Map(map).set(message.conflictId, { conflictId: message.conflictId, elementId: message.elementId, options: message.options, choice: null }),
          );
          break;
        case "conflictResolved":
          setConflicts((map) => {
            // Kept even when unseen: a 409 answered before this notice must not reopen it.
            const open = map.get(message.conflictId) ?? { conflictId: message.conflictId, elementId: "", options: { merged: "", a: "", b: "" } };
            return new Map(map).set(message.conflictId, { ...open, choice: message.choice });
          });
          say(
            message.reason === "ran_first"
              ? "Conflict settled: request A had already run before anyone chose, so request B was not run."
              : `Conflict settled: ${message.choice === "merged" ? "the merged request" : `request ${message.choice.toUpperCase()}`} runs; the other request does not.`,
          );
          break;
        case "error":
          say(message.message, "error");
          // The room refused a change this document already holds: drop this copy (and the
          // browser's cached one) and start again from the room's.
          if (message.resync) {
            saves.reset();
            publishSaves();
            void cache.clearData().then(() => setGeneration((g) => g + 1));
          }
          break;
        default:
          break;
      }
    };
    // Removed, given another role, or the share link revoked: the page reloads to learn what this
    // person may do now (a new role, or a page saying the world is gone for them).
    const onClose = (event: CloseEvent) => {
      if (event.code !== ACCESS_CHANGED_CLOSE || closed) return;
      // No reconnecting meanwhile: the room would refuse it (404 or 410) and the browser log it.
      provider.disconnect();
      say("Your access to this world has changed; reloading…", "error");
      setTimeout(() => window.location.reload(), 1500);
    };
    // The room's sync answers (step 2), each answering the oldest sync request outstanding.
    const onBinary = (event: MessageEvent) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      const bytes = new Uint8Array(event.data);
      if (bytes[0] !== 0 || bytes[1] !== syncProtocol.messageYjsSyncStep2) return;
      saves.answered();
      publishSaves();
      if (saves.needsProbe()) scheduleProbe();
    };
    const attached = new WeakSet<WebSocket>();
    const onStatus = ({ status }: { status: string }) => {
      if (status === "connected") {
        performance.mark("loreloom:connected");
        online = true;
        setConnection("online");
        const ws = provider.ws as WebSocket | null;
        if (ws && !attached.has(ws)) {
          attached.add(ws);
          ws.addEventListener("message", onJson);
          ws.addEventListener("message", onBinary);
          ws.addEventListener("close", onClose);
        }
      } else {
        online = false;
        saves.disconnected();
        setConnection(status === "connecting" ? "connecting" : "offline");
      }
      publishSaves();
    };
    provider.on("status", onStatus);
    provider.on("sync", (isSynced: boolean) => {
      if (isSynced) {
        performance.mark("loreloom:synced");
        // The sync exchange has carried everything made offline to the room.
        setPending(0);
        setLoaded(true);
        // After the provider's own handling of this answer: edits made offline went out with the
        // sync exchange, and a request sent now is answered once the room has them.
        setTimeout(scheduleProbe, 0);
      }
      setSynced(isSynced);
    });
    // The connection is an external system made here; React learns of it once it exists.
    setState({ doc, provider, undo });
    return () => {
      closed = true;
      if (probeTimer) clearTimeout(probeTimer);
      provider.off("status", onStatus);
      provider.destroy();
      void cache.destroy();
      undo.destroy();
      doc.destroy();
      setState(null);
      setSynced(false);
      setCached(false);
      setLoaded(false);
    };
  }, [worldId, generation, signedIn, shareToken]);

  /** Sends a JSON message to the room; false when there is no open connection to send it on. */
  const send = useMemo(
    () =>
      (message: ClientMessage): boolean => {
        const ws = state?.provider.ws as WebSocket | null | undefined;
        if (!ws || ws.readyState !== WebSocket.OPEN) return false;
        ws.send(JSON.stringify(message));
        return true;
      },
    [state],
  );

  /** A job this browser just started: shown at once, before the room's first notice arrives. */
  const trackJob = useMemo(() => (job: JobSummary) => setJobs((map) => (map.has(job.id) ? map : new Map(map).set(job.id, toJobState(job, Date.now())))), []);
  /** A conflict this browser learned of from the API (409) rather than the room. */
  const showConflict = useMemo(
    () => (conflict: Omit<ConflictState, "choice">) =>
      setConflicts((map) => (map.has(conflict.conflictId) ? map : new Map(map).set(conflict.conflictId, { ...conflict, choice: null }))),
    [],
  );

  // Who this person is, for the carets other people see in shared text (y-codemirror.next reads
  // the `user` field of the awareness state).
  const awareness = state?.provider.awareness ?? null;
  useEffect(() => {
    if (!awareness || !me) return;
    awareness.setLocalStateField("user", { name: me.name, color: me.color, colorLight: me.color.replace(/\)$/, " / 0.25)") });
  }, [awareness, me]);

  return {
    doc: state?.doc ?? null,
    awareness,
    undo: state?.undo ?? null,
    connection,
    synced,
    cached,
    loaded,
    pending,
    saveState,
    me,
    users,
    locks,
    chat,
    presence,
    notice,
    send,
    jobs,
    trackJob,
    conflicts,
    showConflict,
  };
}

/** The graph in the document, re-read (at most once a frame) whenever it changes. */
export function useGraph(doc: Y.Doc | null) {
  const [graph, setGraph] = useState<{ elements: ElementState[]; relationships: RelationshipState[] }>({ elements: [], relationships: [] });
  useEffect(() => {
    if (!doc) return;
    let frame = 0;
    const refresh = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setGraph(snapshot(doc));
        performance.mark("loreloom:graph");
      });
    };
    refresh();
    elementsOf(doc).observeDeep(refresh);
    relationshipsOf(doc).observeDeep(refresh);
    return () => {
      cancelAnimationFrame(frame);
      elementsOf(doc).unobserveDeep(refresh);
      relationshipsOf(doc).unobserveDeep(refresh);
    };
  }, [doc]);
  return graph;
}
