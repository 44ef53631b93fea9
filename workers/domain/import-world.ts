// Importing a world from an export's ZIP (catalogue F4): a new private world of the importer with
// every element, relationship, position, asset and the cover, under new ids, and the entries of
// the world's other entities (entities/index.ts, archived-entities.ts) under their own.
//
// Everything is checked before anything is written: the archive's central directory (entry count,
// declared sizes and ratios, paths, entries that overlap; zip-reader.ts), world.json, every element
// and relationship. Only then are the assets inflated, within their declared sizes, and put in R2
// (one at a time, so memory holds the upload and one file) and the rows written to D1 in one
// batch, which D1 runs as a single transaction. If either step fails, the R2 objects already
// written are deleted, so a refused import leaves nothing behind.
import { strFromU8 } from "fflate";
import type { z } from "zod";
import { history, worldMembers, worlds, type ElementAssets, type WorldImportOrigin } from "../../drizzle/schema";
import { HttpError } from "../lib/errors";
import type { Database } from "../lib/db";
import { configOf } from "../lib/config";
import { newId } from "../lib/ids";
import { archiveIssuesOf, insertArchivedEntries, readArchivedEntries, type ArchiveIssue, type ArchivedEntries } from "./archived-entities";
import { WORLD_ENTITIES, type WorldEntity } from "./entities";
import { element } from "./entities/element";
import { rowOf } from "./entities/entity";
import { relationship } from "./entities/relationship";
import { asStatement, writeAssets, writeElements, writeRelationships, type ElementRowJson, type RelationshipRowJson } from "./graph-rows";
import {
  ARCHIVE_SCHEMA_VERSION,
  ArchiveElementSchema,
  ArchiveHeaderSchema,
  ArchiveRelationshipSchema,
  MIME_BY_EXTENSION,
  archiveSchemaFor,
  type ArchiveSchema,
  extensionOf,
  type ArchiveElement,
  type ArchiveRelationship,
} from "./archive-format";
import { readZipDirectory, readZipEntry, type ZipEntry, type ZipLimits } from "./zip-reader";

export type ImportLimits = ZipLimits & {
  /** The upload itself (compressed). */
  maxBytes: number;
};

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxUncompressedBytes: 200 * 1024 * 1024,
  maxEntryBytes: 50 * 1024 * 1024,
  maxEntries: 25_000,
  // Text this importer reads (world.json, Markdown, SVG) packs 3–30:1; media is stored as it is.
  maxRatio: 250,
  ratioFloorBytes: 1024 * 1024,
  maxEntryMs: 30_000,
};

/** IMPORT_MAX_MB (compressed upload) of the Worker's env (configOf); the rest follow the defaults. */
export function importLimitsFrom(env: object): ImportLimits {
  const mb = configOf(env).IMPORT_MAX_MB;
  return mb === undefined ? DEFAULT_IMPORT_LIMITS : { ...DEFAULT_IMPORT_LIMITS, maxBytes: Math.floor(mb * 1024 * 1024) };
}

const invalidExport = (message: string, details?: unknown) => new HttpError(422, "invalid_export", message, details);

export type ImportedWorld = { worldId: string; elements: number; relationships: number; assets: number };

export type ParsedArchive = {
  world: z.output<typeof ArchiveSchema>["world"];
  elements: ArchiveElement[];
  relationships: ArchiveRelationship[];
  /** The entries of the world's other entities (archived-entities.ts), each list read through its schema. */
  others: ArchivedEntries;
  entries: Map<string, ZipEntry>;
  /** Archive paths of the assets to copy (element media and the cover). */
  assetPaths: Set<string>;
};

/**
 * Reads and checks everything in the archive; throws the 4xx that says what is wrong. `entities`:
 * what world.json may hold (the world's, WORLD_ENTITIES; a test adds its own).
 */
