// A world's stories in its fork (issue 18, point 7): each story the forker may read — every story for
// the world's members, the published ones for anyone else — copied whole: its settings, chapters and
// scenes as its room holds them now (not as D1 last saw them), with the scenes' points of view and
// places re-pointed at the fork's elements, and each scene's pictures, clips and narration. The
// copies are D1 rows; each new story's room hydrates itself from them when first opened.
import { eq, inArray } from "drizzle-orm";
import { sceneMedia, stories, storyChapters, storyScenes } from "../../../drizzle/schema";
import type { Database } from "../../lib/db";
import { newId } from "../../lib/ids";
import { asStatement } from "../graph-rows";
import { listStories } from "./stories";
import { sceneSummaryOf } from "./summaries";
import type { WorldAccess } from "../worlds";
import { chunk } from "../../lib/chunk";

/** D1 binds at most 100 parameters per statement: rows per insert, by their column count. */
const rowsPerInsert = (columns: number) => Math.max(1, Math.floor(100 / columns));


export type ForkedStories = { statements: (raw: D1Database) => D1PreparedStatement[]; count: number };

/**
 * Reads the source's stories and returns the statements that write their copies into the fork.
 * `rewrite` gives a source file's key in the fork (and has the file copied), or undefined for a
 * file that does not come along; `elementIds` maps the source's element ids to the fork's.
 */
export async function forkStories(
  env: Env,
  db: Database,
  source: WorldAccess,
  fork: { worldId: string; forkerId: string; now: Date },
  elementIds: Map<string, string>,
  rewrite: (key: string) => string | undefined,
): Promise<ForkedStories> {
  const readable = await listStories(db, source.world.id, source.role);
  if (readable.length === 0) return { statements: () => [], count: 0 };
  const storyIds = new Map(readable.map((story) => [story.id, newId()]));
  const [rows, media] = await Promise.all([
    db.select().from(stories).where(inArray(stories.id, [...storyIds.keys()])),
    db.select().from(sceneMedia).where(inArray(sceneMedia.storyId, [...storyIds.keys()])),
  ]);
  const remap = (id: string | null) => (id ? (elementIds.get(id) ?? null) : null);

  const storyRows: Array<typeof stories.$inferInsert> = [];
  const chapterRows: Array<typeof storyChapters.$inferInsert> = [];
  const sceneRows: Array<typeof storyScenes.$inferInsert> = [];
  for (const row of rows) {
    const storyId = storyIds.get(row.id)!;
    // The room holds edits D1 may not have seen yet; a room that cannot answer leaves D1's copy.
    const outline = await env.STORY_ROOM.getByName(row.id).outline();
    const { chapters, scenes } = outline.ok
      ? { chapters: outline.value.chapters.map((c) => ({ id: c.id, position: c.order, title: c.title, summary: c.summary })), scenes: outline.value.scenes.map((s) => ({ id: s.id, chapterId: s.chapter, position: s.order, title: s.title, summary: s.summary, povId: s.pov, locationId: s.location, text: s.text, wordCount: s.wordCount })) }
      : {
          chapters: await db.select().from(storyChapters).where(eq(storyChapters.storyId, row.id)),
          scenes: await db.select().from(storyScenes).where(eq(storyScenes.storyId, row.id)),
        };
    storyRows.push({
      ...row,
      id: storyId,
      worldId: fork.worldId,
      characterVoices: Object.fromEntries(Object.entries(row.characterVoices).flatMap(([element, voice]) => (elementIds.has(element) ? [[elementIds.get(element)!, voice]] : []))),
      createdBy: fork.forkerId,
      createdAt: fork.now,
      updatedAt: fork.now,
    });
    for (const chapter of chapters) chapterRows.push({ id: chapter.id, storyId, position: chapter.position, title: chapter.title, summary: chapter.summary, updatedAt: fork.now });
    for (const scene of scenes) {
      sceneRows.push({
        id: scene.id,
        storyId,
        chapterId: scene.chapterId,
        position: scene.position,
        title: scene.title,
        summary: scene.summary,
        povId: remap(scene.povId),
        locationId: remap(scene.locationId),
        text: scene.text,
        autoSummary: sceneSummaryOf(scene.text),
        wordCount: scene.wordCount,
        updatedAt: fork.now,
      });
    }
  }
  const mediaRows = media.flatMap((item): Array<typeof sceneMedia.$inferInsert> => {
    const key = rewrite(item.key);
    return key ? [{ ...item, id: newId(), storyId: storyIds.get(item.storyId)!, key, jobId: null }] : [];
  });

  return {
    count: storyRows.length,
    statements: (raw) => [
      ...chunk(storyRows, rowsPerInsert(16)).map((part) => asStatement(raw, db.insert(stories).values(part))),
      ...chunk(chapterRows, rowsPerInsert(6)).map((part) => asStatement(raw, db.insert(storyChapters).values(part))),
      ...chunk(sceneRows, rowsPerInsert(12)).map((part) => asStatement(raw, db.insert(storyScenes).values(part))),
      ...chunk(mediaRows, rowsPerInsert(16)).map((part) => asStatement(raw, db.insert(sceneMedia).values(part))),
    ],
  };
}
