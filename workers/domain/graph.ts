import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import { assets, elementVersions, history, user, type ElementAssets, type ElementMetadata, type Role } from "../../drizzle/schema";
import type { RoomResult } from "./room-result";
import { HttpError } from "../lib/errors";
import type { Database } from "../lib/db";
import { parseJsonWith } from "../lib/json";
import { CoordinateSchema, ElementTypeSchema, IdSchema, PositionSchema, perWorld } from "./element-fields";
import { element } from "./entities/element";
import { createShapeOf, updateShapeOf } from "./entities/entity";
import { relationship } from "./entities/relationship";

export { IdSchema, PositionSchema };

// The bodies that create and change elements and relationships: the fields their definitions let
// the API set (entities/), each with the rule the room checks live updates against. Made once per
// world: zod compiles an object schema on its first parse.
const atLeastOne = [(patch: object) => Object.keys(patch).length > 0, "give at least one field to change"] as const;

/** A new element of world `worldId`; its media may only be files of that world. */
export const createElementSchemaFor = perWorld((worldId) => z.strictObject(createShapeOf(element, worldId)));

/** Changes to an element of world `worldId`; `assets`, when given, replaces the element's media. */
export const updateElementSchemaFor = perWorld((worldId) => z.strictObject(updateShapeOf(element, worldId)).refine(...atLeastOne));

/**
 * Refuses media keys that name this world but no file it recorded (the schema already refused
 * other worlds' keys): an element shows only files its world really has.
 */
export async function requireRecordedAssets(db: Database, worldId: string, media: ElementAssets | undefined) {
  for (const kind of ["image", "video", "audio"] as const) {
    const key = media?.[kind];
    if (!key) continue;
    const [row] = await db.select({ worldId: assets.worldId }).from(assets).where(eq(assets.key, key)).limit(1);
    if (row?.worldId !== worldId) {
      throw new HttpError(400, "validation_failed", `The request body is not valid (assets.${kind}): no file of this world has that key.`, {
        issues: [{ path: `assets.${kind}`, message: "no file of this world has that key" }],
      });
    }
  }
}

export const DeleteElementsSchema = z.strictObject({ ids: z.array(IdSchema).min(1).max(1000) });

export const PositionsSchema = z.strictObject({
  positions: z.array(z.strictObject({ id: IdSchema, x: CoordinateSchema, y: CoordinateSchema })).min(1).max(10_000),
});

export const CreateRelationshipSchema = z.strictObject(createShapeOf(relationship));

export const UpdateRelationshipSchema = z.strictObject(updateShapeOf(relationship)).refine(...atLeastOne);

// What the room's RPC methods take (durable-objects/world-room): the API's bodies as these
// schemas give them, so the room's inputs have one definition.
export type NewElement = z.output<ReturnType<typeof createElementSchemaFor>>;
export type ElementChanges = z.output<ReturnType<typeof updateElementSchemaFor>>;
export type NewRelationship = z.output<typeof CreateRelationshipSchema>;
export type RelationshipChanges = z.output<typeof UpdateRelationshipSchema>;
export type ElementPositions = z.output<typeof PositionsSchema>["positions"];

/**
 * A stored version snapshot (`element_versions.snapshot`) as restoring reads it: the element as the
 * API showed it, secret included. Fields may be missing (restoring keeps or empties them); other
 * fields are kept as they are.
 */
export const VersionSnapshotSchema = z.looseObject({
  type: ElementTypeSchema.optional(),
  name: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  description: z.string().optional(),
  secret: z.string().optional(),
  tags: z.array(z.string()).optional(),
  assets: z.looseObject({ image: z.string().optional(), video: z.string().optional(), audio: z.string().optional() }).optional(),
  metadata: z.custom<ElementMetadata>((value) => typeof value === "object" && value !== null && !Array.isArray(value)).optional(),
});

/** Turns a room's refusal into the API's error; passes its value through otherwise. */
export function unwrap<T>(result: RoomResult<T>): T {
  if (result.ok) return result.value;
  throw new HttpError(result.status, result.code, result.message);
}

export function canSeeSecrets(role: Role | null) {
  return role === "owner" || role === "editor";
}

export async function listVersions(db: Database, worldId: string, elementId: string, role: Role | null) {
  const rows = await db
    .select({
      version: elementVersions.version,
      // The stored text, read through VersionSnapshotSchema below rather than trusted as JSON.
      snapshot: sql<string>`${elementVersions.snapshot}`,
      action: elementVersions.action,
      userId: elementVersions.userId,
      userName: user.name,
      createdAt: elementVersions.createdAt,
    })
    .from(elementVersions)
    .leftJoin(user, eq(user.id, elementVersions.userId))
    .where(and(eq(elementVersions.worldId, worldId), eq(elementVersions.elementId, elementId)))
    .orderBy(desc(elementVersions.version))
    .limit(200);
  // A snapshot that does not read as an element cannot be shown or restored: it is left out.
  return rows.flatMap((row) => {
    const snapshot = parseJsonWith(VersionSnapshotSchema, row.snapshot);
    if (!snapshot) return [];
    const { secret, ...visible } = snapshot;
    return {
      version: row.version,
      action: row.action,
      userId: row.userId,
      userName: row.userName ?? null,
      createdAt: row.createdAt.toISOString(),
      element: canSeeSecrets(role) ? { ...visible, secret: secret ?? "" } : visible,
    };
  });
}

export type HistoryCursor = { createdAt: number; id: string };

export function encodeHistoryCursor(cursor: HistoryCursor) {
  return btoa(`${cursor.createdAt}:${cursor.id}`);
}

export function decodeHistoryCursor(raw: string | undefined): HistoryCursor | null {
  if (!raw) return null;
  try {
    const [at, id] = atob(raw).split(":");
    const createdAt = Number(at);
    if (!id || !Number.isFinite(createdAt)) throw new Error("bad cursor");
    return { createdAt, id };
  } catch {
    throw new HttpError(400, "invalid_cursor", "The cursor is not one this API gave out.");
  }
}

/** A world's history, newest first. */
export async function listHistory(db: Database, worldId: string, options: { limit: number; cursor: HistoryCursor | null }) {
  const after = options.cursor
    ? or(
        lt(history.createdAt, new Date(options.cursor.createdAt)),
        and(eq(history.createdAt, new Date(options.cursor.createdAt)), lt(history.id, options.cursor.id)),
      )
    : undefined;
  const rows = await db
    .select({ entry: history, userName: user.name })
    .from(history)
    .leftJoin(user, eq(user.id, history.userId))
    .where(and(eq(history.worldId, worldId), after))
    .orderBy(desc(history.createdAt), desc(history.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    entries: page.map(({ entry, userName }) => ({
      id: entry.id,
      action: entry.action,
      summary: entry.summary,
      prompt: entry.prompt,
      elementIds: entry.elementIds,
      userId: entry.userId,
      userName: userName ?? null,
      createdAt: entry.createdAt.toISOString(),
    })),
    nextCursor:
      rows.length > options.limit && last ? encodeHistoryCursor({ createdAt: last.entry.createdAt.getTime(), id: last.entry.id }) : null,
  };
}
