import { data } from "react-router";
import { and, eq } from "drizzle-orm";
import { storyProgress } from "../../drizzle/schema";
import { playableStory, type PlayableStory } from "../../workers/domain/stories/playable";
import { getStoryRow } from "../../workers/domain/stories/stories";
import { getPlaylist } from "../../workers/domain/stories/playlists";
import { IdSchema } from "../../workers/domain/element-fields";
import { getWorldAccess } from "../../workers/domain/worlds";
import { getDb } from "../../workers/lib/db";
import { HttpError } from "../../workers/lib/errors";
import { getUser } from "./session.server";
import type { NotPublic } from "./public-world.server";

/** The player's own view of a story: what it plays (no ids of people, no timestamps). */
function forPlayer(story: PlayableStory) {
  return {
    id: story.id,
    worldId: story.worldId,
    worldTitle: story.worldTitle,
    title: story.title,
    premise: story.premise,
    status: story.status,
    wordCount: story.wordCount,
    chapters: story.chapters,
  };
}

const asNotFound = (error: unknown): never => {
  if (error instanceof HttpError && (error.status === 404 || error.status === 400)) throw new Response("Not found", { status: 404 });
  if (error instanceof HttpError && error.status === 410) throw new Response(error.message, { status: 410 });
  throw error;
};

/**
 * A story for the member's player page (`/worlds/:id/stories/:sid/play`): anyone who may read it —
 * the world's members and share-link holders read drafts too — with the reader's kept place.
 */
export async function loadStoryToPlay(request: Request, env: Env, worldId: string, storyId: string) {
  const user = await getUser(request, env);
  const share = new URL(request.url).searchParams.get("share");
  const db = getDb(env.DB);
  try {
    const access = await getWorldAccess(db, worldId, user?.id ?? null, share);
    const story = await getStoryRow(db, worldId, storyId, access.role);
    const [progress] = user
      ? await db
          .select({ sceneId: storyProgress.sceneId, positionMs: storyProgress.positionMs })
          .from(storyProgress)
          .where(and(eq(storyProgress.userId, user.id), eq(storyProgress.storyId, story.id)))
          .limit(1)
      : [];
    return {
      story: forPlayer(await playableStory(db, story)),
      world: { id: access.world.id, title: access.world.title, visibility: access.world.visibility },
      progress: progress ?? null,
      signedIn: Boolean(user),
      shareToken: access.shareLinkId ? share : null,
    };
  } catch (error) {
    return asNotFound(error);
  }
}

/**
 * A published story of a public or unlisted world, as anyone may read it (`/w/:id/stories/:sid` and
 * its embed). Read with no role at all, whoever looks: a draft or a private world's story is a 404
 * here even for members (they have the player in the editor), as the world's public page is.
 */
export async function loadPublicStory(env: Env, worldId: string, storyId: string) {
  const db = getDb(env.DB);
  try {
    const access = await getWorldAccess(db, worldId, null);
    if (access.world.visibility === "private") throw new HttpError(404, "not_found", "That story was not found.");
    const story = await getStoryRow(db, worldId, storyId, null);
    return {
      story: forPlayer(await playableStory(db, story)),
      world: { id: access.world.id, title: access.world.title, visibility: access.world.visibility, ownerName: access.ownerName },
    };
  } catch (error) {
    if (error instanceof HttpError && (error.status === 404 || error.status === 400)) {
      throw data({ reason: "not_public", editorUrl: null } satisfies NotPublic, { status: 404 });
    }
    throw error;
  }
}

/** The first picture of the story (its card on other sites), else none. */
export function storyCover(story: { chapters: Array<{ scenes: Array<{ image: { url: string } | null }> }> }): string | null {
  for (const chapter of story.chapters) for (const scene of chapter.scenes) if (scene.image) return scene.image.url;
  return null;
}

/** A short description of the story for cards and search results. */
export function storySummary(story: { premise: string; title: string; worldTitle: string; chapters: Array<{ scenes: Array<{ text: string }> }> }): string {
  const first = story.chapters.flatMap((chapter) => chapter.scenes)[0]?.text ?? "";
  const text = (story.premise || first).replace(/\s+/g, " ").trim();
  if (!text) return `${story.title}, a story of ${story.worldTitle} on Loreloom.`;
  return text.length > 200 ? `${text.slice(0, 199).trimEnd()}…` : text;
}

/**
 * A playlist and its stories ready to play, for whoever may see it (its owner; anyone with the link
 * when every story in it is readable by them — getPlaylist decides, and 404s otherwise).
 */
export async function loadPlaylistToPlay(request: Request, env: Env, playlistId: string) {
  const user = await getUser(request, env);
  const db = getDb(env.DB);
  const id = IdSchema.safeParse(playlistId);
  if (!id.success) throw new Response("Not found", { status: 404 });
  try {
    const playlist = await getPlaylist(db, id.data, user?.id ?? null);
    const stories = await Promise.all(
      playlist.stories.map(async (entry) => {
        const access = await getWorldAccess(db, entry.worldId, user?.id ?? null);
        return forPlayer(await playableStory(db, await getStoryRow(db, entry.worldId, entry.id, access.role)));
      }),
    );
    return { playlist, stories, signedIn: Boolean(user) };
  } catch (error) {
    return asNotFound(error);
  }
}