export async function parseArchive(zip: Uint8Array, limits: ImportLimits, entities: readonly WorldEntity[] = WORLD_ENTITIES): Promise<ParsedArchive> {
  const entries = readZipDirectory(zip, limits);
  const manifest = entries.get("world.json");
  if (!manifest) throw invalidExport("The archive has no world.json; is it a Loreloom export?");
  let json: unknown;
  try {
    json = JSON.parse(strFromU8(await readZipEntry(zip, manifest, limits)));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw invalidExport("world.json is not valid JSON.");
  }
  const header = ArchiveHeaderSchema.safeParse(json);
  if (!header.success) throw invalidExport("world.json has no schemaVersion; is it a Loreloom export?");
  if (header.data.schemaVersion !== ARCHIVE_SCHEMA_VERSION) {
    throw invalidExport(`world.json has schema version ${header.data.schemaVersion}; this Loreloom reads version ${ARCHIVE_SCHEMA_VERSION}.`);
  }
  const document = archiveSchemaFor(entities).safeParse(json);
  if (!document.success) throw invalidExport("world.json is not a valid world.", { issues: archiveIssuesOf(document.error, "world.json") });

  const issues: ArchiveIssue[] = [];
  const elements: ArchiveElement[] = [];
  const ids = new Set<string>();
  document.data.elements.forEach((raw, index) => {
    const parsed = ArchiveElementSchema.safeParse(raw);
    if (!parsed.success) return issues.push(...archiveIssuesOf(parsed.error, `elements.${index}`));
    if (ids.has(parsed.data.id)) return issues.push({ path: `elements.${index}.id`, message: `the id ${parsed.data.id} is used twice` });
    ids.add(parsed.data.id);
    elements.push(parsed.data);
  });
  const relationships: ArchiveRelationship[] = [];
  document.data.relationships.forEach((raw, index) => {
    const parsed = ArchiveRelationshipSchema.safeParse(raw);
    if (!parsed.success) return issues.push(...archiveIssuesOf(parsed.error, `relationships.${index}`));
    for (const end of ["from", "to"] as const) {
      if (!ids.has(parsed.data[end])) issues.push({ path: `relationships.${index}.${end}`, message: `no element has the id ${parsed.data[end]}` });
    }
    relationships.push(parsed.data);
  });
  const others = readArchivedEntries(document.data, entities, issues);
  const assetPaths = new Set<string>();
  const needAsset = (path: string, where: string) => {
    if (entries.has(path)) assetPaths.add(path);
    else issues.push({ path: where, message: `the archive has no file ${path}` });
  };
  elements.forEach((element, index) => {
    for (const [kind, path] of Object.entries(element.assets)) if (path) needAsset(path, `elements.${index}.assets.${kind}`);
  });
  if (document.data.world.cover) needAsset(document.data.world.cover, "world.cover");
  if (issues.length > 0) {
    throw new HttpError(422, "validation_failed", `world.json has ${issues.length} problem${issues.length === 1 ? "" : "s"}: ${issues[0]!.path}: ${issues[0]!.message}.`, {
      issues: issues.slice(0, 50),
    });
  }
  return { world: document.data.world, elements, relationships, others, entries, assetPaths };
}

/**
 * The name an uploaded archive is known by: its last path segment (some browsers send a path),
 * without control or formatting characters (a right-to-left override would make "evil\u202Epiz.exe"
 * read as "evilexe.zip"), at most 255 characters; empty when nothing is left.
 */
export function archiveDisplayName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? "";
  return base.replace(/[\p{Cc}\p{Cf}]/gu, "").trim().slice(0, 255);
}

/**
 * Imports a parsed archive as a new private world of `userId`. It runs in the queue consumer
 * (workers/jobs/import-archive.ts), never in a request: reading the archive is bounded (ADR 13)
 * but can still take seconds for a large one.
 */
