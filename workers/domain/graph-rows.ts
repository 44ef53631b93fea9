/**
 * An element's and a relationship's D1 rows, derived from their definitions (entities/, ADR 19)
 * and their drizzle tables: the statements that write many rows at once, the one that reads a
 * world's rows back, and the reading of each such row through the definition's rules.
 *
 * Writes: rows travel as one JSON array per statement, expanded by `json_each`. Locally D1 runs on
 * the calling Worker's thread and each statement costs about as much as the rows it writes, so a
 * projection batch or a 5,000-element import takes a handful of statements instead of thousands.
 * The room's projection upserts (`world-room.ts`); import and fork insert into a world they create
 * in the same batch (`import-world.ts`, `publishing.ts`).
 *
 * Copies: a fork copies the rows of an entity the world's archives carry generically with one
 * `insert … select` (`copyStatementOf`).
 *
 * Reads: a room with no storage hydrates from the select (durable-objects/world-room/*-part.ts),
 * each row read by `storedRowReaderOf`: a field added to the definition is selected and read with
 * no edit there.
 */
import { getTableColumns, getTableName } from "drizzle-orm";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { elements, parseStoredJson, relationships } from "../../drizzle/schema";
import { firstIssue } from "./element-fields";
import { element, type ElementRowJson } from "./entities/element";
import { columnsOf, columnsOfField, type AnyEntity, type RowJsonOf } from "./entities/entity";
import { relationship, type RelationshipRowJson } from "./entities/relationship";

export type { ElementRowJson } from "./entities/element";
export type { RelationshipRowJson } from "./entities/relationship";

/**
 * The statements that write an entity's rows, derived from its definition and its drizzle table:
 * one column per column the definition names (JSON columns kept as JSON), the scope (`world_id`)
 * bound as ?1 and the rows as ?2. A column that may be null and names another table's row with
 * `on delete set null` (an element's `created_by`) is written only when that row exists: an id
 * from a live document that names nobody must not fail the whole batch. An upsert rewrites every
 * column but the row's key and the fields the definition keeps (`fixed`: id, author, creation time).
 * `remove` deletes the rows whose ids are given as ?2 (a JSON array).
 */
export function bulkStatementsOf(table: SQLiteTable, entity: AnyEntity): { insert: string; upsert: string; remove: string } {
  const { foreignKeys } = getTableConfig(table);
  const { sqlName, scope } = columnsOfTable(table, entity);
  const written = columnsOf(entity).map(({ rowKey, column: property, fixed }) => {
    const column = sqlName(property);
    const value = column.dataType === "json" ? `value -> '$.${rowKey}'` : `value ->> '$.${rowKey}'`;
    const link = foreignKeys.map((key) => ({ key, reference: key.reference() })).find(({ key, reference }) => key.onDelete === "set null" && reference.columns.length === 1 && reference.columns[0] === column);
    if (link && !column.notNull) {
      const target = link.reference.foreignColumns[0]!.name;
      const other = getTableName(link.reference.foreignTable);
      return { name: column.name, fixed, expression: `(select t.${target} from ${other} t where t.${target} = ${value})` };
    }
    return { name: column.name, fixed, expression: value };
  });
  const names = [written[0]!.name, sqlName(scope).name, ...written.slice(1).map((c) => c.name)];
  const expressions = [written[0]!.expression, "?1", ...written.slice(1).map((c) => c.expression)];
  const insert = `insert into ${getTableName(table)} (${names.join(", ")})
  select ${expressions.join(", ")}
  from json_each(?2) where true`;
  const key = [sqlName(scope).name, written[0]!.name];
  const updates = written.filter((c) => !c.fixed).map((c) => `${c.name} = excluded.${c.name}`);
  const upsert = `${insert}
  on conflict (${key.join(", ")}) do update set ${updates.join(", ")}`;
  const remove = `delete from ${getTableName(table)} where ${key[0]} = ?1 and ${key[1]} in (select value from json_each(?2))`;
  return { insert, upsert, remove };
}

