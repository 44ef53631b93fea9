// The world's entities that archives, imports and forks carry, in the order world.json lists them
// (ADR 18, ADR 19). A new live entity of the world (map pins, dated events) is archived, exported,
// imported and forked by one entry here, its definition and its drizzle table:
//
//   { key: "pins", definition: pin, table: pins, max: 20_000, made: ({ now }) => ({ createdAt: now, updatedAt: now }) }
//
// Elements and relationships are the first two, carried by code of their own (`graph: true`):
// their media files, secrets only when asked, relationships' ends that must be elements of the
// archive, element ids given anew on import and fork (archive-format.ts, export-archive.ts,
// import-world.ts, publishing.ts). Every other entry takes the generic path (archived-entities.ts).
//
// This module imports the drizzle tables as values: the browser, which imports element.ts and
// relationship.ts through graph-doc.ts, must not import it.
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { z } from "zod";
import { elements, relationships } from "../../../drizzle/schema";
import { element } from "./element";
import type { AnyEntity } from "./entity";
import { relationship } from "./relationship";

type Entry = {
  /** Its key in world.json (`pins`): a list of its entries; absent in an archive, none. */
  key: string;
  definition: AnyEntity;
  table: SQLiteTable;
};

/** Elements and relationships: the archive's own code carries them. */
export type GraphEntity = Entry & { graph: true };

/**
 * Any other entity of the world, carried generically (archived-entities.ts): export writes its
 * rows as D1 has them, each an `archiveEntryOf` its view; import reads each entry through its
 * archive schema (`archiveShapeOf`) and inserts it under the same id; a fork copies its rows.
 */
export type ArchivedEntity = Entry & {
  graph?: undefined;
  /** At most this many in one archive (world.json itself is read within ADR 13's budget). */
  max: number;
  /**
   * The values import gives the fields the archive does not hold (no `archive`, or `"written"`):
   * the moment and the person that make it in the new world. Checked when the list is read.
   */
  made?: (stamp: { now: number; userId: string }) => Record<string, unknown>;
  /** Archive schemas of fields whose rule depends on the world (archiveShapeOf's overrides). */
  archive?: Record<string, z.ZodType>;
};

export type WorldEntity = GraphEntity | ArchivedEntity;

/** The world's entities, in world.json's order. */
export const WORLD_ENTITIES: readonly WorldEntity[] = [
  { key: "elements", definition: element, table: elements, graph: true },
  { key: "relationships", definition: relationship, table: relationships, graph: true },
];

/** The entries the generic path carries: every one but elements and relationships. */
export function archivedEntitiesOf(entities: readonly WorldEntity[]): ArchivedEntity[] {
  return entities.filter((entity): entity is ArchivedEntity => entity.graph !== true);
}
