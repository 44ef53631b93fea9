import type { Connection, ConnectionContext, WSMessage } from "partyserver";
import { YServer } from "y-partyserver";
import type * as Y from "yjs";
import {
  ACCESS_CHANGED_CLOSE,
  IDENTITY_HEADER,
  SHARE_LINK_HEADER,
  RoomUserSchema,
  parseClientMessage,
  type ClientMessage,
  type RoomUser,
  type ServerMessage,
} from "../world-room/protocol";
import { parseJsonWith } from "../../workers/lib/json";
import { log } from "../../workers/lib/log";
import type { RoomResult } from "../../workers/domain/room-types";
import { AwarenessLimits, MESSAGE_AWARENESS } from "./awareness";
import { PROJECTOR, type DocumentKind, type RoomFeatures, type UpdateAcceptance } from "./document-kind";
import type { LiveStorage } from "./live-storage";
import { ProjectionPacing } from "./pacing";
import { RoomRelay, isRelayed, type Relayed } from "./relay";
import { MESSAGE_SYNC, SYNC_STEP_1, SYNC_STEP_2, SYNC_UPDATE, bytesOf, isEmptyUpdate, isStateVectorMessage, readVarUint8Array } from "./sync-frames";
import { readUpdate } from "./update-check";

export function newId(length = 16): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  let id = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(length))) id += alphabet[byte % alphabet.length];
  return id;
}

export type ConnectionState = { user: RoomUser; shareLinkId?: string | null };
export type RoomConnection = Connection<ConnectionState>;

function readIdentity(request: Request): RoomUser | null {
  const raw = request.headers.get(IDENTITY_HEADER);
  return raw ? parseJsonWith(RoomUserSchema, raw) : null;
}

/**
 * The room machinery, whatever its document holds (ADR 18): a Durable Object with one Yjs
 * document, persisted in its SQLite as an update log compacted into a snapshot (live-storage.ts),
 * joined over WebSockets by people the Worker vetted (the identity header), live updates relayed
 * before they are applied (relay.ts, ADR 10), presence relayed within limits (awareness.ts), the
 * projection into D1 paced (pacing.ts), hibernation and one alarm. What the document holds, how
 * an update is checked, how it projects and hydrates is its document kind's (document-kind.ts);
 * what else the room does (chat, locks) is the subclass's `features`. A subclass gives its kind
 * and features and adds its typed RPC entry points.
 */
export abstract class LiveRoom<Store extends LiveStorage, Accepted extends UpdateAcceptance> extends YServer<Env> {
  static override options = { hibernate: true };
  /** onSave (compaction) runs once the room has been quiet for a second, not during a burst. */
  static override callbackOptions = { debounceWait: 1000, debounceMaxWait: 60_000 };

  /** What the document holds (made by the subclass, for this room). */
  protected abstract readonly kind: DocumentKind<Store, Accepted>;
  /** What the room does besides its document. */
  protected abstract readonly features: RoomFeatures;
  /** What a request or a join hears once what the room held was deleted. */
  protected readonly gone = { code: "world_deleted", message: "This world has been deleted." };

  /**
   * The clock editing sessions are measured by (edit-sessions.ts); tests move it on rather than
   * wait minutes for a session to end.
   */
  protected clock: () => number = () => Date.now();

  protected store!: Store;
  protected readonly pacing = new ProjectionPacing({
    waiting: () => this.store.dirtyCount(),
    scheduleAlarm: (at) => this.scheduleAlarm(at),
    projectBatch: (size) => this.kind.projectBatch(size),
    afterProjection: () => this.kind.afterProjection(),
  });
  protected readonly relay = new RoomRelay<Accepted>({
    document: () => this.document,
    store: () => this.store,
    relayed: () => this.kind.relayed,
    worldId: () => this.name,
    noteChange: () => this.pacing.noteChange(),
    compact: () => this.compact(),
    durable: () => this.ctx.storage.sync(),
    sockets: () => this.openSockets(),
    socketsChanged: () => {
      this.sockets = null;
    },
    send: (connection, message) => this.send(connection, message),
    redeliver: (connection, frame) => void this.onMessage(connection as RoomConnection, frame),
  });
  protected loadedFrom: "storage" | "d1" | "empty" = "empty";
  protected loadMs = 0;
  protected purged = false;

