// The world archive (catalogue F4): what `world.json` holds, schema version 1. Exports write it
// (workers/jobs/export-archive.ts) and imports read it back (workers/domain/import-world.ts), so
// both sides share these definitions.
import { z } from "zod";
import { WORLD_STYLES, VISIBILITIES } from "../../drizzle/schema";
import { TagSchema } from "./element-fields";
import { element } from "./entities/element";
import { archiveShapeOf, type ArchiveEntryOf } from "./entities/entity";
import { relationship } from "./entities/relationship";
import { WORLD_ENTITIES, type WorldEntity } from "./entities";
import { archivedEntriesShape } from "./archived-entities";

export const ARCHIVE_SCHEMA_VERSION = 1;

/** Content types by file extension, for assets read back from an archive. */
export const MIME_BY_EXTENSION: Record<string, string> = {
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  mp4: "video/mp4",
  webm: "video/webm",
  wav: "audio/wav",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  m4a: "audio/mp4",
};

/** Media that is already compressed is stored as it is; everything else is deflated. */
export const COMPRESSED_EXTENSIONS = new Set(["png", "jpg", "jpeg", "gif", "webp", "mp4", "webm", "mp3", "ogg", "m4a"]);

/** Lowercase ASCII words joined by dashes, for file names inside the archive. */
export function slugify(text: string, fallback = "untitled"): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[^\x20-\x7e]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/g, "");
  return slug || fallback;
}

/** The extension of an R2 key or a path, lowercased and plain, or "bin". */
export function extensionOf(path: string): string {
  const match = /\.([A-Za-z0-9]{1,8})$/.exec(path);
  return match ? match[1]!.toLowerCase() : "bin";
}

/**
 * A path inside the archive that stays inside it: relative, forward slashes, no `.`/`..`
 * segments, no drive letters or control characters.
 */
export function isSafeArchivePath(path: string): boolean {
  if (path.length === 0 || path.length > 512) return false;
  if (path.startsWith("/") || path.includes("\\") || /^[A-Za-z]:/.test(path)) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return false;
  const segments = path.replace(/\/$/, "").split("/");
  return segments.every((s) => s !== "" && s !== "." && s !== "..");
}

const assetPath = z
  .string()
  .max(512)
  .refine((p) => p.startsWith("assets/") && isSafeArchivePath(p), "must be a path under assets/ inside the archive");

/** An id inside an archive: the archive's own (an import gives every element and relationship a new one). */
const archiveId = z.string().min(1).max(64);

/**
 * An element as an archive holds it: the fields its definition puts in archives (entities/element.ts,
 * which the API and the room use too), with assets as paths inside the archive. What export writes
 * and import does not read back (version, times, the Markdown file's path) is ignored.
 */
export const ArchiveElementSchema = z.object(
  archiveShapeOf(element, {
    id: archiveId,
    assets: z.strictObject({ image: assetPath.optional(), video: assetPath.optional(), audio: assetPath.optional() }),
  }),
);

export const ArchiveRelationshipSchema = z.object(archiveShapeOf(relationship, { id: archiveId.optional(), from: archiveId, to: archiveId }));

export const ArchiveWorldSchema = z.object({
  title: z.string().trim().min(1, "a title is required").max(120),
  description: z.string().max(5000).default(""),
  style: z.enum(WORLD_STYLES).default("fantasy"),
  tags: z.array(TagSchema).max(20).default([]),
  visibility: z.enum(VISIBILITIES).optional(),
  cover: assetPath.nullable().optional(),
  settings: z
    .object({ aiImages: z.boolean().optional(), defaultVoice: z.string().trim().min(1).max(64).optional() })
    .partial()
    .default({}),
});

/** The header is checked first, so a wrong version is reported as such, not as field errors. */
export const ArchiveHeaderSchema = z.object({ schemaVersion: z.number() });

/**
 * world.json with a key for each of `entities` (entities/index.ts): elements and relationships
 * always, then an optional list per entity of the generic path (archived-entities.ts), each entry
 * read through its own schema afterwards. A key no entity of the list has is ignored.
 */
export function archiveSchemaFor(entities: readonly WorldEntity[]) {
  return z.object({
    schemaVersion: z.literal(ARCHIVE_SCHEMA_VERSION),
    exportedAt: z.string().optional(),
    world: ArchiveWorldSchema,
    elements: z.array(z.unknown()).max(20_000),
    relationships: z.array(z.unknown()).max(100_000),
    ...archivedEntriesShape(entities),
    source: z.object({ worldId: z.string().optional(), url: z.string().optional() }).optional(),
  });
}

/** world.json with the world's entities (WORLD_ENTITIES). */
export const ArchiveSchema = archiveSchemaFor(WORLD_ENTITIES);

export type ArchiveElement = z.output<typeof ArchiveElementSchema> & { file?: string };
export type ArchiveRelationship = z.output<typeof ArchiveRelationshipSchema>;

/** `world.json` as an export writes it. */
export type ArchiveDocument = {
  schemaVersion: typeof ARCHIVE_SCHEMA_VERSION;
  exportedAt: string;
  world: {
    title: string;
    description: string;
    style: string;
    tags: string[];
    visibility: string;
    cover: string | null;
    settings: Record<string, unknown>;
  };
  elements: Array<ArchiveEntryOf<typeof element> & { file: string }>;
  relationships: Array<ArchiveEntryOf<typeof relationship>>;
  source: { worldId: string; url: string };
} & {
  /** The entries of the world's other entities, under their keys (archived-entities.ts); absent: none. */
  [key: string]: unknown;
};
