import { and, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { storyProgress, storyScenes } from "../../drizzle/schema";
import { IdSchema } from "../domain/graph";
import { playableStory } from "../domain/stories/playable";
import {
  AddStorySchema,
  CreatePlaylistSchema,
  PlaylistStoriesSchema,
  UpdatePlaylistSchema,
  addPlaylistStory,
  createPlaylist,
  deletePlaylist,
  getPlaylist,
  listPlaylists,
  setPlaylistStories,
  updatePlaylist,
} from "../domain/stories/playlists";
import { getStoryRow } from "../domain/stories/stories";
import { getWorldAccess } from "../domain/worlds";
import { HttpError } from "../lib/errors";
import type { AppEnv } from "./context";
import { requireUser } from "./middleware/request";
import { shareTokenOf } from "./share-token";
import { jsonBody, parseWith } from "./validate";

const param = (raw: string | undefined, what: string) => parseWith(IdSchema, raw ?? "", what);

/** The story of the path, for whoever may read it (a draft is there for the world's members only). */
async function readableStory(c: Context<AppEnv>) {
  const db = c.get("db");
  const worldId = param(c.req.param("id"), "world id");
  const access = await getWorldAccess(db, worldId, c.get("user")?.id ?? null, shareTokenOf(c));
  return { db, story: await getStoryRow(db, worldId, param(c.req.param("sid"), "story id"), access.role) };
}

const ProgressSchema = z.strictObject({ sceneId: IdSchema, positionMs: z.number().int().min(0).max(86_400_000) });

/** Where a signed-in reader stopped in a story. */
async function progressOf(db: AppEnv["Variables"]["db"], userId: string | undefined, storyId: string) {
  if (!userId) return null;
  const [row] = await db
    .select({ sceneId: storyProgress.sceneId, positionMs: storyProgress.positionMs })
    .from(storyProgress)
    .where(and(eq(storyProgress.userId, userId), eq(storyProgress.storyId, storyId)))
    .limit(1);
  return row ?? null;
}

/** The story player's reads and a reader's place in a story (issue 18, point 4), under /api/worlds. */
export const storyPlayerRoutes = new Hono<AppEnv>()
  .get("/:id/stories/:sid/play", async (c) => {
    const { db, story } = await readableStory(c);
    return c.json({ story: await playableStory(db, story), progress: await progressOf(db, c.get("user")?.id, story.id) });
  })
  .put("/:id/stories/:sid/progress", async (c) => {
    const me = requireUser(c);
    const { db, story } = await readableStory(c);
    const body = await jsonBody(c, ProgressSchema);
    const [scene] = await db.select({ id: storyScenes.id }).from(storyScenes).where(and(eq(storyScenes.storyId, story.id), eq(storyScenes.id, body.sceneId))).limit(1);
    if (!scene) throw new HttpError(404, "not_found", "That scene is not in this story.", { field: "sceneId" });
    await db
      .insert(storyProgress)
      .values({ userId: me.id, storyId: story.id, sceneId: body.sceneId, positionMs: body.positionMs })
      .onConflictDoUpdate({ target: [storyProgress.userId, storyProgress.storyId], set: { sceneId: body.sceneId, positionMs: body.positionMs, updatedAt: new Date() } });
    return c.body(null, 204);
  });

/** Playlists (issue 18, point 4) under /api/playlists: a person's own, and those shared by link. */
export const playlistRoutes = new Hono<AppEnv>()
  .get("/", async (c) => c.json({ playlists: await listPlaylists(c.get("db"), requireUser(c).id) }))
  .post("/", async (c) => {
    const me = requireUser(c);
    const id = await createPlaylist(c.get("db"), me.id, await jsonBody(c, CreatePlaylistSchema));
    return c.json({ playlist: await getPlaylist(c.get("db"), id, me.id) }, 201);
  })
  .get("/:pid", async (c) => c.json({ playlist: await getPlaylist(c.get("db"), param(c.req.param("pid"), "playlist id"), c.get("user")?.id ?? null) }))
  .get("/:pid/play", async (c) => {
    const db = c.get("db");
    const playlist = await getPlaylist(db, param(c.req.param("pid"), "playlist id"), c.get("user")?.id ?? null);
    // Each story read as its visitor may read it (getPlaylist kept only those).
    const played = await Promise.all(
      playlist.stories.map(async (entry) => {
        const access = await getWorldAccess(db, entry.worldId, c.get("user")?.id ?? null);
        return playableStory(db, await getStoryRow(db, entry.worldId, entry.id, access.role));
      }),
    );
    return c.json({ playlist, stories: played });
  })
  .patch("/:pid", async (c) => {
    const me = requireUser(c);
    const id = param(c.req.param("pid"), "playlist id");
    await updatePlaylist(c.get("db"), me.id, id, await jsonBody(c, UpdatePlaylistSchema));
    return c.json({ playlist: await getPlaylist(c.get("db"), id, me.id) });
  })
  .delete("/:pid", async (c) => {
    await deletePlaylist(c.get("db"), requireUser(c).id, param(c.req.param("pid"), "playlist id"));
    return c.body(null, 204);
  })
  .put("/:pid/stories", async (c) => {
    const me = requireUser(c);
    const id = param(c.req.param("pid"), "playlist id");
    await setPlaylistStories(c.get("db"), me.id, id, (await jsonBody(c, PlaylistStoriesSchema)).stories);
    return c.json({ playlist: await getPlaylist(c.get("db"), id, me.id) });
  })
  .post("/:pid/stories", async (c) => {
    const me = requireUser(c);
    const id = param(c.req.param("pid"), "playlist id");
    await addPlaylistStory(c.get("db"), me.id, id, (await jsonBody(c, AddStorySchema)).storyId);
    return c.json({ playlist: await getPlaylist(c.get("db"), id, me.id) });
  });
