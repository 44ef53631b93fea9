// Importing a world from an export's ZIP (catalogue F4): a new private world of the importer with
// every element, relationship, position, asset and the cover, under new ids.
//
// Everything is checked before anything is written: the archive's central directory (entry count,
// declared sizes, paths), world.json, every element and relationship. Only then are the assets put
// in R2 (one at a time, so memory holds the upload and one file) and the rows written to D1 in one
// batch, which D1 runs as a single transaction. If either step fails, the R2 objects already
// written are deleted, so a refused import leaves nothing behind.
import { inflateSync, strFromU8 } from "fflate";
import type { z } from "zod";
import { history, worldMembers, worlds, type ElementAssets } from "../../drizzle/schema";
import { HttpError } from "../api/errors";
import type { Database } from "../lib/db";
import { envPositiveNumber } from "../lib/env";
import { newId } from "../lib/ids";
import { asStatement, writeAssets, writeElements, writeRelationships, type ElementRowJson, type RelationshipRowJson } from "./graph-rows";
import {
  ARCHIVE_SCHEMA_VERSION,
  ArchiveElementSchema,
  ArchiveHeaderSchema,
  ArchiveRelationshipSchema,
  ArchiveSchema,
  MIME_BY_EXTENSION,
  extensionOf,
  isSafeArchivePath,
  type ArchiveElement,
  type ArchiveRelationship,
} from "./archive-format";

export type ImportLimits = { maxBytes: number; maxUncompressedBytes: number; maxEntryBytes: number; maxEntries: number };

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxUncompressedBytes: 200 * 1024 * 1024,
  maxEntryBytes: 50 * 1024 * 1024,
  maxEntries: 25_000,
};

/** IMPORT_MAX_MB (compressed upload) from wrangler.jsonc vars; the rest follow the defaults. */
export function importLimitsFrom(env: Record<string, unknown>): ImportLimits {
  const mb = envPositiveNumber(env, "IMPORT_MAX_MB", 0);
  return mb > 0 ? { ...DEFAULT_IMPORT_LIMITS, maxBytes: Math.floor(mb * 1024 * 1024) } : DEFAULT_IMPORT_LIMITS;
}

const invalidZip = (message: string) => new HttpError(400, "invalid_zip", message);
const invalidExport = (message: string, details?: unknown) => new HttpError(422, "invalid_export", message, details);

type Entry = { name: string; method: number; compressedSize: number; size: number; localOffset: number };

/**
 * The archive's central directory. Only what our exports write is accepted: stored or deflated
 * entries, no ZIP64, no encryption. Sizes come from here, never from the local headers.
 */
export function readCentralDirectory(zip: Uint8Array, limits: ImportLimits): Map<string, Entry> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = -1;
  for (let i = zip.byteLength - 22; i >= Math.max(0, zip.byteLength - 22 - 65_535); i -= 1) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw invalidZip("The file is not a ZIP archive.");
  const count = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw invalidZip("ZIP64 archives are not supported.");
  if (directoryOffset + directorySize > end) throw invalidZip("The ZIP archive is damaged (its directory is out of bounds).");
  if (count > limits.maxEntries) throw new HttpError(413, "archive_too_large", `The archive has ${count} files; at most ${limits.maxEntries} are accepted.`);
  const entries = new Map<string, Entry>();
  let total = 0;
  let at = directoryOffset;
  for (let n = 0; n < count; n += 1) {
    if (at + 46 > end || view.getUint32(at, true) !== 0x02014b50) throw invalidZip("The ZIP archive is damaged (bad directory entry).");
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    const name = strFromU8(zip.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (!isSafeArchivePath(name)) {
      throw new HttpError(400, "unsafe_path", `The archive holds a path that would escape it: ${JSON.stringify(name.slice(0, 200))}.`);
    }
    if (name.endsWith("/")) continue; // a folder
    if (flags & 1) throw invalidZip("Encrypted ZIP archives are not supported.");
    if (method !== 0 && method !== 8) throw invalidZip(`${name} uses a compression method this importer does not read.`);
    if (size > limits.maxEntryBytes) throw new HttpError(413, "archive_too_large", `${name} is larger than ${limits.maxEntryBytes} bytes when unpacked.`);
    total += size;
    if (total > limits.maxUncompressedBytes) {
      throw new HttpError(413, "archive_too_large", `The archive unpacks to more than ${limits.maxUncompressedBytes} bytes.`);
    }
    if (entries.has(name)) throw invalidZip(`The archive holds ${name} twice.`);
    entries.set(name, { name, method, compressedSize, size, localOffset });
  }
  return entries;
}

/** One entry's bytes. Inflating into a buffer of the declared size caps what a zip bomb can make. */
export function readEntry(zip: Uint8Array, entry: Entry): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = entry.localOffset;
  if (at + 30 > zip.byteLength || view.getUint32(at, true) !== 0x04034b50) throw invalidZip(`The ZIP archive is damaged (${entry.name}).`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (data.byteLength !== entry.compressedSize) throw invalidZip(`The ZIP archive is truncated (${entry.name}).`);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw invalidZip(`The ZIP archive is damaged (${entry.name}).`);
    return data;
  }
  let bytes: Uint8Array;
  try {
    bytes = inflateSync(data, { out: new Uint8Array(entry.size) });
  } catch {
    throw invalidZip(`${entry.name} could not be unpacked.`);
  }
  if (bytes.byteLength !== entry.size) throw invalidZip(`${entry.name} does not unpack to its declared size.`);
  return bytes;
}

