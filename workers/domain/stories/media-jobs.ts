// Scene media jobs (issue 18, points 1–3): *Illustrate*, *Narrate* and *Clip* on a scene, or on
// every scene of a chapter or a story at once. One job covers the scenes asked, in reading order,
// with progress per scene (workers/jobs/scene-media-jobs.ts runs it).
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { storyChapters, storyScenes, type JobKind } from "../../../drizzle/schema";
import type { Database } from "../../lib/db";
import { HttpError } from "../../lib/errors";
import { IdSchema } from "../element-fields";
import type { JobMessage } from "../job-queue";
import { createJob, limitsFrom } from "../jobs";
import { VoiceIdSchema, scenesInReadingOrder } from "./stories";

export { VoiceIdSchema };

export const SCENE_MEDIA_ACTIONS = { illustrate: "scene_illustrate", narrate: "narrate", clip: "scene_clip" } as const satisfies Record<string, JobKind>;
export type SceneMediaAction = keyof typeof SCENE_MEDIA_ACTIONS;
export type SceneMediaJobKind = (typeof SCENE_MEDIA_ACTIONS)[SceneMediaAction];


export const NarrateSchema = z.strictObject({ voice: VoiceIdSchema.optional() });
export const IllustrateSchema = z.strictObject({});
export const ClipSchema = z.strictObject({});

/** The most scenes one job takes (a story's worth). */
export const MAX_SCENES_PER_JOB = 300;

/** What a scene media job carries in `jobs.input`. */
export const SceneMediaInputSchema = z.object({
  storyId: IdSchema,
  sceneIds: z.array(IdSchema).min(1).max(MAX_SCENES_PER_JOB),
  /** Narration: the narrator's voice asked for this time. */
  voice: VoiceIdSchema.nullable(),
});
export type SceneMediaInput = z.infer<typeof SceneMediaInputSchema>;

/** The story's scenes in reading order, all of them or a chapter's; 404 for a chapter with none (or not there). */
export async function scenesFor(db: Database, storyId: string, chapterId: string | null): Promise<string[]> {
  const [chapters, rows] = await db.batch([
    db.select({ id: storyChapters.id, position: storyChapters.position }).from(storyChapters).where(eq(storyChapters.storyId, storyId)),
    db
      .select({ id: storyScenes.id, chapterId: storyScenes.chapterId, position: storyScenes.position })
      .from(storyScenes)
      .where(chapterId ? and(eq(storyScenes.storyId, storyId), eq(storyScenes.chapterId, chapterId)) : eq(storyScenes.storyId, storyId)),
  ]);
  if (rows.length === 0) throw new HttpError(chapterId ? 404 : 409, chapterId ? "not_found" : "no_scenes", chapterId ? "That chapter was not found, or has no scenes." : "This story has no scenes yet.");
  return scenesInReadingOrder(chapters, rows).map((row) => row.id).slice(0, MAX_SCENES_PER_JOB);
}

/** Queues a scene media job (counted against the person's generation quota, like every AI job). */
export function queueSceneMedia(
  db: Database,
  queue: Queue<JobMessage>,
  env: object,
  request: { userId: string; worldId: string; action: SceneMediaAction; input: SceneMediaInput; idempotencyKey: string | null },
) {
  return createJob(db, queue, limitsFrom(env), { userId: request.userId, worldId: request.worldId, kind: SCENE_MEDIA_ACTIONS[request.action], input: request.input, idempotencyKey: request.idempotencyKey });
}
