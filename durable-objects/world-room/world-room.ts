import type { Connection, ConnectionContext, WSMessage } from "partyserver";
import { YServer } from "y-partyserver";
import type * as Y from "yjs";
import {
  allElements,
  allRelationships,
  contentKey,
  elementsOf,
  getElement,
  insertElement,
  insertRelationship,
  relationshipsOf,
  touchedIds,
  type ElementState,
} from "./graph-doc";
import {
  ACCESS_CHANGED_CLOSE,
  IDENTITY_HEADER,
  SHARE_LINK_HEADER,
  RoomUserSchema,
  parseClientMessage,
  type ClientMessage,
  type JobEvent,
  type RoomUser,
  type ServerMessage,
} from "./protocol";
import { parseJsonWith } from "../../workers/lib/json";
import { log } from "../../workers/lib/log";
import { RoomStorage, type StoredConflict } from "./room-storage";
import { cancelJob, createJob, limitsFrom } from "../../workers/domain/jobs";
import { IdSchema, RelationshipValueSchema, elementSchemaFor, firstIssue } from "../../workers/domain/element-fields";
import { z } from "zod";
import { getDb } from "../../workers/lib/db";
import { readUpdate, type DecodedUpdate } from "./update-check";
import { checkUpdate } from "./update-rules";
import { roomView } from "./room-view";
import { AwarenessLimits, MESSAGE_AWARENESS } from "./awareness";
import { RoomLocks } from "./locks";
import { CONFLICT_RETRY_MS, RoomConflicts } from "./conflicts";
import { RoomChat } from "./chat";
import { PROJECTOR, RoomProjection } from "./projection";
import { elementView, ownAssets, relationshipView } from "./views";
import { GraphWrites, ok, refuse } from "./graph-writes";
import { RoomRelay, isRelayed, type Relayed } from "./relay";
import { MESSAGE_SYNC, SYNC_STEP_1, SYNC_STEP_2, SYNC_UPDATE, bytesOf, isEmptyUpdate, isStateVectorMessage, readVarUint8Array } from "./sync-frames";
import type {
  Actor,
  ElementChanges,
  ElementPositions,
  ElementView,
  GenerationWrite,
  NewElement,
  NewRelationship,
  RelationshipChanges,
  RelationshipView,
  RoomResult,
  RoomStatus,
} from "../../workers/domain/room-types";

function newId(length = 16): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  let id = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(length))) id += alphabet[byte % alphabet.length];
  return id;
}

type ConnectionState = { user: RoomUser; shareLinkId?: string | null };
type RoomConnection = Connection<ConnectionState>;

function readIdentity(request: Request): RoomUser | null {
  const raw = request.headers.get(IDENTITY_HEADER);
  return raw ? parseJsonWith(RoomUserSchema, raw) : null;
}

/**
 * One room per world (SPEC §1): the single writer of the world's graph. The graph is a Yjs
 * document persisted in this object's SQLite storage as an update log compacted into a snapshot
 * (room-storage.ts), and projected into D1 (`elements`, `relationships`, `element_versions`,
 * `history`, `worlds.graph_version`) shortly after each change. REST writes arrive as the typed
 * RPC methods below and wait for the projection, so a read after a write sees it. It runs in the
 * rooms Worker (ADR 9); `env` is typed as the app's Env, but that Worker binds only what the room
 * uses: DB, JOBS_QUEUE and the generation limits.
 */
export class WorldRoom extends YServer<Env> {
  static override options = { hibernate: true };
  /** onSave (compaction) runs once the room has been quiet for a second, not during a burst. */
  static override callbackOptions = { debounceWait: 1000, debounceMaxWait: 60_000 };
  /**
   * The clock editing sessions are measured by (edit-sessions.ts); tests move it on rather than
   * wait minutes for a session to end.
   */
  private clock: () => number = () => Date.now();

