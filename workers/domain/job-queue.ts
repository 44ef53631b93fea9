// The jobs queue (JOBS_QUEUE) as both ends see it: the domain sends these messages when it creates
// a job, the consumer in workers/jobs reads them; the delivery settings mirror wrangler.jsonc.
import { z } from "zod";
import { JOB_KINDS } from "../../drizzle/schema";

/** Every message on JOBS_QUEUE: a job to run (again), identified by its row in `jobs`. */
export const JobMessageSchema = z.strictObject({
  jobId: z.string().min(1).max(64),
  kind: z.enum(JOB_KINDS),
});
export type JobMessage = z.infer<typeof JobMessageSchema>;

/** Must match `max_retries` of the jobs queue in wrangler.jsonc: deliveries = 1 + retries. */
export const MAX_RETRIES = 5;
export const DEAD_LETTER_QUEUE = "loreloom-jobs-dlq";
