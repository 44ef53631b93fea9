import { useCallback, useEffect, useRef, useState } from "react";
import { z } from "zod";
import { IndexeddbPersistence } from "y-indexeddb";
import YProvider from "y-partyserver/provider";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { ACCESS_CHANGED_CLOSE, parseServerMessage, type JobEvent } from "../../durable-objects/world-room/protocol";
import { api } from "../editor/api";
import { RoomSaves, type SaveState } from "../editor/save-state";
import type { ConnectionState } from "../editor/use-room";
import { safeColor } from "./colors";
import { chaptersOf } from "./outline-model";

const JobAnswerSchema = z.object({
  job: z.object({ id: z.string(), kind: z.string(), status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]), stage: z.string().nullable(), progress: z.number(), error: z.string().nullable().optional() }),
});

export type StoryPerson = { clientId: number; name: string; color: string; self: boolean };
export type StoryNotice = { id: number; text: string; tone: "info" | "error" };


/**
 * Joins a story's room (one per story, the contract's second document kind): the story's Y.Doc
 * over y-partyserver's provider, kept in this browser too (IndexedDB) so it opens offline and edits
 * made offline are merged on reconnect. The JSON side of the room is the world room's protocol:
 * `error` frames are shown (with `resync`, this copy is dropped and fetched again), and a socket
 * closed because access changed reloads the page. Who is here comes from awareness.
 */
