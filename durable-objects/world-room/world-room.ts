import { allElements, allRelationships, elementsOf, getElement, relationshipsOf } from "./graph-doc";
import type { JobEvent } from "./protocol";
import { cancelJob, createJob, limitsFrom } from "../../workers/domain/jobs";
import { getDb } from "../../workers/lib/db";
import { LiveRoom, newId } from "../live-room/live-room";
import type { RoomFeatures } from "../live-room/document-kind";
import type { RoomStorage, StoredConflict } from "./room-storage";
import { RoomLocks } from "./locks";
import { CONFLICT_RETRY_MS, RoomConflicts } from "./conflicts";
import { RoomChat } from "./chat";
import { elementView, relationshipView } from "./views";
import { GraphWrites, ok } from "./graph-writes";
import type { Acceptance } from "./update-rules";
import { WorldKind } from "./world-kind";
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

/**
 * One room per world (SPEC §1): the single writer of the world's graph. The room machinery
 * (live-room/live-room.ts: sockets, the update log, the relay, the projection's pacing, the alarm)
 * holds the world's document kind (world-kind.ts: elements and relationships, their rules, their
 * projection into D1 and hydration from it); this class wires it to the world's own features
 * (locks, conflicts, chat, generation jobs) and holds the typed RPC entry points, each a line that
 * calls its module. REST writes wait for the projection, so a read after a write sees it. It runs
 * in the rooms Worker (ADR 9); `env` is typed as the app's Env, but that Worker binds only what
 * the room uses: DB, JOBS_QUEUE and the generation limits.
 */
export class WorldRoom extends LiveRoom<RoomStorage, Acceptance> {
  private get worldId(): string {
    return this.name;
  }

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
  private readonly chat = new RoomChat({
    store: () => this.store,
    db: () => this.env.DB,
    worldId: () => this.worldId,
    broadcast: (message) => this.broadcastJson(message),
    newId: () => newId(),
  });
  protected readonly kind = new WorldKind({
    document: () => this.document,
    store: () => this.store,
    db: () => this.env.DB,
    worldId: () => this.worldId,
    clock: () => this.clock(),
    catchUp: () => this.relay.catchUp(),
    scheduleAlarm: (at) => this.scheduleAlarm(at),
    newId: () => newId(),
    locks: this.locks,
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
    flush: () => this.pacing.flush(),
    newId: () => newId(),
  });

  /** The world's own messages and work: its welcome, chat, locks and conflicts. */
  protected readonly features: RoomFeatures = {
    greet: (you, users) => [{ type: "welcome", you, users, locks: this.locks.active() }, ...this.chat.recent(), ...this.conflicts.openMessages()],
    message: async (connectionId, user, readOnly, message, reply) => {
      switch (message.type) {
        case "chat":
          return this.chat.post(user, message.text);
        case "lock": {
          if (readOnly) return reply({ type: "error", code: "read_only", message: "Viewers cannot lock elements." });
          // From here on editors' updates are inspected against the document (live-room.ts's onMessage).
          this.relay.catchUp();
          if (!elementsOf(this.document).has(message.elementId)) {
            return reply({ type: "error", code: "not_found", message: "That element is not in this world." });
          }
          const refused = await this.locks.take(user, connectionId, message.elementId);
          if (refused) reply({ type: "error", ...refused });
          return;
        }
        case "unlock": {
          const refused = this.locks.release(user, message.elementId);
          if (refused) reply({ type: "error", ...refused });
          return;
        }
        case "conflictChoice":
          return this.conflicts.choose(user, readOnly, message.conflictId, message.choice, reply);
      }
    },
    left: (connectionId) => this.locks.releaseOf(connectionId),
    // A conflict decided but not queued when the room stopped: its alarm queues it (conflicts.ts).
    loaded: async () => {
      if (this.conflicts.anyPending) await this.scheduleAlarm(Date.now() + CONFLICT_RETRY_MS);
    },
    alarm: async () => {
      this.locks.expire();
      await this.conflicts.completePending();
    },
    nextAlarm: () => this.locks.nextExpiry(),
  };

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

  /** What the room holds; loading it is the rehydration the bench times. */
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
}
