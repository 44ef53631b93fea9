import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { assets, elements, history, worldMembers, worlds } from "../../drizzle/schema";
import type { ElementAssets } from "../../drizzle/schema";
import type { VersionSnapshot } from "./room-types";
import { HttpError } from "../lib/errors";
import type { Database } from "../lib/db";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { copyArchivedRows } from "./archived-entities";
import { worldOfAssetKey } from "./element-fields";
import { WORLD_ENTITIES, type WorldEntity } from "./entities";
import { canSeeSecrets } from "./graph";
import {
  asStatement,
  writeAssets,
  writeElements,
  writeRelationships,
  writeVersions,
  type AssetRowJson,
  type ElementRowJson,
  type RelationshipRowJson,
  type VersionRowJson,
} from "./graph-rows";
import { element } from "./entities/element";
import { rowOf, valuesOf, viewOf } from "./entities/entity";
import { relationship } from "./entities/relationship";
import type { WorldAccess } from "./worlds";
import { forkStories } from "./stories/story-fork";
import { chunk } from "../lib/chunk";

export const ForkWorldSchema = z.strictObject({
  title: z.string().trim().min(1, "a title is required").max(120).optional(),
});
export type ForkWorldInput = z.infer<typeof ForkWorldSchema>;

/** R2 copies in flight at once while forking. */
const COPY_CONCURRENCY = 6;

const ASSET_KEY = /^worlds\/[a-z0-9]{1,64}\/(.+)$/;


/** The key an asset gets in the fork: the same path under the new world's prefix. */
export function forkedAssetKey(key: string, newWorldId: string): string | null {
  const match = ASSET_KEY.exec(key);
  return match ? `worlds/${newWorldId}/${match[1]}` : null;
}

type Forker = { id: string; name: string };

/**
 * Copies a world the forker can see into a new private world of theirs (catalogue F2): every
 * element (new ids, same content and positions), every relationship (re-pointed at the new ids),
 * and every asset (copied in R2 under the new world, so the fork keeps its pictures and sound even
 * if the source later goes private or is deleted). Secrets come along only for the source's owner
 * and editors. The graph is read from the source's room, which may hold edits D1 has not yet seen;
 * the world's other entities (entities/index.ts; `entities`, which a test may extend) are copied
 * as D1 holds them, under their own ids, and so are the stories the forker may read (story-fork.ts).
 * The new world's room, and each story's, hydrates itself from D1 on first open.
 */
export async function forkWorld(env: Env, db: Database, source: WorldAccess, forker: Forker, input: ForkWorldInput, entities: readonly WorldEntity[] = WORLD_ENTITIES) {
  const withSecrets = canSeeSecrets(source.role);
  const graph = await env.WORLD_ROOM.getByName(source.world.id).graph(withSecrets);
  if (!graph.ok) throw new HttpError(graph.status, graph.code, graph.message);
  const { elements: sourceElements, relationships: sourceRelationships } = graph.value;

  const worldId = newId();
  const now = new Date();
  const title = input.title ?? `${source.world.title.slice(0, 113)} (fork)`;

  const keyMap = new Map<string, string>();
  const rewrite = (key: string | undefined | null) => {
    if (!key) return undefined;
    // Only the source's own files are copied: a key of another world (left in the document by an
    // update from before the room checked whose files elements name) would copy out a file its
    // forker may not see. It is left out of the fork, and logged.
    if (worldOfAssetKey(key) !== source.world.id) {
      log.warn("fork.foreign_asset_skipped", { worldId: source.world.id, key });
      return undefined;
    }
    const next = keyMap.get(key) ?? forkedAssetKey(key, worldId);
    if (next) keyMap.set(key, next);
    return next ?? undefined;
  };
  const elementIds = new Map(sourceElements.map((original) => [original.id, newId()]));
  const copies = sourceElements.map((original) => {
    const assetsCopy: ElementAssets = {};
    for (const kind of ["image", "video", "audio"] as const) {
      const key = rewrite(original.assets[kind]);
      if (key) assetsCopy[kind] = key;
    }
    return { source: original, id: elementIds.get(original.id)!, assets: assetsCopy };
  });
  const coverAssetKey = rewrite(source.world.coverAssetKey) ?? null;
  const forkedStories = await forkStories(env, db, source, { worldId, forkerId: forker.id, now }, elementIds, rewrite);

  // Bytes first: a world that exists points only at objects that exist.
  const copied = await copyAssets(env, db, keyMap);

  const createdAt = now.getTime();
  const elementRows = copies.map(
    ({ source, id, assets: assetsCopy }, index): ElementRowJson =>
      rowOf(element, {
        ...source,
        id,
        secret: withSecrets && source.secret ? source.secret : null,
        assets: assetsCopy,
        version: 1,
        createdBy: forker.id,
        // Kept in the source's order (the room lists and hydrates by creation time).
        createdAt: createdAt + index,
        updatedAt: createdAt,
      }),
  );
  const versionRows = elementRows.map((row): VersionRowJson => {
    const snapshot: VersionSnapshot = { ...viewOf(element, valuesOf(element, row)), secret: row.secret ?? "" };
    return { id: row.id, version: 1, snapshot: JSON.stringify(snapshot), action: "forked", userId: forker.id };
  });
  const relationshipRows = sourceRelationships.flatMap((rel, index): RelationshipRowJson[] => {
    const from = elementIds.get(rel.from);
    const to = elementIds.get(rel.to);
    if (!from || !to) return [];
    return [rowOf(relationship, { ...rel, id: newId(), from, to, createdAt: createdAt + index, updatedAt: createdAt })];
  });

  // One D1 batch, one transaction: the fork exists whole or not at all. Rows travel as JSON arrays
  // (graph-rows.ts), so a 5,000-element world takes a few dozen statements rather than thousands.
  const raw = env.DB;
  try {
    await raw.batch([
      asStatement(
        raw,
        db.insert(worlds).values({
          id: worldId,
          ownerId: forker.id,
          title,
          description: source.world.description,
          style: source.world.style,
          tags: source.world.tags,
          visibility: "private",
          coverAssetKey,
          settings: source.world.settings,
          forkedFromId: source.world.id,
          createdAt: now,
          updatedAt: now,
        }),
      ),
      asStatement(raw, db.insert(worldMembers).values({ worldId, userId: forker.id, role: "owner", createdAt: now })),
      asStatement(
        raw,
        db.insert(history).values({
          id: newId(),
          worldId,
          userId: forker.id,
          action: "forked",
          summary: `Forked from “${source.world.title}” by ${source.ownerName}`,
          createdAt: now,
        }),
      ),
      ...writeAssets(raw, worldId, forker.id, createdAt, copied.rows),
      ...writeElements(raw, worldId, elementRows, "insert"),
      ...writeVersions(raw, worldId, createdAt, versionRows),
      ...writeRelationships(raw, worldId, relationshipRows, "insert"),
      ...copyArchivedRows(raw, source.world.id, worldId, withSecrets, entities),
      ...forkedStories.statements(raw),
    ]);
  } catch (error) {
    // Nothing was written; the copied objects go too. R2 deletes at most 1,000 keys per call.
    for (const keys of chunk(copied.rows.map((row) => row.key), 1000)) await env.ASSETS_BUCKET.delete(keys);
    throw error;
  }
  const [created] = await db.select().from(worlds).where(eq(worlds.id, worldId));
  return created!;
}

