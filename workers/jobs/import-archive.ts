// The import job (catalogue F4, ADR 13): the upload the request stored in R2 is read within its
// budget (workers/domain/zip-reader.ts) and becomes a new world of the uploader. A refusal is
// final and recorded with its code and message, as the API would have answered it; a failure of
// R2 or D1 is retried as the queue does. Once the job ends either way the upload is deleted.
import { eq } from "drizzle-orm";
import { jobs } from "../../drizzle/schema";
import { HttpError } from "../lib/errors";
import { asStatement } from "../domain/graph-rows";
import { archiveDisplayName, importLimitsFrom, importWorld, parseArchive } from "../domain/import-world";
import { ImportInputSchema, type ImportResult } from "../domain/imports";
import { MAX_RETRIES } from "../domain/job-queue";
import { getDb } from "../lib/db";
import { log } from "../lib/log";
import { readStored } from "../lib/stored-json";

export async function runImportJob(jobId: string, env: Env): Promise<void> {
  const db = getDb(env.DB);
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1);
  if (!job || job.kind !== "import") return;
  const input = readStored(ImportInputSchema, job.input);
  if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") {
    // Delivered again after it ended: only the upload may still need removing.
    if (input.ok) await env.ASSETS_BUCKET.delete(input.value.uploadKey);
    return;
  }
  if (!input.ok) {
    // Not made by createImport, or damaged since: which upload it was for cannot be known.
    const error = `This import's stored input cannot be read (${input.reason}); upload the archive again.`;
    await db.update(jobs).set({ status: "failed", error, updatedAt: new Date() }).where(eq(jobs.id, jobId));
    return;
  }
  if (!job.userId) {
    // Its uploader's account is gone: nothing to import for.
    await db.update(jobs).set({ status: "failed", error: "This import has no owner.", updatedAt: new Date() }).where(eq(jobs.id, jobId));
    await env.ASSETS_BUCKET.delete(input.value.uploadKey);
    return;
  }
  const { uploadKey } = input.value;
  const userId = job.userId;
  const attempt = job.attempts + 1;
  const progress = (stage: string, percent: number) => db.update(jobs).set({ stage, progress: percent, updatedAt: new Date() }).where(eq(jobs.id, jobId));
  await db.update(jobs).set({ status: "running", stage: "reading", progress: 5, attempts: attempt, updatedAt: new Date() }).where(eq(jobs.id, jobId));
  try {
    const object = await env.ASSETS_BUCKET.get(uploadKey);
    if (!object) throw new HttpError(410, "upload_missing", "The uploaded archive is no longer stored; upload it again.");
    const zip = new Uint8Array(await object.arrayBuffer());
    const limits = importLimitsFrom(env);
    const archive = await parseArchive(zip, limits);
    await progress("writing", 40);
    await importWorld(db, env.DB, env.ASSETS_BUCKET, userId, zip, archive, {
      limits,
      origin: { fileName: archiveDisplayName(input.value.fileName), format: "loreloom-export" },
      // The job is done in the same transaction that creates the world: a redelivered message
      // finds it done and cannot import the archive twice.
      alsoWrite: (imported) => {
        const result: ImportResult = imported;
        return [asStatement(env.DB, db.update(jobs).set({ status: "succeeded", stage: "done", progress: 100, error: null, result, updatedAt: new Date() }).where(eq(jobs.id, jobId)))];
      },
    });
  } catch (error) {
    if (error instanceof HttpError) {
      // The archive is refused: final, with the reason the person will read.
      const result: ImportResult = { failure: { status: error.status, code: error.code, ...(error.details !== undefined ? { details: error.details } : {}) } };
      log.warn("import.refused", { jobId, code: error.code, reason: error.message });
      await db.update(jobs).set({ status: "failed", error: error.message.slice(0, 500), result, updatedAt: new Date() }).where(eq(jobs.id, jobId));
      await env.ASSETS_BUCKET.delete(uploadKey);
      return;
    }
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    log.warn("import.failed", { jobId, attempt, reason });
    if (attempt > MAX_RETRIES) {
      const result: ImportResult = { failure: { status: 500, code: "import_failed" } };
      await db.update(jobs).set({ status: "failed", error: `The import could not be finished: ${reason}`, result, updatedAt: new Date() }).where(eq(jobs.id, jobId));
      await env.ASSETS_BUCKET.delete(uploadKey);
      return;
    }
    // The queue delivers the message again (consumer.ts retries what a handler throws).
    await db.update(jobs).set({ status: "queued", error: `Attempt ${attempt} failed: ${reason}`, updatedAt: new Date() }).where(eq(jobs.id, jobId));
    throw error;
  }
  await env.ASSETS_BUCKET.delete(uploadKey);
}
