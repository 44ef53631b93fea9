// The generic path by which archives, imports and forks carry the world's entities other than
// elements and relationships (entities/index.ts's list, ADR 18 and 19). Everything derives from
// each entity's definition and table:
//
//   world.json  an optional list under the entity's key (absent: none, so archives without it read
//               as before), at most `max` entries, each an `archiveEntryOf` its view
//   export      its rows as D1 holds them (`selectStatementOf`), each read through its rules
//               (`storedRowReaderOf`); a row that does not read is left out and logged
//   import      each entry read through its archive schema (`archiveShapeOf`), ids unique; inserted
//               under the same id with `bulkStatementsOf(...).insert`, in the import's batch
//   fork        its rows copied with one `insert … select` (`copyStatementOf`), in the fork's batch
//
// What it does not do: ids of elements an entity names are kept as they were (import and fork give
// elements new ids), so such a reference is carried by hand; see ADR 18.
import { getTableColumns } from "drizzle-orm";
import { z } from "zod";
import { log } from "../lib/log";
import { archivedEntitiesOf, type ArchivedEntity, type WorldEntity } from "./entities";
import { archiveEntryOf, archiveShapeOf, columnsOfField, rowOf, valuesOf, viewOf, type ValuesOf } from "./entities/entity";
import { bulkStatementsOf, chunkJson, copyStatementOf, selectStatementOf, storedRowReaderOf } from "./graph-rows";

/** A problem in world.json, by its path there (`pins.3.label`). */
export type ArchiveIssue = { path: string; message: string };

export function archiveIssuesOf(error: z.ZodError, prefix: string): ArchiveIssue[] {
  return error.issues.map((issue) => ({ path: [prefix, ...issue.path.map(String)].join("."), message: issue.message }));
}

/** What the generic path needs of one entity, derived once. */
type Carrier = {
  entity: ArchivedEntity;
  /** The field that is its id (the first: graph-rows.ts keys rows by it). */
  idField: string;
  entry: z.ZodType<Record<string, unknown>>;
  select: string;
  read: ReturnType<typeof storedRowReaderOf>;
  insert: string;
  copy: { withHidden: string; withoutHidden: string };
};

const carriers = new WeakMap<ArchivedEntity, Carrier>();

/**
 * Derives an entity's carrier, checking what the generic path relies on: every field the archive
 * does not hold is given by `made`, and a field only owners and editors see may be null (an
 * export or fork without secrets leaves it out). A mistake here is the list's, not an archive's.
 */
function carrierOf(entity: ArchivedEntity): Carrier {
  const known = carriers.get(entity);
  if (known) return known;
  const { key, definition, table } = entity;
  const columns = getTableColumns(table);
  const made = entity.made?.({ now: 0, userId: "" }) ?? {};
  const fields = Object.entries(definition.fields);
  for (const [name, spec] of fields) {
    if (typeof spec.archive !== "object" && !(name in made)) {
      throw new Error(`${key}: the archive does not hold ${name}; give it an archive entry or a value in made`);
    }
    if (spec.view === "editors" && !("default" in (typeof spec.archive === "object" ? spec.archive : {}))) {
      for (const [, property] of columnsOfField(name, spec)) {
        if (columns[property]?.notNull) throw new Error(`${key}: ${name} is seen only by owners and editors, so its column must allow null`);
      }
    }
  }
  const idField = fields[0]?.[0];
  if (!idField || typeof definition.fields[idField]?.archive !== "object") throw new Error(`${key}: its first field is its id, and the archive must hold it`);
  const carrier: Carrier = {
    entity,
    idField,
    entry: z.object(archiveShapeOf(definition, entity.archive ?? {})),
    select: selectStatementOf(table, definition),
    read: storedRowReaderOf(table, definition),
    insert: bulkStatementsOf(table, definition).insert,
    copy: { withHidden: copyStatementOf(table, definition, true), withoutHidden: copyStatementOf(table, definition, false) },
  };
  carriers.set(entity, carrier);
  return carrier;
}

