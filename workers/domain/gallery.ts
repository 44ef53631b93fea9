import { and, desc, eq, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { WORLD_STYLES, user, worldLikes, worlds, type WorldStyle } from "../../drizzle/schema";
import { HttpError } from "../lib/errors";
import type { Database } from "../lib/db";

// The gallery (catalogue F1): public worlds, found through the FTS5 table `world_search`
// (migration 0005), with likes kept one per person.

export const GALLERY_SORTS = ["recent", "popular"] as const;
export type GallerySort = (typeof GALLERY_SORTS)[number];

export const GalleryQuerySchema = z.object({
  q: z.string().max(200).optional(),
  style: z.enum(WORLD_STYLES).optional(),
  tag: z.string().trim().min(1).max(32).optional(),
  sort: z.enum(GALLERY_SORTS).default("recent"),
  cursor: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(24),
});
export type GalleryQuery = z.infer<typeof GalleryQuerySchema>;

/**
 * Rewrites the world's search row: deleted, then inserted again only while the world is public.
 * One D1 batch, so a reader never sees the world twice or half-written. Callers: world create,
 * update and delete, the room after element names change, fork and import.
 */
export async function refreshSearchIndex(db: Database | D1Database, worldId: string): Promise<void> {
  const d1 = "$client" in db ? db.$client : db;
  await d1.batch([
    d1.prepare("delete from world_search where world_id = ?").bind(worldId),
    d1
      .prepare(
        `insert into world_search (world_id, title, description, tags, names)
         select w.id, w.title, w.description,
           coalesce((select group_concat(t.value, ' ') from json_each(w.tags) t), ''),
           coalesce((select group_concat(e.name, char(10)) from elements e where e.world_id = w.id), '')
         from worlds w where w.id = ? and w.visibility = 'public'`,
      )
      .bind(worldId),
  ]);
}

/**
 * A person's search words as an FTS5 query that cannot be a syntax error: only letters, digits
 * and combining marks survive, each word becomes a quoted prefix term, and all must match.
 * Null when nothing searchable is left (the search then filters nothing).
 */
export function toFtsQuery(q: string | undefined): string | null {
  const words = (q ?? "").normalize("NFKC").match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  const terms = [...new Set(words.map((word) => word.slice(0, 64)))].slice(0, 8);
  return terms.length ? terms.map((word) => `"${word}"*`).join(" AND ") : null;
}

type GalleryCursor = { sort: GallerySort; updatedAt: number; id: string; likes: number };

const CursorSchema = z.strictObject({
  s: z.enum(GALLERY_SORTS),
  u: z.number().int(),
  i: z.string().regex(/^[a-z0-9]{1,64}$/),
  l: z.number().int().min(0),
});

function encodeGalleryCursor(cursor: GalleryCursor): string {
  return btoa(JSON.stringify({ s: cursor.sort, u: cursor.updatedAt, i: cursor.id, l: cursor.likes }));
}

/** The cursor a previous page gave out, for the same sort; anything else is a 400. */
export function decodeGalleryCursor(raw: string | undefined, sort: GallerySort): GalleryCursor | null {
  if (!raw) return null;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(atob(raw));
  } catch {
    parsed = null;
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success || result.data.s !== sort) {
    throw new HttpError(400, "invalid_cursor", "The cursor is not one this gallery gave out for that sort.");
  }
  return { sort: result.data.s, updatedAt: result.data.u, id: result.data.i, likes: result.data.l };
}

/** Rows after the cursor in the sort's order: (updatedAt, id) desc, or (likes, updatedAt, id) desc. */
function afterCursor(cursor: GalleryCursor | null): SQL | undefined {
  if (!cursor) return undefined;
  const at = new Date(cursor.updatedAt);
  const byRecency = or(lt(worlds.updatedAt, at), and(eq(worlds.updatedAt, at), lt(worlds.id, cursor.id)));
  if (cursor.sort === "recent") return byRecency;
  return or(lt(worlds.likes, cursor.likes), and(eq(worlds.likes, cursor.likes), byRecency));
}

