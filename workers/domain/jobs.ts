// Generation jobs (SPEC §5, catalogue C5): creating one (idempotent per person and key, within the
// daily quota and the per-minute rate), reading, listing and cancelling them. The queue consumer in
// workers/jobs/pipeline.ts runs them.
import { and, count, desc, eq, gte, inArray, sum } from "drizzle-orm";
import { z } from "zod";
import { ELEMENT_TYPES, JOB_KINDS, jobStages, jobs, type JobKind, type JobStatus } from "../../drizzle/schema";
import { MODALITIES } from "../ai/types";
import { loadLanguage } from "../ai/local/language";
import { readPrompt, titleOfReading } from "../ai/local/reading";
import { MAX_PROMPT_LENGTH, moderatePrompt, sanitizePrompt } from "../ai/prompt-safety";
import { sha256Hex } from "../lib/hash";
import { HttpError } from "../lib/errors";
import type { Database } from "../lib/db";
import { configOf } from "../lib/config";
import { newId } from "../lib/ids";
import { storedOr } from "../lib/stored-json";
import type { JobMessage } from "./job-queue";
import { IdSchema } from "./graph";

export const STAGES = ["refine_text", "image", "video", "audio", "graph_update", "notify"] as const;
export type Stage = (typeof STAGES)[number];
export const ACTIVE_STATUSES: JobStatus[] = ["queued", "running"];
/** Jobs that generate: they count against the quota and appear as generation in the editor (exports do not). */
export const GENERATION_KINDS: JobKind[] = JOB_KINDS.filter((kind) => kind !== "export" && kind !== "import");

const prompt = z.string().max(MAX_PROMPT_LENGTH * 2, `at most ${MAX_PROMPT_LENGTH} characters`);

