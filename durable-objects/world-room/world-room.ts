import type { Connection, ConnectionContext, WSMessage } from "partyserver";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { YServer } from "y-partyserver";
import { applyUpdate, mergeUpdates } from "yjs";
import type * as Y from "yjs";
import type { ElementAssets } from "../../drizzle/schema";
import type { GenerationInput } from "../../workers/domain/jobs";
import {
  CONTENT_KEY_LAYOUT,
  allElements,
  allRelationships,
  contentKey,
  contentKeyValues,
  elementsOf,
  getElement,
  getRelationship,
  insertElement,
  insertRelationship,
  contentKeyHasName,
  elementMap,
  patchElement,
  readElementChecked,
  patchRelationship,
  relationshipsOf,
  removeElement,
  stampElement,
  touchedIds,
  type ElementPatch,
  type ElementState,
  type RelationshipState,
} from "./graph-doc";
import {
  ACCESS_CHANGED_CLOSE,
  CHAT_HISTORY_ON_JOIN,
  IDENTITY_HEADER,
  SHARE_LINK_HEADER,
  LOCK_LEASE_MS,
  RoomUserSchema,
  parseClientMessage,
  type ChatMessage,
  type ClientMessage,
  type JobEvent,
  type RoomUser,
  type ServerMessage,
} from "./protocol";
import { parseJsonWith } from "../../workers/lib/json";
import { log } from "../../workers/lib/log";
import { RoomStorage, type ConflictOutcome, type PendingHistory, type StoredConflict } from "./room-storage";
import {
  SESSION_QUIET_MS,
  changedFields,
  decideVersion,
  extendHistorySession,
  historyAction,
  historySummary,
  type ElementEdit,
  type HistorySession,
  type VersionSession,
} from "./edit-sessions";
import { cancelJob, createJob, limitsFrom } from "../../workers/domain/jobs";
import { refreshSearchIndex } from "../../workers/domain/gallery";
import { VersionSnapshotSchema } from "../../workers/domain/graph";
import { IdSchema, RelationshipValueSchema, elementSchemaFor, firstIssue, worldOfAssetKey } from "../../workers/domain/element-fields";
import { z } from "zod";
import { writeElements, writeRelationships, writeVersions, type ElementRowJson, type VersionRowJson } from "../../workers/domain/graph-rows";
import { getDb } from "../../workers/lib/db";
import { readUpdate, type DecodedUpdate } from "./update-check";
import { checkUpdate, type Acceptance } from "./update-rules";
import { RelayedIndex, roomView } from "./room-view";
import { AwarenessLimits, MESSAGE_AWARENESS } from "./awareness";
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
  VersionSnapshot,
} from "../../workers/domain/room-types";

type JobModalities = GenerationInput["modalities"];

/** A conflict whose chosen request is not queued yet is tried again by the alarm this soon. */
const CONFLICT_RETRY_MS = 2_000;
const RAN_FIRST = "Request A had already run before anyone chose, so it is the one that ran; the other request was not run.";

/** Early live updates held per connection, and how long one waits for what it continues. */
const EARLY_LIMIT = 16;
const EARLY_WAIT_MS = 2_000;
/** A job holds an element's lock for this long; it renews the lease at every stage. */
const JOB_LOCK_MS = 120_000;

/** The lock holder a generation job appears as (D3). */
function jobHolder(jobId: string): RoomUser {
  return { id: `job:${jobId}`, name: `AI (job ${jobId.slice(0, 6)})`, role: "editor", color: "hsl(265 70% 55%)" };
}

/** Transactions the room makes itself while projecting (versions, timestamps): not user changes. */
const PROJECTOR = Symbol("projector");
/**
 * The origin of the room catching its document up with updates it relayed earlier (see relay):
 * already stored and sent, and credited to the person who sent them (null: replayed on load).
 */
type Relayed = { relayed: true; user: RoomUser | null };
const isRelayed = (origin: unknown): origin is Relayed => typeof origin === "object" && origin !== null && (origin as Relayed).relayed === true;
/** How soon after a change the background projection into D1 looks at it. */
const PROJECTION_DELAY_MS = 500;
/**
 * Live edits come first: the background projection waits until the room has been quiet this long
 * (a pause in typing or dragging)...
 */
const PROJECTION_QUIET_MS = 300;
/** ...but never leaves a change out of D1 for longer than this, however busy the room is. */
const PROJECTION_MAX_WAIT_MS = 20_000;
/**
 * Elements or relationships written to D1 per batch (a handful of statements whatever the size).
 * Batches keep the room answering between them: one batch of a few hundred new elements held
 * every broadcast behind it. In the background (the alarm) batches are small and spaced out, so
 * that each holds the room for a couple of milliseconds at most; a request waiting for its write
 * to be projected gets larger ones, back to back.
 */
const PROJECTION_BATCH = { background: 10, waiting: 50 };
/** The pause between background projection batches. */
const PROJECTION_PACE_MS = 15;
/**
 * The gallery's search row (element names) is rewritten at most this often per room: a burst of
 * renames costs one D1 batch, written a few seconds later by the alarm.
 */
const SEARCH_REFRESH_MS = 5_000;


const ok = <T>(value: T): RoomResult<T> => ({ ok: true, value });
const refuse = <T>(status: 400 | 403 | 404 | 409 | 410, code: string, message: string): RoomResult<T> => ({
  ok: false,
  status,
  code,
  message,
});

/** lib0's varUint8Array: a varUint length, then the bytes. */
function readVarUint8Array(decoder: { bytes: Uint8Array; pos: number }): Uint8Array {
  let length = 0;
  let shift = 0;
  for (;;) {
    const byte = decoder.bytes[decoder.pos++];
    if (byte === undefined) throw new Error("truncated");
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
    shift += 7;
    if (shift > 35) throw new Error("length too long");
  }
  if (decoder.pos + length > decoder.bytes.length) throw new Error("truncated");
  return decoder.bytes.subarray(decoder.pos, decoder.pos + length);
}

/**
 * An element's media keys that belong to `worldId`; a key of another world (or anything that is
 * not a key) is dropped: a world's elements only ever show its own files.
 */
function ownAssets(assets: unknown, worldId: string): ElementAssets {
  if (typeof assets !== "object" || assets === null) return {};
  const own: ElementAssets = {};
  for (const kind of ["image", "video", "audio"] as const) {
    const key = (assets as Record<string, unknown>)[kind];
    if (typeof key === "string" && worldOfAssetKey(key) === worldId) own[kind] = key;
  }
  return own;
}

/** Whether a sync request is `[0, 0, varUint8Array(state vector)]` and nothing else. */
function isStateVectorMessage(bytes: Uint8Array): boolean {
  try {
    const vector = readVarUint8Array({ bytes, pos: 2 });
    if (vector.byteOffset - bytes.byteOffset + vector.length !== bytes.length) return false;
    const decoder = decoding.createDecoder(vector);
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i += 1) {
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
    }
    return !decoding.hasContent(decoder);
  } catch {
    return false;
  }
}

/** A v1 update with no structs and no deletions: what a client with nothing new sends. */
const isEmptyUpdate = (update: Uint8Array) => update.length === 2 && update[0] === 0 && update[1] === 0;

