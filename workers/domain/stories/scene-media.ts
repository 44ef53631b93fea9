// A scene's current picture, clip and narration (issue 18, points 1–3), as the player, the reading
// pages and exports read them. Jobs make the rows (drizzle/schema/stories.ts `scene_media`); the
// newest of each kind is the scene's.
import { asc, eq } from "drizzle-orm";
import { sceneMedia, type SceneMediaKind } from "../../../drizzle/schema";
import type { Database } from "../../lib/db";

export type WordTiming = { start: number; end: number; time: number };

export type SceneMediaItem = {
  key: string;
  url: string;
  mimeType: string;
  provider: string;
  model: string;
  /** Made by the offline `local` provider: shown as an offline rendering. */
  offline: boolean;
  timings?: WordTiming[];
  durationMs?: number;
};

export type SceneMediaSet = Partial<Record<SceneMediaKind, SceneMediaItem>>;

/** Every scene's current media in a story, by scene id (scenes with none are absent). */
export async function sceneMediaOf(db: Database, storyId: string): Promise<Record<string, SceneMediaSet>> {
  const rows = await db.select().from(sceneMedia).where(eq(sceneMedia.storyId, storyId)).orderBy(asc(sceneMedia.createdAt), asc(sceneMedia.id));
  const media: Record<string, SceneMediaSet> = {};
  // Oldest first, so the newest of each kind is the one left standing.
  for (const row of rows) {
    const set = (media[row.sceneId] ??= {});
    set[row.kind] = {
      key: row.key,
      url: `/api/assets/${row.key}`,
      mimeType: row.mimeType,
      provider: row.provider,
      model: row.model,
      offline: row.offline,
      ...(row.timings ? { timings: row.timings } : {}),
      ...(row.durationMs !== null ? { durationMs: row.durationMs } : {}),
    };
  }
  return media;
}