  // ---------------------------------------------------------------- loading and persistence

  override async onLoad(): Promise<void> {
    this.store = this.kind.openStorage(this.ctx.storage.sql);
    const started = performance.now();
    const stored = this.store.load(this.document);
    this.loadMs = performance.now() - started;
    this.relay.restore(stored?.unapplied ?? []);
    if (stored) {
      this.loadedFrom = "storage";
    } else {
      // A room with no storage of its own starts from what D1 holds (seeded worlds, older worlds).
      this.loadedFrom = (await this.kind.hydrate()) ? "d1" : "empty";
      this.store.compact(this.document);
    }
    this.document.on("update", this.openAnnouncement); // see getConnections
    // Every update is in storage before anything else can see it: this listener is registered
    // before any broadcast (YServer's and the room's are added after onLoad), so the write comes
    // first, and the output gate holds any RPC answer until it is durable.
    this.document.on("update", (update: Uint8Array, origin: unknown) => {
      if (isRelayed(origin)) return; // stored when it arrived
      this.store.append(update);
      if (this.store.needsCompaction && !this.relay.behind) this.store.compact(this.document);
    });
    // Changes by anyone but the projector mark what the next projection must write.
    for (const collection of this.kind.collections) {
      const touched = (ids: string[], transaction: Y.Transaction) => {
        const relayed = isRelayed(transaction.origin);
        if (!relayed) this.pacing.noteChange(); // a relayed update's change was noted when it arrived
        this.store.markDirty(collection.name, ids);
        // Edits arriving over a socket carry the connection (or, relayed, the person) as their origin.
        const user = relayed ? (transaction.origin as Relayed).user : (transaction.origin as RoomConnection | null)?.state?.user;
        if (user && collection.edited) collection.edited(ids, user);
      };
      if ("observe" in collection) {
        collection.observe(this.document, (ids, transaction) => {
          if (transaction.origin !== PROJECTOR && ids.length > 0) touched(ids, transaction);
        });
      } else {
        collection.type(this.document).observeDeep((events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction) => {
          if (transaction.origin !== PROJECTOR) touched(collection.touched(events), transaction);
        });
      }
    }
    await this.features.loaded();
    // Updates relayed but not applied when the room last stopped: applied now, observed.
    if (this.relay.behind) {
      this.pacing.noteChange();
      this.relay.catchUp();
    }
  }

  override async onSave(): Promise<void> {
    // Updates are logged as they happen; the debounced save only folds the log into a snapshot.
    if (this.store && this.store.logLength > 50) this.compact();
  }

  private compact() {
    this.relay.catchUp();
    this.store.compact(this.document);
  }

  /** Before any request reads or writes the document: the room is loaded, and current. */
  protected async ready(): Promise<RoomResult<never> | null> {
    await this.__unsafe_ensureInitialized();
    if (this.purged) return { ok: false, status: 410, ...this.gone };
    this.relay.catchUp();
    return null;
  }

  // ---------------------------------------------------------------- live edits

  /** Rates and client ids of awareness and presence messages (awareness.ts). */
  private readonly awareness = new AwarenessLimits();

  // ---------------------------------------------------------------- the alarm

  /** When the alarm is set for, as far as this instance knows (saves a storage call per update). */
  private alarmAt: number | null = null;