function newId(length = 16): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  let id = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(length))) id += alphabet[byte % alphabet.length];
  return id;
}

const quote = (name: string) => `“${name}”`;

type ConnectionState = { user: RoomUser; shareLinkId?: string | null };
type RoomConnection = Connection<ConnectionState>;

const MESSAGE_SYNC = 0;
const SYNC_STEP_1 = 0;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;


function readIdentity(request: Request): RoomUser | null {
  const raw = request.headers.get(IDENTITY_HEADER);
  return raw ? parseJsonWith(RoomUserSchema, raw) : null;
}

function bytesOf(message: WSMessage): Uint8Array | null {
  if (typeof message === "string") return null;
  if (message instanceof ArrayBuffer) return new Uint8Array(message);
  return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
}

type ProjectionRows = {
  removedElements: string[];
  elements: ElementRowJson[];
  versions: VersionRowJson[];
  removedRelationships: string[];
  relationships: RelationshipState[];
  history: PendingHistory[];
};

/**
 * The D1 statements of one projection batch. Rows travel as JSON arrays expanded by `json_each`
 * (graph-rows.ts): a handful of statements per batch whatever its size.
 */
function projectionStatements(db: D1Database, worldId: string, now: number, rows: ProjectionRows): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  const json = (value: unknown) => JSON.stringify(value);
  if (rows.removedElements.length) {
    statements.push(db.prepare("delete from elements where world_id = ?1 and id in (select value from json_each(?2))").bind(worldId, json(rows.removedElements)));
  }
  statements.push(...writeVersions(db, worldId, now, rows.versions, "upsert"));
  statements.push(...writeElements(db, worldId, rows.elements, "upsert"));
  if (rows.removedRelationships.length) {
    statements.push(db.prepare("delete from relationships where world_id = ?1 and id in (select value from json_each(?2))").bind(worldId, json(rows.removedRelationships)));
  }
  statements.push(...writeRelationships(db, worldId, rows.relationships, "upsert"));
  if (rows.history.length) {
    statements.push(
      db
        .prepare(
          `insert into history (id, world_id, user_id, action, summary, prompt, element_ids, created_at)
           select value ->> '$.id', ?1, value ->> '$.userId', value ->> '$.action', value ->> '$.summary', value ->> '$.prompt',
             value -> '$.elementIds', value ->> '$.createdAt'
           from json_each(?2) where true
           on conflict (id) do update set action = excluded.action, summary = excluded.summary,
             element_ids = excluded.element_ids, created_at = excluded.created_at`,
        )
        .bind(worldId, json(rows.history)),
    );
  }
  statements.push(db.prepare("update worlds set graph_version = graph_version + 1, updated_at = ? where id = ?").bind(now, worldId));
  return statements;
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
  private loadedFrom: RoomStatus["loadedFrom"] = "empty";
  private loadMs = 0;
  private purged = false;
  private flushing: Promise<void> | null = null;

  private get worldId(): string {
    return this.name;
  }

  // ---------------------------------------------------------------- loading and persistence

  override async onLoad(): Promise<void> {
    this.store = new RoomStorage(this.ctx.storage.sql);
    const started = performance.now();
    const stored = this.store.load(this.document);
    this.loadMs = performance.now() - started;
    for (const update of stored?.unapplied ?? []) this.pending.push({ update, user: null });
    if (stored) {
      this.loadedFrom = "storage";
    } else {
      this.loadedFrom = (await this.hydrateFromD1()) ? "d1" : "empty";
      this.store.compact(this.document);
    }
    // Every update is in storage before anything else can see it: this listener is registered
    // before y-partyserver's broadcast (which YServer adds after onLoad), so the write comes
    // first, and the output gate holds the broadcast and any RPC answer until it is durable.
    this.document.on("update", (update: Uint8Array, origin: unknown) => {
      if (isRelayed(origin)) return; // stored when it arrived
      this.store.append(update);
      if (this.store.needsCompaction && this.pending.length === 0) this.store.compact(this.document);
    });
    // Changes by anyone but the projector mark what the next projection must write.
    const watch = (kind: "element" | "relationship") => (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction) => {
      if (transaction.origin === PROJECTOR) return;
      const relayed = isRelayed(transaction.origin);
      if (!relayed) this.noteChange(); // a relayed update's change was noted when it arrived
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
    // A conflict decided but not queued when the room stopped: its alarm queues it (see chooseInConflict).
    if (this.store.pendingConflictIds().length) await this.scheduleAlarm(Date.now() + CONFLICT_RETRY_MS);
    // Updates relayed but not applied when the room last stopped: applied now, observed.
    if (this.pending.length) {
      this.noteChange();
      this.catchUp();
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
    this.catchUp();
    this.store.compact(this.document);
  }

  /** Before any request reads or writes the document: the room is loaded, and current. */
  private async ready(): Promise<RoomResult<never> | null> {
    await this.__unsafe_ensureInitialized();
    if (this.purged) return refuse(410, "world_deleted", "This world has been deleted.");
    this.catchUp();
    return null;
  }

  // ---------------------------------------------------------------- live edits

  /** Updates relayed to everyone but not yet applied to the document, in order. */
  private pending: Array<{ update: Uint8Array; user: RoomUser | null }> = [];
  /** Where the items of those updates sit, for checking the next ones (room-view.ts). */
  private readonly relayed = new RelayedIndex();
  /** Rates and client ids of awareness and presence messages (awareness.ts). */
  private readonly awareness = new AwarenessLimits();

  /**
   * An editor's live update while nothing is locked: stored, sent on to everyone once storage has
   * it, and applied to the document later (catchUp), as soon as anything reads the document: a
   * join, a request, the projection, a lock, compaction. Applying an update builds Yjs's objects
   * for it, and the room's tail latency was the garbage collector walking and moving them while
   * fifty sockets waited (ADR 10): relayed this way, a burst of typing or dragging costs the room
   * a write and the sends, and its document catches up once, in one transaction per person, when
   * the room next needs it (at the latest when the projection runs: within 300 ms of a pause, or
   * 20 s into a burst). Storage notes where the unapplied part of the log starts, so a room that
   * stops before catching up applies the rest on load.
   */
  private relay(connection: RoomConnection, user: RoomUser, update: Uint8Array, accepted: Acceptance) {
    this.store.appendUnapplied(update);
    this.pending.push({ update, user });
    this.relayed.add(accepted);
    this.noteChange();
    this.broadcastUpdate(update, connection);
    if (this.store.needsCompaction) this.compact();
  }

  /** Applies the relayed updates the document has not seen, a transaction per person's run of them. */
  private catchUp() {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    this.relayed.clear();
    for (let start = 0, end = 0; start < pending.length; start = end) {
      const user = pending[start]!.user;
      end = start + 1;
      while (end < pending.length && pending[end]!.user?.id === user?.id) end += 1;
      const origin: Relayed = { relayed: true, user };
      this.document.transact(() => {
        for (let index = start; index < end; index += 1) {
          try {
            applyUpdate(this.document, pending[index]!.update, origin);
          } catch (error) {
            // update-check.ts let it through, so Yjs should not throw (its fuzz test holds it to that)
            log.error("room.catch_up_failed", { worldId: this.worldId, error: String(error) });
          }
        }
      }, origin);
    }
    this.store.markApplied();
  }

  /** A change by anyone but the projector: the projection waits for a pause, then writes it. */
  private noteChange() {
    this.changedAt = Date.now();
    this.waitingSince ??= this.changedAt;
    void this.scheduleProjection();
  }

  // ---------------------------------------------------------------- projection into D1

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

  private async scheduleProjection() {
    await this.scheduleAlarm(Date.now() + PROJECTION_DELAY_MS);
  }

  /** When the last change by anyone but the projector was made (0: none since the room started). */
  private changedAt = 0;
  /** Since when changes have been waiting for the projection (null: nothing waits, or unknown). */
  private waitingSince: number | null = null;

  /**
   * When the background projection may run: once the room is quiet, or once changes have waited
   * PROJECTION_MAX_WAIT_MS. After a restart nothing is known about the wait, so it runs at once.
   */
  private projectionDueAt(): number {
    if (this.waitingSince === null) return 0;
    return Math.min(this.changedAt + PROJECTION_QUIET_MS, this.waitingSince + PROJECTION_MAX_WAIT_MS);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.__unsafe_ensureInitialized();
    if (this.purged) return;
    this.expireLocks();
    for (const conflictId of this.store.pendingConflictIds()) await this.completeConflict(conflictId);
    const due = this.projectionDueAt();
    if (Date.now() < due) await this.scheduleAlarm(due);
    else await this.flush({ paced: true });
    const next = this.store.nextLockExpiry();
    if (next !== null) await this.scheduleAlarm(next);
  }

  /** Writes every pending change to D1; concurrent callers share one run and then run again. */
  async flush({ paced = false }: { paced?: boolean } = {}): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.project(paced)
      .then(() => this.refreshSearch())
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
    if (this.store.dirtyCount() > 0) await this.scheduleProjection();
    else this.waitingSince = null;
  }

  private searchRefreshedAt = 0;

  /** Rewrites the world's gallery search row once names changed, throttled (catalogue F1). */
  private async refreshSearch(): Promise<void> {
    if (!this.store.searchStale) return;
    const due = this.searchRefreshedAt + SEARCH_REFRESH_MS;
    if (Date.now() < due) return this.scheduleAlarm(due);
    this.searchRefreshedAt = Date.now();
    await refreshSearchIndex(this.env.DB, this.worldId);
    this.store.clearSearchStale();
  }

  /**
   * Projects in small batches until nothing is left, serving socket messages in between. In the
   * background (the alarm) batches are spaced out: back to back, they kept the room busy for a
   * hundred milliseconds at a time and the broadcasts queued behind them (locally D1 shares the
   * room's thread). Callers waiting to answer a request get theirs without the spacing.
   */
  private async project(paced: boolean): Promise<void> {
    while (await this.projectBatch(paced ? PROJECTION_BATCH.background : PROJECTION_BATCH.waiting)) {
      await new Promise((resolve) => setTimeout(resolve, paced ? PROJECTION_PACE_MS : 0));
      // Edits started again: the background projection gives way (flush reschedules it).
      if (paced && Date.now() < this.projectionDueAt()) return;
    }
  }

  /** Writes one batch of pending changes to D1; true when more are waiting. */
  private async projectBatch(size: number): Promise<boolean> {
    this.catchUp();
    const slice = this.store.dirtySlice(size);
    const elementIds = slice.elements.map((mark) => mark.id);
    const relationshipIds = slice.relationships.map((mark) => mark.id);
    const history = this.store.pendingHistory();
    if (elementIds.length === 0 && relationshipIds.length === 0 && history.length === 0) return false;
    const now = Date.now();
    const sessionNow = this.clock();
    const projected: Array<{ id: string; version: number; key: string } | { id: string; removed: true }> = [];
    const versionBumps: Array<{ id: string; version: number }> = [];
    const versionSessions: Array<{ id: string; session: VersionSession | null }> = [];
    /** Each person's edits in this batch, for their session's history entry. */
    const editsBy = new Map<string, ElementEdit[]>();
    const rows: ProjectionRows = { removedElements: [], elements: [], versions: [], removedRelationships: [], relationships: [], history: [...history] };
    let namesChanged = false;

    for (const id of elementIds) {
      const map = elementMap(this.document, id);
      const read = map ? readElementChecked(id, map) : null;
      if (read?.repaired.length) log.error("room.element_repaired", { worldId: this.worldId, elementId: id, fields: read.repaired });
      const element = read ? { ...read.element, assets: ownAssets(read.element.assets, this.worldId) } : null;
      if (!element) {
        rows.removedElements.push(id);
        projected.push({ id, removed: true });
        namesChanged = true;
        continue;
      }
      const secret = this.store.getSecret(id);
      const key = contentKey(element, secret);
      const last = this.store.getProjected(id);
      let version = Math.max(element.version, last?.version ?? 0);
      const contentChanged = !last || last.key !== key;
      if (contentChanged && (!last || !contentKeyHasName(last.key, element))) namesChanged = true;
      const editors = this.store.editorsOf(id);
      if (contentChanged) {
        // A person's edits in one session are one version, rewritten in place (edit-sessions.ts).
        const decision = decideVersion({
          cause: this.store.versionCause(id),
          editors,
          projectedBefore: Boolean(last),
          lastVersion: Math.max(last?.version ?? 0, element.version),
          session: this.store.getVersionSession(id),
          now: sessionNow,
        });
        version = decision.version;
        versionBumps.push({ id, version });
        versionSessions.push({ id, session: decision.session });
        const snapshot: VersionSnapshot = { ...this.view({ ...element, version, updatedAt: now }, true), secret: secret ?? "" };
        rows.versions.push({ id, version, snapshot: JSON.stringify(snapshot), action: decision.action, userId: decision.userId });
      }
      if (editors.length) {
        const before = last ? contentKeyValues(last.key) : null;
        const after = contentKeyValues(key);
        const edit: ElementEdit = !last
          ? { id, kind: "created", fields: [] }
          : contentChanged
            ? { id, kind: "edited", fields: after ? changedFields(before, after, CONTENT_KEY_LAYOUT) : [] }
            : { id, kind: "moved", fields: [] };
        for (const userId of editors) editsBy.set(userId, [...(editsBy.get(userId) ?? []), edit]);
      }
      rows.elements.push({
        id,
        type: element.type,
        name: element.name,
        description: element.description,
        secret,
        x: element.x,
        y: element.y,
        tags: element.tags,
        assets: element.assets,
        metadata: element.metadata,
        version,
        createdBy: element.createdBy,
        createdAt: element.createdAt || now,
        updatedAt: contentChanged ? now : element.updatedAt || now,
      });
      projected.push({ id, version, key });
    }

    // Each person's edits (live or through the API) extend their session's one history entry.
    const historySessions: Array<[string, HistorySession]> = [];
    const nameOf = (id: string) => getElement(this.document, id)?.name ?? null;
    for (const [userId, edits] of editsBy) {
      const session = extendHistorySession(this.store.getHistorySession(userId), edits, sessionNow, newId);
      historySessions.push([userId, session]);
      rows.history.push({
        id: session.id,
        action: historyAction(session),
        summary: historySummary(session, nameOf),
        prompt: null,
        elementIds: [...session.created, ...session.edited, ...session.moved].slice(0, 100),
        userId,
        createdAt: now,
      });
    }

    for (const id of relationshipIds) {
      const rel = getRelationship(this.document, id);
      if (!rel || !getElement(this.document, rel.from) || !getElement(this.document, rel.to)) {
        rows.removedRelationships.push(id);
        continue;
      }
      rows.relationships.push({ ...rel, createdAt: rel.createdAt || now, updatedAt: rel.updatedAt || now });
    }

    // One transaction per batch, a few statements whatever its size (rows travel as JSON arrays); it
    // bumps the graph version so no reader keeps a serialized graph from before it.
    await this.env.DB.batch(projectionStatements(this.env.DB, this.worldId, now, rows));

    // D1 has it: remember what was projected, give clients the new versions, clear the marks.
    for (const item of projected) {
      if ("removed" in item) this.store.forgetProjected(item.id);
      else this.store.setProjected(item.id, item.version, item.key);
    }
    for (const { id, session } of versionSessions) this.store.setVersionSession(id, session);
    for (const [userId, session] of historySessions) this.store.setHistorySession(userId, session);
    if (versionBumps.length) {
      this.document.transact(() => {
        for (const { id, version } of versionBumps) stampElement(this.document, id, version, now);
      }, PROJECTOR);
    }
    this.store.clearDirty([...slice.elements, ...slice.relationships], history.map((h) => h.id));
    if (namesChanged) this.store.markSearchStale();
    return slice.more;
  }

  // ---------------------------------------------------------------- views

  private view(element: ElementState, withSecret: boolean): ElementView {
    const secret = withSecret ? (this.store.getSecret(element.id) ?? "") : undefined;
    return {
      id: element.id,
      type: element.type,
      name: element.name,
      description: element.description,
      ...(secret !== undefined ? { secret } : {}),
      position: { x: element.x, y: element.y },
      tags: element.tags,
      assets: element.assets,
      metadata: element.metadata,
      version: element.version,
      createdAt: new Date(element.createdAt).toISOString(),
      updatedAt: new Date(element.updatedAt).toISOString(),
    };
  }

  private relationshipView(rel: RelationshipState): RelationshipView {
    return { id: rel.id, from: rel.from, to: rel.to, kind: rel.kind, label: rel.label };
  }

  private canWrite(actor: Actor) {
    return actor.role === "owner" || actor.role === "editor";
  }

  private record(actor: Actor, action: string, summary: string, elementIds: string[], prompt?: string | null) {
    this.store.addHistory({ action, summary, elementIds, userId: actor.id, prompt: prompt ?? null });
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

  /** The open connections (see openSockets), for partyserver's and y-partyserver's own uses. */
  override *getConnections<TState = unknown>(tag?: string): Generator<Connection<TState>> {
    if (tag) {
      yield* super.getConnections<TState>(tag);
      return;
    }
    for (const socket of this.openSockets()) {
      if (socket.readyState === WebSocket.OPEN) yield socket as unknown as Connection<TState>;
    }
  }

  /**
   * Document updates go to every other socket as sync `update` messages once storage has confirmed
   * them (`storage.sync()`), so nothing anyone receives can be lost. This replaces y-partyserver's
   * broadcast (see onStart), which re-checked each socket's state three times per send through
   * native getters (a third of the room's time at 200 updates a second to 50 sockets), and sent
   * each update as soon as it was stored, leaving the output gate to hold fifty sends per update
   * until the commit; sending after the commit measured better at the tail (fan-out bench, p99
   * median 12 → 9 ms). Updates stored while the room waits go out merged, one message per socket.
   */
  private readonly broadcastUpdate = (update: Uint8Array, origin: unknown) => {
    if (isRelayed(origin)) return; // sent when it arrived
    this.outbox.push({ update, origin });
    if (this.outbox.length === 1) void this.ctx.storage.sync().then(this.flushOutbox, this.flushOutbox);
  };

  /** Document updates stored but not yet confirmed durable, in order. */
  private outbox: Array<{ update: Uint8Array; origin: unknown }> = [];

  private readonly flushOutbox = () => {
    const outbox = this.outbox;
    this.outbox = [];
    if (outbox.length === 0) return;
    const update = outbox.length === 1 ? outbox[0]!.update : mergeUpdates(outbox.map((entry) => entry.update));
    // The sender has its updates already (a Yjs client would ignore the echo anyway); a merged
    // message with updates from several people goes to all of them.
    const origin = outbox.every((entry) => entry.origin === outbox[0]!.origin) ? outbox[0]!.origin : null;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    encoding.writeVarUint(encoder, SYNC_UPDATE);
    encoding.writeVarUint8Array(encoder, update);
    const message = encoding.toUint8Array(encoder);
    for (const socket of this.openSockets()) {
      if (socket === origin) continue;
      try {
        socket.send(message);
      } catch {
        this.sockets = null;
      }
    }
  };

  override async onStart(): Promise<void> {
    const before = new Set(this.updateListeners());
    await super.onStart();
    // y-partyserver's broadcast is the update listener it adds that walks the connections. Swap
    // it for broadcastUpdate; the storing listener (added in onLoad) still runs first.
    const added = this.updateListeners().filter((listener) => !before.has(listener));
    const theirs = added.find((listener) => String(listener).includes("getConnections"));
    if (!theirs) {
      log.warn("room.broadcast_not_replaced", { worldId: this.worldId });
      return;
    }
    this.document.off("update", theirs);
    this.document.on("update", this.broadcastUpdate);
  }

  private updateListeners(): Array<(update: Uint8Array, origin: unknown) => void> {
    const observers = (this.document as unknown as { _observers: Map<string, Set<(update: Uint8Array, origin: unknown) => void>> })._observers;
    return [...(observers.get("update") ?? [])];
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
    this.catchUp(); // the sync request below carries the document's state
    await super.onConnect(connection, ctx);
    this.send(connection, { type: "welcome", you: user, users: this.usersHere(), locks: this.store.activeLocks(Date.now()) });
    for (const message of this.store.chatHistory(CHAT_HISTORY_ON_JOIN)) this.send(connection, { type: "chat", ...message });
    for (const conflict of this.store.openConflicts()) {
      this.send(connection, { type: "conflict", conflictId: conflict.id, elementId: conflict.elementId, options: conflict.options });
    }
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
      if (!live) this.catchUp();
      // What it writes (update-rules.ts), against the document and the updates relayed since.
      let verdict = this.checkUpdate(decoded, user);
      if (!verdict.ok && verdict.uncertain && this.pending.length > 0) {
        this.catchUp();
        verdict = this.checkUpdate(decoded, user);
      }
      // Every client answers the room's sync request with what it has; nothing new is harmless.
      if (verdict.ok && !verdict.changes) return;
      if (readOnly) return refuse("read_only", "Viewers cannot change this world.");
      if (!verdict.ok) {
        if (live && verdict.early && this.holdEarly(connection, bytes)) return;
        log.warn("room.update_refused", { worldId: this.worldId, userId: user.id, code: verdict.code, field: verdict.field ?? null });
        return refuse(verdict.code === "needs_document" ? "invalid_update" : verdict.code, `Your change was not applied: ${verdict.message}`, verdict.field);
      }
      const now = Date.now();
      // Most updates arrive when nothing is locked (the count is kept in memory).
      for (const id of this.store.anyLocks ? verdict.touched : []) {
        const lock = this.store.getLock(id, now);
        if (lock && lock.by.id !== user.id) return refuse("locked", `${lock.by.name} is editing that element; your change was not applied.`);
      }
      this.store.claimClients(verdict.clients, user.id);
      if (live) {
        this.relay(connection, user, update, verdict);
        return this.releaseEarly(connection);
      }
    } else if (bytes[0] === MESSAGE_SYNC && bytes[1] === SYNC_STEP_1) {
      if (!isStateVectorMessage(bytes)) {
        return this.send(connection, { type: "error", code: "invalid_message", message: "That sync request could not be read." });
      }
      this.catchUp(); // a sync request is answered from the document
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

  /**
   * Live updates that came ahead of the ones they continue, per connection. A client sends its
   * updates in order, but they have been seen to reach the room out of order (in the Workers test
   * pool); Yjs would keep such an update pending, so the room holds it instead of refusing it —
   * outside the document, relayed to nobody — and tries it again each time this connection's next
   * update is accepted. One still waiting after EARLY_WAIT_MS, or more than EARLY_LIMIT of them,
   * is refused as before (error and resync): what it continues is not coming.
   */
  private readonly early = new Map<string, Array<{ frame: Uint8Array; at: number }>>();
  /** While an early update is tried again: when it first arrived. */
  private retryingSince: number | null = null;

  private holdEarly(connection: RoomConnection, frame: Uint8Array): boolean {
    const held = this.early.get(connection.id) ?? [];
    if (held.length >= EARLY_LIMIT) return false;
    const at = this.retryingSince ?? Date.now();
    held.push({ frame: frame.slice(), at });
    this.early.set(connection.id, held);
    setTimeout(() => this.expireEarly(connection), Math.max(0, at + EARLY_WAIT_MS - Date.now()) + 1);
    return true;
  }

  private releaseEarly(connection: RoomConnection) {
    const held = this.early.get(connection.id);
    if (!held) return;
    this.early.delete(connection.id);
    for (const { frame, at } of held) {
      this.retryingSince = at;
      try {
        void this.onMessage(connection, frame); // a sync update is handled without awaiting
      } finally {
        this.retryingSince = null;
      }
    }
  }

  private expireEarly(connection: RoomConnection) {
    const held = this.early.get(connection.id);
    if (!held?.some(({ at }) => Date.now() - at >= EARLY_WAIT_MS)) return;
    this.early.delete(connection.id);
    log.warn("room.update_refused", { worldId: this.worldId, code: "invalid_update", held: held.length });
    this.send(connection, { type: "error", code: "invalid_update", message: "Your change was not applied: That update continues changes this room does not have.", resync: true });
  }

  /** What an update writes, checked against the document and the updates relayed since (update-rules.ts). */
  private checkUpdate(decoded: DecodedUpdate, user: RoomUser) {
    return checkUpdate(decoded, roomView(this.document, this.relayed, (client) => this.store.ownerOf(client)), user, this.worldId);
  }

  private async onClientMessage(connection: RoomConnection, user: RoomUser, message: ClientMessage) {
    switch (message.type) {
      case "chat": {
        const chat: ChatMessage = {
          id: newId(),
          user: { id: user.id, name: user.name, color: user.color },
          text: message.text,
          at: new Date().toISOString(),
        };
        this.store.addChat(chat);
        this.broadcastJson({ type: "chat", ...chat });
        await this.env.DB.prepare("insert into chat_messages (id, world_id, user_id, user_name, text, created_at) values (?, ?, ?, ?, ?, ?)")
          .bind(chat.id, this.worldId, user.id.startsWith("guest-") ? null : user.id, user.name, chat.text, Date.parse(chat.at))
          .run();
        return;
      }
      case "presence":
        if (!this.awareness.allow(connection.id)) return this.send(connection, { type: "error", code: "rate_limited", message: "Too many presence messages; slow down." });
        this.broadcastJson({ type: "presence", user, cursor: message.cursor, activeElement: message.activeElement }, [connection.id]);
        return;
      case "lock": {
        if (this.isReadOnly(connection)) {
          return this.send(connection, { type: "error", code: "read_only", message: "Viewers cannot lock elements." });
        }
        // From here on editors' updates are inspected against the document (see onMessage).
        this.catchUp();
        if (!elementsOf(this.document).has(message.elementId)) {
          return this.send(connection, { type: "error", code: "not_found", message: "That element is not in this world." });
        }
        const now = Date.now();
        const held = this.store.getLock(message.elementId, now);
        if (held && held.by.id !== user.id) {
          return this.send(connection, { type: "error", code: "locked", message: `${held.by.name} is already editing that element.` });
        }
        const until = now + LOCK_LEASE_MS;
        this.store.setLock(message.elementId, user, connection.id, until);
        this.broadcastJson({ type: "locked", elementId: message.elementId, by: user, until: new Date(until).toISOString() });
        await this.scheduleAlarm(until);
        return;
      }
      case "unlock": {
        const held = this.store.getLock(message.elementId, Date.now());
        if (!held) return;
        if (held.by.id !== user.id) {
          return this.send(connection, { type: "error", code: "not_lock_holder", message: "Only the person holding a lock can release it." });
        }
        this.store.deleteLock(message.elementId);
        this.broadcastJson({ type: "unlocked", elementId: message.elementId });
        return;
      }
      case "conflictChoice":
        return this.chooseInConflict(connection, user, message.conflictId, message.choice);
    }
  }

  /**
   * Settles a conflict (D4) so that exactly one request runs: the first choice wins unless request
   * A's result reached the element first (then A is the one that ran, and the choice says so).
   * Choosing B or the merged request cancels A in the room before anything is awaited, so A's job
   * can never write after it, however far it had got; the chosen request is queued with an
   * idempotency key, and a room that stops before queueing it does so from its alarm.
   */
  private async chooseInConflict(connection: RoomConnection, user: RoomUser, conflictId: string, choice: "merged" | "a" | "b") {
    const conflict = this.store.getConflict(conflictId);
    if (!conflict) return this.send(connection, { type: "error", code: "no_conflict", message: "There is no open conflict with that id." });
    if (this.isReadOnly(connection)) return this.send(connection, { type: "error", code: "read_only", message: "Viewers cannot choose." });
    if (user.role !== "owner" && user.id !== conflict.a.userId && user.id !== conflict.b.userId) {
      return this.send(connection, { type: "error", code: "forbidden", message: "Only the two people whose requests conflict, or the owner, can choose." });
    }
    const settled = this.store.conflictOutcome(conflictId);
    if (conflict.choice !== null) {
      // This person's dialog missed the news: close it, and say what happened.
      const reason = settled?.reason ?? "chosen";
      this.send(connection, { type: "conflictResolved", conflictId, choice: settled?.choice ?? (conflict.choice as "merged" | "a" | "b"), reason });
      return this.send(connection, { type: "error", code: "conflict_resolved", message: reason === "ran_first" ? RAN_FIRST : "Someone has already chosen for this conflict; their choice runs." });
    }
    const fateOfA = this.store.jobFate(conflict.a.jobId);
    if (fateOfA === "applied") {
      this.settleConflict(conflict, { choice: "a", reason: "ran_first", chooserId: null, pending: false, jobId: conflict.a.jobId, error: null });
      if (choice !== "a") this.send(connection, { type: "error", code: "conflict_resolved", message: RAN_FIRST });
      return;
    }
    // A runs as it is unless it was cancelled meanwhile (then its prompt is queued again).
    const queueA = choice === "a" && fateOfA === "cancelled";
    if (choice !== "a") this.store.settleJob(conflict.a.jobId, "cancelled");
    const pending = choice !== "a" || queueA;
    this.settleConflict(conflict, { choice, reason: "chosen", chooserId: user.id, pending, jobId: pending ? null : conflict.a.jobId, error: null });
    if (!pending) return;
    await this.scheduleAlarm(Date.now() + CONFLICT_RETRY_MS);
    await this.completeConflict(conflictId);
  }

  /** Records a conflict's outcome once and tells everyone here; false when it was settled already. */
  private settleConflict(conflict: StoredConflict, outcome: ConflictOutcome): boolean {
    if (!this.store.resolveConflict(conflict.id, outcome)) return false;
    this.broadcastJson({ type: "conflictResolved", conflictId: conflict.id, choice: outcome.choice, reason: outcome.reason });
    return true;
  }

  /** Conflicts being queued right now (the alarm and a choice may both try). */
  private readonly completing = new Set<string>();

  /**
   * Queues a settled conflict's chosen request, once: request A's job is marked cancelled in D1
   * (the room already refuses its result), and the chosen prompt becomes a job whose idempotency
   * key is the conflict's, so trying again (after a restart) finds the same job.
   */
  private async completeConflict(conflictId: string): Promise<void> {
    if (this.completing.has(conflictId)) return;
    this.completing.add(conflictId);
    try {
      const conflict = this.store.getConflict(conflictId);
      const outcome = this.store.conflictOutcome(conflictId);
      if (!conflict || !outcome?.pending) return;
      const db = getDb(this.env.DB);
      if (outcome.choice !== "a" && (await cancelJob(db, conflict.a.jobId))) {
        this.broadcastJson({ type: "job", jobId: conflict.a.jobId, stage: "cancelled", progress: 0, status: "cancelled", elementId: conflict.elementId, kind: "element_refine" });
        await this.jobUnlock(conflict.elementId, conflict.a.jobId);
      }
      const userId = outcome.choice === "a" ? conflict.a.userId : outcome.choice === "b" ? conflict.b.userId : (outcome.chooserId ?? conflict.b.userId);
      try {
        const { job, created } = await createJob(db, this.env.JOBS_QUEUE, limitsFrom(this.env), {
          userId,
          worldId: this.worldId,
          kind: "element_refine",
          input: { prompt: conflict.options[outcome.choice], elementId: conflict.elementId, modalities: conflict.b.modalities as JobModalities },
          idempotencyKey: `conflict-${conflictId}`,
          requestBody: { conflictId, choice: outcome.choice },
        });
        this.store.setConflictOutcome(conflictId, { ...outcome, pending: false, jobId: job.id });
        if (created) this.broadcastJson({ type: "job", jobId: job.id, stage: "queued", progress: 0, status: "queued", elementId: conflict.elementId, kind: job.kind });
      } catch (error) {
        // Over a quota, say: nothing runs, and everyone is told why.
        const message = error instanceof Error ? error.message : "The chosen request could not be queued.";
        this.store.setConflictOutcome(conflictId, { ...outcome, pending: false, error: message });
        this.broadcastJson({ type: "error", code: "job_not_queued", message: `The chosen request could not be queued: ${message}` });
      }
    } finally {
      this.completing.delete(conflictId);
    }
  }

  override onClose(connection: RoomConnection, code: number, reason: string, wasClean: boolean): void {
    super.onClose(connection, code, reason, wasClean);
    this.early.delete(connection.id);
    this.awareness.forget(connection.id);
    const user = connection.state?.user;
    if (!user) return;
    for (const elementId of this.store.releaseLocksOf(connection.id)) this.broadcastJson({ type: "unlocked", elementId });
    const stillHere = [...this.getConnections<ConnectionState>()].some((c) => c.id !== connection.id && c.state?.user?.id === user.id);
    if (!stillHere) this.broadcastJson({ type: "left", userId: user.id }, [connection.id]);
  }

  private expireLocks() {
    for (const elementId of this.store.expireLocks(Date.now())) this.broadcastJson({ type: "unlocked", elementId });
  }

  // ---------------------------------------------------------------- RPC: elements

  /** The tail of the chain that runs writing RPCs one at a time. */
  private writing: Promise<unknown> = Promise.resolve();

  /**
   * Runs a writing RPC once the ones before it have answered. Each writes its change and waits for
   * the projection before answering, so every acknowledged change of an element is its own
   * version in the history; concurrent requests made one version of several changes before.
   */
  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.writing.then(run, run);
    this.writing = result.catch(() => undefined);
    return result;
  }

  /** A refusal when someone other than the actor holds a lock on one of these elements (D3). */
  private lockedFor(actor: Actor, ids: string[]): RoomResult<never> | null {
    const now = Date.now();
    for (const id of ids) {
      const lock = this.store.getLock(id, now);
      if (lock && lock.by.id !== actor.id) return refuse(409, "locked", `${lock.by.name} is editing that element; try again when they are done.`);
    }
    return null;
  }

  async createElement(actor: Actor, input: NewElement): Promise<RoomResult<{ element: ElementView }>> {
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      const id = input.id ?? newId();
      if (elementsOf(this.document).has(id)) return refuse(409, "element_exists", "An element with that id already exists.");
      // Re-creating a deleted element (undo) continues its version numbers.
      const previous = input.id
        ? await this.env.DB.prepare("select max(version) as v from element_versions where element_id = ? and world_id = ?")
            .bind(id, this.worldId)
            .first<{ v: number | null }>()
        : null;
      const now = Date.now();
      const count = elementsOf(this.document).size;
      const element: ElementState = {
        id,
        type: input.type,
        name: input.name,
        description: input.description ?? "",
        x: input.position?.x ?? (count % 6) * 240,
        y: input.position?.y ?? Math.floor(count / 6) * 160,
        tags: input.tags ?? [],
        assets: ownAssets(input.assets ?? {}, this.worldId),
        metadata: {},
        version: previous?.v ?? 0,
        createdBy: actor.id,
        createdAt: now,
        updatedAt: now,
      };
      if (input.secret) this.store.setSecret(id, input.secret);
      this.store.setVersionCause(id, input.id ? "restored" : "created", actor.id);
      this.record(actor, "created", `Created the ${element.type} ${quote(element.name)}`, [id]);
      this.document.transact(() => insertElement(this.document, element));
      await this.flush();
      return ok({ element: this.view(getElement(this.document, id)!, true) });
    });
  }

  async updateElement(actor: Actor, id: string, changes: ElementChanges): Promise<RoomResult<{ element: ElementView }>> {
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      const before = getElement(this.document, id);
      if (!before) return refuse(404, "not_found", "That element was not found.");
      const locked = this.lockedFor(actor, [id]);
      if (locked) return locked;
      const patch: ElementPatch = {};
      if (changes.type !== undefined) patch.type = changes.type;
      if (changes.name !== undefined) patch.name = changes.name;
      if (changes.description !== undefined) patch.description = changes.description;
      if (changes.tags !== undefined) patch.tags = changes.tags;
      if (changes.assets !== undefined) patch.assets = ownAssets(changes.assets, this.worldId);
      if (changes.position) {
        patch.x = changes.position.x;
        patch.y = changes.position.y;
      }
      const changedFields = Object.keys(changes).filter((key) => {
        if (key === "secret") return (this.store.getSecret(id) ?? "") !== (changes.secret ?? "");
        if (key === "position") return before.x !== changes.position?.x || before.y !== changes.position?.y;
        return JSON.stringify(before[key as keyof ElementState]) !== JSON.stringify(changes[key as keyof ElementChanges]);
      });
      if (changedFields.length === 0) return ok({ element: this.view(before, true) });
      if (changes.secret !== undefined) {
        this.store.setSecret(id, changes.secret);
        this.store.markDirty("element", [id]);
      }
      // An edit through the API is the person's edit like a live one: it joins their editing
      // session's version and history entry (which the projection writes).
      this.store.setVersionCause(id, "edited", actor.id);
      this.store.addEditor(id, actor.id);
      this.document.transact(() => patchElement(this.document, id, patch));
      await this.flush();
      return ok({ element: this.view(getElement(this.document, id)!, true) });
    });
  }

  async deleteElements(
    actor: Actor,
    ids: string[],
  ): Promise<RoomResult<{ elements: ElementView[]; relationships: RelationshipView[] }>> {
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      const missing = ids.filter((id) => !elementsOf(this.document).has(id));
      if (missing.length) return refuse(404, "not_found", `No element ${missing[0]} in this world.`);
      const locked = this.lockedFor(actor, ids);
      if (locked) return locked;
      const views = ids.map((id) => this.view(getElement(this.document, id)!, true));
      const removed: RelationshipView[] = [];
      this.document.transact(() => {
        for (const id of ids) {
          const result = removeElement(this.document, id);
          if (result) removed.push(...result.relationships.map((r) => this.relationshipView(r)));
        }
      });
      this.store.markDirty("relationship", removed.map((r) => r.id));
      const summary =
        views.length === 1 ? `Deleted ${quote(views[0]!.name)}` : `Deleted ${views.length} elements: ${views.map((v) => quote(v.name)).join(", ")}`;
      this.record(actor, "deleted", summary.slice(0, 500), ids);
      for (const id of ids) this.store.deleteSecret(id);
      await this.flush();
      return ok({ elements: views, relationships: removed });
    });
  }

  async moveElements(actor: Actor, positions: ElementPositions): Promise<RoomResult<{ updated: number }>> {
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      const elements = elementsOf(this.document);
      const known = positions.filter((p) => elements.has(p.id));
      if (known.length !== positions.length) {
        return refuse(404, "not_found", "Some of those elements are not in this world.");
      }
      const locked = this.lockedFor(actor, known.map((p) => p.id));
      if (locked) return locked;
      this.document.transact(() => {
        for (const p of known) patchElement(this.document, p.id, { x: p.x, y: p.y });
      });
      if (known.length) this.record(actor, "moved", known.length === 1 ? "Moved an element" : `Moved ${known.length} elements`, known.map((p) => p.id).slice(0, 100));
      await this.flush();
      return ok({ updated: known.length });
    });
  }

  async restoreVersion(actor: Actor, id: string, version: number): Promise<RoomResult<{ element: ElementView }>> {
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      const current = getElement(this.document, id);
      if (!current) return refuse(404, "not_found", "That element was not found.");
      const locked = this.lockedFor(actor, [id]);
      if (locked) return locked;
      await this.flush();
      const row = await this.env.DB.prepare("select snapshot from element_versions where element_id = ? and world_id = ? and version = ?")
        .bind(id, this.worldId, version)
        .first<{ snapshot: string }>();
      if (!row) return refuse(404, "not_found", `Version ${version} of that element was not found.`);
      const snapshot = parseJsonWith(VersionSnapshotSchema, row.snapshot);
      if (!snapshot) return refuse(409, "version_unreadable", `Version ${version} of that element could not be read.`);
      this.store.setSecret(id, snapshot.secret ?? "");
      this.store.markDirty("element", [id]);
      this.store.setVersionCause(id, "restored", actor.id);
      this.record(actor, "restored", `Restored ${quote(snapshot.name ?? current.name)} to version ${version}`, [id]);
      this.document.transact(() =>
        patchElement(this.document, id, {
          type: snapshot.type ?? current.type,
          name: snapshot.name ?? current.name,
          description: snapshot.description ?? "",
          tags: snapshot.tags ?? [],
          assets: ownAssets(snapshot.assets ?? {}, this.worldId),
          metadata: snapshot.metadata ?? {},
        }),
      );
      await this.flush();
      return ok({ element: this.view(getElement(this.document, id)!, true) });
    });
  }

  /**
   * *Save version*: ends the element's open editing session, so that the next edit starts a new
   * version. Its current content is already that session's version (the projection keeps it so).
   */
  async saveVersion(actor: Actor, id: string): Promise<RoomResult<{ version: number; alreadySaved: boolean }>> {
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      if (!getElement(this.document, id)) return refuse(404, "not_found", "That element was not found.");
      await this.flush();
      const element = getElement(this.document, id);
      if (!element) return refuse(404, "not_found", "That element was not found.");
      const session = this.store.getVersionSession(id);
      if (!session || this.clock() - session.lastAt >= SESSION_QUIET_MS) {
        return ok({ version: element.version, alreadySaved: true });
      }
      this.store.closeVersionSession(id);
      return ok({ version: session.version, alreadySaved: false });
    });
  }

  // ---------------------------------------------------------------- RPC: relationships

  async createRelationship(actor: Actor, input: NewRelationship): Promise<RoomResult<{ relationship: RelationshipView }>> {
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      const from = getElement(this.document, input.from);
      const to = getElement(this.document, input.to);
      if (!from || !to) return refuse(400, "unknown_element", "Both ends of a relationship must be elements of this world.");
      if (from.id === to.id) return refuse(400, "self_relationship", "A relationship needs two different elements.");
      const id = input.id ?? newId();
      if (relationshipsOf(this.document).has(id)) return refuse(409, "relationship_exists", "A relationship with that id already exists.");
      const now = Date.now();
      const rel: RelationshipState = { id, from: from.id, to: to.id, kind: input.kind, label: input.label ?? "", createdAt: now, updatedAt: now };
      this.record(actor, "created", `Linked ${quote(from.name)} → ${quote(to.name)} (${rel.kind.replaceAll("_", " ")})`, [from.id, to.id]);
      this.document.transact(() => insertRelationship(this.document, rel));
      await this.flush();
      return ok({ relationship: this.relationshipView(rel) });
    });
  }

  async updateRelationship(actor: Actor, id: string, changes: RelationshipChanges): Promise<RoomResult<{ relationship: RelationshipView }>> {
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      const before = getRelationship(this.document, id);
      if (!before) return refuse(404, "not_found", "That relationship was not found.");
      if ((changes.kind ?? before.kind) === before.kind && (changes.label ?? before.label) === before.label) {
        return ok({ relationship: this.relationshipView(before) });
      }
      const names = [getElement(this.document, before.from)?.name ?? "?", getElement(this.document, before.to)?.name ?? "?"];
      this.record(actor, "edited", `Changed the link ${quote(names[0]!)} → ${quote(names[1]!)}`, [before.from, before.to]);
      this.document.transact(() => patchRelationship(this.document, id, changes, Date.now()));
      await this.flush();
      return ok({ relationship: this.relationshipView(getRelationship(this.document, id)!) });
    });
  }

  async deleteRelationship(actor: Actor, id: string): Promise<RoomResult<{ relationship: RelationshipView }>> {
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      const rel = getRelationship(this.document, id);
      if (!rel) return refuse(404, "not_found", "That relationship was not found.");
      const names = [getElement(this.document, rel.from)?.name ?? "?", getElement(this.document, rel.to)?.name ?? "?"];
      this.record(actor, "deleted", `Unlinked ${quote(names[0]!)} → ${quote(names[1]!)}`, [rel.from, rel.to]);
      this.document.transact(() => relationshipsOf(this.document).delete(id));
      await this.flush();
      return ok({ relationship: this.relationshipView(rel) });
    });
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
    const now = Date.now();
    const holder = jobHolder(jobId);
    const held = this.store.getLock(elementId, now);
    if (held && held.by.id !== holder.id) return ok({ locked: false });
    const until = now + JOB_LOCK_MS;
    this.store.setLock(elementId, holder, holder.id, until);
    this.broadcastJson({ type: "locked", elementId, by: holder, until: new Date(until).toISOString() });
    await this.scheduleAlarm(until);
    return ok({ locked: true });
  }

  async jobUnlock(elementId: string, jobId: string): Promise<void> {
    await this.__unsafe_ensureInitialized();
    const held = this.store.getLock(elementId, Date.now());
    if (!held || held.by.id !== jobHolder(jobId).id) return;
    this.store.deleteLock(elementId);
    this.broadcastJson({ type: "unlocked", elementId });
  }

  /** Relays a job's progress to everyone in the room. */
  async jobEvent(event: JobEvent): Promise<void> {
    await this.__unsafe_ensureInitialized();
    this.broadcastJson({ type: "job", ...event });
  }

  /**
   * Writes a finished job's elements and relationships. Ids come from the job, so a redelivered
   * message updates what an earlier delivery created instead of duplicating it.
   */
  async applyGeneration(actor: Actor, write: GenerationWrite): Promise<RoomResult<{ elements: ElementView[] }>> {
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      // The room decides once whether a job's result is applied (no await from here to the write):
      // a job cancelled, or passed over in a conflict, never writes, however far it had got.
      if (this.store.jobFate(write.jobId) === "cancelled") {
        return refuse(409, "job_cancelled", "This job was cancelled (or another request was chosen instead); its result was not applied.");
      }
      for (const conflict of this.store.openConflictsOfJob(write.jobId)) {
        this.settleConflict(conflict, { choice: "a", reason: "ran_first", chooserId: null, pending: false, jobId: write.jobId, error: null });
      }
      this.store.settleJob(write.jobId, "applied");
      const now = Date.now();
      const count = elementsOf(this.document).size;
      for (const element of write.elements) this.store.setVersionCause(element.id, write.action, actor.id);
      // A job writes files under its own world; a key of another world is dropped (below), and logged.
      for (const element of write.elements) {
        const foreign = Object.values(element.assets).filter((key) => typeof key === "string" && worldOfAssetKey(key) !== this.worldId);
        if (foreign.length) log.warn("room.generation_foreign_asset_skipped", { worldId: this.worldId, elementId: element.id, keys: foreign });
      }
      this.document.transact(() => {
        write.elements.forEach((element, index) => {
          const existing = getElement(this.document, element.id);
          if (existing) {
            patchElement(this.document, element.id, {
              type: element.type,
              name: element.name,
              description: element.description,
              tags: element.tags,
              assets: ownAssets({ ...existing.assets, ...element.assets }, this.worldId),
              metadata: { ...existing.metadata, ...element.metadata },
            });
            return;
          }
          insertElement(this.document, {
            id: element.id,
            type: element.type,
            name: element.name,
            description: element.description,
            x: element.position?.x ?? ((count + index) % 6) * 240,
            y: element.position?.y ?? Math.floor((count + index) / 6) * 160,
            tags: element.tags,
            assets: ownAssets(element.assets, this.worldId),
            metadata: element.metadata,
            version: 0,
            createdBy: actor.id,
            createdAt: now,
            updatedAt: now,
          });
        });
        for (const rel of write.relationships) {
          if (getRelationship(this.document, rel.id) || rel.from === rel.to) continue;
          if (!getElement(this.document, rel.from) || !getElement(this.document, rel.to)) continue;
          insertRelationship(this.document, { id: rel.id, from: rel.from, to: rel.to, kind: rel.kind, label: rel.label ?? "", createdAt: now, updatedAt: now });
        }
      });
      const names = write.elements.map((e) => quote(e.name));
      const summary =
        write.action === "refined"
          ? `Refined ${names[0] ?? "an element"} with the AI`
          : `Generated ${names.slice(0, 3).join(", ")}${names.length > 3 ? ` and ${names.length - 3} more` : ""}`;
      this.record(actor, write.action, summary, write.elements.map((e) => e.id), write.prompt);
      await this.flush();
      return ok({ elements: write.elements.map((e) => getElement(this.document, e.id)).filter((e): e is ElementState => Boolean(e)).map((e) => this.view(e, false)) });
    });
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
    return this.exclusive(async () => {
      const notReady = await this.ready();
      if (notReady) return notReady;
      const fate = this.store.jobFate(conflict.a.jobId);
      if (fate === "applied") {
        const element = getElement(this.document, conflict.elementId);
        if (element && baseVersion !== null && baseVersion >= element.version) return ok({ opened: false });
        return refuse(409, "refined_meanwhile", "The other refine of this element has just been applied; yours was not run.");
      }
      if (fate === "cancelled") {
        // Passed over for a request chosen a moment ago that is not queued yet: that one runs.
        const chosen = this.store.pendingConflictIds().some((id) => this.store.getConflict(id)?.a.jobId === conflict.a.jobId);
        if (chosen) return refuse(409, "refine_busy", "Another request for this element was just chosen; ask again once it has run.");
        return ok({ opened: false });
      }
      if (this.store.openConflictFor(conflict.elementId)) {
        return refuse(409, "conflict_open", "Two requests for this element are already waiting for someone to choose; choose there first.");
      }
      this.store.addConflict(conflict);
      this.broadcastJson({ type: "conflict", conflictId: conflict.id, elementId: conflict.elementId, options: conflict.options });
      return ok({ opened: true });
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
    const elements = allElements(this.document).map((e) => this.view(e, withSecrets));
    const relationships = allRelationships(this.document).map((r) => this.relationshipView(r));
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
    this.pending = [];
    for (const connection of this.getConnections()) connection.close(4004, "This world has been deleted.");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