/** world.json's keys for the entities of the generic path: each an optional list of at most `max`. */
export function archivedEntriesShape(entities: readonly WorldEntity[]): Record<string, z.ZodOptional<z.ZodArray<z.ZodUnknown>>> {
  return Object.fromEntries(archivedEntitiesOf(entities).map((entity) => [entity.key, z.array(z.unknown()).max(entity.max).optional()]));
}

/**
 * Export: each entity's entries for world.json, in the list's order, its rows in the order they
 * were written; an entity with no rows has no key. A row that does not read through the
 * definition's rules is left out and logged (`export.skipped_entry`).
 */
export async function exportArchivedEntries(db: D1Database, worldId: string, withHidden: boolean, entities: readonly WorldEntity[]): Promise<Array<[key: string, entries: unknown[]]>> {
  const out: Array<[string, unknown[]]> = [];
  for (const entity of archivedEntitiesOf(entities)) {
    const carrier = carrierOf(entity);
    const { results } = await db.prepare(carrier.select).bind(worldId).all();
    const entries: unknown[] = [];
    for (const raw of results) {
      const read = carrier.read(raw, worldId);
      if (!read.ok) {
        log.warn("export.skipped_entry", { worldId, entity: entity.key, id: read.id, column: read.column });
        continue;
      }
      const { definition } = entity;
      entries.push(archiveEntryOf(definition, viewOf(definition, valuesOf(definition, read.row), withHidden), withHidden));
    }
    if (entries.length > 0) out.push([entity.key, entries]);
  }
  return out;
}

/** Import: each entity's entries of an archive, read and checked. */
export type ArchivedEntries = Array<{ entity: ArchivedEntity; entries: Array<Record<string, unknown>> }>;

/**
 * Import: reads each entity's list in world.json (already checked to be a list of at most `max`
 * by the archive's schema) through its archive schema. Problems are added to `issues`, named by
 * their path (`pins.3.label`); an id used twice is one.
 */
export function readArchivedEntries(document: Record<string, unknown>, entities: readonly WorldEntity[], issues: ArchiveIssue[]): ArchivedEntries {
  const read: ArchivedEntries = [];
  for (const entity of archivedEntitiesOf(entities)) {
    const list = document[entity.key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      issues.push({ path: entity.key, message: "must be a list" });
      continue;
    }
    const carrier = carrierOf(entity);
    const ids = new Set<unknown>();
    const entries: Array<Record<string, unknown>> = [];
    list.forEach((raw: unknown, index) => {
      const parsed = carrier.entry.safeParse(raw);
      if (!parsed.success) return issues.push(...archiveIssuesOf(parsed.error, `${entity.key}.${index}`));
      const id = parsed.data[carrier.idField];
      if (ids.has(id)) return issues.push({ path: `${entity.key}.${index}.${carrier.idField}`, message: `the id ${String(id)} is used twice` });
      ids.add(id);
      entries.push(parsed.data);
    });
    read.push({ entity, entries });
  }
  return read;
}

/** Import: the statements that insert the entries into the new world, under their own ids. */
export function insertArchivedEntries(db: D1Database, worldId: string, read: ArchivedEntries, stamp: { now: number; userId: string }): D1PreparedStatement[] {
  return read.flatMap(({ entity, entries }) => {
    const carrier = carrierOf(entity);
    const made = entity.made?.(stamp) ?? {};
    // Each entry holds every field its archive schema read (defaults filled in); `made` the rest (checked in carrierOf).
    const rows = entries.map((entry) => rowOf(entity.definition, { ...made, ...entry } as ValuesOf<typeof entity.definition>));
    return chunkJson(rows).map((json) => db.prepare(carrier.insert).bind(worldId, json));
  });
}

/** Fork: the statements that copy each entity's rows of `from` into `to` (hidden fields only `withHidden`). */
export function copyArchivedRows(db: D1Database, from: string, to: string, withHidden: boolean, entities: readonly WorldEntity[]): D1PreparedStatement[] {
  return archivedEntitiesOf(entities).map((entity) => {
    const { copy } = carrierOf(entity);
    return db.prepare(withHidden ? copy.withHidden : copy.withoutHidden).bind(from, to);
  });
}
