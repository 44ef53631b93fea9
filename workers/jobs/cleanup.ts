import { and, inArray, lt } from "drizzle-orm";
import { jobs, session, verification, worldExports } from "../../drizzle/schema";
import { getDb } from "../lib/db";
import { sweepFileDeletions } from "../domain/world-files";
import { log } from "../lib/log";

/** A job still running after this long has lost its worker. */
export const STALE_JOB_MS = 60 * 60 * 1000;

/** Import uploads looked at per run (one R2 list and one delete take up to 1,000 keys). */
export const UPLOADS_PER_CLEANUP = 500;
/** How old an upload must be before the sweep may take it for abandoned. */
export const UPLOAD_GRACE_MS = 10 * 60 * 1000;

/** Deleted worlds' and stories' files: how many prefixes a run clears, and how long after the deletion (the answer deletes them itself first). */
export const FILE_DELETIONS_PER_CLEANUP = 20;
export const FILE_DELETION_GRACE_MS = 10 * 60 * 1000;

/** Expired exports removed per run (one R2 delete takes up to 1,000 keys). */
export const EXPORTS_PER_CLEANUP = 500;

/** The cron's work (catalogue G6): expired sessions and verifications, jobs nobody is running, expired exports (F4), abandoned uploads, and deleted worlds' and stories' files left behind. */
export async function runCleanup(env: Env, now = new Date()) {
  const db = getDb(env.DB);
  const staleBefore = new Date(now.getTime() - STALE_JOB_MS);
  const [sessions, verifications, staleJobs] = await db.batch([
    db.delete(session).where(lt(session.expiresAt, now)).returning({ id: session.id }),
    db.delete(verification).where(lt(verification.expiresAt, now)).returning({ id: verification.id }),
    db
      .update(jobs)
      .set({ status: "failed", error: "The job stopped reporting progress and was given up.", updatedAt: now })
      .where(and(inArray(jobs.status, ["queued", "running"]), lt(jobs.updatedAt, staleBefore)))
      .returning({ id: jobs.id }),
  ]);
  const exports = await deleteExpiredExports(env, now);
  const uploads = await deleteAbandonedUploads(env, now);
  const files = await sweepFileDeletions(env.ASSETS_BUCKET, db, new Date(now.getTime() - FILE_DELETION_GRACE_MS), FILE_DELETIONS_PER_CLEANUP);
  const summary = { sessions: sessions.length, verifications: verifications.length, staleJobs: staleJobs.length, exports, uploads, files };
  log.info("cleanup", summary);
  return summary;
}


/**
 * Import uploads (`imports/<id>/upload.zip`) whose import is no longer waiting or running: the
 * job deletes its upload when it ends, but not when it was given up on (dead letters, the
 * stale-job sweep above) or when that delete failed.
 */
async function deleteAbandonedUploads(env: Env, now: Date): Promise<number> {
  const listed = await env.ASSETS_BUCKET.list({ prefix: "imports/", limit: UPLOADS_PER_CLEANUP });
  // An upload is stored a moment before its job row: the young ones are left alone.
  const settled = listed.objects.filter((o) => o.uploaded.getTime() < now.getTime() - UPLOAD_GRACE_MS);
  const byId = new Map(settled.map((o) => [o.key.split("/")[1] ?? "", o.key]));
  if (byId.size === 0) return 0;
  const db = getDb(env.DB);
  const ids = [...byId.keys()];
  const open = new Set<string>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(inArray(jobs.id, ids.slice(i, i + 90)), inArray(jobs.status, ["queued", "running"])));
    for (const row of rows) open.add(row.id);
  }
  const abandoned = [...byId].filter(([id]) => !open.has(id)).map(([, key]) => key);
  if (abandoned.length > 0) await env.ASSETS_BUCKET.delete(abandoned);
  return abandoned.length;
}

/** Expired exports: the archive in R2 first, then the row, so no archive outlives its record. */
async function deleteExpiredExports(env: Env, now: Date): Promise<number> {
  const db = getDb(env.DB);
  const expired = await db
    .select({ id: worldExports.id, r2Key: worldExports.r2Key })
    .from(worldExports)
    .where(lt(worldExports.expiresAt, now))
    .limit(EXPORTS_PER_CLEANUP);
  if (expired.length === 0) return 0;
  const keys = expired.flatMap((e) => (e.r2Key ? [e.r2Key] : []));
  if (keys.length > 0) await env.ASSETS_BUCKET.delete(keys);
  // D1 binds at most 100 values per statement.
  const ids = expired.map((e) => e.id);
  for (let i = 0; i < ids.length; i += 90) await db.delete(worldExports).where(inArray(worldExports.id, ids.slice(i, i + 90)));
  return expired.length;
}
