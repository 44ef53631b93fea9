import type * as Y from "yjs";
import { ArchiveSchema } from "../../workers/domain/archive-format";
import { PROJECTOR, type DocumentKind } from "../live-room/document-kind";
import type { DecodedUpdate } from "../live-room/update-check";
import { elementPart } from "./element-part";
import type { EntityPart, Hydration } from "./entity-part";
import type { RoomLocks } from "./locks";
import type { RoomUser } from "./protocol";
import { WorldProjection } from "./projection";
import { relationshipPart } from "./relationship-part";
import { RoomStorage } from "./room-storage";
import { RelayedIndex, roomView } from "./room-view";
import { checkUpdate, type Acceptance, type Refusal } from "./update-rules";

/** What the world's document kind needs of its room. */
export type WorldKindPorts = {
  document: () => Y.Doc;
  store: () => RoomStorage;
  db: () => D1Database;
  worldId: () => string;
  /** The clock editing sessions are measured by (tests move it on). */
  clock: () => number;
  /** Brings the document up to date with the updates relayed but not applied (relay.ts). */
  catchUp: () => void;
  scheduleAlarm: (at: number) => Promise<void>;
  newId: () => string;
  locks: RoomLocks;
};

/**
 * A world's graph as a document kind (live-room/document-kind.ts): its live entities, each a
 * part of its own (elements, relationships; entity-part.ts), the rules a live update must keep
 * (update-rules.ts against room-view.ts) and the locks it must respect, its projection into D1
 * (projection.ts), and its archive (`world.json`).
 */
export class WorldKind implements DocumentKind<RoomStorage, Acceptance> {
  /** The world's live entities, in the order they are hydrated and projected (relationships need their ends). */
  readonly collections: readonly EntityPart[];
  readonly relayed = new RelayedIndex();
  readonly archive = { path: "world.json", schema: ArchiveSchema };
  private readonly projection: WorldProjection;

  constructor(private readonly ports: WorldKindPorts) {
    this.collections = [elementPart(ports.store), relationshipPart()];
    this.projection = new WorldProjection(ports);
  }

  openStorage(sql: SqlStorage): RoomStorage {
    return new RoomStorage(sql);
  }

  async hydrate(): Promise<boolean> {
    const db = this.ports.db();
    const worldId = this.ports.worldId();
    const results = await db.batch<unknown>(this.collections.map((part) => part.rows(db, worldId)));
    const rows = results.map((result) => result?.results ?? []);
    if (rows.every((found) => found.length === 0)) return false;
    const document = this.ports.document();
    const into: Hydration = {
      worldId,
      document,
      store: this.ports.store(),
      hydrated: new Map(),
    };
    document.transact(() => {
      this.collections.forEach((part, index) => into.hydrated.set(part.name, part.hydrate(rows[index] ?? [], into)));
    }, PROJECTOR);
    return true;
  }

  inspect(update: DecodedUpdate, user: RoomUser): Acceptance | Refusal {
    const store = this.ports.store();
    return checkUpdate(
      update,
      roomView(this.ports.document(), this.relayed, (client) => store.ownerOf(client)),
      user,
      this.ports.worldId(),
    );
  }

  admit(accepted: Acceptance, user: RoomUser) {
    // Most updates arrive when nothing is locked (the count is kept in memory).
    const lock = this.ports.locks.any ? this.ports.locks.heldAgainst(user.id, accepted.touched) : null;
    return lock
      ? {
          code: "locked",
          message: `${lock.by.name} is editing that element; your change was not applied.`,
        }
      : null;
  }

  projectBatch(size: number): Promise<boolean> {
    return this.projection.projectBatch(size);
  }

  afterProjection(): Promise<void> {
    return this.projection.refreshSearch();
  }
}