function issuesOf(error: z.ZodError, prefix: string) {
  return error.issues.map((issue) => ({ path: [prefix, ...issue.path].join("."), message: issue.message }));
}

export type ParsedArchive = {
  world: z.output<typeof ArchiveSchema>["world"];
  elements: ArchiveElement[];
  relationships: ArchiveRelationship[];
  entries: Map<string, Entry>;
  /** Archive paths of the assets to copy (element media and the cover). */
  assetPaths: Set<string>;
};

/** Reads and checks everything in the archive; throws the 4xx that says what is wrong. */
export function parseArchive(zip: Uint8Array, limits: ImportLimits): ParsedArchive {
  const entries = readCentralDirectory(zip, limits);
  const manifest = entries.get("world.json");
  if (!manifest) throw invalidExport("The archive has no world.json; is it a Loreloom export?");
  let json: unknown;
  try {
    json = JSON.parse(strFromU8(readEntry(zip, manifest)));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw invalidExport("world.json is not valid JSON.");
  }
  const header = ArchiveHeaderSchema.safeParse(json);
  if (!header.success) throw invalidExport("world.json has no schemaVersion; is it a Loreloom export?");
  if (header.data.schemaVersion !== ARCHIVE_SCHEMA_VERSION) {
    throw invalidExport(`world.json has schema version ${header.data.schemaVersion}; this Loreloom reads version ${ARCHIVE_SCHEMA_VERSION}.`);
  }
  const document = ArchiveSchema.safeParse(json);
  if (!document.success) throw invalidExport("world.json is not a valid world.", { issues: issuesOf(document.error, "world.json") });

  const issues: Array<{ path: string; message: string }> = [];
  const elements: ArchiveElement[] = [];
  const ids = new Set<string>();
  document.data.elements.forEach((raw, index) => {
    const parsed = ArchiveElementSchema.safeParse(raw);
    if (!parsed.success) return issues.push(...issuesOf(parsed.error, `elements.${index}`));
    if (ids.has(parsed.data.id)) return issues.push({ path: `elements.${index}.id`, message: `the id ${parsed.data.id} is used twice` });
    ids.add(parsed.data.id);
    elements.push(parsed.data);
  });
  const relationships: ArchiveRelationship[] = [];
  document.data.relationships.forEach((raw, index) => {
    const parsed = ArchiveRelationshipSchema.safeParse(raw);
    if (!parsed.success) return issues.push(...issuesOf(parsed.error, `relationships.${index}`));
    for (const end of ["from", "to"] as const) {
      if (!ids.has(parsed.data[end])) issues.push({ path: `relationships.${index}.${end}`, message: `no element has the id ${parsed.data[end]}` });
    }
    relationships.push(parsed.data);
  });
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
  return { world: document.data.world, elements, relationships, entries, assetPaths };
}

/**
 * Imports a parsed archive as a new private world of `userId`. The import runs in the request:
 * it is bounded by the upload limit (50 MB, one asset in memory at a time) and a handful of D1
 * statements, so it finishes well within a request's limits and the person gets the world back
 * at once instead of polling a job.
 */
export async function importWorld(db: Database, raw: D1Database, bucket: R2Bucket, userId: string, zip: Uint8Array, archive: ParsedArchive) {
  const worldId = newId();
  const now = Date.now();
  const keys = new Map<string, string>();
  const stored: Array<{ key: string; kind: string; mimeType: string; size: number }> = [];
  try {
    for (const path of archive.assetPaths) {
      const bytes = readEntry(zip, archive.entries.get(path)!);
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
      return {
        id: elementIds.get(e.id)!,
        type: e.type,
        name: e.name,
        description: e.description,
        secret: e.secret?.trim() ? e.secret : null,
        x: e.position.x,
        y: e.position.y,
        tags: e.tags,
        assets: media,
        metadata: e.metadata,
        version: 1,
        createdBy: userId,
        createdAt: now,
        updatedAt: now,
      };
    });
    const relationshipRows: RelationshipRowJson[] = archive.relationships.map((r) => ({
      id: newId(),
      from: elementIds.get(r.from)!,
      to: elementIds.get(r.to)!,
      kind: r.kind,
      label: r.label,
      createdAt: now,
      updatedAt: now,
    }));
    const world = archive.world;
    const created = new Date(now);
    const settings = { maxCollaborators: 10, aiImages: world.settings.aiImages !== false, ...(world.settings.defaultVoice ? { defaultVoice: world.settings.defaultVoice } : {}) };
    // One D1 batch is one transaction. Rows travel as JSON arrays expanded by json_each
    // (graph-rows.ts), so a 5,000-element world takes a few dozen statements rather than thousands.
    const cover = world.cover ? (keys.get(world.cover) ?? null) : null;
    const assetRows = stored.map((a) => ({ ...a, provenance: { importedBy: userId } }));
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
          createdAt: created,
          updatedAt: created,
        }),
      ),
      asStatement(raw, db.insert(worldMembers).values({ worldId, userId, role: "owner", createdAt: created })),
      ...writeElements(raw, worldId, elementRows, "insert"),
      ...writeRelationships(raw, worldId, relationshipRows, "insert"),
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
    ]);
    return { worldId, elements: elementRows.length, relationships: relationshipRows.length, assets: stored.length };
  } catch (error) {
    await Promise.all(stored.map((a) => bucket.delete(a.key).catch(() => undefined)));
    throw error;
  }
}