/** The table's columns by drizzle property (throwing on one it does not have) and the one scope column. */
function columnsOfTable(table: SQLiteTable, entity: AnyEntity) {
  const columns = getTableColumns(table);
  const sqlName = (property: string) => {
    const column = columns[property];
    if (!column) throw new Error(`${entity.table} has no column ${property}`);
    return column;
  };
  const [scope, ...more] = entity.scope;
  if (!scope || more.length > 0) throw new Error(`${entity.table}: its rows are read and written by exactly one scope column`);
  return { sqlName, scope };
}

/**
 * The statement that reads an entity's rows of one scope (`world_id` bound as ?1): every column
 * the definition names, each as its key in the row as JSON (`created_at as "createdAt"`), in the
 * order of `orderBy` (drizzle properties; none: the order they were written in, by rowid).
 */
export function selectStatementOf<T extends SQLiteTable>(table: T, entity: AnyEntity, orderBy: ReadonlyArray<keyof T["$inferSelect"] & string> = []): string {
  const { sqlName, scope } = columnsOfTable(table, entity);
  const selected = columnsOf(entity).map(({ rowKey, column }) => `${sqlName(column).name} as "${rowKey}"`);
  const order = orderBy.length ? orderBy.map((property) => sqlName(property).name) : ["rowid"];
  return `select ${selected.join(", ")} from ${getTableName(table)} where ${sqlName(scope).name} = ?1 order by ${order.join(", ")}`;
}

/**
 * The statement that copies an entity's rows of one scope (?1) into another (?2), as they are:
 * every column the definition names, in one `insert … select` (a fork, publishing.ts). Without
 * `withHidden`, the columns of fields only owners and editors see are written as null.
 */
export function copyStatementOf(table: SQLiteTable, entity: AnyEntity, withHidden: boolean): string {
  const { sqlName, scope } = columnsOfTable(table, entity);
  const columns = columnsOf(entity).map(({ column, field }) => {
    const name = sqlName(column).name;
    return { name, value: withHidden || entity.fields[field]?.view !== "editors" ? name : "null" };
  });
  const scopeName = sqlName(scope).name;
  return `insert into ${getTableName(table)} (${scopeName}, ${columns.map((c) => c.name).join(", ")})
  select ?2, ${columns.map((c) => c.value).join(", ")}
  from ${getTableName(table)} where ${scopeName} = ?1`;
}

/**
 * A row as the select gives it, read through the definition: `row` when every field reads (some
 * maybe repaired, their D1 columns named in `repaired`), otherwise the row's id and the D1 column
 * that did not read ("name", "tags.0", "x").
 */
export type StoredRowRead<E extends AnyEntity> = { ok: true; row: RowJsonOf<E>; repaired: string[] } | { ok: false; id: string; column: string };

const StoredRowSchema = z.record(z.string(), z.unknown());

/**
 * Reads a row of `selectStatementOf` (unknown: SQLite keeps whatever type a value was written
 * with) as the entity's row as JSON, never throwing:
 * - a JSON column's text is parsed (text that is not JSON reads as UnreadableJson, which no rule accepts);
 * - a null where the column may hold one is the value (a secret, an author); where it may not, it
 *   is the field's default (the one archives use for a missing value: a description "", tags []);
 * - each field then reads through its schema; one that does not is repaired if the definition says
 *   how (`repair`) and the repair reads, otherwise the row is left out.
 */
