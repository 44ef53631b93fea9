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
 * Marked changes written to D1 per batch (the world's: a handful of statements whatever the size).
 * Batches keep the room answering between them: one batch of a few hundred new elements held
 * every broadcast behind it. In the background (the alarm) batches are small and spaced out, so
 * that each holds the room for a couple of milliseconds at most; a request waiting for its write
 * to be projected gets larger ones, back to back.
 */
const PROJECTION_BATCH = { background: 10, waiting: 50 };
/** The pause between background projection batches. */
const PROJECTION_PACE_MS = 15;

/** What the pacing needs of the room and its document kind. */
export type PacingPorts = {
  /** How many changes wait for the projection (the room's storage). */
  waiting: () => number;
  scheduleAlarm: (at: number) => Promise<void>;
  /** The kind writes one batch of at most `size` changes; true when more wait (document-kind.ts). */
  projectBatch: (size: number) => Promise<boolean>;
  /** The kind's work once everything is written. */
  afterProjection: () => Promise<void>;
};

/**
 * When the room's document is projected into D1, whatever it holds (ADR 5, ADR 9): changes are
 * marked as they happen (live-storage.ts); the background projection waits for a pause in
 * editing (at most 20 s) and writes small batches spaced out, so live edits come first; a request
 * that waits for its own write to be projected gets larger batches, back to back. What a batch
 * writes is the document kind's (document-kind.ts).
 */
export class ProjectionPacing {
  constructor(private readonly ports: PacingPorts) {}

  private flushing: Promise<void> | null = null;
  /** When the last change by anyone but the projector was made (0: none since the room started). */
  private changedAt = 0;
  /** Since when changes have been waiting for the projection (null: nothing waits, or unknown). */
  private waitingSince: number | null = null;

  /** A change by anyone but the projector: the projection waits for a pause, then writes it. */
  noteChange() {
    this.changedAt = Date.now();
    this.waitingSince ??= this.changedAt;
    void this.schedule();
  }

  private async schedule() {
    await this.ports.scheduleAlarm(Date.now() + PROJECTION_DELAY_MS);
  }

  /**
   * When the background projection may run: once the room is quiet, or once changes have waited
   * PROJECTION_MAX_WAIT_MS. After a restart nothing is known about the wait, so it runs at once.
   */
  private dueAt(): number {
    if (this.waitingSince === null) return 0;
    return Math.min(this.changedAt + PROJECTION_QUIET_MS, this.waitingSince + PROJECTION_MAX_WAIT_MS);
  }

  /** The room's alarm: projects in the background if the room is quiet, or comes back when it is due. */
  async onAlarm(): Promise<void> {
    const due = this.dueAt();
    if (Date.now() < due) await this.ports.scheduleAlarm(due);
    else await this.flush({ paced: true });
  }

  /** Writes every pending change to D1; concurrent callers share one run and then run again. */
  async flush({ paced = false }: { paced?: boolean } = {}): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.project(paced)
      .then(() => this.ports.afterProjection())
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
    if (this.ports.waiting() > 0) await this.schedule();
    else this.waitingSince = null;
  }

  /**
   * Projects in small batches until nothing is left, serving socket messages in between. In the
   * background (the alarm) batches are spaced out: back to back, they kept the room busy for a
   * hundred milliseconds at a time and the broadcasts queued behind them (locally D1 shares the
   * room's thread). Callers waiting to answer a request get theirs without the spacing.
   */
  private async project(paced: boolean): Promise<void> {
    while (await this.ports.projectBatch(paced ? PROJECTION_BATCH.background : PROJECTION_BATCH.waiting)) {
      await new Promise((resolve) => setTimeout(resolve, paced ? PROJECTION_PACE_MS : 0));
      // Edits started again: the background projection gives way (flush reschedules it).
      if (paced && Date.now() < this.dueAt()) return;
    }
  }
}