/**
 * Copies each R2 object to its new key and records it in `assets` for the new world, keeping its
 * type, size and provenance. Objects that are gone are skipped (the element keeps a key that
 * answers 404, as it did in the source). Returns the rows to record with the new world.
 */
async function copyAssets(env: Env, db: Database, keyMap: Map<string, string>) {
  const pairs = [...keyMap.entries()];
  const rows: AssetRowJson[] = [];
  if (pairs.length === 0) return { rows };
  const known = new Map<string, typeof assets.$inferSelect>();
  for (const keys of chunk(pairs.map(([from]) => from), 90)) {
    for (const row of await db.select().from(assets).where(inArray(assets.key, keys))) known.set(row.key, row);
  }
  let next = 0;
  const worker = async () => {
    while (next < pairs.length) {
      const [from, to] = pairs[next++]!;
      const object = await env.ASSETS_BUCKET.get(from);
      if (!object) continue;
      const bytes = await object.arrayBuffer();
      await env.ASSETS_BUCKET.put(to, bytes, { httpMetadata: object.httpMetadata, customMetadata: object.customMetadata });
      const row = known.get(from);
      rows.push({
        key: to,
        kind: row?.kind ?? "copy",
        mimeType: row?.mimeType ?? object.httpMetadata?.contentType ?? "application/octet-stream",
        size: bytes.byteLength,
        provenance: { ...(row?.provenance ?? {}), forkedFrom: from },
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, pairs.length) }, worker));
  return { rows };
}

/** The picture that stands for a world: its cover, or else its first element with an image. */
export async function representativeImageKey(db: Database, world: { id: string; coverAssetKey: string | null }): Promise<string | null> {
  if (world.coverAssetKey) return world.coverAssetKey;
  const [row] = await db
    .select({ assets: elements.assets })
    .from(elements)
    .where(and(eq(elements.worldId, world.id), sql`json_extract(${elements.assets}, '$.image') is not null`))
    .orderBy(elements.createdAt, elements.id)
    .limit(1);
  return row?.assets.image ?? null;
}

const u16be = (b: Uint8Array, i: number) => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
const u32be = (b: Uint8Array, i: number) => ((u16be(b, i) << 16) | u16be(b, i + 2)) >>> 0;

/**
 * Width and height from an image's first bytes (PNG, GIF, JPEG, SVG), for oEmbed thumbnails;
 * null when they cannot be told.
 */
export function imageDimensions(bytes: Uint8Array): { width: number; height: number } | null {
  const text = (start: number, length: number) => String.fromCharCode(...bytes.subarray(start, start + length));
  let size: { width: number; height: number } | null = null;
  if (bytes.length >= 24 && bytes[0] === 0x89 && text(1, 3) === "PNG") {
    size = { width: u32be(bytes, 16), height: u32be(bytes, 20) };
  } else if (bytes.length >= 10 && text(0, 4) === "GIF8") {
    size = { width: bytes[6]! | (bytes[7]! << 8), height: bytes[8]! | (bytes[9]! << 8) };
  } else if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length && bytes[i] === 0xff) {
      const marker = bytes[i + 1]!;
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        size = { height: u16be(bytes, i + 5), width: u16be(bytes, i + 7) };
        break;
      }
      i += 2 + u16be(bytes, i + 2);
    }
  } else {
    const head = new TextDecoder().decode(bytes.subarray(0, 8192));
    const tag = /<svg\b[^>]*>/i.exec(head)?.[0];
    if (tag) {
      const attribute = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']\\s*([\\d.]+)\\s*(?:px)?\\s*["']`, "i").exec(tag)?.[1];
      const viewBox = /\sviewBox\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1]?.trim().split(/[\s,]+/).map(Number);
      const width = Number(attribute("width") ?? viewBox?.[2]);
      const height = Number(attribute("height") ?? viewBox?.[3]);
      size = { width: Math.round(width), height: Math.round(height) };
    }
  }
  return size && size.width > 0 && size.height > 0 && Number.isFinite(size.width) && Number.isFinite(size.height) ? size : null;
}
