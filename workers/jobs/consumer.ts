import { eq } from "drizzle-orm";
import { jobs } from "../../drizzle/schema";
import { ProviderError } from "../ai/types";
import { backoffDelay } from "../ai/resilience";
import { DEAD_LETTER_QUEUE, JobMessageSchema, MAX_RETRIES, type JobMessage } from "../domain/job-queue";
import { ConfigError, configOf } from "../lib/config";
import { getDb } from "../lib/db";
import { log } from "../lib/log";
import { runExportJob } from "./export-archive";
import { runImportJob } from "./import-archive";
import { JobDeferred, JobFailure, markJobFailed, runGenerationJob } from "./pipeline";
import { runStoryCheckJob } from "./story-check";
import { runStoryContinueJob } from "./story-continue";
import { runStoryWriteJob } from "./story-write";
import { runSceneMediaJob } from "./scene-media-jobs";
import { runSceneRefineJob } from "./scene-refine";

/** What a handler decides about its message beyond plain success. */
export type JobHandler = (job: JobMessage, env: Env) => Promise<unknown>;
export const jobHandlers: Partial<Record<JobMessage["kind"], JobHandler>> = {
  world_seed: (job, env) => runGenerationJob(job.jobId, env),
  element_generate: (job, env) => runGenerationJob(job.jobId, env),
  element_refine: (job, env) => runGenerationJob(job.jobId, env),
  export: (job, env) => runExportJob(job.jobId, env),
  import: (job, env) => runImportJob(job.jobId, env),
  story_continue: (job, env) => runStoryContinueJob(job.jobId, env),
  story_check: (job, env) => runStoryCheckJob(job.jobId, env),
  story_write: (job, env) => runStoryWriteJob(job.jobId, env),
  scene_illustrate: (job, env) => runSceneMediaJob(job.jobId, env),
  narrate: (job, env) => runSceneMediaJob(job.jobId, env),
  scene_clip: (job, env) => runSceneMediaJob(job.jobId, env),
  scene_refine: (job, env) => runSceneRefineJob(job.jobId, env),
};

/** Seconds before a failed message is delivered again: exponential with full jitter. */
export function retryDelaySeconds(attempt: number, env: Env): number {
  const base = configOf(env).QUEUE_RETRY_BASE_SECONDS;
  if (!(base > 0)) return 0;
  return Math.max(1, Math.round(backoffDelay(attempt, base * 1000, 300_000) / 1000));
}

export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue === DEAD_LETTER_QUEUE) return handleDeadLetters(batch, env);
  const db = getDb(env.DB);
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = JobMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        // A message that does not validate can never succeed: drop it rather than retry it forever.
        log.error("queue.invalid_message", { id: message.id, issues: parsed.error.issues.length });
        message.ack();
        return;
      }
      const job = parsed.data;
      const handler = jobHandlers[job.kind];
      if (!handler) {
        await db
          .update(jobs)
          .set({ status: "failed", error: `Jobs of kind ${job.kind} are not supported yet.`, updatedAt: new Date() })
          .where(eq(jobs.id, job.jobId));
        message.ack();
        return;
      }
      try {
        // A misconfigured Worker fails the job here, with the var named, before anything runs.
        configOf(env);
        await handler(job, env);
        message.ack();
      } catch (error) {
        if (error instanceof JobDeferred) {
          // Waiting on a provider (Nova Reel) is not a failure: a fresh message polls again later.
          await env.JOBS_QUEUE.send(job, { delaySeconds: error.delaySeconds });
          message.ack();
          return;
        }
        const reason = error instanceof Error ? error.message : String(error);
        const final = error instanceof JobFailure || error instanceof ConfigError || (error instanceof ProviderError && !error.retryable);
        if (final) {
          log.warn("queue.job_failed", { jobId: job.jobId, reason });
          await markJobFailed(env, job.jobId, reason);
          message.ack();
          return;
        }
        await db.update(jobs).set({ error: `Attempt ${message.attempts} failed: ${reason}`.slice(0, 500), updatedAt: new Date() }).where(eq(jobs.id, job.jobId));
        if (message.attempts > MAX_RETRIES) {
          // The last delivery: the job fails now, and the platform moves the message to the DLQ.
          await markJobFailed(env, job.jobId, `Gave up after ${message.attempts} attempts: ${reason}`);
        }
        log.warn("queue.job_retry", { jobId: job.jobId, attempt: message.attempts, reason });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, env) });
      }
    }),
  );
}

/** Messages that ran out of retries: the job is failed with its last reason, if it is not already. */
async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = getDb(env.DB);
  for (const message of batch.messages) {
    const parsed = JobMessageSchema.safeParse(message.body);
    if (parsed.success) {
      const [job] = await db.select({ error: jobs.error }).from(jobs).where(eq(jobs.id, parsed.data.jobId)).limit(1);
      await markJobFailed(env, parsed.data.jobId, `Gave up after ${MAX_RETRIES + 1} attempts. ${job?.error ?? ""}`.trim());
      log.error("queue.dead_letter", { jobId: parsed.data.jobId, kind: parsed.data.kind });
    }
    message.ack();
  }
}
