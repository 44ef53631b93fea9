import { z } from "zod";
import { JOB_KINDS } from "../../drizzle/schema";

/** Every message on JOBS_QUEUE: a job to run (again), identified by its row in `jobs`. */
export const JobMessageSchema = z.strictObject({
  jobId: z.string().min(1).max(64),
  kind: z.enum(JOB_KINDS),
});
export type JobMessage = z.infer<typeof JobMessageSchema>;