  private store!: RoomStorage;
  private readonly locks = new RoomLocks({
    store: () => this.store,
    broadcast: (message) => this.broadcastJson(message),
    scheduleAlarm: (at) => this.scheduleAlarm(at),
  });
  private readonly conflicts = new RoomConflicts({
    store: () => this.store,
    locks: this.locks,
    worldId: () => this.worldId,
    broadcast: (message) => this.broadcastJson(message),
    scheduleAlarm: (at) => this.scheduleAlarm(at),
    cancelJob: (jobId) => cancelJob(getDb(this.env.DB), jobId),
    createJob: (job) => createJob(getDb(this.env.DB), this.env.JOBS_QUEUE, limitsFrom(this.env), job),
  });
  private readonly projection = new RoomProjection({
    store: () => this.store,
    document: () => this.document,
    db: () => this.env.DB,
    worldId: () => this.worldId,
    clock: () => this.clock(),
    catchUp: () => this.relay.catchUp(),
    scheduleAlarm: (at) => this.scheduleAlarm(at),
    newId: () => newId(),
  });
  private readonly graphWrites = new GraphWrites({
    store: () => this.store,
    document: () => this.document,
    db: () => this.env.DB,
    worldId: () => this.worldId,
    locks: this.locks,
    conflicts: this.conflicts,
    clock: () => this.clock(),
    ready: () => this.ready(),
    flush: () => this.projection.flush(),
    newId: () => newId(),
  });
  private readonly relay = new RoomRelay({
    document: () => this.document,
    store: () => this.store,
    worldId: () => this.worldId,
    noteChange: () => this.projection.noteChange(),
    compact: () => this.compact(),
    durable: () => this.ctx.storage.sync(),
    sockets: () => this.openSockets(),
    socketsChanged: () => {
      this.sockets = null;
    },
    send: (connection, message) => this.send(connection, message),
    redeliver: (connection, frame) => void this.onMessage(connection as RoomConnection, frame),
  });
  private readonly chat = new RoomChat({
    store: () => this.store,
    db: () => this.env.DB,
    worldId: () => this.worldId,
    broadcast: (message) => this.broadcastJson(message),
    newId: () => newId(),
  });
  private loadedFrom: RoomStatus["loadedFrom"] = "empty";
  private loadMs = 0;
  private purged = false;

  private get worldId(): string {
    return this.name;
  }

  // ---------------------------------------------------------------- loading and persistence