  protected async scheduleAlarm(at: number) {
    if (this.alarmAt !== null && this.alarmAt <= at && this.alarmAt > Date.now()) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) {
      await this.ctx.storage.setAlarm(at);
      this.alarmAt = at;
    } else {
      this.alarmAt = current;
    }
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.__unsafe_ensureInitialized();
    if (this.purged) return;
    await this.features.alarm();
    await this.pacing.onAlarm();
    const next = this.features.nextAlarm();
    if (next !== null) await this.scheduleAlarm(next);
  }

  // ---------------------------------------------------------------- sockets

  /** Sockets already known to be this server's connections. */
  private readonly known = new WeakSet<object>();
  /** The room's sockets as of the last connect or close (null: ask the runtime again). */
  private sockets: WebSocket[] | null = null;

  override async webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean): Promise<void> {
    this.sockets = null;
    return super.webSocketClose(ws, code, reason, wasClean);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.sockets = null;
    return super.webSocketError(ws, error);
  }

  /**
   * The room's open, vetted sockets, kept until a socket comes or goes. partyserver's hibernating
   * iterator deserializes every socket's attachment on every call to check it is one of its own,
   * and y-partyserver walked it for every update: at 50 sockets that was most of the room's time
   * per update. A socket vetted once is remembered instead (the same objects come back from
   * getWebSockets while the room is up).
   */
  private openSockets(): WebSocket[] {
    if (this.sockets) return this.sockets;
    const sockets = this.ctx.getWebSockets();
    if (sockets.some((socket) => !this.known.has(socket))) {
      for (const connection of super.getConnections()) this.known.add(connection);
    }
    this.sockets = sockets.filter((socket) => this.known.has(socket) && socket.readyState === WebSocket.OPEN);
    return this.sockets;
  }

  /**
   * The open connections (see openSockets), for partyserver's and y-partyserver's own uses; none
   * while the document announces an update (see `announcing`).
   */
  override *getConnections<TState = unknown>(tag?: string): Generator<Connection<TState>> {
    if (tag) {
      yield* super.getConnections<TState>(tag);
      return;
    }
    if (this.announcing) return;
    for (const socket of this.openSockets()) {
      if (socket.readyState === WebSocket.OPEN) yield socket as unknown as Connection<TState>;
    }
  }

  /**
   * True while the document announces an update to its `update` listeners. y-partyserver's own
   * broadcast is one of them: it sends each update at once to every connection it gets from
   * getConnections(). The room sends document updates itself (relay.ts: after storage.sync(),
   * merged, not back to the sender), so while an update is announced getConnections() yields
   * nothing and y-partyserver's broadcast sends nothing. The window opens in a listener added
   * in onLoad, before y-partyserver adds its own in onStart, and closes in the room's broadcast,
   * added after it (Yjs calls listeners in the order they were added); ADR 17.
   */
  private announcing = false;

  private readonly openAnnouncement = () => {
    this.announcing = true;
    // A listener that throws stops the ones after it: the window closes with this turn anyway.
    queueMicrotask(this.closeAnnouncement);
  };

  private readonly closeAnnouncement = () => {
    this.announcing = false;
  };

  override async onStart(): Promise<void> {
    await super.onStart();
    this.closeAnnouncement(); // updates made while loading were announced before anyone listened
    this.document.on("update", (update: Uint8Array, origin: unknown) => {
      this.closeAnnouncement();
      this.relay.broadcastUpdate(update, origin);
    });
  }

  /**
   * partyserver vets every incoming frame's socket by deserializing its attachment; the writer's
   * socket sends hundreds of frames a second, so a socket vetted once (above) skips it.
   */
  override async webSocketMessage(ws: WebSocket, message: WSMessage): Promise<void> {
    if (!this.known.has(ws)) return super.webSocketMessage(ws, message);
    await this.__unsafe_ensureInitialized();
    try {
      await this.onMessage(ws as unknown as RoomConnection, message);
    } catch (error) {
      log.error("room.message_failed", { worldId: this.name, error: String(error) });
    }
  }

  protected send(connection: Connection, message: ServerMessage) {
    try {
      connection.send(JSON.stringify(message));
    } catch {
      // the socket is closing; its close handler cleans up
    }
  }

  protected broadcastJson(message: ServerMessage, without: string[] = []) {
    this.broadcast(JSON.stringify(message), without);
  }

  protected usersHere(): RoomUser[] {
    const byId = new Map<string, RoomUser>();
    for (const connection of this.getConnections<ConnectionState>()) {
      const user = connection.state?.user;
      if (user) byId.set(user.id, user);
    }
    return [...byId.values()];
  }

  override isReadOnly(connection: Connection): boolean {
    return (connection as RoomConnection).state?.user?.role !== "owner" && (connection as RoomConnection).state?.user?.role !== "editor";
  }

  override async onConnect(connection: RoomConnection, ctx: ConnectionContext): Promise<void> {
    const user = readIdentity(ctx.request);
    if (!user || this.purged) {
      connection.close(4001, user ? this.gone.message : "Join through the app's API.");
      return;
    }
    this.sockets = null;
    const alreadyHere = this.usersHere().some((u) => u.id === user.id);
    connection.setState({ user, shareLinkId: ctx.request.headers.get(SHARE_LINK_HEADER) || null });
    this.relay.catchUp(); // the sync request below carries the document's state
    await super.onConnect(connection, ctx);
    for (const message of this.features.greet(user, this.usersHere())) this.send(connection, message);
    if (!alreadyHere) this.broadcastJson({ type: "joined", user }, [connection.id]);
  }

  override async onMessage(connection: RoomConnection, message: WSMessage): Promise<void> {
    if (this.purged) return;
    const user = connection.state?.user;
    if (!user) return;
    if (typeof message === "string") {
      const parsed = parseClientMessage(message);
      if (!parsed.ok) return this.send(connection, { type: "error", code: parsed.code, message: parsed.message });
      return this.onClientMessage(connection, user, parsed.message);
    }
    const bytes = bytesOf(message);
    if (!bytes || bytes.length < 2) {
      return this.send(connection, { type: "error", code: "invalid_message", message: "That binary message is not a Yjs sync or awareness message." });
    }
    if (bytes[0] === MESSAGE_SYNC && (bytes[1] === SYNC_STEP_2 || bytes[1] === SYNC_UPDATE)) {
      const refuse = (code: string, message: string, field?: string) => this.send(connection, { type: "error", code, message, ...(field ? { field } : {}), resync: true });
      let update: Uint8Array;
      try {
        // [messageSync, step, varUint8Array(update)]
        update = readVarUint8Array({ bytes, pos: 2 });
      } catch {
        return this.send(connection, { type: "error", code: "invalid_update", message: "That document update could not be read." });
      }
      if (bytes.length !== update.byteOffset - bytes.byteOffset + update.length) {
        return this.send(connection, { type: "error", code: "invalid_update", message: "That sync message has bytes after its update." });
      }
      // Read without building it (update-check.ts): Yjs would throw on a malformed update
      // inside y-partyserver, which logs it and answers nothing.
      const decoded = readUpdate(update);
      if (!decoded) return this.send(connection, { type: "error", code: "invalid_update", message: "That document update could not be read." });
      if (isEmptyUpdate(update)) return;
      const readOnly = this.isReadOnly(connection);
      // The live path: an editor's edit is relayed now and applied later (ADR 10); a client's
      // offline changes (sync step 2) are applied at once, to the document caught up first.
      const live = bytes[1] === SYNC_UPDATE && !readOnly;
      if (!live) this.relay.catchUp();
      // What it writes (update-rules.ts), against the document and the updates relayed since.
      let verdict = this.kind.inspect(decoded, user);
      if (!verdict.ok && verdict.uncertain && this.relay.behind) {
        this.relay.catchUp();
        verdict = this.kind.inspect(decoded, user);
      }
      // Every client answers the room's sync request with what it has; nothing new is harmless.
      if (verdict.ok && !verdict.changes) return;
      if (readOnly) return refuse("read_only", "Viewers cannot change this world.");
      if (!verdict.ok) {
        if (live && verdict.early && this.relay.holdEarly(connection, bytes)) return;
        log.warn("room.update_refused", { worldId: this.name, userId: user.id, code: verdict.code, field: verdict.field ?? null });
        return refuse(verdict.code === "needs_document" ? "invalid_update" : verdict.code, `Your change was not applied: ${verdict.message}`, verdict.field);
      }
      // The kind may hold it back (the world: someone else holds a lock on what it touches).
      const held = this.kind.admit(verdict, user);
      if (held) return refuse(held.code, held.message);
      this.store.claimClients(verdict.clients, user.id);
      if (live) {
        this.relay.relay(connection, user, update, verdict);
        return this.relay.releaseEarly(connection);
      }
    } else if (bytes[0] === MESSAGE_SYNC && bytes[1] === SYNC_STEP_1) {
      if (!isStateVectorMessage(bytes)) {
        return this.send(connection, { type: "error", code: "invalid_message", message: "That sync request could not be read." });
      }
      this.relay.catchUp(); // a sync request is answered from the document
    } else if (bytes[0] === MESSAGE_AWARENESS) {
      // Only the sender's own entries go out (awareness.ts): clients echo everyone's states.
      const verdict = this.awareness.check(connection.id, bytes);
      if ("problem" in verdict) return this.send(connection, { type: "error", ...verdict.problem });
      if (!verdict.relay) return;
      return this.handleMessage(connection, verdict.relay);
    } else {
      return this.send(connection, { type: "error", code: "invalid_message", message: "That binary message is not a Yjs sync or awareness message." });
    }
    this.handleMessage(connection, message);
  }

  private async onClientMessage(connection: RoomConnection, user: RoomUser, message: ClientMessage) {
    if (message.type === "presence") {
      if (!this.awareness.allow(connection.id)) return this.send(connection, { type: "error", code: "rate_limited", message: "Too many presence messages; slow down." });
      this.broadcastJson({ type: "presence", user, cursor: message.cursor, activeElement: message.activeElement }, [connection.id]);
      return;
    }
    return this.features.message(connection.id, user, this.isReadOnly(connection), message, (answer) => this.send(connection, answer));
  }

  override onClose(connection: RoomConnection, code: number, reason: string, wasClean: boolean): void {
    super.onClose(connection, code, reason, wasClean);
    this.relay.forget(connection.id);
    this.awareness.forget(connection.id);
    const user = connection.state?.user;
    if (!user) return;
    this.features.left(connection.id);
    const stillHere = [...this.getConnections<ConnectionState>()].some((c) => c.id !== connection.id && c.state?.user?.id === user.id);
    if (!stillHere) this.broadcastJson({ type: "left", userId: user.id }, [connection.id]);
  }

  // ---------------------------------------------------------------- RPC: access

  /**
   * Closes the sockets of someone whose access changed (removed, given another role) or of
   * everyone who joined through a revoked share link. Their clients rejoin through the Worker,
   * which checks their access afresh.
   */
  async closeAccess(match: { userId?: string; shareLinkId?: string }): Promise<{ closed: number }> {
    let closed = 0;
    for (const connection of this.getConnections<ConnectionState>()) {
      const state = connection.state;
      if (!state?.user || state.user.role === "owner") continue;
      const hit = (match.userId && state.user.id === match.userId) || (match.shareLinkId && state.shareLinkId === match.shareLinkId);
      if (!hit) continue;
      connection.close(ACCESS_CHANGED_CLOSE, "Your access to this world has changed.");
      closed += 1;
    }
    if (closed) this.sockets = null;
    return { closed };
  }

  /** Forgets everything: called when the world is deleted. */
  async purge(): Promise<void> {
    this.purged = true;
    this.relay.drop();
    for (const connection of this.getConnections()) connection.close(4004, this.gone.message);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
