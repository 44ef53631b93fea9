import { eq } from "drizzle-orm";
import { jobs } from "../../drizzle/schema";
import { getDb } from "../lib/db";
import { log } from "../lib/log";
import { JobMessageSchema, type JobMessage } from "./messages";

/** Runs one job kind. Later issues register generation, export and import here. */
export type JobHandler = (job: JobMessage, env: Env) => Promise<void>;
export const jobHandlers: Partial<Record<JobMessage["kind"], JobHandler>> = {};

export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = getDb(env.DB);
  for (const message of batch.messages) {
    const parsed = JobMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      // A message that does not validate can never succeed: drop it rather than retry it forever.
      log.error("queue.invalid_message", { id: message.id, issues: parsed.error.issues.length });
      message.ack();
      continue;
    }
    const handler = jobHandlers[parsed.data.kind];
    if (!handler) {
      await db
        .update(jobs)
        .set({ status: "failed", error: `Jobs of kind ${parsed.data.kind} are not supported yet.`, updatedAt: new Date() })
        .where(eq(jobs.id, parsed.data.jobId));
      message.ack();
      continue;
    }
    try {
      await handler(parsed.data, env);
      message.ack();
    } catch (error) {
      log.error("queue.job_failed", { jobId: parsed.data.jobId, attempt: message.attempts, error: String(error) });
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}