  override async onLoad(): Promise<void> {
    this.store = new RoomStorage(this.ctx.storage.sql);
    const started = performance.now();
    const stored = this.store.load(this.document);
    this.loadMs = performance.now() - started;
    this.relay.restore(stored?.unapplied ?? []);
    if (stored) {
      this.loadedFrom = "storage";
    } else {
      this.loadedFrom = (await this.hydrateFromD1()) ? "d1" : "empty";
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
    const watch = (kind: "element" | "relationship") => (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction) => {
      if (transaction.origin === PROJECTOR) return;
      const relayed = isRelayed(transaction.origin);
      if (!relayed) this.projection.noteChange(); // a relayed update's change was noted when it arrived
      const ids = touchedIds(events);
      this.store.markDirty(kind, ids);
      // Edits arriving over a socket carry the connection (or, relayed, the person) as their origin.
      const user = relayed ? (transaction.origin as Relayed).user : (transaction.origin as RoomConnection | null)?.state?.user;
      if (user && kind === "element") {
        for (const id of ids) {
          this.store.addEditor(id, user.id);
          if (!this.store.versionAction(id)) this.store.setVersionCause(id, "edited", user.id);
        }
      }
    };
    elementsOf(this.document).observeDeep(watch("element"));
    relationshipsOf(this.document).observeDeep(watch("relationship"));
    // A conflict decided but not queued when the room stopped: its alarm queues it (conflicts.ts).
    if (this.conflicts.anyPending) await this.scheduleAlarm(Date.now() + CONFLICT_RETRY_MS);
    // Updates relayed but not applied when the room last stopped: applied now, observed.
    if (this.relay.behind) {
      this.projection.noteChange();
      this.relay.catchUp();
    }
  }

  /** A room with no storage of its own starts from what D1 holds (seeded worlds, older worlds). */
  private async hydrateFromD1(): Promise<boolean> {
    const [elementRows, relationshipRows] = await this.env.DB.batch<Record<string, unknown>>([
      this.env.DB.prepare(
        "select id, type, name, description, secret, x, y, tags, assets, metadata, version, created_by, created_at, updated_at from elements where world_id = ? order by created_at, id",
      ).bind(this.worldId),
      this.env.DB.prepare(
        "select id, from_id, to_id, kind, label, created_at, updated_at from relationships where world_id = ? order by created_at, id",
      ).bind(this.worldId),
    ]);
    const elements = elementRows?.results ?? [];
    const relationships = relationshipRows?.results ?? [];
    if (elements.length === 0 && relationships.length === 0) return false;
    const elementSchema = elementSchemaFor(this.worldId);
    const known = new Set<string>();
    this.document.transact(() => {
      for (const row of elements) {
        // Rows were written by this room or by import and fork, all checked; one that still does
        // not read as an element is left out of the document (and logged), not the whole world.
        const parsed = elementSchema.safeParse({
          id: row.id,
          type: row.type,
          name: row.name,
          description: row.description ?? "",
          x: row.x,
          y: row.y,
          tags: parseJsonWith(z.unknown(), String(row.tags ?? "[]")),
          assets: ownAssets(parseJsonWith(z.unknown(), String(row.assets ?? "{}")), this.worldId),
          metadata: parseJsonWith(z.unknown(), String(row.metadata ?? "{}")),
        });
        if (!parsed.success) {
          log.error("room.hydrate_skipped_element", { worldId: this.worldId, elementId: String(row.id), issue: firstIssue(parsed.error).field });
          continue;
        }
        const element: ElementState = {
          ...parsed.data,
          version: Number(row.version) || 0,
          createdBy: typeof row.created_by === "string" ? row.created_by : null,
          createdAt: Number(row.created_at) || 0,
          updatedAt: Number(row.updated_at) || 0,
        };
        known.add(element.id);
        insertElement(this.document, element);
        const secret = typeof row.secret === "string" ? row.secret : null;
        if (secret) this.store.setSecret(element.id, secret);
        this.store.setProjected(element.id, element.version, contentKey(element, secret));
      }
      for (const row of relationships) {
        const parsed = RelationshipValueSchema.safeParse({
          from: row.from_id,
          to: row.to_id,
          kind: row.kind,
          label: row.label ?? "",
          createdAt: Number(row.created_at) || 0,
          updatedAt: Number(row.updated_at) || 0,
        });
        if (!parsed.success || !known.has(parsed.data.from) || !known.has(parsed.data.to) || !IdSchema.safeParse(row.id).success) {
          log.error("room.hydrate_skipped_relationship", { worldId: this.worldId, relationshipId: String(row.id) });
          continue;
        }
        insertRelationship(this.document, { id: String(row.id), ...parsed.data });
      }
    }, PROJECTOR);
    return true;
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
  private async ready(): Promise<RoomResult<never> | null> {
    await this.__unsafe_ensureInitialized();
    if (this.purged) return refuse(410, "world_deleted", "This world has been deleted.");
    this.relay.catchUp();
    return null;
  }

  // ---------------------------------------------------------------- live edits

  /** Rates and client ids of awareness and presence messages (awareness.ts). */
  private readonly awareness = new AwarenessLimits();

  // ---------------------------------------------------------------- the alarm

  /** When the alarm is set for, as far as this instance knows (saves a storage call per update). */
  private alarmAt: number | null = null;

  private async scheduleAlarm(at: number) {
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
    this.locks.expire();
    await this.conflicts.completePending();
    await this.projection.onAlarm();
    const next = this.locks.nextExpiry();
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
      log.error("room.message_failed", { worldId: this.worldId, error: String(error) });
    }
  }

  private send(connection: Connection, message: ServerMessage) {
    try {
      connection.send(JSON.stringify(message));
    } catch {
      // the socket is closing; its close handler cleans up
    }
  }

  private broadcastJson(message: ServerMessage, without: string[] = []) {
    this.broadcast(JSON.stringify(message), without);
  }

  private usersHere(): RoomUser[] {
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
      connection.close(4001, user ? "This world has been deleted." : "Join through /api/worlds/:id/room.");
      return;
    }
    this.sockets = null;
    const alreadyHere = this.usersHere().some((u) => u.id === user.id);
    connection.setState({ user, shareLinkId: ctx.request.headers.get(SHARE_LINK_HEADER) || null });
    this.relay.catchUp(); // the sync request below carries the document's state
    await super.onConnect(connection, ctx);
    this.send(connection, { type: "welcome", you: user, users: this.usersHere(), locks: this.locks.active() });
    for (const message of this.chat.recent()) this.send(connection, message);
    for (const message of this.conflicts.openMessages()) this.send(connection, message);
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
      let verdict = this.checkUpdate(decoded, user);
      if (!verdict.ok && verdict.uncertain && this.relay.behind) {
        this.relay.catchUp();
        verdict = this.checkUpdate(decoded, user);
      }
      // Every client answers the room's sync request with what it has; nothing new is harmless.
      if (verdict.ok && !verdict.changes) return;
      if (readOnly) return refuse("read_only", "Viewers cannot change this world.");
      if (!verdict.ok) {
        if (live && verdict.early && this.relay.holdEarly(connection, bytes)) return;
        log.warn("room.update_refused", { worldId: this.worldId, userId: user.id, code: verdict.code, field: verdict.field ?? null });
        return refuse(verdict.code === "needs_document" ? "invalid_update" : verdict.code, `Your change was not applied: ${verdict.message}`, verdict.field);
      }
      // Most updates arrive when nothing is locked (the count is kept in memory).
      const lock = this.locks.any ? this.locks.heldAgainst(user.id, verdict.touched) : null;
      if (lock) return refuse("locked", `${lock.by.name} is editing that element; your change was not applied.`);
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

  /** What an update writes, checked against the document and the updates relayed since (update-rules.ts). */
  private checkUpdate(decoded: DecodedUpdate, user: RoomUser) {
    return checkUpdate(decoded, roomView(this.document, this.relay.relayed, (client) => this.store.ownerOf(client)), user, this.worldId);
  }

  private async onClientMessage(connection: RoomConnection, user: RoomUser, message: ClientMessage) {
    switch (message.type) {
      case "chat":
        return this.chat.post(user, message.text);
      case "presence":
        if (!this.awareness.allow(connection.id)) return this.send(connection, { type: "error", code: "rate_limited", message: "Too many presence messages; slow down." });
        this.broadcastJson({ type: "presence", user, cursor: message.cursor, activeElement: message.activeElement }, [connection.id]);
        return;
      case "lock": {
        if (this.isReadOnly(connection)) {
          return this.send(connection, { type: "error", code: "read_only", message: "Viewers cannot lock elements." });
        }
        // From here on editors' updates are inspected against the document (see onMessage).
        this.relay.catchUp();
        if (!elementsOf(this.document).has(message.elementId)) {
          return this.send(connection, { type: "error", code: "not_found", message: "That element is not in this world." });
        }
        const refused = await this.locks.take(user, connection.id, message.elementId);
        if (refused) this.send(connection, { type: "error", ...refused });
        return;
      }
      case "unlock": {
        const refused = this.locks.release(user, message.elementId);
        if (refused) this.send(connection, { type: "error", ...refused });
        return;
      }
      case "conflictChoice":
        return this.conflicts.choose(user, this.isReadOnly(connection), message.conflictId, message.choice, (answer) => this.send(connection, answer));
    }
  }

  override onClose(connection: RoomConnection, code: number, reason: string, wasClean: boolean): void {
    super.onClose(connection, code, reason, wasClean);
    this.relay.forget(connection.id);
    this.awareness.forget(connection.id);
    const user = connection.state?.user;
    if (!user) return;
    this.locks.releaseOf(connection.id);
    const stillHere = [...this.getConnections<ConnectionState>()].some((c) => c.id !== connection.id && c.state?.user?.id === user.id);
    if (!stillHere) this.broadcastJson({ type: "left", userId: user.id }, [connection.id]);
  }

  // ---------------------------------------------------------------- RPC: graph writes (graph-writes.ts)

  async createElement(actor: Actor, input: NewElement): Promise<RoomResult<{ element: ElementView }>> {
    return this.graphWrites.createElement(actor, input);
  }

  async updateElement(actor: Actor, id: string, changes: ElementChanges): Promise<RoomResult<{ element: ElementView }>> {
    return this.graphWrites.updateElement(actor, id, changes);
  }

  async deleteElements(actor: Actor, ids: string[]): Promise<RoomResult<{ elements: ElementView[]; relationships: RelationshipView[] }>> {
    return this.graphWrites.deleteElements(actor, ids);
  }

  async moveElements(actor: Actor, positions: ElementPositions): Promise<RoomResult<{ updated: number }>> {
    return this.graphWrites.moveElements(actor, positions);
  }

  async restoreVersion(actor: Actor, id: string, version: number): Promise<RoomResult<{ element: ElementView }>> {
    return this.graphWrites.restoreVersion(actor, id, version);
  }

  /** *Save version*: ends the element's open editing session (ADR 15). */
  async saveVersion(actor: Actor, id: string): Promise<RoomResult<{ version: number; alreadySaved: boolean }>> {
    return this.graphWrites.saveVersion(actor, id);
  }

  async createRelationship(actor: Actor, input: NewRelationship): Promise<RoomResult<{ relationship: RelationshipView }>> {
    return this.graphWrites.createRelationship(actor, input);
  }

  async updateRelationship(actor: Actor, id: string, changes: RelationshipChanges): Promise<RoomResult<{ relationship: RelationshipView }>> {
    return this.graphWrites.updateRelationship(actor, id, changes);
  }

  async deleteRelationship(actor: Actor, id: string): Promise<RoomResult<{ relationship: RelationshipView }>> {
    return this.graphWrites.deleteRelationship(actor, id);
  }

  /** Writes a finished job's elements and relationships (graph-writes.ts). */
  async applyGeneration(actor: Actor, write: GenerationWrite): Promise<RoomResult<{ elements: ElementView[] }>> {
    return this.graphWrites.applyGeneration(actor, write);
  }

  // ---------------------------------------------------------------- RPC: housekeeping

  /** What the room holds; loading it is the rehydration the bench times. */
  // ---------------------------------------------------------------- RPC: generation jobs

  /** Locks an element under a job's name while the job works on it (D3); a person's lock stays. */
  async jobLock(elementId: string, jobId: string): Promise<RoomResult<{ locked: boolean }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    if (!elementsOf(this.document).has(elementId)) return ok({ locked: false });
    // A job passed over in a conflict (or cancelled) renewing its lease would hold the element
    // under its name while the chosen request runs.
    if (this.store.jobFate(jobId) === "cancelled") return ok({ locked: false });
    return ok({ locked: await this.locks.takeForJob(elementId, jobId) });
  }

