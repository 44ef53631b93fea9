import { z } from "zod";
import { GenerationInputSchema } from "../../workers/domain/jobs";
import { LiveStorage, type DirtyMark } from "../live-room/live-storage";
import { ChatMessageSchema, ConflictOptionsSchema, RoomUserSchema, type ChatMessage, type RoomUser } from "./protocol";
import type { HistorySession, VersionCause, VersionSession } from "./edit-sessions";

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
  b: z.object({ userId: z.string(), userName: z.string(), modalities: GenerationInputSchema.shape.modalities }),
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
 * The world room's SQLite storage: what every live room keeps (live-storage.ts: the update log,
 * the snapshot, the projection's marks), plus the world's own tables: the secrets (kept out of the
 * shared document), the bookkeeping of the D1 projection (what was last projected, editing
 * sessions, history entries to write), jobs' fates, locks, conflicts and chat.
 */
export class RoomStorage extends LiveStorage {
  /** Why each changed element changed, and who edited it, until it is projected (see clearDirty). */
  private readonly causes = new Map<string, VersionCause>();
  private readonly editors = new Map<string, string[]>();

  constructor(sql: SqlStorage) {
    super(sql);
    sql.exec(`
      create table if not exists secrets (element_id text primary key, secret text not null);
      create table if not exists projected (element_id text primary key, version integer not null, content text not null);
      create table if not exists pending_history (id text primary key, entry text not null);
      create table if not exists locks (element_id text primary key, holder text not null, connection_id text not null, until integer not null);
      create table if not exists conflicts (id text primary key, element_id text not null, conflict text not null, choice text, created_at integer not null);
      create table if not exists chat (seq integer primary key autoincrement, message text not null);
      create table if not exists search_stale (id integer primary key check (id = 1));
      create table if not exists version_sessions (element_id text primary key, session text not null);
      create table if not exists history_sessions (user_id text primary key, session text not null);
      create table if not exists job_fates (job_id text primary key, fate text not null, at integer not null);
      create table if not exists conflict_outcomes (conflict_id text primary key, outcome text not null);
    `);
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

  /** What waits for the projection: marks and history entries. */
  override dirtyCount(): number {
    return super.dirtyCount() + this.sql.exec<{ n: number }>("select count(*) as n from pending_history").one().n;
  }

  /** Clears what a projection wrote (live-storage.ts) and what the room kept in memory for it. */
  override clearDirty(marks: DirtyMark[], historyIds: string[] = []): DirtyMark[] {
    const cleared = super.clearDirty(marks);
    for (const mark of cleared) {
      if (mark.collection !== "element") continue;
      this.causes.delete(mark.id);
      this.editors.delete(mark.id);
    }
    for (const id of historyIds) this.sql.exec("delete from pending_history where id = ?", id);
    return cleared;
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
