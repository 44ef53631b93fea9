// Playlists (issue 18, point 4): a person's ordered lists of stories, across the worlds they may
// read, played one after another. A playlist shared by link plays for a visitor only when every
// story in it is one the visitor may read: a link never opens a story its visitor could not.
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { playlistItems, playlists, stories, user, worldMembers, worlds } from "../../../drizzle/schema";
import type { Database } from "../../lib/db";
import { HttpError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { IdSchema } from "../element-fields";

/** A playlist holds at most this many stories. */
export const PLAYLIST_MAX_STORIES = 100;

const PlaylistFields = {
  title: z.string().trim().min(1, "a playlist needs a title").max(120),
  description: z.string().trim().max(1000),
  visibility: z.enum(["private", "link"]),
};
export const CreatePlaylistSchema = z.strictObject({
  title: PlaylistFields.title,
  description: PlaylistFields.description.optional(),
  visibility: PlaylistFields.visibility.optional(),
  stories: z.array(IdSchema).max(PLAYLIST_MAX_STORIES).optional(),
});
export const UpdatePlaylistSchema = z
  .strictObject(PlaylistFields)
  .partial()
  .refine((value) => Object.keys(value).length > 0, "nothing to change");
export const PlaylistStoriesSchema = z.strictObject({ stories: z.array(IdSchema).max(PLAYLIST_MAX_STORIES) });
export const AddStorySchema = z.strictObject({ storyId: IdSchema });

export type PlaylistSummary = { id: string; title: string; description: string; visibility: "private" | "link"; storyCount: number; updatedAt: string };
export type PlaylistStory = { id: string; worldId: string; title: string; worldTitle: string; wordCount: number };
export type PlaylistDto = PlaylistSummary & { ownerName: string; mine: boolean; stories: PlaylistStory[] };

/**
 * The stories among `ids` that `userId` (null: someone signed out) may read: every story of a world
 * they are a member of, and the published stories of public and unlisted worlds.
 */
export async function readableStories(db: Database, userId: string | null, ids: string[]): Promise<Map<string, PlaylistStory>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({
      id: stories.id,
      worldId: stories.worldId,
      title: stories.title,
      worldTitle: worlds.title,
      wordCount: sql<number>`(select coalesce(sum(s.word_count), 0) from story_scenes s where s.story_id = "stories"."id")`,
    })
    .from(stories)
    .innerJoin(worlds, eq(worlds.id, stories.worldId))
    .leftJoin(worldMembers, and(eq(worldMembers.worldId, stories.worldId), eq(worldMembers.userId, userId ?? "")))
    .where(
      and(
        inArray(stories.id, ids),
        sql`(${worldMembers.userId} is not null or (${worlds.visibility} in ('public', 'unlisted') and ${stories.status} = 'published'))`,
      ),
    );
  return new Map(rows.map((row) => [row.id, row]));
}

/** The person's playlists, the latest changed first. */
export async function listPlaylists(db: Database, ownerId: string): Promise<PlaylistSummary[]> {
  const rows = await db
    .select({ playlist: playlists, storyCount: sql<number>`(select count(*) from playlist_items i where i.playlist_id = "playlists"."id")` })
    .from(playlists)
    .where(eq(playlists.ownerId, ownerId))
    .orderBy(desc(playlists.updatedAt), playlists.id)
    .limit(200);
  return rows.map(({ playlist, storyCount }) => summaryOf(playlist, storyCount));
}

export async function createPlaylist(db: Database, ownerId: string, input: z.infer<typeof CreatePlaylistSchema>): Promise<string> {
  const id = newId();
  const storyIds = [...new Set(input.stories ?? [])];
  await requireReadableBy(db, ownerId, storyIds);
  await db.batch([
    db.insert(playlists).values({ id, ownerId, title: input.title, description: input.description ?? "", visibility: input.visibility ?? "private" }),
    ...storyIds.map((storyId, position) => db.insert(playlistItems).values({ playlistId: id, storyId, position })),
  ]);
  return id;
}

/**
 * A playlist as `viewerId` may see it: its owner sees every story in it they can still read; anyone
 * else sees a playlist shared by link, and only when they may read every story in it (404 otherwise,
 * as for a playlist that is not there).
 */
