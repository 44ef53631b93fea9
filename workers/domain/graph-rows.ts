/**
 * Writing many element and relationship rows to D1 in a few statements: rows travel as one JSON
 * array per statement, expanded by `json_each`. Locally D1 runs on the calling Worker's thread and
 * each statement costs about as much as the rows it writes, so a projection batch or a 5,000-element
 * import takes a handful of statements instead of thousands. The room's projection upserts
 * (`world-room.ts`); import and fork insert into a world they create in the same batch
 * (`import-world.ts`, `publishing.ts`).
 */

/**
 * An `elements` row as JSON (`tags`, `assets` and `metadata` stay JSON). `createdBy` is written
 * only when it names an account (the column is a foreign key: an id from a live document that
 * names nobody must not fail the whole batch).
 */
export type ElementRowJson = {
  id: string;
  type: string;
  name: string;
  description: string;
  secret: string | null;
  x: number;
  y: number;
  tags: string[];
  assets: Record<string, unknown>;
  metadata: Record<string, unknown>;
  version: number;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
};

/** A `relationships` row as JSON. */
export type RelationshipRowJson = { id: string; from: string; to: string; kind: string; label: string; createdAt: number; updatedAt: number };

const INSERT_ELEMENTS = `insert into elements (id, world_id, type, name, description, secret, x, y, tags, assets, metadata, version, created_by, created_at, updated_at)
  select value ->> '$.id', ?1, value ->> '$.type', value ->> '$.name', value ->> '$.description', value ->> '$.secret',
    value ->> '$.x', value ->> '$.y', value -> '$.tags', value -> '$.assets', value -> '$.metadata', value ->> '$.version',
    (select u.id from user u where u.id = value ->> '$.createdBy'), value ->> '$.createdAt', value ->> '$.updatedAt'
  from json_each(?2) where true`;
const UPSERT_ELEMENTS = `${INSERT_ELEMENTS}
  on conflict (world_id, id) do update set type = excluded.type, name = excluded.name, description = excluded.description,
    secret = excluded.secret, x = excluded.x, y = excluded.y, tags = excluded.tags, assets = excluded.assets,
    metadata = excluded.metadata, version = excluded.version, updated_at = excluded.updated_at`;

const INSERT_RELATIONSHIPS = `insert into relationships (id, world_id, from_id, to_id, kind, label, created_at, updated_at)
  select value ->> '$.id', ?1, value ->> '$.from', value ->> '$.to', value ->> '$.kind', value ->> '$.label', value ->> '$.createdAt', value ->> '$.updatedAt'
  from json_each(?2) where true`;
const UPSERT_RELATIONSHIPS = `${INSERT_RELATIONSHIPS}
  on conflict (world_id, id) do update set from_id = excluded.from_id, to_id = excluded.to_id, kind = excluded.kind,
    label = excluded.label, updated_at = excluded.updated_at`;

/**
 * Writes `rows` into `worldId` (ids are unique within a world): `upsert` updates rows that exist;
 * `insert` is for a world created in the same batch. One statement per chunk of rows.
 */
export function writeElements(db: D1Database, worldId: string, rows: ElementRowJson[], mode: "insert" | "upsert"): D1PreparedStatement[] {
  const query = mode === "upsert" ? UPSERT_ELEMENTS : INSERT_ELEMENTS;
  return chunkJson(rows).map((json) => db.prepare(query).bind(worldId, json));
}

/** As writeElements, for relationships. */
export function writeRelationships(db: D1Database, worldId: string, rows: RelationshipRowJson[], mode: "insert" | "upsert"): D1PreparedStatement[] {
  const query = mode === "upsert" ? UPSERT_RELATIONSHIPS : INSERT_RELATIONSHIPS;
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
