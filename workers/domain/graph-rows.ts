/**
 * Writing many element and relationship rows to D1 in a few statements: rows travel as one JSON
 * array per statement, expanded by `json_each`. Locally D1 runs on the calling Worker's thread and
 * each statement costs about as much as the rows it writes, so a projection batch or a 5,000-element
 * import takes a handful of statements instead of thousands. The room's projection upserts
 * (`world-room.ts`); import and fork insert into a world they create in the same batch
 * (`import-world.ts`, `publishing.ts`). The element and relationship statements derive from their
 * definitions (entities/, ADR 19).
 */
import { getTableColumns, getTableName } from "drizzle-orm";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { elements, relationships } from "../../drizzle/schema";
import { element, type ElementRowJson } from "./entities/element";
import { columnsOf, type AnyEntity } from "./entities/entity";
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
 * `remove` deletes the rows whose ids are given as ?2 (a JSON array); `select` reads a scope's rows
 * (?1), each column named by its row key, JSON columns as their text (`jsonKeys`), oldest first.
 */
export function bulkStatementsOf(table: SQLiteTable, entity: AnyEntity): { insert: string; upsert: string; remove: string; select: string; jsonKeys: string[] } {
  const columns = getTableColumns(table);
  const { foreignKeys } = getTableConfig(table);
  const sqlName = (property: string) => {
    const column = columns[property];
    if (!column) throw new Error(`${entity.table} has no column ${property}`);
    return column;
  };
  const [scope, ...more] = entity.scope;
  if (!scope || more.length > 0) throw new Error(`${entity.table}: bulk writes take exactly one scope column`);
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
  const read = columnsOf(entity).map(({ rowKey, column }) => ({ rowKey, column: sqlName(column) }));
  const select = `select ${read.map(({ rowKey, column }) => `${column.name} as "${rowKey}"`).join(", ")} from ${getTableName(table)} where ${key[0]} = ?1 order by rowid`;
  const jsonKeys = read.filter(({ column }) => column.dataType === "json").map(({ rowKey }) => rowKey);
  return { insert, upsert, remove, select, jsonKeys };
}

const ELEMENT_STATEMENTS = bulkStatementsOf(elements, element);
const RELATIONSHIP_STATEMENTS = bulkStatementsOf(relationships, relationship);

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
