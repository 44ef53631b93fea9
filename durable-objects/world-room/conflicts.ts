import type { JobView, NewJob } from "../../workers/domain/jobs";
import type { RoomResult } from "../../workers/domain/room-types";
import type { RoomLocks } from "./locks";
import type { RoomUser, ServerMessage } from "./protocol";
import type { ConflictOutcome, RoomStorage, StoredConflict } from "./room-storage";

type Choice = "merged" | "a" | "b";

/** A conflict whose chosen request is not queued yet is tried again by the alarm this soon. */
export const CONFLICT_RETRY_MS = 2_000;
const RAN_FIRST = "Request A had already run before anyone chose, so it is the one that ran; the other request was not run.";

/** What the conflicts need of the room. */
export type ConflictPorts = {
  store: () => RoomStorage;
  locks: RoomLocks;
  worldId: () => string;
  broadcast: (message: ServerMessage) => void;
  scheduleAlarm: (at: number) => Promise<void>;
  /** Marks a job cancelled in D1; false when it had already ended. */
  cancelJob: (jobId: string) => Promise<boolean>;
  /** Queues a job (idempotent on its key). */
  createJob: (job: NewJob) => Promise<{ job: JobView; created: boolean }>;
};

/**
 * Concurrent refine requests of one element (catalogue D4, ADR 15): a conflict is kept until
 * someone chooses, and exactly one request runs. The room's SQLite holds the conflicts and the
 * jobs' fates (room-storage.ts), so the decision survives a restart.
 */
export class RoomConflicts {
  constructor(private readonly ports: ConflictPorts) {}

  private get store() {
    return this.ports.store();
  }

  /** Conflicts being queued right now (the alarm and a choice may both try). */
  private readonly completing = new Set<string>();

  /** The conflicts still waiting for a choice, as a joining client is shown them. */
  openMessages(): ServerMessage[] {
    return this.store.openConflicts().map((conflict) => ({ type: "conflict", conflictId: conflict.id, elementId: conflict.elementId, options: conflict.options }));
  }

  /** Whether a decided conflict still waits to be queued (the room's alarm finishes it). */
  get anyPending(): boolean {
    return this.store.pendingConflictIds().length > 0;
  }

  /** Queues every decided conflict not queued yet (the room's alarm). */
  async completePending(): Promise<void> {
    for (const conflictId of this.store.pendingConflictIds()) await this.complete(conflictId);
  }

  /**
   * Keeps a conflict until someone chooses, and shows it to everyone here (D4) — unless there is
   * nothing to choose: request A's result is already applied (`refined_meanwhile`; with
   * `baseVersion` at or past the element's version its author has seen that result, and their
   * request runs on its own: `opened: false`), or A was cancelled (`opened: false`), or another
   * choice about the element is open (`conflict_open`). `versionOf` reads the element's version
   * from the room's document.
   */
  open(conflict: StoredConflict, baseVersion: number | null, versionOf: (elementId: string) => number | null): RoomResult<{ opened: boolean }> {
    const fate = this.store.jobFate(conflict.a.jobId);
    if (fate === "applied") {
      const version = versionOf(conflict.elementId);
      if (version !== null && baseVersion !== null && baseVersion >= version) return { ok: true, value: { opened: false } };
      return { ok: false, status: 409, code: "refined_meanwhile", message: "The other refine of this element has just been applied; yours was not run." };
    }
    if (fate === "cancelled") {
      // Passed over for a request chosen a moment ago that is not queued yet: that one runs.
      const chosen = this.store.pendingConflictIds().some((id) => this.store.getConflict(id)?.a.jobId === conflict.a.jobId);
      if (chosen) return { ok: false, status: 409, code: "refine_busy", message: "Another request for this element was just chosen; ask again once it has run." };
      return { ok: true, value: { opened: false } };
    }
    if (this.store.openConflictFor(conflict.elementId)) {
      return { ok: false, status: 409, code: "conflict_open", message: "Two requests for this element are already waiting for someone to choose; choose there first." };
    }
    this.store.addConflict(conflict);
    this.ports.broadcast({ type: "conflict", conflictId: conflict.id, elementId: conflict.elementId, options: conflict.options });
    return { ok: true, value: { opened: true } };
  }

  /** A job's result is being applied: the conflicts it was request A of are settled for it. */
  settleForAppliedJob(jobId: string) {
    for (const conflict of this.store.openConflictsOfJob(jobId)) {
      this.settle(conflict, { choice: "a", reason: "ran_first", chooserId: null, pending: false, jobId, error: null });
    }
  }

