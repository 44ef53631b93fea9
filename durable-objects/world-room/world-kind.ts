import { ArchiveSchema } from "../../workers/domain/archive-format";
import { PROJECTOR, type DocumentKind } from "../live-room/document-kind";
import type { DecodedUpdate } from "../live-room/update-check";
import { elementPart } from "./element-part";
import type { EntityPart, Hydration } from "./entity-part";
import type { RoomLocks } from "./locks";
import type { RoomUser } from "./protocol";
import { WorldProjection, type ProjectionPorts } from "./projection";
import { relationshipPart } from "./relationship-part";
import { RoomStorage } from "./room-storage";
import { RelayedIndex, roomView } from "./room-view";
import { checkUpdate, type Acceptance, type EntryCheck, type EntryRules, type Refusal } from "./update-rules";

/** What the world's document kind needs of its room: what its projection needs (it adds the parts), and the locks. */
export type WorldKindPorts = Omit<ProjectionPorts, "parts"> & { locks: RoomLocks };

/**
 * The world's live entities, in the order they are hydrated and projected (relationships need
 * their ends). A new live entity is one part module (entity-part.ts) and one entry here.
 */
export function worldParts(store: () => RoomStorage): EntityPart[] {
  return [elementPart(store), relationshipPart()];
}

/** The maps whose rules and projection are the graph's own (update-rules.ts, projection.ts). */
const GRAPH_MAPS = new Set(["elements", "relationships"]);

/** Parts that can live side by side: one map and one name each, the graph's rules only for the graph's maps. */
function checkParts(parts: readonly EntityPart[]) {
  const maps = new Set<string>();
  const names = new Set<string>();
  for (const part of parts) {
    if (maps.has(part.map) || names.has(part.name)) throw new Error(`two parts of the world use the map ${part.map} or the name ${part.name}`);
    maps.add(part.map);
    names.add(part.name);
    const graph = GRAPH_MAPS.has(part.map);
    if (graph !== (part.rules === "graph") || graph !== (part.project === "graph")) {
      throw new Error(`the part ${part.name}: only the elements and relationships maps take the graph's rules and projection, and they take nothing else`);
    }
  }
}

/**
 * What update-rules.ts and room-view.ts are given of the parts: the rules of each part that is not
 * the graph's, by its map, and those maps. Checks the parts can live side by side.
 */
export function partRules(parts: readonly EntityPart[]): { rules: EntryRules; maps: readonly string[] } {
  checkParts(parts);
  const rules = new Map<string, EntryCheck>();
  for (const part of parts) if (part.rules !== "graph") rules.set(part.map, part.rules);
  return { rules, maps: [...rules.keys()] };
}

/**
 * A world's graph as a document kind (live-room/document-kind.ts): its live entities, each a
 * part of its own (elements, relationships and any other: entity-part.ts), the rules a live
 * update must keep (update-rules.ts against room-view.ts, which ask each part about its map) and
 * the locks it must respect, its projection into D1 (projection.ts, with each part's rows), and its
 * archive (`world.json`). `parts` default to the world's (`worldParts`); a test may add its own.
 */
export class WorldKind implements DocumentKind<RoomStorage, Acceptance> {
  /** The world's live entities, in the order they are hydrated and projected (relationships need their ends). */
  readonly collections: readonly EntityPart[];
  readonly relayed = new RelayedIndex();
  readonly archive = { path: "world.json", schema: ArchiveSchema };
  private readonly projection: WorldProjection;
  /** The rules of the parts that are not the graph's, by map, and those maps (update-rules.ts, room-view.ts). */
  private readonly entryRules: EntryRules;
  private readonly entryMaps: readonly string[];

  constructor(
    private readonly ports: WorldKindPorts,
    parts: readonly EntityPart[] = worldParts(ports.store),
  ) {
    ({ rules: this.entryRules, maps: this.entryMaps } = partRules(parts));
    this.collections = parts;
    this.projection = new WorldProjection({ ...ports, parts });
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
      roomView(this.ports.document(), this.relayed, (client) => store.ownerOf(client), this.entryMaps),
      user,
      this.ports.worldId(),
      this.entryRules,
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