export async function importWorld(
  db: Database,
  raw: D1Database,
  bucket: R2Bucket,
  userId: string,
  zip: Uint8Array,
  archive: ParsedArchive,
  options: {
    limits: Pick<ImportLimits, "maxEntryMs">;
    /** The archive as it was uploaded, recorded on the world so its card can say where it came from. */
    origin: WorldImportOrigin;
    /** Statements committed in the same transaction as the world (the job's own success). */
    alsoWrite?: (result: ImportedWorld) => D1PreparedStatement[];
  },
): Promise<ImportedWorld> {
  const worldId = newId();
  const now = Date.now();
  const keys = new Map<string, string>();
  const stored: Array<{ key: string; kind: string; mimeType: string; size: number }> = [];
  try {
    for (const path of archive.assetPaths) {
      const bytes = await readZipEntry(zip, archive.entries.get(path)!, options.limits);
      const extension = extensionOf(path);
      const mimeType = MIME_BY_EXTENSION[extension] ?? "application/octet-stream";
      const key = `worlds/${worldId}/imported/${newId()}.${extension}`;
      await bucket.put(key, bytes, { httpMetadata: { contentType: mimeType } });
      stored.push({ key, kind: mimeType.split("/")[0] === "application" ? "file" : mimeType.split("/")[0]!, mimeType, size: bytes.byteLength });
      keys.set(path, key);
    }

    const elementIds = new Map(archive.elements.map((e) => [e.id, newId()]));
    const elementRows = archive.elements.map((e): ElementRowJson => {
      const media: ElementAssets = {};
      for (const kind of ["image", "video", "audio"] as const) if (e.assets[kind]) media[kind] = keys.get(e.assets[kind]!);
      // Every field the archive holds, under a new id, with media at its new keys.
      return rowOf(element, {
        ...e,
        id: elementIds.get(e.id)!,
        secret: e.secret?.trim() ? e.secret : null,
        assets: media,
        version: 1,
        createdBy: userId,
        createdAt: now,
        updatedAt: now,
      });
    });
    const relationshipRows = archive.relationships.map(
      (r): RelationshipRowJson => rowOf(relationship, { ...r, id: newId(), from: elementIds.get(r.from)!, to: elementIds.get(r.to)!, createdAt: now, updatedAt: now }),
    );
    const world = archive.world;
    const created = new Date(now);
    const settings = { maxCollaborators: 10, aiImages: world.settings.aiImages !== false, ...(world.settings.defaultVoice ? { defaultVoice: world.settings.defaultVoice } : {}) };
    // One D1 batch is one transaction. Rows travel as JSON arrays expanded by json_each
    // (graph-rows.ts), so a 5,000-element world takes a few dozen statements rather than thousands.
    const cover = world.cover ? (keys.get(world.cover) ?? null) : null;
    const assetRows = stored.map((a) => ({ ...a, provenance: { importedBy: userId } }));
    const result: ImportedWorld = { worldId, elements: elementRows.length, relationships: relationshipRows.length, assets: stored.length };
    await raw.batch([
      asStatement(
        raw,
        db.insert(worlds).values({
          id: worldId,
          ownerId: userId,
          title: world.title,
          description: world.description,
          style: world.style,
          tags: world.tags,
          visibility: "private",
          coverAssetKey: cover,
          settings,
          importedFrom: options.origin,
          createdAt: created,
          updatedAt: created,
        }),
      ),
      asStatement(raw, db.insert(worldMembers).values({ worldId, userId, role: "owner", createdAt: created })),
      ...writeElements(raw, worldId, elementRows, "insert"),
      ...writeRelationships(raw, worldId, relationshipRows, "insert"),
      ...insertArchivedEntries(raw, worldId, archive.others, { now, userId }),
      ...writeAssets(raw, worldId, userId, now, assetRows),
      asStatement(
        raw,
        db.insert(history).values({
          id: newId(),
          worldId,
          userId,
          action: "imported",
          summary: `Imported the world “${world.title}” with ${elementRows.length} elements and ${relationshipRows.length} connections`,
          createdAt: created,
        }),
      ),
      ...(options.alsoWrite?.(result) ?? []),
    ]);
    return result;
  } catch (error) {
    await Promise.all(stored.map((a) => bucket.delete(a.key).catch(() => undefined)));
    throw error;
  }
}
