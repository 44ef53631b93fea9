import { z } from "zod";
import type { Database } from "../../lib/db";
import { IdSchema } from "../element-fields";
import type { JobMessage } from "../job-queue";
import { createJob, limitsFrom } from "../jobs";

/** How long a continuation is, in words, unless the person says. */
export const DEFAULT_PASSAGE_WORDS = 180;

export const ContinueSchema = z.strictObject({
  direction: z.string().trim().max(500).optional(),
  words: z.number().int().min(20).max(1200).optional(),
});

/** What a `story_continue` job carries in `jobs.input`, read back by workers/jobs/story-continue.ts. */
export const StoryContinueInputSchema = z.object({
  storyId: IdSchema,
  sceneId: IdSchema,
  direction: z.string().nullable(),
  words: z.number().int().min(1),
});
export type StoryContinueInput = z.infer<typeof StoryContinueInputSchema>;

/** Queues the next passage of a scene (counted against the person's generation quota, like generation). */
export function continueScene(
  db: Database,
  queue: Queue<JobMessage>,
  env: object,
  request: { userId: string; worldId: string; storyId: string; sceneId: string; direction?: string; words?: number; idempotencyKey: string | null },
) {
  const input: StoryContinueInput = {
    storyId: request.storyId,
    sceneId: request.sceneId,
    direction: request.direction || null,
    words: request.words ?? DEFAULT_PASSAGE_WORDS,
  };
  return createJob(db, queue, limitsFrom(env), { userId: request.userId, worldId: request.worldId, kind: "story_continue", input, idempotencyKey: request.idempotencyKey });
}

/** What a `story_check` job carries: the scene to check (workers/jobs/story-check.ts). */
export const StoryCheckInputSchema = z.object({ storyId: IdSchema, sceneId: IdSchema });

/** Queues *Check continuity* on a scene. */
export function checkSceneJob(db: Database, queue: Queue<JobMessage>, env: object, request: { userId: string; worldId: string; storyId: string; sceneId: string; idempotencyKey: string | null }) {
  return createJob(db, queue, limitsFrom(env), {
    userId: request.userId,
    worldId: request.worldId,
    kind: "story_check",
    input: { storyId: request.storyId, sceneId: request.sceneId },
    idempotencyKey: request.idempotencyKey,
  });
}

/** How long a story from a prompt is: chapters × scenes in its outline; the first chapter's scenes are written out. */
export const STORY_LENGTHS = { short: { chapters: 1, scenes: 3, words: 220 }, medium: { chapters: 3, scenes: 3, words: 260 }, long: { chapters: 5, scenes: 3, words: 300 } } as const;
export type StoryLength = keyof typeof STORY_LENGTHS;

/** What a `story_write` job carries: the story it fills, the prompt, the length, and the picture it may start from. */
export const StoryWriteInputSchema = z.object({
  storyId: IdSchema,
  prompt: z.string().min(1),
  length: z.enum(["short", "medium", "long"]),
  /** The person gave the story no title: the outline's becomes it. */
  titleFromOutline: z.boolean(),
  upload: z.object({ key: z.string().min(1), mimeType: z.string().min(1) }).optional(),
});
export type StoryWriteInput = z.infer<typeof StoryWriteInputSchema>;

/** Queues writing a new story from a prompt (catalogue E1). */
export function writeStoryJob(db: Database, queue: Queue<JobMessage>, env: object, request: { userId: string; worldId: string; input: StoryWriteInput; idempotencyKey: string | null }) {
  return createJob(db, queue, limitsFrom(env), { userId: request.userId, worldId: request.worldId, kind: "story_write", input: request.input, idempotencyKey: request.idempotencyKey });
}
