import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import {
  elements,
  history,
  relationships,
  user,
  VISIBILITIES,
  WORLD_STYLES,
  worldMembers,
  worlds,
  type Role,
  type Visibility,
  type WorldImportOrigin,
} from "../../drizzle/schema";
import { HttpError, forbidden, notFound } from "../lib/errors";
import type { Database } from "../lib/db";
import { newId } from "../lib/ids";
import { worldOfAssetKey } from "./element-fields";
import { element, type ElementView } from "./entities/element";
import { valuesOf, viewOf } from "./entities/entity";
import { relationship, type RelationshipView } from "./entities/relationship";
import { listInWords, worldFieldsInWords } from "./field-labels";
import { SESSION_QUIET_MS } from "./sessions";
import { refreshSearchIndex } from "./gallery";
import { canSeeSecrets } from "./graph";
import { GraphCache, graphCache, type SerializedGraph } from "./graph-cache";
import { findShareGrant } from "./share-tokens";
import { recordFileDeletion, worldFilesPrefix } from "./world-files";

const tag = z.string().trim().min(1).max(32);

export const CreateWorldSchema = z.strictObject({
  title: z.string().trim().min(1, "a title is required").max(120),
  description: z.string().max(5000).optional(),
  style: z.enum(WORLD_STYLES).optional(),
  visibility: z.enum(VISIBILITIES).optional(),
  tags: z.array(tag).max(20).optional(),
});
export type CreateWorldInput = z.infer<typeof CreateWorldSchema>;

export const UpdateWorldSchema = CreateWorldSchema.extend({
  /** The cover is one of the world's element images (an R2 key), or null for none. */
  coverAssetKey: z.string().min(1).max(300).nullable(),
  /** Owner and editor settings: whether the AI may draw for this world, and its narrator. */
  settings: z
    .strictObject({ aiImages: z.boolean().optional(), defaultVoice: z.string().trim().min(1).max(64).optional() })
    .refine((settings) => Object.keys(settings).length > 0, "give at least one setting"),
})
  .partial()
  .refine(
  (patch) => Object.keys(patch).length > 0,
  "give at least one field to change",
);
export type UpdateWorldInput = z.infer<typeof UpdateWorldSchema>;

type WorldRow = typeof worlds.$inferSelect;
type ElementRow = typeof elements.$inferSelect;
type RelationshipRow = typeof relationships.$inferSelect;

export type WorldDto = ReturnType<typeof toWorldDto>;
export type ElementDto = ReturnType<typeof toElementDto>;
export type RelationshipDto = ReturnType<typeof toRelationshipDto>;

export function toWorldDto(row: WorldRow, role: Role | null, ownerName?: string) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    style: row.style,
    tags: row.tags,
    visibility: row.visibility,
    coverAssetKey: row.coverAssetKey,
    settings: row.settings,
    ownerId: row.ownerId,
    ownerName: ownerName ?? null,
    forkedFromId: row.forkedFromId,
    likes: row.likes,
    role,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Owners and editors see an element's secret; everyone else never receives the field. */
export function toElementDto(row: ElementRow, role: Role | null): ElementView {
  return viewOf(element, valuesOf(element, row), canSeeSecrets(role));
}

export function toRelationshipDto(row: RelationshipRow): RelationshipView {
  return viewOf(relationship, valuesOf(relationship, row));
}

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

export type WorldAccess = {
  world: WorldRow;
  role: Role | null;
  ownerName: string;
  /** The share link the role came from, when a link gave more than the person's own role. */
  shareLinkId: string | null;
};

/**
 * What `userId` may do with a world. Members have their role; anyone may read a public or
 * unlisted world as a viewer. A live share link for this world gives its role when that is more
 * than the person's own (someone not signed in gets at most `viewer`: edits need a person). A
 * private world a person may not see does not exist for them (404), except that a link which
 * was theirs but is now revoked or expired says so (410).
 */
