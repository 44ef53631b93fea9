import * as Y from "yjs";
import { z } from "zod";
import { ChatMessageSchema, ConflictOptionsSchema, RoomUserSchema, type ChatMessage, type RoomUser } from "./protocol";
import type { HistorySession, VersionCause, VersionSession } from "./edit-sessions";

/** SQLite rows are limited to 2 MB; snapshots are stored in chunks below that. */
const CHUNK_BYTES = 1024 * 1024;

/** A history entry waiting for the next projection (kept as JSON in the room's SQLite). */
const PendingHistorySchema = z.object({
  id: z.string(),
  action: z.string(),
  summary: z.string(),
  prompt: z.string().nullable(),
  elementIds: z.array(z.string()),
  userId: z.string().nullable(),
  createdAt: z.number(),
});
export type PendingHistory = z.infer<typeof PendingHistorySchema>;

function newId(length = 16): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  let id = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(length))) id += alphabet[byte % alphabet.length];
  return id;
}

/** A conflict between two refine requests for one element, as the room keeps it. */
const StoredConflictSchema = z.object({
  id: z.string(),
  elementId: z.string(),
  options: ConflictOptionsSchema,
  a: z.object({ jobId: z.string(), userId: z.string() }),
  b: z.object({ userId: z.string(), userName: z.string(), modalities: z.array(z.string()) }),
});
export type StoredConflict = z.infer<typeof StoredConflictSchema>;

/**
 * How a conflict was settled: by someone's choice, or because request A's result was applied
 * before anyone chose. `pending` while the chosen request still has to be queued (a room that stops
 * in between queues it when it next runs its alarm, with the same idempotency key).
 */
const ConflictOutcomeSchema = z.object({
  choice: z.enum(["merged", "a", "b"]),
  reason: z.enum(["chosen", "ran_first"]),
  chooserId: z.string().nullable(),
  pending: z.boolean(),
  jobId: z.string().nullable(),
  error: z.string().nullable(),
});
export type ConflictOutcome = z.infer<typeof ConflictOutcomeSchema>;

const VersionSessionSchema = z.object({ userId: z.string().nullable(), version: z.number(), action: z.string(), lastAt: z.number() });
const HistorySessionSchema = z.object({
  id: z.string(),
  lastAt: z.number(),
  created: z.array(z.string()),
  edited: z.array(z.string()),
  moved: z.array(z.string()),
  fields: z.array(z.string()),
});

/**
 * Log limits while edits flow: entries (replay cost on load) and bytes (storage). The room
 * compacts once it has been quiet for a second anyway (onSave); these only stop a log that never
 * gets a quiet second. Compacting mid-burst holds every broadcast for 20–40 ms, so the limits are
 * high: 10,000 small updates replay in about 100 ms.
 */
const MAX_LOG_ENTRIES = 10_000;
const MIN_LOG_BYTES = 2 * 1024 * 1024;

export type DirtyMark = { kind: "element" | "relationship"; id: string; seq: number };

/**
 * The room's own SQLite storage: the Yjs document as a snapshot (Yjs's v2 encoding, smaller and
 * quicker to load) plus an append-only log of the updates since (v1, as they are broadcast),
 * the secrets (kept out of the shared document), and the bookkeeping of the D1 projection: which
 * ids changed since the last projection, what was last projected, and history entries to write.
 */
