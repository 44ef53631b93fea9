import { LOCK_LEASE_MS, type RoomUser, type ServerMessage } from "./protocol";
import type { RoomStorage } from "./room-storage";

/** A job holds an element's lock for this long; it renews the lease at every stage. */
const JOB_LOCK_MS = 120_000;

/** The lock holder a generation job appears as (D3). */
function jobHolder(jobId: string): RoomUser {
  return { id: `job:${jobId}`, name: `AI (job ${jobId.slice(0, 6)})`, role: "editor", color: "hsl(265 70% 55%)" };
}

export type Lock = { by: RoomUser; until: number; connectionId: string };
export type LockRefusal = { code: string; message: string };

/** What the locks need of the room: its storage, a way to tell everyone, and its alarm. */
export type LockPorts = {
  store: () => RoomStorage;
  broadcast: (message: ServerMessage) => void;
  scheduleAlarm: (at: number) => Promise<void>;
};

/**
 * Element locks (catalogue D3): leases kept in the room's SQLite (room-storage.ts) so they survive
 * hibernation, taken by a person over their socket or by a generation job, released by their
 * holder, when the holder's socket closes, or when the lease runs out (the room's alarm). Everyone
 * in the room hears of each change.
 */
export class RoomLocks {
  constructor(private readonly ports: LockPorts) {}

  private get store() {
    return this.ports.store();
  }

  /** Whether any lock exists (kept in memory: most updates arrive when nothing is locked). */
  get any(): boolean {
    return this.store.anyLocks;
  }

  /** A lock on one of these elements held by someone other than `userId`, if any. */
  heldAgainst(userId: string, ids: Iterable<string>, now = Date.now()): Lock | null {
    for (const id of ids) {
      const lock = this.store.getLock(id, now);
      if (lock && lock.by.id !== userId) return lock;
    }
    return null;
  }

  /** A person takes (or renews) a lease on an element through their socket; the caller checked the element exists. */
  async take(user: RoomUser, connectionId: string, elementId: string): Promise<LockRefusal | null> {
    const now = Date.now();
    const held = this.store.getLock(elementId, now);
    if (held && held.by.id !== user.id) {
      return { code: "locked", message: `${held.by.name} is already editing that element.` };
    }
    const until = now + LOCK_LEASE_MS;
    this.store.setLock(elementId, user, connectionId, until);
    this.ports.broadcast({ type: "locked", elementId, by: user, until: new Date(until).toISOString() });
    await this.ports.scheduleAlarm(until);
    return null;
  }

  /** A person releases their lock; releasing a lock nobody holds does nothing. */
  release(user: RoomUser, elementId: string): LockRefusal | null {
    const held = this.store.getLock(elementId, Date.now());
    if (!held) return null;
    if (held.by.id !== user.id) {
      return { code: "not_lock_holder", message: "Only the person holding a lock can release it." };
    }
    this.store.deleteLock(elementId);
    this.ports.broadcast({ type: "unlocked", elementId });
    return null;
  }

  /** A job takes (or renews) a lease under its own name; a person's lock stays. */
  async takeForJob(elementId: string, jobId: string): Promise<boolean> {
    const now = Date.now();
    const holder = jobHolder(jobId);
    const held = this.store.getLock(elementId, now);
    if (held && held.by.id !== holder.id) return false;
    const until = now + JOB_LOCK_MS;
    this.store.setLock(elementId, holder, holder.id, until);
    this.ports.broadcast({ type: "locked", elementId, by: holder, until: new Date(until).toISOString() });
    await this.ports.scheduleAlarm(until);
    return true;
  }

  releaseForJob(elementId: string, jobId: string) {
    const held = this.store.getLock(elementId, Date.now());
    if (!held || held.by.id !== jobHolder(jobId).id) return;
    this.store.deleteLock(elementId);
    this.ports.broadcast({ type: "unlocked", elementId });
  }

  /** Releases every lock a closing connection held. */
  releaseOf(connectionId: string) {
    for (const elementId of this.store.releaseLocksOf(connectionId)) this.ports.broadcast({ type: "unlocked", elementId });
  }

  /** Removes leases that ran out (the alarm). */
  expire() {
    for (const elementId of this.store.expireLocks(Date.now())) this.ports.broadcast({ type: "unlocked", elementId });
  }

  /** When the next lease runs out, if any is held. */
  nextExpiry(): number | null {
    return this.store.nextLockExpiry();
  }

  active(now = Date.now()) {
    return this.store.activeLocks(now);
  }
}