export async function getWorldAccess(
  db: Database,
  worldId: string,
  userId: string | null,
  shareToken: string | null = null,
): Promise<WorldAccess> {
  const rows = await db
    .select({ world: worlds, role: worldMembers.role, ownerName: user.name })
    .from(worlds)
    .innerJoin(user, eq(user.id, worlds.ownerId))
    .leftJoin(
      worldMembers,
      and(eq(worldMembers.worldId, worlds.id), eq(worldMembers.userId, userId ?? "")),
    )
    .where(eq(worlds.id, worldId))
    .limit(1);
  const row = rows[0];
  if (!row) throw notFound("That world");
  let role: Role | null = row.role ?? null;
  let shareLinkId: string | null = null;
  // A link can only raise a role: owners and editors need no lookup.
  const grant = role === "owner" || role === "editor" ? null : await findShareGrant(db, worldId, shareToken);
  if (grant?.ok) {
    const granted: Role = userId ? grant.role : "viewer";
    if (!role || RANK[granted] > RANK[role]) {
      role = granted;
      shareLinkId = grant.linkId;
    }
  }
  if (!role && row.world.visibility === "private") {
    if (grant && !grant.ok) {
      throw new HttpError(410, "share_link_expired", grant.reason === "revoked" ? "This share link has been revoked." : "This share link has expired.");
    }
    throw notFound("That world");
  }
  return { world: row.world, role, ownerName: row.ownerName, shareLinkId };
}

export async function requireWorldRole(
  db: Database,
  worldId: string,
  userId: string | null,
  minimum: Role,
  shareToken: string | null = null,
): Promise<WorldAccess & { role: Role }> {
  const access = await getWorldAccess(db, worldId, userId, shareToken);
  if (!access.role || RANK[access.role] < RANK[minimum]) {
    throw forbidden(
      minimum === "owner"
        ? "Only the world's owner can do that."
        : "You can view this world but not change it.",
    );
  }
  return { ...access, role: access.role };
}

export type WorldListCursor = { updatedAt: number; id: string };

export function encodeCursor(cursor: WorldListCursor): string {
  return btoa(`${cursor.updatedAt}:${cursor.id}`);
}

export function decodeCursor(raw: string | undefined): WorldListCursor | null {
  if (!raw) return null;
  try {
    const [at, id] = atob(raw).split(":");
    const updatedAt = Number(at);
    if (!id || !Number.isFinite(updatedAt)) throw new Error("bad cursor");
    return { updatedAt, id };
  } catch {
    throw new HttpError(400, "invalid_cursor", "The cursor is not one this API gave out.");
  }
}

/**
 * Where a world came from, as its card says it. A fork names its source only to someone who may
 * see that world (a member of it, or anyone when it is public or unlisted); otherwise `source` is
 * null, so a fork shared with others never tells them a private world's title.
 */
export type WorldOrigin =
  | { kind: "fork"; source: { id: string; title: string; visibility: Visibility; member: boolean } | null }
  | { kind: "import"; fileName: string; format: WorldImportOrigin["format"] };

const forkSource = alias(worlds, "fork_source");
const forkSourceMember = alias(worldMembers, "fork_source_member");

function originOf(
  world: WorldRow,
  source: { id: string | null; title: string | null; visibility: Visibility | null; memberRole: Role | null },
): WorldOrigin | null {
  if (world.forkedFromId) {
    const visible = source.id !== null && (source.memberRole !== null || source.visibility !== "private");
    return {
      kind: "fork",
      source: visible ? { id: source.id!, title: source.title!, visibility: source.visibility!, member: source.memberRole !== null } : null,
    };
  }
  if (world.importedFrom) return { kind: "import", fileName: world.importedFrom.fileName, format: world.importedFrom.format };
  return null;
}

