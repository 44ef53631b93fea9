// A story as the player reads it (issue 18, point 4): chapters and scenes in reading order, each
// scene's text as the room last projected it, and its current picture, clip and narration.
import { eq } from "drizzle-orm";
import { storyChapters, storyScenes, worlds } from "../../../drizzle/schema";
import type { Database } from "../../lib/db";
import { sceneMediaOf, type SceneMediaItem } from "./scene-media";
import { byReadingOrder, type StoryDto } from "./stories";

export type PlayableScene = { id: string; title: string; text: string; image: SceneMediaItem | null; clip: SceneMediaItem | null; narration: SceneMediaItem | null };
export type PlayableChapter = { id: string; title: string; scenes: PlayableScene[] };
export type PlayableStory = {
  id: string;
  worldId: string;
  worldTitle: string;
  title: string;
  premise: string;
  template: StoryDto["template"];
  status: StoryDto["status"];
  wordCount: number;
  chapters: PlayableChapter[];
};

/** The story of a reader who may read it (the caller checked, with getStoryRow), ready to play. */
export async function playableStory(db: Database, story: StoryDto): Promise<PlayableStory> {
  const [chapters, scenes, [world], media] = await Promise.all([
    db.select({ id: storyChapters.id, position: storyChapters.position, title: storyChapters.title }).from(storyChapters).where(eq(storyChapters.storyId, story.id)),
    db
      .select({ id: storyScenes.id, chapterId: storyScenes.chapterId, position: storyScenes.position, title: storyScenes.title, text: storyScenes.text })
      .from(storyScenes)
      .where(eq(storyScenes.storyId, story.id)),
    db.select({ title: worlds.title }).from(worlds).where(eq(worlds.id, story.worldId)).limit(1),
    sceneMediaOf(db, story.id),
  ]);
  return {
    id: story.id,
    worldId: story.worldId,
    worldTitle: world?.title ?? "",
    title: story.title,
    premise: story.premise,
    template: story.template,
    status: story.status,
    wordCount: story.wordCount,
    chapters: chapters.sort(byReadingOrder).map((chapter) => ({
      id: chapter.id,
      title: chapter.title,
      scenes: scenes
        .filter((scene) => scene.chapterId === chapter.id)
        .sort(byReadingOrder)
        .map((scene) => ({
          id: scene.id,
          title: scene.title,
          text: scene.text,
          image: media[scene.id]?.image ?? null,
          clip: media[scene.id]?.clip ?? null,
          narration: media[scene.id]?.narration ?? null,
        })),
    })),
  };
}