export const GenerateSchema = z.strictObject({
  prompt: prompt.min(1, "describe what to generate"),
  elementId: IdSchema.optional(),
  type: z.enum(ELEMENT_TYPES).optional(),
  modalities: z.array(z.enum(MODALITIES)).min(1).max(4).optional(),
});
export const RefineSchema = z.strictObject({
  prompt: prompt.min(1, "say how to change the element"),
  modalities: z.array(z.enum(MODALITIES)).min(1).max(4).optional(),
  /**
   * The element's version the person was looking at: someone else's refine applied since then
   * means theirs was asked of text they had not seen (409 `refined_meanwhile`).
   */
  baseVersion: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

/**
 * What a generation job carries in `jobs.input`: createJob writes it (from the API, a world seed
 * or a conflict's choice in the room) and the pipeline reads it back through this schema.
 */
export const GenerationInputSchema = z.object({
  prompt: z.string(),
  modalities: z.array(z.enum(MODALITIES)),
  elementId: IdSchema.optional(),
  type: z.enum(ELEMENT_TYPES).optional(),
  /** World seeds: how many elements. */
  count: z.number().int().min(1).optional(),
  /** Photo jobs: the upload in R2. */
  upload: z.object({ key: z.string().min(1), mimeType: z.string().min(1) }).optional(),
});
export type GenerationInput = z.infer<typeof GenerationInputSchema>;

/** The prompt of any job that has one (generation jobs), for lists and messages. */
const PromptSchema = z.object({ prompt: z.string() });
export const promptOf = (job: { input: unknown }): string | null => storedOr(PromptSchema, job.input, null)?.prompt ?? null;

/** What a job's stages and its result are read as in views: any object, and the provider's name. */
const ResultSchema = z.record(z.string(), z.unknown());
const StageOutputLabelSchema = z.object({ provider: z.string().optional().catch(undefined), model: z.string().optional().catch(undefined) });

export type JobView = {
  id: string;
  worldId: string | null;
  kind: JobKind;
  status: JobStatus;
  stage: string | null;
  progress: number;
  attempts: number;
  error: string | null;
  elementId: string | null;
  prompt: string | null;
  stages: Array<{
    stage: string;
    status: JobStatus;
    attempts: number;
    costUsd: number;
    durationMs: number | null;
    startedAt: string | null;
    finishedAt: string | null;
    error: string | null;
    provider: string | null;
    model: string | null;
  }>;
  result: Record<string, unknown> | null;
  costUsd: number;
  createdAt: string;
  updatedAt: string;
};

type JobRow = typeof jobs.$inferSelect;
type StageRow = typeof jobStages.$inferSelect;

export function toJobView(job: JobRow, stages: StageRow[]): JobView {
  const order = (stage: string) => (STAGES as readonly string[]).indexOf(stage);
  return {
    id: job.id,
    worldId: job.worldId,
    kind: job.kind,
    status: job.status,
    stage: job.stage,
    progress: job.progress,
    attempts: job.attempts,
    error: job.error,
    elementId: job.elementId,
    prompt: promptOf(job),
    stages: [...stages]
      .sort((a, b) => order(a.stage) - order(b.stage))
      .map((s) => {
        const label = storedOr(StageOutputLabelSchema, s.output, null);
        return {
          stage: s.stage,
          status: s.status,
          attempts: s.attempts,
          costUsd: s.costEstimate,
          durationMs: s.startedAt && s.finishedAt ? s.finishedAt.getTime() - s.startedAt.getTime() : null,
          startedAt: s.startedAt?.toISOString() ?? null,
          finishedAt: s.finishedAt?.toISOString() ?? null,
          error: s.error,
          provider: label?.provider ?? null,
          model: label?.model ?? null,
        };
      }),
    result: storedOr(ResultSchema, job.result, null),
    costUsd: job.costEstimate,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  };
}

export async function loadJobView(db: Database, jobId: string): Promise<JobView | null> {
  const [rows, stages] = await db.batch([
    db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1),
    db.select().from(jobStages).where(eq(jobStages.jobId, jobId)),
  ]);
  return rows[0] ? toJobView(rows[0], stages) : null;
}

/** A person's prompt, cleaned and checked; 422 with the reason when it is refused. */
export function acceptPrompt(raw: string): string {
  const cleaned = sanitizePrompt(raw);
  const verdict = moderatePrompt(cleaned);
  if (!verdict.ok) throw new HttpError(422, "prompt_rejected", verdict.reason);
  return cleaned;
}

export type Limits = { daily: number; perMinute: number };

/** GENERATION_DAILY_QUOTA and GENERATION_PER_MINUTE of the Worker's env (configOf). */
export function limitsFrom(env: object): Limits {
  const config = configOf(env);
  return { daily: config.GENERATION_DAILY_QUOTA, perMinute: config.GENERATION_PER_MINUTE };
}

function startOfUtcDay(now: number) {
  const day = new Date(now);
  day.setUTCHours(0, 0, 0, 0);
  return day;
}

/** 429 with Retry-After when the person is over the daily quota or the per-minute rate. */
export async function checkGenerationLimits(db: Database, userId: string, limits: Limits, now: number) {
  const dayStart = startOfUtcDay(now);
  const minuteAgo = new Date(now - 60_000);
  const [today, lastMinute] = await db.batch([
    db.select({ n: count() }).from(jobs).where(and(eq(jobs.userId, userId), inArray(jobs.kind, GENERATION_KINDS), gte(jobs.createdAt, dayStart))),
    db
      .select({ createdAt: jobs.createdAt })
      .from(jobs)
      .where(and(eq(jobs.userId, userId), inArray(jobs.kind, GENERATION_KINDS), gte(jobs.createdAt, minuteAgo)))
      .orderBy(jobs.createdAt),
  ]);
  if ((today[0]?.n ?? 0) >= limits.daily) {
    const seconds = Math.ceil((dayStart.getTime() + 86_400_000 - now) / 1000);
    throw new HttpError(429, "quota_exceeded", `You have used today's ${limits.daily} generations; more are available at midnight UTC.`, undefined, {
      "retry-after": String(seconds),
    });
  }
  if (lastMinute.length >= limits.perMinute) {
    const oldest = lastMinute[0]!.createdAt.getTime();
    const seconds = Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000));
    throw new HttpError(429, "rate_limited", `At most ${limits.perMinute} generations a minute; try again in ${seconds} s.`, undefined, {
      "retry-after": String(seconds),
    });
  }
}

export type NewJob = {
  userId: string;
  worldId: string;
  kind: JobKind;
  /** Read back through its kind's schema: GenerationInputSchema, or a story job's (stories/story-jobs.ts). */
  input: GenerationInput | { storyId: string; sceneId: string; direction: string | null; words: number } | { storyId: string; sceneId: string } | { storyId: string; prompt: string }
    | { storyId: string; sceneIds: string[]; voice: string | null };
  idempotencyKey?: string | null;
  /** What identifies the request for idempotency (defaults to the input). */
  requestBody?: unknown;
};

const IdempotencyKeySchema = z.string().trim().min(1).max(200).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

export function parseIdempotencyKey(raw: string | undefined | null): string | null {
  if (raw === undefined || raw === null) return null;
  const parsed = IdempotencyKeySchema.safeParse(raw);
  if (!parsed.success) throw new HttpError(400, "invalid_idempotency_key", "The Idempotency-Key header must be 1–200 printable ASCII characters.");
  return parsed.data;
}

/**
 * Stores a job and queues it. With an idempotency key the same key and body give back the first
 * job (`created: false`); the same key with another body is a 422.
 */