export function storedRowReaderOf<E extends AnyEntity>(table: SQLiteTable, entity: E): (raw: unknown, worldId: string) => StoredRowRead<E> {
  const { sqlName } = columnsOfTable(table, entity);
  const fields = Object.entries(entity.fields).map(([name, spec]) => {
    const { schema } = spec;
    if (!schema) throw new Error(`${entity.table}.${name} has no schema: every stored field is read through one`);
    const parts = columnsOfField(name, spec).map(([rowKey, property]) => {
      const column = sqlName(property);
      return { rowKey, name: column.name, json: column.dataType === "json", nullable: !column.notNull };
    });
    const fallback = typeof spec.archive === "object" && "default" in spec.archive ? { value: spec.archive.default } : null;
    return { spec, schema, parts, single: typeof spec.column === "string" ? parts[0]! : null, fallback };
  });
  const key = fields[0]?.parts[0]?.rowKey;
  if (!key) throw new Error(`${entity.table} declares no field`);
  const storedValue = (source: Record<string, unknown>, part: { rowKey: string; json: boolean }) => {
    const value = source[part.rowKey];
    return part.json && typeof value === "string" ? parseStoredJson(value) : value;
  };

  return (raw, worldId) => {
    const stored = StoredRowSchema.safeParse(raw);
    if (!stored.success) return { ok: false, id: "", column: "" };
    const source = stored.data;
    const id = String(source[key] ?? "");
    const row: Record<string, unknown> = {};
    const repaired: string[] = [];
    for (const { spec, schema, parts, single, fallback } of fields) {
      const rule = typeof schema === "function" ? schema(worldId) : schema;
      const read = (value: unknown) => (value === null && single?.nullable ? { success: true as const, data: null } : rule.safeParse(value));
      let value = single ? storedValue(source, single) : Object.fromEntries(parts.map((part) => [part.rowKey, storedValue(source, part)]));
      if (value === null && single && !single.nullable && fallback) value = fallback.value;
      let result = read(value);
      if (!result.success && spec.repair) {
        const repair = typeof spec.repair === "function" ? spec.repair(value, worldId) : spec.repair.default;
        const repairedResult = read(repair);
        if (repairedResult.success) {
          result = repairedResult;
          repaired.push(...parts.map((part) => part.name));
        }
      }
      if (!result.success) return { ok: false, id, column: columnOfIssue(parts, firstIssue(result.error).field) };
      if (single) row[single.rowKey] = result.data;
      else for (const part of parts) row[part.rowKey] = partOf(result.data, part.rowKey);
    }
    // Built key by key from the definition's own columns, each value read through its field's rule.
    return { ok: true, row: row as RowJsonOf<E>, repaired };
  };
}

/** An issue's path as the D1 column it is in: a field's path ("tags.0"), or a part's column ("x"). */
function columnOfIssue(parts: Array<{ rowKey: string; name: string }>, path: string): string {
  const steps = path ? path.split(".") : [];
  if (parts.length === 1) return [parts[0]!.name, ...steps].join(".");
  const part = parts.find((p) => p.rowKey === steps[0]);
  return part ? [part.name, ...steps.slice(1)].join(".") : parts.map((p) => p.name).join(", ");
}

const partOf = (value: unknown, part: string): unknown => (typeof value === "object" && value !== null ? Reflect.get(value, part) : undefined);

const ELEMENT_STATEMENTS = bulkStatementsOf(elements, element);
const RELATIONSHIP_STATEMENTS = bulkStatementsOf(relationships, relationship);
// Hydration's order: rows in the order they were made, ties by id (a document filled the same way each time).
const ELEMENT_SELECT = selectStatementOf(elements, element, ["createdAt", "id"]);
const RELATIONSHIP_SELECT = selectStatementOf(relationships, relationship, ["createdAt", "id"]);

/** A world's `elements` rows, as the room's hydration reads them (`readStoredElement`). */
export function selectElements(db: D1Database, worldId: string): D1PreparedStatement {
  return db.prepare(ELEMENT_SELECT).bind(worldId);
}

/** A world's `relationships` rows, as the room's hydration reads them (`readStoredRelationship`). */
export function selectRelationships(db: D1Database, worldId: string): D1PreparedStatement {
  return db.prepare(RELATIONSHIP_SELECT).bind(worldId);
}

export const readStoredElement = storedRowReaderOf(elements, element);
export const readStoredRelationship = storedRowReaderOf(relationships, relationship);