/** Worlds the person owns or was added to, most recently changed first, each with where it came from. */
export async function listMyWorlds(
  db: Database,
  userId: string,
  options: { limit: number; cursor: WorldListCursor | null },
) {
  const after = options.cursor
    ? or(
        lt(worlds.updatedAt, new Date(options.cursor.updatedAt)),
        and(eq(worlds.updatedAt, new Date(options.cursor.updatedAt)), lt(worlds.id, options.cursor.id)),
      )
    : undefined;
  const rows = await db
    .select({
      world: worlds,
      role: worldMembers.role,
      ownerName: user.name,
      elementCount: sql<number>`(select count(*) from ${elements} where ${elements.worldId} = ${worlds.id})`,
      source: { id: forkSource.id, title: forkSource.title, visibility: forkSource.visibility, memberRole: forkSourceMember.role },
    })
    .from(worldMembers)
    .innerJoin(worlds, eq(worlds.id, worldMembers.worldId))
    .innerJoin(user, eq(user.id, worlds.ownerId))
    .leftJoin(forkSource, eq(forkSource.id, worlds.forkedFromId))
    .leftJoin(forkSourceMember, and(eq(forkSourceMember.worldId, forkSource.id), eq(forkSourceMember.userId, userId)))
    .where(and(eq(worldMembers.userId, userId), after))
    .orderBy(desc(worlds.updatedAt), desc(worlds.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    worlds: page.map((r) => ({ ...toWorldDto(r.world, r.role, r.ownerName), elementCount: r.elementCount, origin: originOf(r.world, r.source) })),
    nextCursor:
      rows.length > options.limit && last
        ? encodeCursor({ updatedAt: last.world.updatedAt.getTime(), id: last.world.id })
        : null,
  };
}

export async function createWorld(db: Database, ownerId: string, input: CreateWorldInput) {
  const id = newId();
  const now = new Date();
  const [created] = await db.batch([
    db
      .insert(worlds)
      .values({
        id,
        ownerId,
        title: input.title,
        description: input.description ?? "",
        style: input.style ?? "fantasy",
        visibility: input.visibility ?? "private",
        tags: input.tags ?? [],
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
    db.insert(worldMembers).values({ worldId: id, userId: ownerId, role: "owner", createdAt: now }),
    db.insert(history).values({
      id: newId(),
      worldId: id,
      userId: ownerId,
      action: "created",
      summary: `Created the world “${input.title}”`,
      createdAt: now,
    }),
  ]);
  if (created[0]!.visibility === "public") await refreshSearchIndex(db, id);
  return created[0]!;
}

export async function updateWorld(
  db: Database,
  access: WorldAccess & { role: Role },
  userId: string,
  patch: UpdateWorldInput,
) {
  if (patch.visibility && patch.visibility !== access.world.visibility && access.role !== "owner") {
    throw forbidden("Only the world's owner can change who can see it.");
  }
  if (patch.coverAssetKey) {
    // A cover is a file of this world: another world's key is refused even when an element of this
    // one still names it (elements written before the room checked whose files they named).
    if (worldOfAssetKey(patch.coverAssetKey) !== access.world.id) {
      throw new HttpError(400, "invalid_cover", "The cover (coverAssetKey) must be a file of this world.");
    }
    const images = await db
      .select({ assets: elements.assets })
      .from(elements)
      .where(and(eq(elements.worldId, access.world.id), sql`json_extract(${elements.assets}, '$.image') = ${patch.coverAssetKey}`))
      .limit(1);
    if (images.length === 0) {
      throw new HttpError(400, "invalid_cover", "The cover (coverAssetKey) must be the image of one of this world's elements.");
    }
  }
  const changed = Object.keys(patch).sort();
  const now = new Date();
  // Settings merge into what the world has; the collaborator limit is not the editors' to change.
  const settings = patch.settings ? { ...access.world.settings, ...patch.settings } : undefined;
  const fields = worldFieldsInWords(changed, Object.keys(patch.settings ?? {}).sort());
  // Settings save as they are typed: one person's changes in one sitting are one history entry,
  // which names every field changed in it (the world's newest entry, theirs, and recent).
  const [latest] = await db
    .select({ id: history.id, userId: history.userId, action: history.action, summary: history.summary, elementIds: history.elementIds, createdAt: history.createdAt })
    .from(history)
    .where(eq(history.worldId, access.world.id))
    .orderBy(desc(history.createdAt), desc(history.id))
    .limit(1);
  const continues =
    latest &&
    latest.userId === userId &&
    latest.action === "edited" &&
    latest.elementIds.length === 0 &&
    latest.summary.startsWith(SETTINGS_SUMMARY) &&
    now.getTime() - latest.createdAt.getTime() < SESSION_QUIET_MS;
  const entry = continues
    ? db
        .update(history)
        .set({ summary: `${SETTINGS_SUMMARY}${listInWords([...wordsOf(latest.summary.slice(SETTINGS_SUMMARY.length)), ...wordsOf(fields)])}`, createdAt: now })
        .where(eq(history.id, latest.id))
    : db.insert(history).values({ id: newId(), worldId: access.world.id, userId, action: "edited", summary: `${SETTINGS_SUMMARY}${fields}`, createdAt: now });
  const [updated] = await db.batch([
    db
      .update(worlds)
      .set({ ...patch, settings: settings ?? access.world.settings, updatedAt: now })
      .where(eq(worlds.id, access.world.id))
      .returning(),
    entry,
  ]);
  // The gallery's search row follows what it shows (and goes when the world stops being public).
  if (SEARCHED_FIELDS.some((field) => field in patch)) await refreshSearchIndex(db, access.world.id);
  return updated[0]!;
}

const SETTINGS_SUMMARY = "Changed the world's ";

/** The field labels of a summary's list ("title, description and AI images"). */
function wordsOf(list: string): string[] {
  return list.split(/, | and /).filter(Boolean);
}

/** World fields the gallery searches or that decide whether it lists the world at all. */
const SEARCHED_FIELDS = ["title", "description", "tags", "visibility"] as const;

export async function deleteWorld(db: Database, worldId: string) {
  // FTS5 tables have no foreign keys: the search row goes by hand, in the same transaction.
  // Its files are recorded for deletion in the same batch (world-files.ts deletes them).
  await db.$client.batch([
    db.$client.prepare("delete from worlds where id = ?").bind(worldId),
    db.$client.prepare("delete from world_search where world_id = ?").bind(worldId),
    recordFileDeletion(db, worldFilesPrefix(worldId)),
  ]);
}


/**
 * The world's elements and relationships as JSON arrays, with secrets only for owners and editors.
 * Read from D1 once per graph version and then reused (see graph-cache.ts).
 */
async function readSerializedGraph(db: Database, access: WorldAccess): Promise<SerializedGraph> {
  const withSecrets = canSeeSecrets(access.role);
  const key = GraphCache.key(access.world.id, access.world.graphVersion, withSecrets);
  const cached = graphCache.get(key);
  if (cached) return cached;
  const dtos = await readGraphDtos(db, access);
  const graph = { elements: JSON.stringify(dtos.elements), relationships: JSON.stringify(dtos.relationships) };
  graphCache.set(key, graph);
  return graph;
}

/** The world's elements and relationships from D1, in creation order, with secrets only for editors. */
async function readGraphDtos(db: Database, access: WorldAccess) {
  const [elementRows, relationshipRows] = await db.batch([
    db.select().from(elements).where(eq(elements.worldId, access.world.id)).orderBy(elements.createdAt, elements.id),
    db.select().from(relationships).where(eq(relationships.worldId, access.world.id)).orderBy(relationships.createdAt, relationships.id),
  ]);
  return { elements: elementRows.map((row) => toElementDto(row, access.role)), relationships: relationshipRows.map(toRelationshipDto) };
}

/** The body of `GET /api/worlds/:id`, assembled without re-serializing the cached graph. */
export async function getWorldGraphJson(db: Database, access: WorldAccess): Promise<string> {
  const graph = await readSerializedGraph(db, access);
  const world = JSON.stringify(toWorldDto(access.world, access.role ?? "viewer", access.ownerName));
  return `{"world":${world},"elements":${graph.elements},"relationships":${graph.relationships}}`;
}

/**
 * The world's whole graph as objects, for the public pages (with secrets only for editors). Read
 * from D1 each time: the cache holds the API's serialized form, and reading it back would mean
 * parsing JSON into types nothing checks.
 */
export async function getWorldGraph(db: Database, access: WorldAccess) {
  const graph = await readGraphDtos(db, access);
  return { world: toWorldDto(access.world, access.role ?? "viewer", access.ownerName), ...graph };
}