/** `/api/assets/<key>`: the URL assets are served from (workers/api/assets.ts). */
export function assetUrl(key: string): string {
  return `/api/assets/${key.split("/").map(encodeURIComponent).join("/")}`;
}

export type GalleryWorld = {
  id: string;
  title: string;
  description: string;
  style: WorldStyle;
  tags: string[];
  coverUrl: string | null;
  elementCount: number;
  likes: number;
  liked: boolean;
  ownerName: string;
  updatedAt: string;
};

/** One page of public worlds matching the query, with whether `viewerId` liked each. */
export async function searchGallery(
  db: Database,
  query: Omit<GalleryQuery, "cursor"> & { cursor: GalleryCursor | null; viewerId: string | null },
): Promise<{ worlds: GalleryWorld[]; nextCursor: string | null }> {
  const match = toFtsQuery(query.q);
  const rows = await db
    .select({
      id: worlds.id,
      title: worlds.title,
      description: worlds.description,
      style: worlds.style,
      tags: worlds.tags,
      coverAssetKey: worlds.coverAssetKey,
      likes: worlds.likes,
      updatedAt: worlds.updatedAt,
      ownerName: user.name,
      elementCount: sql<number>`(select count(*) from elements e where e.world_id = ${worlds.id})`,
      firstImage: sql<string | null>`(select json_extract(e.assets, '$.image') from elements e
        where e.world_id = ${worlds.id} and json_extract(e.assets, '$.image') is not null
        order by e.created_at, e.id limit 1)`,
      liked: query.viewerId
        ? sql<number>`exists (select 1 from world_likes l where l.world_id = ${worlds.id} and l.user_id = ${query.viewerId})`
        : sql<number>`0`,
    })
    .from(worlds)
    .innerJoin(user, eq(user.id, worlds.ownerId))
    .where(
      and(
        eq(worlds.visibility, "public"),
        query.style ? eq(worlds.style, query.style) : undefined,
        query.tag ? sql`exists (select 1 from json_each(${worlds.tags}) t where t.value = ${query.tag} collate nocase)` : undefined,
        match ? sql`${worlds.id} in (select world_id from world_search where world_search match ${match})` : undefined,
        afterCursor(query.cursor),
      ),
    )
    .orderBy(
      ...(query.sort === "popular" ? [desc(worlds.likes)] : []),
      desc(worlds.updatedAt),
      desc(worlds.id),
    )
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    worlds: page.map((row) => {
      const cover = row.coverAssetKey ?? row.firstImage;
      return {
        id: row.id,
        title: row.title,
        description: row.description,
        style: row.style,
        tags: row.tags,
        coverUrl: cover ? assetUrl(cover) : null,
        elementCount: row.elementCount,
        likes: row.likes,
        liked: Boolean(row.liked),
        ownerName: row.ownerName,
        updatedAt: row.updatedAt.toISOString(),
      };
    }),
    nextCursor:
      rows.length > query.limit && last
        ? encodeGalleryCursor({ sort: query.sort, updatedAt: last.updatedAt.getTime(), id: last.id, likes: last.likes })
        : null,
  };
}

/**
 * Likes or unlikes a world for a person, idempotently: at most one like per person, and
 * `worlds.likes` is recounted in the same batch so it always equals the rows. The caller checks
 * that the person may see the world. Liking does not touch `updated_at` (the gallery's "recent").
 */
export async function setLike(db: Database, worldId: string, userId: string, liked: boolean) {
  const change = liked
    ? db.insert(worldLikes).values({ worldId, userId, createdAt: new Date() }).onConflictDoNothing()
    : db.delete(worldLikes).where(and(eq(worldLikes.worldId, worldId), eq(worldLikes.userId, userId)));
  const [, counted] = await db.batch([
    change,
    db
      .update(worlds)
      .set({ likes: sql`(select count(*) from world_likes l where l.world_id = ${worldId})` })
      .where(eq(worlds.id, worldId))
      .returning({ likes: worlds.likes }),
  ]);
  return { likes: counted[0]?.likes ?? 0, liked };
}