/**
 * Writes `rows` into `worldId` (ids are unique within a world): `upsert` updates rows that exist;
 * `insert` is for a world created in the same batch. One statement per chunk of rows.
 */
export function writeElements(db: D1Database, worldId: string, rows: ElementRowJson[], mode: "insert" | "upsert"): D1PreparedStatement[] {
  const query = ELEMENT_STATEMENTS[mode];
  return chunkJson(rows).map((json) => db.prepare(query).bind(worldId, json));
}

/** As writeElements, for relationships. */
export function writeRelationships(db: D1Database, worldId: string, rows: RelationshipRowJson[], mode: "insert" | "upsert"): D1PreparedStatement[] {
  const query = RELATIONSHIP_STATEMENTS[mode];
  return chunkJson(rows).map((json) => db.prepare(query).bind(worldId, json));
}

/** An `element_versions` row as JSON; `snapshot` is the element as JSON text. */
export type VersionRowJson = { id: string; version: number; snapshot: string; action: string; userId: string | null };

const INSERT_VERSIONS = `insert into element_versions (element_id, world_id, version, snapshot, action, user_id, created_at)
  select value ->> '$.id', ?1, value ->> '$.version', value ->> '$.snapshot', value ->> '$.action', value ->> '$.userId', ?2
  from json_each(?3) where true
  on conflict (world_id, element_id, version) do nothing`;
const UPSERT_VERSIONS = `${INSERT_VERSIONS.replace(/do nothing$/, "")}do update set snapshot = excluded.snapshot, action = excluded.action,
    user_id = excluded.user_id, created_at = excluded.created_at`;

/**
 * Writes version rows made at `createdAt` into `worldId`. `insert` leaves a version already stored
 * as it was (fork, import); `upsert` rewrites it: the room keeps a person's editing session as one
 * version whose row follows their edits (durable-objects/world-room/edit-sessions.ts).
 */
export function writeVersions(db: D1Database, worldId: string, createdAt: number, rows: VersionRowJson[], mode: "insert" | "upsert" = "insert"): D1PreparedStatement[] {
  const query = mode === "upsert" ? UPSERT_VERSIONS : INSERT_VERSIONS;
  return chunkJson(rows).map((json) => db.prepare(query).bind(worldId, createdAt, json));
}

/** An `assets` row as JSON, for a world being created (import, fork). */
export type AssetRowJson = { key: string; kind: string; mimeType: string; size: number; provenance: Record<string, unknown> };

const INSERT_ASSETS = `insert into assets (key, world_id, kind, mime_type, size, created_by, provenance, created_at)
  select value ->> '$.key', ?1, value ->> '$.kind', value ->> '$.mimeType', value ->> '$.size', ?2, value -> '$.provenance', ?3
  from json_each(?4)`;

/** Records asset rows of `worldId`, all created by `createdBy` at `createdAt`. */
export function writeAssets(db: D1Database, worldId: string, createdBy: string, createdAt: number, rows: AssetRowJson[]): D1PreparedStatement[] {
  return chunkJson(rows).map((json) => db.prepare(INSERT_ASSETS).bind(worldId, createdBy, createdAt, json));
}

/** A drizzle query as a plain D1 statement, to run in the same `D1Database.batch` as the above. */
export function asStatement(db: D1Database, query: { toSQL(): { sql: string; params: unknown[] } }): D1PreparedStatement {
  const { sql, params } = query.toSQL();
  return db.prepare(sql).bind(...params);
}

/** Rows as JSON arrays of at most `maxChars`: D1 allows 100 bound values, but 2 MB in one value. */
export function chunkJson<T>(rows: T[], maxChars = 900_000): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const row of rows) {
    const text = JSON.stringify(row);
    if (current.length > 0 && size + text.length + 1 > maxChars) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      size = 2;
    }
    current.push(text);
    size += text.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(",")}]`);
  return chunks;
}
