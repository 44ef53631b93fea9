// World imports (catalogue F4, ADR 13). The request only stores the upload in R2, under a key
// that belongs to this import alone, and queues a job; the queue consumer unpacks it
// (workers/jobs/import-archive.ts) so no archive holds the Worker that answers other people.
// The uploader, and nobody else, follows the import at GET /api/imports/:id.
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { jobs } from "../../drizzle/schema";
import { HttpError } from "../lib/errors";
import type { Database } from "../lib/db";
import { configOf } from "../lib/config";
import { newId } from "../lib/ids";
import type { JobMessage } from "./job-queue";
import { ImportViewSchema, type ImportView } from "./import-view";

/** What an import job carries in `jobs.input`. */
export const ImportInputSchema = z.strictObject({
  uploadKey: z.string().regex(/^imports\/[A-Za-z0-9_-]{1,64}\/upload\.zip$/),
  fileName: z.string().max(255),
  size: z.number().int().nonnegative(),
});
export type ImportInput = z.infer<typeof ImportInputSchema>;

/** What a finished import job holds in `jobs.result`: the new world, or the refusal. */
export const ImportResultSchema = z.union([
  z.strictObject({ worldId: z.string(), elements: z.number().int(), relationships: z.number().int(), assets: z.number().int() }),
  z.strictObject({ failure: z.strictObject({ status: z.number().int(), code: z.string(), details: z.unknown().optional() }) }),
]);
export type ImportResult = z.infer<typeof ImportResultSchema>;

/** The one R2 key an import's upload lives under while it waits and runs. */
export const uploadKeyOf = (importId: string) => `imports/${importId}/upload.zip`;

/** Imports a person may have waiting or running at once: IMPORTS_IN_FLIGHT, 3 by default. */
export const importsInFlight = (env: object) => configOf(env).IMPORTS_IN_FLIGHT;

type JobRow = typeof jobs.$inferSelect;

const STATUS: Record<JobRow["status"], ImportView["status"]> = {
  queued: "queued",
  running: "running",
  succeeded: "done",
  failed: "failed",
  cancelled: "failed",
};

/** An import job as its uploader sees it; everything stored is read through its schema. */
export function toImportView(row: JobRow): ImportView {
  const input = ImportInputSchema.safeParse(row.input);
  const result = row.result ? ImportResultSchema.safeParse(row.result) : null;
  const status = STATUS[row.status];
  const view: ImportView = {
    id: row.id,
    status,
    stage: row.stage,
    progress: row.progress,
    fileName: input.success ? input.data.fileName : "",
    size: input.success ? input.data.size : 0,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
  if (status === "done" && result?.success && "worldId" in result.data) {
    const { worldId, ...imported } = result.data;
    view.worldId = worldId;
    view.imported = imported;
  }
  if (status === "failed") {
    const failure = result?.success && "failure" in result.data ? result.data.failure : null;
    view.error = {
      code: failure?.code ?? (row.status === "cancelled" ? "import_cancelled" : "import_failed"),
      message: row.error ?? "The import failed.",
      ...(failure?.details !== undefined ? { details: failure.details } : {}),
    };
  }
  return ImportViewSchema.parse(view);
}

/**
 * 429 with Retry-After while the person has IMPORTS_IN_FLIGHT (3) imports waiting or running:
 * each holds an upload in R2 and a place in the queue.
 */
async function checkImportsInFlight(db: Database, userId: string, limit: number) {
  const open = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.userId, userId), eq(jobs.kind, "import"), inArray(jobs.status, ["queued", "running"])))
    .limit(limit);
  if (open.length < limit) return;
  throw new HttpError(429, "rate_limited", `You have ${limit} imports under way; start another once one of them has finished.`, undefined, { "retry-after": "5" });
}

/**
 * Stores the upload, records the import and queues it. Whatever fails on the way removes what
 * was already stored, so a refused request leaves no upload and no record behind.
 */
export async function createImport(
  db: Database,
  bucket: R2Bucket,
  queue: Queue<JobMessage>,
  env: object,
  request: { userId: string; fileName: string; bytes: Uint8Array },
): Promise<ImportView> {
  const now = Date.now();
  await checkImportsInFlight(db, request.userId, importsInFlight(env));
  const id = newId();
  const input: ImportInput = { uploadKey: uploadKeyOf(id), fileName: request.fileName.slice(0, 255), size: request.bytes.byteLength };
  await bucket.put(input.uploadKey, request.bytes, { httpMetadata: { contentType: "application/zip" }, customMetadata: { importId: id, userId: request.userId } });
  let row: JobRow | undefined;
  try {
    [row] = await db
      .insert(jobs)
      .values({ id, worldId: null, userId: request.userId, kind: "import", status: "queued", input, createdAt: new Date(now), updatedAt: new Date(now) })
      .returning();
  } catch (error) {
    await bucket.delete(input.uploadKey).catch(() => undefined);
    throw error;
  }
  try {
    await queue.send({ jobId: id, kind: "import" });
  } catch (error) {
    await bucket.delete(input.uploadKey).catch(() => undefined);
    await db.update(jobs).set({ status: "failed", error: "The import could not be queued.", updatedAt: new Date() }).where(eq(jobs.id, id));
    throw new HttpError(503, "queue_unavailable", "Imports are unavailable right now; please try again shortly.", { cause: String(error) });
  }
  return toImportView(row!);
}

/** One import, only for the person who uploaded it; null for anyone else and for other jobs. */
export async function loadImport(db: Database, importId: string, userId: string): Promise<ImportView | null> {
  const [row] = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.id, importId), eq(jobs.kind, "import"), eq(jobs.userId, userId)))
    .limit(1);
  return row ? toImportView(row) : null;
}