export async function getPlaylist(db: Database, playlistId: string, viewerId: string | null): Promise<PlaylistDto> {
  const [row] = await db
    .select({ playlist: playlists, ownerName: user.name })
    .from(playlists)
    .innerJoin(user, eq(user.id, playlists.ownerId))
    .where(eq(playlists.id, playlistId))
    .limit(1);
  const mine = Boolean(row && viewerId && row.playlist.ownerId === viewerId);
  if (!row || (!mine && row.playlist.visibility !== "link")) throw new HttpError(404, "not_found", "That playlist was not found.");
  const items = await db.select({ storyId: playlistItems.storyId }).from(playlistItems).where(eq(playlistItems.playlistId, playlistId)).orderBy(asc(playlistItems.position));
  const ids = items.map((item) => item.storyId);
  const readable = await readableStories(db, viewerId, ids);
  if (!mine && readable.size < ids.length) throw new HttpError(404, "not_found", "That playlist was not found.");
  return {
    ...summaryOf(row.playlist, ids.length),
    ownerName: row.ownerName,
    mine,
    stories: ids.flatMap((id) => readable.get(id) ?? []),
  };
}

export async function updatePlaylist(db: Database, ownerId: string, playlistId: string, changes: z.infer<typeof UpdatePlaylistSchema>): Promise<void> {
  const updated = await db
    .update(playlists)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(playlists.id, playlistId), eq(playlists.ownerId, ownerId)))
    .returning({ id: playlists.id });
  if (updated.length === 0) throw new HttpError(404, "not_found", "That playlist was not found.");
}

export async function deletePlaylist(db: Database, ownerId: string, playlistId: string): Promise<void> {
  const deleted = await db.delete(playlists).where(and(eq(playlists.id, playlistId), eq(playlists.ownerId, ownerId))).returning({ id: playlists.id });
  if (deleted.length === 0) throw new HttpError(404, "not_found", "That playlist was not found.");
}

/** Sets the playlist's stories, in this order (each one its owner may read). */
export async function setPlaylistStories(db: Database, ownerId: string, playlistId: string, storyIds: string[]): Promise<void> {
  await requireOwned(db, ownerId, playlistId);
  const unique = [...new Set(storyIds)];
  await requireReadableBy(db, ownerId, unique);
  await db.batch([
    db.delete(playlistItems).where(eq(playlistItems.playlistId, playlistId)),
    ...unique.map((storyId, position) => db.insert(playlistItems).values({ playlistId, storyId, position })),
    db.update(playlists).set({ updatedAt: new Date() }).where(eq(playlists.id, playlistId)),
  ]);
}

/** Adds a story at the end (a story already there stays where it is). */
export async function addPlaylistStory(db: Database, ownerId: string, playlistId: string, storyId: string): Promise<void> {
  await requireOwned(db, ownerId, playlistId);
  await requireReadableBy(db, ownerId, [storyId]);
  const [count] = await db.select({ n: sql<number>`count(*)`, last: sql<number>`coalesce(max(${playlistItems.position}), -1)` }).from(playlistItems).where(eq(playlistItems.playlistId, playlistId));
  if ((count?.n ?? 0) >= PLAYLIST_MAX_STORIES) throw new HttpError(409, "playlist_full", `A playlist holds at most ${PLAYLIST_MAX_STORIES} stories.`);
  await db.batch([
    db.insert(playlistItems).values({ playlistId, storyId, position: (count?.last ?? -1) + 1 }).onConflictDoNothing(),
    db.update(playlists).set({ updatedAt: new Date() }).where(eq(playlists.id, playlistId)),
  ]);
}

async function requireOwned(db: Database, ownerId: string, playlistId: string) {
  const [row] = await db.select({ id: playlists.id }).from(playlists).where(and(eq(playlists.id, playlistId), eq(playlists.ownerId, ownerId))).limit(1);
  if (!row) throw new HttpError(404, "not_found", "That playlist was not found.");
}

/** A story the person may not read is, to them, a story that is not there. */
async function requireReadableBy(db: Database, userId: string, storyIds: string[]) {
  const readable = await readableStories(db, userId, storyIds);
  const missing = storyIds.find((id) => !readable.has(id));
  if (missing) throw new HttpError(404, "not_found", `The story ${missing} was not found.`, { field: "stories" });
}

function summaryOf(row: typeof playlists.$inferSelect, storyCount: number): PlaylistSummary {
  return { id: row.id, title: row.title, description: row.description, visibility: row.visibility, storyCount, updatedAt: row.updatedAt.toISOString() };
}