export function useStoryRoom(worldId: string, storyId: string, me: { name: string; color: string }, shareToken: string | null) {
  const [state, setState] = useState<{ doc: Y.Doc; provider: YProvider } | null>(null);
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [loaded, setLoaded] = useState(false);
  const [saveState, setSaveState] = useState<SaveState>("saved");
  const [people, setPeople] = useState<StoryPerson[]>([]);
  const [notice, setNotice] = useState<StoryNotice | null>(null);
  const [generation, setGeneration] = useState(0);
  // The story's AI jobs as the room has reported them (`job` messages), newest state per job.
  const [jobs, setJobs] = useState<Map<string, JobEvent>>(new Map());
  // The jobs as last rendered, for the catch-up after (re)joining (read in handlers only).
  const jobsSeen = useRef(jobs);
  useEffect(() => {
    jobsSeen.current = jobs;
  }, [jobs]);

  useEffect(() => {
    const doc = new Y.Doc();
    const cache = new IndexeddbPersistence(`loreloom-story-${storyId}`, doc);
    void cache.whenSynced.then(() => {
      if (chaptersOf(doc).size > 0) setLoaded(true);
    });
    const provider = new YProvider(window.location.host, "room", doc, {
      prefix: `/api/worlds/${worldId}/stories/${storyId}/room`,
      protocol: window.location.protocol === "https:" ? "wss" : "ws",
      ...(shareToken ? { params: { share: shareToken } } : {}),
    });
    let noticeId = 0;
    const say = (text: string, tone: StoryNotice["tone"] = "info") => setNotice({ id: ++noticeId, text, tone });
    let online = false;
    let closed = false;
    const saves = new RoomSaves();
    const publishSaves = () => setSaveState(saves.state(online));
    // After this browser's edits, a sync request: the room's answer says it holds them all.
    let probeTimer: ReturnType<typeof setTimeout> | null = null;
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
      saves.edited();
      publishSaves();
      scheduleProbe();
    });

    // The room relays a job's progress only to those connected: a job this page knows of as
    // running may have moved on (or ended) while it was joining or away, so it asks the API.
    const catchUpJobs = async () => {
      const running = [...jobsSeen.current.values()].filter((job) => job.status === "queued" || job.status === "running");
      const answers = await Promise.all(running.map((job) => api<unknown>("GET", `/api/jobs/${job.jobId}`).then((answer) => JobAnswerSchema.safeParse(answer), () => null)));
      if (closed) return;
      setJobs((map) => {
        const next = new Map(map);
        for (const answer of answers) {
          if (!answer?.success) continue;
          const { job } = answer.data;
          const known = next.get(job.id);
          if (known && (known.status === "succeeded" || known.status === "failed" || known.status === "cancelled")) continue;
          next.set(job.id, { jobId: job.id, kind: job.kind, status: job.status, stage: job.stage ?? "queued", progress: job.progress, error: job.error ?? null });
        }
        return next;
      });
    };

    const onText = (event: MessageEvent) => {
      if (typeof event.data !== "string") return;
      const message = parseServerMessage(event.data);
      if (message?.type === "job") {
        const { type: _type, ...job } = message;
        setJobs((map) => new Map(map).set(job.jobId, job));
        return;
      }
      if (message?.type !== "error") return;
      say(message.message, "error");
      // The room refused a change this copy already holds: start again from the room's copy.
      if (message.resync) {
        saves.reset();
        publishSaves();
        void cache.clearData().then(() => setGeneration((g) => g + 1));
      }
    };
    const onBinary = (event: MessageEvent) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      const bytes = new Uint8Array(event.data);
      if (bytes[0] !== 0 || bytes[1] !== syncProtocol.messageYjsSyncStep2) return;
      saves.answered();
      publishSaves();
      if (saves.needsProbe()) scheduleProbe();
    };
    const onClose = (event: CloseEvent) => {
      if (event.code !== ACCESS_CHANGED_CLOSE || closed) return;
      provider.disconnect();
      say("Your access to this world has changed; reloading…", "error");
      setTimeout(() => window.location.reload(), 1500);
    };
    const attached = new WeakSet<WebSocket>();
    const onStatus = ({ status }: { status: string }) => {
      online = status === "connected";
      if (online) {
        const ws = provider.ws as WebSocket | null;
        if (ws && !attached.has(ws)) {
          attached.add(ws);
          ws.addEventListener("message", onText);
          ws.addEventListener("message", onBinary);
          ws.addEventListener("close", onClose);
        }
      } else saves.disconnected();
      setConnection(online ? "online" : status === "connecting" ? "connecting" : "offline");
      publishSaves();
    };
    const onSync = (synced: boolean) => {
      if (!synced) return;
      setLoaded(true);
      void catchUpJobs();
      setTimeout(scheduleProbe, 0);
    };
    provider.on("status", onStatus);
    provider.on("sync", onSync);

    const awareness = provider.awareness;
    awareness.setLocalStateField("user", { name: me.name, color: me.color });
    const readPeople = () => {
      const list: StoryPerson[] = [];
      awareness.getStates().forEach((value, clientId) => {
        const user = (value as { user?: { name?: unknown; color?: unknown } }).user;
        if (typeof user?.name !== "string") return;
        list.push({ clientId, name: user.name.slice(0, 80), color: safeColor(user.color), self: clientId === doc.clientID });
      });
      setPeople(list.sort((a, b) => Number(b.self) - Number(a.self) || a.clientId - b.clientId));
    };
    awareness.on("change", readPeople);
    readPeople();

    // The connection is an external system made here; React learns of it once it exists.
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the doc and socket are made by this effect and live until its cleanup
    setState({ doc, provider });
    return () => {
      closed = true;
      if (probeTimer) clearTimeout(probeTimer);
      awareness.off("change", readPeople);
      provider.off("status", onStatus);
      provider.off("sync", onSync);
      provider.destroy();
      void cache.destroy();
      doc.destroy();
      setState(null);
      setLoaded(false);
    };
  }, [worldId, storyId, me.name, me.color, shareToken, generation]);

  /** A job this browser just started: shown at once, before the room's first notice of it. */
  const trackJob = useCallback((job: JobEvent) => setJobs((map) => (map.has(job.jobId) ? map : new Map(map).set(job.jobId, job))), []);

  return { doc: state?.doc ?? null, provider: state?.provider ?? null, connection, loaded, saveState, people, notice, jobs, trackJob };
}