  /**
   * Settles a conflict (D4) so that exactly one request runs: the first choice wins unless request
   * A's result reached the element first (then A is the one that ran, and the choice says so).
   * Choosing B or the merged request cancels A in the room before anything is awaited, so A's job
   * can never write after it, however far it had got; the chosen request is queued with an
   * idempotency key, and a room that stops before queueing it does so from its alarm. `reply`
   * answers the person who chose.
   */
  async choose(user: RoomUser, readOnly: boolean, conflictId: string, choice: Choice, reply: (message: ServerMessage) => void) {
    const conflict = this.store.getConflict(conflictId);
    if (!conflict) return reply({ type: "error", code: "no_conflict", message: "There is no open conflict with that id." });
    if (readOnly) return reply({ type: "error", code: "read_only", message: "Viewers cannot choose." });
    if (user.role !== "owner" && user.id !== conflict.a.userId && user.id !== conflict.b.userId) {
      return reply({ type: "error", code: "forbidden", message: "Only the two people whose requests conflict, or the owner, can choose." });
    }
    const settled = this.store.conflictOutcome(conflictId);
    if (conflict.choice !== null) {
      // This person's dialog missed the news: close it, and say what happened.
      const reason = settled?.reason ?? "chosen";
      reply({ type: "conflictResolved", conflictId, choice: settled?.choice ?? (conflict.choice as Choice), reason });
      return reply({ type: "error", code: "conflict_resolved", message: reason === "ran_first" ? RAN_FIRST : "Someone has already chosen for this conflict; their choice runs." });
    }
    const fateOfA = this.store.jobFate(conflict.a.jobId);
    if (fateOfA === "applied") {
      this.settle(conflict, { choice: "a", reason: "ran_first", chooserId: null, pending: false, jobId: conflict.a.jobId, error: null });
      if (choice !== "a") reply({ type: "error", code: "conflict_resolved", message: RAN_FIRST });
      return;
    }
    // A runs as it is unless it was cancelled meanwhile (then its prompt is queued again).
    const queueA = choice === "a" && fateOfA === "cancelled";
    if (choice !== "a") this.store.settleJob(conflict.a.jobId, "cancelled");
    const pending = choice !== "a" || queueA;
    this.settle(conflict, { choice, reason: "chosen", chooserId: user.id, pending, jobId: pending ? null : conflict.a.jobId, error: null });
    if (!pending) return;
    await this.ports.scheduleAlarm(Date.now() + CONFLICT_RETRY_MS);
    await this.complete(conflictId);
  }

  /** Records a conflict's outcome once and tells everyone here; false when it was settled already. */
  private settle(conflict: StoredConflict, outcome: ConflictOutcome): boolean {
    if (!this.store.resolveConflict(conflict.id, outcome)) return false;
    this.ports.broadcast({ type: "conflictResolved", conflictId: conflict.id, choice: outcome.choice, reason: outcome.reason });
    return true;
  }

  /**
   * Queues a settled conflict's chosen request, once: request A's job is marked cancelled in D1
   * (the room already refuses its result), and the chosen prompt becomes a job whose idempotency
   * key is the conflict's, so trying again (after a restart) finds the same job.
   */
  private async complete(conflictId: string): Promise<void> {
    if (this.completing.has(conflictId)) return;
    this.completing.add(conflictId);
    try {
      const conflict = this.store.getConflict(conflictId);
      const outcome = this.store.conflictOutcome(conflictId);
      if (!conflict || !outcome?.pending) return;
      if (outcome.choice !== "a" && (await this.ports.cancelJob(conflict.a.jobId))) {
        this.ports.broadcast({ type: "job", jobId: conflict.a.jobId, stage: "cancelled", progress: 0, status: "cancelled", elementId: conflict.elementId, kind: "element_refine" });
        this.ports.locks.releaseForJob(conflict.elementId, conflict.a.jobId);
      }
      const userId = outcome.choice === "a" ? conflict.a.userId : outcome.choice === "b" ? conflict.b.userId : (outcome.chooserId ?? conflict.b.userId);
      try {
        const { job, created } = await this.ports.createJob({
          userId,
          worldId: this.ports.worldId(),
          kind: "element_refine",
          input: { prompt: conflict.options[outcome.choice], elementId: conflict.elementId, modalities: conflict.b.modalities },
          idempotencyKey: `conflict-${conflictId}`,
          requestBody: { conflictId, choice: outcome.choice },
        });
        this.store.setConflictOutcome(conflictId, { ...outcome, pending: false, jobId: job.id });
        if (created) this.ports.broadcast({ type: "job", jobId: job.id, stage: "queued", progress: 0, status: "queued", elementId: conflict.elementId, kind: job.kind });
      } catch (error) {
        // Over a quota, say: nothing runs, and everyone is told why.
        const message = error instanceof Error ? error.message : "The chosen request could not be queued.";
        this.store.setConflictOutcome(conflictId, { ...outcome, pending: false, error: message });
        this.ports.broadcast({ type: "error", code: "job_not_queued", message: `The chosen request could not be queued: ${message}` });
      }
    } finally {
      this.completing.delete(conflictId);
    }
  }
}
