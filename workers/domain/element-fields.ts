// What an element and a relationship may hold, field by field: one definition read by every
// writer of a world's graph. The REST API (graph.ts) builds its bodies from these; the room
// checks every live document update against them field by field (durable-objects/world-room/
// update-rules.ts); import, hydration from D1 and generation results go through them too; and
// readers that meet something stored before these rules held repair it (graph-doc.ts, `readElementChecked`).
import { z } from "zod";
import type { ElementAssets } from "../../drizzle/schema";
import { ELEMENT_TYPES, RELATIONSHIP_KINDS } from "../../drizzle/schema/constants";

/** Our ids: lowercase letters and digits (16 when we make them). */
export const IdSchema = z.string().regex(/^[a-z0-9]{1,64}$/, "not a valid id");

export const MAX_NAME = 120;
export const MAX_DESCRIPTION = 20_000;
export const MAX_TAGS = 20;
export const MAX_TAG = 32;
export const MAX_LABEL = 120;
export const MAX_METADATA_CHARS = 20_000;
const COORDINATE_LIMIT = 1_000_000;

export const ElementTypeSchema = z.enum(ELEMENT_TYPES);
export const RelationshipKindSchema = z.enum(RELATIONSHIP_KINDS);
export const NameSchema = z.string().trim().min(1, "a name is required").max(MAX_NAME);
export const DescriptionSchema = z.string().max(MAX_DESCRIPTION);
export const SecretSchema = z.string().max(MAX_DESCRIPTION);
const coordinate = z.number().finite().min(-COORDINATE_LIMIT).max(COORDINATE_LIMIT);
export const CoordinateSchema = coordinate;
export const PositionSchema = z.strictObject({ x: coordinate, y: coordinate });
export const TagSchema = z.string().trim().min(1).max(MAX_TAG);
export const TagsSchema = z.array(TagSchema).max(MAX_TAGS);
/** Other names an element goes by ("the Iron Lord" for Kael Ardent): each a name, a dozen at most, none twice. */
export const AliasesSchema = z
  .array(z.string().trim().min(1).max(MAX_NAME))
  .max(12)
  .refine((aliases) => new Set(aliases.map((alias) => alias.toLowerCase())).size === aliases.length, "an alias is listed twice");
export const LabelSchema = z.string().trim().max(MAX_LABEL);

/**
 * R2 keys of a world's files: `worlds/<world id>/…` in plain path segments, never `..` or empty
 * parts. Every file a world uses is stored under its own prefix (generation, uploads, import and
 * fork write there), so a key names the world that owns it.
 */
export const ASSET_KEY_PATTERN = /^worlds\/([a-z0-9]{1,64})\/(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}\/){0,4}[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** The world an asset key belongs to, or null for a string that is not one of our keys. */
export function worldOfAssetKey(key: string): string | null {
  const match = ASSET_KEY_PATTERN.exec(key);
  return match && !key.includes("..") ? match[1]! : null;
}

/**
 * One schema per world, made once: zod compiles an object schema on its first parse, which costs
 * far more than the parse itself, and the room checks every live update with these. Bounded: a
 * Worker isolate serves many worlds.
 */
export function perWorld<T>(make: (worldId: string) => T): (worldId: string) => T {
  const made = new Map<string, T>();
  return (worldId) => {
    let schema = made.get(worldId);
    if (schema === undefined) {
      if (made.size >= 256) made.clear();
      schema = make(worldId);
      made.set(worldId, schema);
    }
    return schema;
  };
}

/** An element's media: keys of files the world itself owns (another world's file is refused). */
export const assetsSchemaFor = perWorld((worldId) => {
  const key = z.string().refine((value) => worldOfAssetKey(value) === worldId, "must be a file of this world");
  return z.strictObject({ image: key.optional(), video: key.optional(), audio: key.optional() });
});

/**
 * An element's media keys that belong to `worldId`; a key of another world (or anything that is
 * not a key) is dropped: a world's elements only ever show its own files.
 */
export function ownAssets(assets: unknown, worldId: string): ElementAssets {
  if (typeof assets !== "object" || assets === null) return {};
  const own: ElementAssets = {};
  for (const kind of ["image", "video", "audio"] as const) {
    const key = (assets as Record<string, unknown>)[kind];
    if (typeof key === "string" && worldOfAssetKey(key) === worldId) own[kind] = key;
  }
  return own;
}

/** A value that survives JSON unchanged: what metadata and other free-form fields may hold. */
export function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isPlainJson(item, depth + 1));
  if (typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.entries(value).every(([key, item]) => key !== "__proto__" && isPlainJson(item, depth + 1));
}

/** Who and what made an element's text and media (catalogue C7): a JSON object of bounded size. */
export const MetadataSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => isPlainJson(value), "metadata must be plain JSON")
  .refine((value) => JSON.stringify(value).length <= MAX_METADATA_CHARS, `metadata is larger than ${MAX_METADATA_CHARS} characters`);

/**
 * The room's bookkeeping as D1 stores it (a version, an author's id, a time in ms): hydration reads
 * each through these and repairs one that does not read (entities/, `repair`).
 */
export const VersionSchema = z.number().int().min(0);
export const AuthorSchema = z.string();
export const TimeSchema = z.number().finite().min(0);

/** The room-kept part of an element in the live document (graph-doc.ts's `meta`). */
export const ElementMetaSchema = z.strictObject({
  version: z.number().int().min(0).max(1_000_000_000),
  createdBy: IdSchema.nullable(),
  createdAt: z.number().finite().min(0),
  updatedAt: z.number().finite().min(0),
});

/** A relationship as the live document holds it (graph-doc.ts), from and to by element id. */
export const RelationshipValueSchema = z
  .strictObject({
    from: IdSchema,
    to: IdSchema,
    kind: RelationshipKindSchema,
    label: LabelSchema,
    createdAt: z.number().finite().min(0),
    updatedAt: z.number().finite().min(0),
  })
  .refine((value) => value.from !== value.to, { message: "a relationship needs two different elements", path: ["to"] });

/** A whole element, as the room reads it back and as hydration and import check it. */
export const elementSchemaFor = perWorld((worldId) =>
  z.object({
    id: IdSchema,
    type: ElementTypeSchema,
    name: NameSchema,
    description: DescriptionSchema,
    x: coordinate,
    y: coordinate,
    tags: TagsSchema,
    assets: assetsSchemaFor(worldId),
    metadata: MetadataSchema,
  }),
);

/** The first problem zod found, as "field: message", for error messages that name the field. */
export function firstIssue(error: z.ZodError, prefix = ""): { field: string; message: string } {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join(".");
  return { field: path, message: issue?.message ?? "not valid" };
}