export async function createJob(
  db: Database,
  queue: Queue<JobMessage>,
  limits: Limits,
  job: NewJob,
): Promise<{ job: JobView; created: boolean }> {
  const requestHash = await sha256Hex(JSON.stringify({ kind: job.kind, worldId: job.worldId, body: job.requestBody ?? job.input }));
  if (job.idempotencyKey) {
    const [existing] = await db
      .select()
      .from(jobs)
      .where(and(eq(jobs.userId, job.userId), eq(jobs.idempotencyKey, job.idempotencyKey)))
      .limit(1);
    if (existing) {
      if (existing.requestHash !== requestHash) {
        throw new HttpError(422, "idempotency_key_reused", "That Idempotency-Key was already used for a different request.");
      }
      return { job: (await loadJobView(db, existing.id))!, created: false };
    }
  }
  const now = Date.now();
  await checkGenerationLimits(db, job.userId, limits, now);
  const id = newId();
  let inserted: JobRow;
  try {
    [inserted] = await db.insert(jobs).values({
      id,
      worldId: job.worldId,
      userId: job.userId,
      kind: job.kind,
      status: "queued",
      idempotencyKey: job.idempotencyKey ?? null,
      requestHash,
      elementId: "elementId" in job.input ? (job.input.elementId ?? null) : null,
      input: job.input,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    }).returning() as [JobRow];
  } catch (error) {
    // Two requests with one key raced; the unique index let one through. Answer as its repeat.
    if (job.idempotencyKey && /UNIQUE/i.test(String(error))) return createJob(db, queue, limits, job);
    throw error;
  }
  try {
    await queue.send({ jobId: id, kind: job.kind });
  } catch (error) {
    await db.update(jobs).set({ status: "failed", error: "The job could not be queued.", updatedAt: new Date() }).where(eq(jobs.id, id));
    throw new HttpError(503, "queue_unavailable", "Generation is unavailable right now; please try again shortly.", { cause: String(error) });
  }
  return { job: toJobView(inserted, []), created: true };
}

/** Marks a queued or running job cancelled; the consumer stops at its next stage. */
export async function cancelJob(db: Database, jobId: string): Promise<boolean> {
  const updated = await db
    .update(jobs)
    .set({ status: "cancelled", error: "Cancelled.", updatedAt: new Date() })
    .where(and(eq(jobs.id, jobId), inArray(jobs.status, ACTIVE_STATUSES)))
    .returning({ id: jobs.id });
  return updated.length > 0;
}

export async function listWorldJobs(db: Database, worldId: string, options: { active: boolean; limit: number }) {
  const rows = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.worldId, worldId), inArray(jobs.kind, GENERATION_KINDS), options.active ? inArray(jobs.status, ACTIVE_STATUSES) : undefined))
    .orderBy(desc(jobs.createdAt))
    .limit(options.limit);
  if (rows.length === 0) return [];
  const stages = await db.select().from(jobStages).where(inArray(jobStages.jobId, rows.map((r) => r.id)));
  return rows.map((row) => toJobView(row, stages.filter((s) => s.jobId === row.id)));
}

/** A person's generation totals for `GET /api/me`. */
export async function usageOf(db: Database, userId: string, limits: Limits) {
  const [all, today] = await db.batch([
    db.select({ n: count(), cost: sum(jobs.costEstimate) }).from(jobs).where(eq(jobs.userId, userId)),
    db.select({ n: count() }).from(jobs).where(and(eq(jobs.userId, userId), inArray(jobs.kind, GENERATION_KINDS), gte(jobs.createdAt, startOfUtcDay(Date.now())))),
  ]);
  return {
    jobs: all[0]?.n ?? 0,
    costUsd: Number(all[0]?.cost ?? 0),
    today: { jobs: today[0]?.n ?? 0, limit: limits.daily },
  };
}

/**
 * A title for a world made from a prompt alone: the first thing the prompt names, as a whole
 * phrase ("a drowned clockwork city ruled by tide-priests" → "The Drowned Clockwork City"), read
 * by the same tagger as the offline writer. Never the prompt cut after a number of words.
 */
export async function titleFromPrompt(prompt: string): Promise<string> {
  const title = titleOfReading(readPrompt(prompt, await loadLanguage()));
  return title ? title.charAt(0).toUpperCase() + title.slice(1) : "A new world";
}

/** Queues the job that seeds a new world from its prompt (catalogue C1): 8–12 elements with images and narration. */
export function seedWorld(db: Database, queue: Queue<JobMessage>, env: object, userId: string, worldId: string, prompt: string, idempotencyKey?: string | null) {
  return createJob(db, queue, limitsFrom(env), {
    userId,
    worldId,
    kind: "world_seed",
    input: { prompt, modalities: ["text", "image", "audio"], count: 8 + (prompt.length % 5) },
    idempotencyKey,
  });
}
