import type * as Y from "yjs";
import type { z } from "zod";
import type { Collection } from "../live-room/document-kind";
import type { RoomStorage } from "./room-storage";
import type { EntryCheck } from "./update-rules";

/** What a part's hydration writes into: the room's document and storage, and what was hydrated so far. */
export type Hydration = {
  worldId: string;
  document: Y.Doc;
  store: RoomStorage;
  /** The ids each part put into the document so far, by collection (relationships need their ends). */
  hydrated: Map<string, Set<string>>;
};

/** What a part's projection reads and writes with (world-kind.ts's batch). */
export type PartProjection = { document: Y.Doc; db: D1Database; worldId: string; now: number };

/**
 * One live entity of the world's document kind (world-kind.ts): where it sits in the Yjs document
 * and which ids a change touched (a Collection, marked for the projection), what a live update may
 * write there, how its changes become D1 rows, how a room with no storage reads it from D1, and its
 * entries in an archive. Elements (element-part.ts) and relationships (relationship-part.ts) are
 * the first two; a new entity (dated events, map pins) is a part of its own, usually
 * `definedPart(definition, table, …)` (defined-part.ts), added to the world's list of parts.
 */
export type EntityPart = Collection & {
  /** Its top-level Yjs map (`doc.getMap(map)`): every id under it is one of its entities. */
  map: string;
  /**
   * What a live update may write under its map, value by value (update-rules.ts places each item
   * and asks). `"graph"`: update-rules.ts's own rules, for elements and relationships only.
   */
  rules: EntryCheck | "graph";
  /**
   * Its marked ids as D1 statements, run in the projection's batch: rows upserted for ids the
   * document holds, deleted for ids it no longer does. `"graph"`: planned by projection.ts with
   * versions and history, for elements and relationships only.
   */
  project: ((ids: string[], from: PartProjection) => D1PreparedStatement[]) | "graph";
  /** Its rows of one world in D1, as hydration reads them. */
  rows: (db: D1Database, worldId: string) => D1PreparedStatement;
  /**
   * Puts the rows into the document (inside the hydration's transaction), each read through a
   * schema: a row that does not read is repaired where a default fits, or left out, and logged.
   * Returns the ids it put in.
   */
  hydrate: (rows: unknown[], into: Hydration) => Set<string>;
  /** How an archive's `world.json` holds one of them (workers/domain/archive-format.ts). */
  archive: z.ZodType;
};