  async jobUnlock(elementId: string, jobId: string): Promise<void> {
    await this.__unsafe_ensureInitialized();
    this.locks.releaseForJob(elementId, jobId);
  }

  /** Relays a job's progress to everyone in the room. */
  async jobEvent(event: JobEvent): Promise<void> {
    await this.__unsafe_ensureInitialized();
    this.broadcastJson({ type: "job", ...event });
  }

  /**
   * Keeps a conflict until someone chooses, and shows it to everyone here (D4) — unless there is
   * nothing to choose: request A's result is already applied (`refined_meanwhile`; with
   * `baseVersion` at or past the element's version its author has seen that result, and their
   * request runs on its own: `opened: false`), or A was cancelled (`opened: false`), or another
   * choice about the element is open (`conflict_open`). Queued behind writes, so a result being
   * applied is in D1 before this answers.
   */
  async openConflict(conflict: StoredConflict, baseVersion: number | null = null): Promise<RoomResult<{ opened: boolean }>> {
    return this.graphWrites.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      return this.conflicts.open(conflict, baseVersion, (elementId) => getElement(this.document, elementId)?.version ?? null);
    });
  }

  /**
   * Stops a job's result from ever being applied (a person cancelled it); false once it has been
   * applied. The job itself stops at its next stage.
   */
  async stopJob(jobId: string): Promise<RoomResult<{ stopped: boolean }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    return ok({ stopped: this.store.settleJob(jobId, "cancelled") === "cancelled" });
  }

  async status(): Promise<RoomResult<RoomStatus>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    return ok({
      elements: elementsOf(this.document).size,
      relationships: relationshipsOf(this.document).size,
      loadedFrom: this.loadedFrom,
      loadMs: this.loadMs,
      logLength: this.store.logLength,
      pendingProjection: this.store.dirtyCount(),
    });
  }

  /** The whole graph as the room holds it (tests compare it with the D1 projection). */
  async graph(withSecrets: boolean): Promise<RoomResult<{ elements: ElementView[]; relationships: RelationshipView[] }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    const elements = allElements(this.document).map((e) => elementView(e, withSecrets ? (this.store.getSecret(e.id) ?? "") : undefined));
    const relationships = allRelationships(this.document).map((r) => relationshipView(r));
    return ok({ elements, relationships });
  }

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
    for (const connection of this.getConnections()) connection.close(4004, "This world has been deleted.");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