export class RoomStorage {
  private logCount = 0;
  private logBytes = 0;
  private snapshotBytes = 0;
  /** Why each changed element changed, and who edited it, until it is projected (see clearDirty). */
  private readonly causes = new Map<string, VersionCause>();
  private readonly editors = new Map<string, string[]>();
  /** The first logged update the document has not applied yet (null: it has applied them all). */
  private unappliedFrom: number | null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      create table if not exists snapshot_chunks (idx integer primary key, data blob not null);
      create table if not exists updates (seq integer primary key, data blob not null);
      create table if not exists secrets (element_id text primary key, secret text not null);
      create table if not exists dirty (kind text not null, id text not null, seq integer not null, primary key (kind, id));
      create index if not exists dirty_by_seq on dirty (kind, seq);
      create table if not exists projected (element_id text primary key, version integer not null, content text not null);
      create table if not exists pending_history (id text primary key, entry text not null);
      create table if not exists locks (element_id text primary key, holder text not null, connection_id text not null, until integer not null);
      create table if not exists conflicts (id text primary key, element_id text not null, conflict text not null, choice text, created_at integer not null);
      create table if not exists chat (seq integer primary key autoincrement, message text not null);
      create table if not exists search_stale (id integer primary key check (id = 1));
      create table if not exists unapplied (id integer primary key check (id = 1), from_seq integer not null);
      create table if not exists clients (client integer primary key, user_id text not null);
      create table if not exists version_sessions (element_id text primary key, session text not null);
      create table if not exists history_sessions (user_id text primary key, session text not null);
      create table if not exists job_fates (job_id text primary key, fate text not null, at integer not null);
      create table if not exists conflict_outcomes (conflict_id text primary key, outcome text not null);
    `);
    // The log's seq was AUTOINCREMENT, which rewrites sqlite_sequence's page in every commit: two
    // pages written and flushed per live update instead of one (ADR 20). A plain rowid keeps the
    // order; seqs restart only after compaction has emptied the log, when nothing refers to one.
    const log = sql.exec<{ sql: string }>("select sql from sqlite_master where type = 'table' and name = 'updates'").toArray()[0];
    if (log && /autoincrement/i.test(log.sql)) {
      sql.exec(`
        create table updates_rowid (seq integer primary key, data blob not null);
        insert into updates_rowid (seq, data) select seq, data from updates;
        drop table updates;
        alter table updates_rowid rename to updates;
      `);
    }
    this.unappliedFrom = sql.exec<{ from_seq: number }>("select from_seq from unapplied").toArray()[0]?.from_seq ?? null;
  }

  /**
   * Applies the stored snapshot and the log to `doc`, up to the first update the document had not
   * applied when the room stopped (see appendUnapplied); returns those, for the room to apply
   * once it observes the document. Null when the room has never stored anything.
   */
  load(doc: Y.Doc): { unapplied: Uint8Array[] } | null {
    const chunks = this.sql.exec<{ data: ArrayBuffer }>("select data from snapshot_chunks order by idx").toArray();
    const updates = this.sql.exec<{ seq: number; data: ArrayBuffer }>("select seq, data from updates order by seq").toArray();
    if (chunks.length === 0 && updates.length === 0) return null;
    if (chunks.length > 0) {
      const total = chunks.reduce((sum, c) => sum + c.data.byteLength, 0);
      const state = new Uint8Array(total);
      let offset = 0;
      for (const chunk of chunks) {
        state.set(new Uint8Array(chunk.data), offset);
        offset += chunk.data.byteLength;
      }
      Y.applyUpdateV2(doc, state);
    }
    // Entry by entry: replaying one Y.mergeUpdates of the log instead made the editor's browser
    // test fail (nodes never settled after an auto-layout); sequential until that is understood.
    const unapplied: Uint8Array[] = [];
    for (const update of updates) {
      if (this.unappliedFrom !== null && update.seq >= this.unappliedFrom) unapplied.push(new Uint8Array(update.data));
      else Y.applyUpdate(doc, new Uint8Array(update.data));
    }
    this.logCount = updates.length;
    this.logBytes = updates.reduce((sum, u) => sum + u.data.byteLength, 0);
    this.snapshotBytes = chunks.reduce((sum, c) => sum + c.data.byteLength, 0);
    return { unapplied };
  }

  /**
   * Logs an update that is relayed before the document applies it (the room's live path). The
   * first such update records where the unapplied part of the log starts, in the same commit, so
   * that a room stopping before it catches up applies the rest through its observers on load
   * (and the projection still hears of them).
   */
  appendUnapplied(update: Uint8Array) {
    const seq = this.append(update);
    if (this.unappliedFrom === null) {
      this.sql.exec("insert into unapplied (id, from_seq) values (1, ?)", seq);
      this.unappliedFrom = seq;
    }
  }

  /** The document has applied every logged update. */
  markApplied() {
    if (this.unappliedFrom === null) return;
    this.sql.exec("delete from unapplied");
    this.unappliedFrom = null;
  }

  /** Logs an update; returns its place in the log. */
  append(update: Uint8Array): number {
    const { seq } = this.sql.exec<{ seq: number }>("insert into updates (data) values (?) returning seq", update).one();
    this.logCount += 1;
    this.logBytes += update.byteLength;
    return seq;
  }

  get logLength() {
    return this.logCount;
  }

  /**
   * Whether the log should be folded into the snapshot now, while edits keep coming. Compaction
   * re-encodes the whole document and holds the room while it does, so it waits until the log is
   * long (and the room compacts anyway once it goes quiet, in onSave).
   */
  get needsCompaction(): boolean {
    return this.logCount >= MAX_LOG_ENTRIES || this.logBytes > Math.max(MIN_LOG_BYTES, this.snapshotBytes / 2);
  }

  /** Folds the log into a fresh snapshot; `doc` must have applied every logged update. */
  compact(doc: Y.Doc) {
    if (this.unappliedFrom !== null) throw new Error("compacting a log the document has not applied");
    const state = Y.encodeStateAsUpdateV2(doc);
    this.sql.exec("delete from snapshot_chunks");
    for (let idx = 0, offset = 0; offset < state.byteLength || idx === 0; idx += 1, offset += CHUNK_BYTES) {
      this.sql.exec("insert into snapshot_chunks (idx, data) values (?, ?)", idx, state.slice(offset, offset + CHUNK_BYTES));
    }
    this.sql.exec("delete from updates");
    this.logCount = 0;
    this.logBytes = 0;
    this.snapshotBytes = state.byteLength;
  }

  // secrets

  getSecret(id: string): string | null {
    return this.sql.exec<{ secret: string }>("select secret from secrets where element_id = ?", id).toArray()[0]?.secret ?? null;
  }

  setSecret(id: string, secret: string) {
    if (secret) {
      this.sql.exec("insert into secrets (element_id, secret) values (?, ?) on conflict (element_id) do update set secret = excluded.secret", id, secret);
    } else {
      this.deleteSecret(id);
    }
  }

  deleteSecret(id: string) {
    this.sql.exec("delete from secrets where element_id = ?", id);
  }

  // projection bookkeeping

  private seq: number | null = null;

  /** Marks are ordered; the counter lives in memory, starting after the highest mark stored. */
  private nextSeq(): number {
    if (this.seq === null) this.seq = this.sql.exec<{ seq: number | null }>("select max(seq) as seq from dirty").one().seq ?? 0;
    this.seq += 1;
    return this.seq;
  }

  markDirty(kind: "element" | "relationship", ids: string[]) {
    if (ids.length === 0) return;
    const seq = this.nextSeq();
    for (const id of ids) {
      this.sql.exec("insert into dirty (kind, id, seq) values (?, ?, ?) on conflict (kind, id) do update set seq = excluded.seq", kind, id, seq);
    }
  }

  /**
   * Up to `limit` marks for the next projection batch, elements first: relationships reference
   * elements, so they wait until no element is left to write.
   */
  dirtySlice(limit: number): { elements: DirtyMark[]; relationships: DirtyMark[]; more: boolean } {
    const query = (kind: DirtyMark["kind"], n: number) =>
      this.sql.exec<DirtyMark>("select kind, id, seq from dirty where kind = ? order by seq limit ?", kind, n).toArray();
    const elements = query("element", limit + 1);
    if (elements.length > limit) return { elements: elements.slice(0, limit), relationships: [], more: true };
    const room = limit - elements.length;
    const relationships = query("relationship", room + 1);
    return { elements, relationships: relationships.slice(0, room), more: relationships.length > room };
  }

  dirtyCount(): number {
    return this.sql.exec<{ n: number }>("select count(*) as n from dirty").one().n + this.sql.exec<{ n: number }>("select count(*) as n from pending_history").one().n;
  }

  /** Clears what a projection wrote; a mark made again while it ran (higher seq) stays. */
  clearDirty(marks: DirtyMark[], historyIds: string[]) {
    for (const mark of marks) {
      const cleared = this.sql
        .exec("delete from dirty where kind = ? and id = ? and seq <= ? returning id", mark.kind, mark.id, mark.seq)
        .toArray();
      if (cleared.length && mark.kind === "element") {
        this.causes.delete(mark.id);
        this.editors.delete(mark.id);
      }
    }
    for (const id of historyIds) this.sql.exec("delete from pending_history where id = ?", id);
  }


  getProjected(id: string): { version: number; key: string } | null {
    const row = this.sql.exec<{ version: number; content: string }>("select version, content from projected where element_id = ?", id).toArray()[0];
    return row ? { version: row.version, key: row.content } : null;
  }

  setProjected(id: string, version: number, key: string) {
    this.sql.exec(
      "insert into projected (element_id, version, content) values (?, ?, ?) on conflict (element_id) do update set version = excluded.version, content = excluded.content",
      id,
      version,
      key,
    );
  }

  forgetProjected(id: string) {
    this.sql.exec("delete from projected where element_id = ?", id);
    this.closeVersionSession(id);
  }

  /** Why the next version of an element is made, and by whom (for its element_versions row). */
  setVersionCause(id: string, action: string, userId: string | null) {
    this.causes.set(id, { action, userId });
  }

  versionAction(id: string): string | null {
    return this.causes.get(id)?.action ?? null;
  }

  versionCause(id: string): VersionCause | null {
    return this.causes.get(id) ?? null;
  }

  /**
   * Someone edited the element (live, or through the API): their edits since its last projection
   * make up its next version. Kept in memory: after a restart the edits still project, into the
   * element's open session (see decideVersion).
   */
  addEditor(id: string, userId: string) {
    const editors = this.editors.get(id);
    if (!editors) this.editors.set(id, [userId]);
    else if (!editors.includes(userId)) editors.push(userId);
  }

  editorsOf(id: string): string[] {
    return this.editors.get(id) ?? [];
  }

  // editing sessions (edit-sessions.ts): kept here so a room that restarts mid-session continues it

  getVersionSession(id: string): VersionSession | null {
    const row = this.sql.exec<{ session: string }>("select session from version_sessions where element_id = ?", id).toArray()[0];
    return row ? VersionSessionSchema.parse(JSON.parse(row.session)) : null;
  }

  setVersionSession(id: string, session: VersionSession | null) {
    if (!session) return this.closeVersionSession(id);
    this.sql.exec(
      "insert into version_sessions (element_id, session) values (?, ?) on conflict (element_id) do update set session = excluded.session",
      id,
      JSON.stringify(session),
    );
  }

  /** The element's next edit starts a new version. */
  closeVersionSession(id: string) {
    this.sql.exec("delete from version_sessions where element_id = ?", id);
  }

  getHistorySession(userId: string): HistorySession | null {
    const row = this.sql.exec<{ session: string }>("select session from history_sessions where user_id = ?", userId).toArray()[0];
    return row ? HistorySessionSchema.parse(JSON.parse(row.session)) : null;
  }

  setHistorySession(userId: string, session: HistorySession) {
    this.sql.exec(
      "insert into history_sessions (user_id, session) values (?, ?) on conflict (user_id) do update set session = excluded.session",
      userId,
      JSON.stringify(session),
    );
  }

  // generation jobs' right to write: the room decides, once, whether a job's result is applied

  jobFate(jobId: string): "applied" | "cancelled" | null {
    const fate = this.sql.exec<{ fate: string }>("select fate from job_fates where job_id = ?", jobId).toArray()[0]?.fate;
    return fate === "applied" || fate === "cancelled" ? fate : null;
  }

  /** Records a job's fate unless it has one already; returns the fate it has afterwards. */
  settleJob(jobId: string, fate: "applied" | "cancelled"): "applied" | "cancelled" {
    this.sql.exec("insert into job_fates (job_id, fate, at) values (?, ?, ?) on conflict (job_id) do nothing", jobId, fate, Date.now());
    this.sql.exec("delete from job_fates where at < ?", Date.now() - 30 * 86_400_000);
    return this.jobFate(jobId)!;
  }

  addHistory(entry: Omit<PendingHistory, "id" | "createdAt">) {
    const full: PendingHistory = { ...entry, id: newId(), createdAt: Date.now() };
    this.sql.exec("insert into pending_history (id, entry) values (?, ?)", full.id, JSON.stringify(full));
  }

  pendingHistory(): PendingHistory[] {
    return this.sql
      .exec<{ entry: string }>("select entry from pending_history order by rowid")
      .toArray()
      .map((row) => PendingHistorySchema.parse(JSON.parse(row.entry)));
  }

  // gallery search: element names changed since the world's search row was last rewritten (kept
  // here so a room evicted before its throttled refresh still makes it)

  private searchStaleFlag: boolean | null = null;

  get searchStale(): boolean {
    if (this.searchStaleFlag === null) this.searchStaleFlag = this.sql.exec("select id from search_stale").toArray().length > 0;
    return this.searchStaleFlag;
  }

  markSearchStale() {
    if (this.searchStale) return;
    this.sql.exec("insert or ignore into search_stale (id) values (1)");
    this.searchStaleFlag = true;
  }

  clearSearchStale() {
    this.sql.exec("delete from search_stale");
    this.searchStaleFlag = false;
  }

  // locks: leases on elements, kept here so they survive the object hibernating

  /** How many lock rows exist (kept in memory: most updates arrive when nothing is locked). */
  private lockRows: number | null = null;

  get anyLocks(): boolean {
    if (this.lockRows === null) this.lockRows = this.sql.exec<{ n: number }>("select count(*) as n from locks").one().n;
    return this.lockRows > 0;
  }

  private recountLocks() {
    this.lockRows = null;
  }

  getLock(elementId: string, now: number): { by: RoomUser; until: number; connectionId: string } | null {
    const row = this.sql
      .exec<{ holder: string; until: number; connection_id: string }>("select holder, until, connection_id from locks where element_id = ?", elementId)
      .toArray()[0];
    if (!row || row.until <= now) return null;
    return { by: RoomUserSchema.parse(JSON.parse(row.holder)), until: row.until, connectionId: row.connection_id };
  }

  setLock(elementId: string, holder: RoomUser, connectionId: string, until: number) {
    this.sql.exec(
      "insert into locks (element_id, holder, connection_id, until) values (?, ?, ?, ?) on conflict (element_id) do update set holder = excluded.holder, connection_id = excluded.connection_id, until = excluded.until",
      elementId,
      JSON.stringify(holder),
      connectionId,
      until,
    );
    this.recountLocks();
  }

  deleteLock(elementId: string) {
    this.sql.exec("delete from locks where element_id = ?", elementId);
    this.recountLocks();
  }

  /** Releases every lock a connection held; returns the element ids. */
  releaseLocksOf(connectionId: string): string[] {
    this.recountLocks();
    return this.sql.exec<{ element_id: string }>("delete from locks where connection_id = ? returning element_id", connectionId).toArray().map((r) => r.element_id);
  }

  /** Removes leases that ran out; returns the element ids. */
  expireLocks(now: number): string[] {
    this.recountLocks();
    return this.sql.exec<{ element_id: string }>("delete from locks where until <= ? returning element_id", now).toArray().map((r) => r.element_id);
  }

  activeLocks(now: number): Array<{ elementId: string; by: RoomUser; until: string }> {
    return this.sql
      .exec<{ element_id: string; holder: string; until: number }>("select element_id, holder, until from locks where until > ?", now)
      .toArray()
      .map((r) => ({ elementId: r.element_id, by: RoomUserSchema.parse(JSON.parse(r.holder)), until: new Date(r.until).toISOString() }));
  }

  nextLockExpiry(): number | null {
    return this.sql.exec<{ until: number | null }>("select min(until) as until from locks").one().until ?? null;
  }

  // conflicts: concurrent refine requests waiting for someone to choose (catalogue D4)

  addConflict(conflict: StoredConflict) {
    this.sql.exec(
      "insert into conflicts (id, element_id, conflict, created_at) values (?, ?, ?, ?)",
      conflict.id,
      conflict.elementId,
      JSON.stringify(conflict),
      Date.now(),
    );
    this.sql.exec("delete from conflict_outcomes where conflict_id in (select id from conflicts where created_at < ?)", Date.now() - 7 * 86_400_000);
    this.sql.exec("delete from conflicts where created_at < ?", Date.now() - 7 * 86_400_000);
  }

  getConflict(id: string): (StoredConflict & { choice: string | null }) | null {
    const row = this.sql.exec<{ conflict: string; choice: string | null }>("select conflict, choice from conflicts where id = ?", id).toArray()[0];
    return row ? { ...StoredConflictSchema.parse(JSON.parse(row.conflict)), choice: row.choice } : null;
  }

  /** Records the first decision; false when the conflict was settled already. */
  resolveConflict(id: string, outcome: ConflictOutcome): boolean {
    const first = this.sql.exec("update conflicts set choice = ? where id = ? and choice is null returning id", outcome.choice, id).toArray().length > 0;
    if (first) this.setConflictOutcome(id, outcome);
    return first;
  }

  conflictOutcome(id: string): ConflictOutcome | null {
    const row = this.sql.exec<{ outcome: string }>("select outcome from conflict_outcomes where conflict_id = ?", id).toArray()[0];
    return row ? ConflictOutcomeSchema.parse(JSON.parse(row.outcome)) : null;
  }

  setConflictOutcome(id: string, outcome: ConflictOutcome) {
    this.sql.exec(
      "insert into conflict_outcomes (conflict_id, outcome) values (?, ?) on conflict (conflict_id) do update set outcome = excluded.outcome",
      id,
      JSON.stringify(outcome),
    );
  }

  /** Conflicts whose chosen request was decided but not yet queued. */
  pendingConflictIds(): string[] {
    return this.sql
      .exec<{ conflict_id: string }>("select conflict_id from conflict_outcomes where json_extract(outcome, '$.pending') = 1")
      .toArray()
      .map((row) => row.conflict_id);
  }

  openConflicts(): StoredConflict[] {
    return this.sql
      .exec<{ conflict: string }>("select conflict from conflicts where choice is null and created_at > ?", Date.now() - 3_600_000)
      .toArray()
      .map((row) => StoredConflictSchema.parse(JSON.parse(row.conflict)));
  }

  /** The open conflict about an element, if any (one at a time: a third request waits for the choice). */
  openConflictFor(elementId: string): StoredConflict | null {
    return this.openConflicts().find((conflict) => conflict.elementId === elementId) ?? null;
  }

  /** Open conflicts whose request A is this job. */
  openConflictsOfJob(jobId: string): StoredConflict[] {
    return this.openConflicts().filter((conflict) => conflict.a.jobId === jobId);
  }

  // chat: the recent messages, shown to people as they join (all of it is also in D1)

  private owners: Map<number, string> | null = null;

  /**
   * Who writes with a Yjs client id: the first person whose update used it. Kept for good, so
   * that nobody can later write with it (their items would shadow the owner's, update-rules.ts).
   */
  ownerOf(client: number): string | null {
    if (!this.owners) {
      this.owners = new Map(this.sql.exec<{ client: number; user_id: string }>("select client, user_id from clients").toArray().map((row) => [row.client, row.user_id]));
    }
    return this.owners.get(client) ?? null;
  }

  claimClients(clients: number[], userId: string) {
    for (const client of clients) {
      if (this.ownerOf(client) !== null) continue;
      this.sql.exec("insert into clients (client, user_id) values (?, ?) on conflict (client) do nothing", client, userId);
      this.owners!.set(client, userId);
    }
  }

  addChat(message: ChatMessage) {
    this.sql.exec("insert into chat (message) values (?)", JSON.stringify(message));
    this.sql.exec("delete from chat where seq <= (select max(seq) - 500 from chat)");
  }

  chatHistory(limit: number): ChatMessage[] {
    return this.sql
      .exec<{ message: string }>("select message from (select seq, message from chat order by seq desc limit ?) order by seq", limit)
      .toArray()
      .map((r) => ChatMessageSchema.parse(JSON.parse(r.message)));
  }
}
