import { and, inArray, lt } from "drizzle-orm";
import { jobs, session, verification } from "../../drizzle/schema";
import { getDb } from "../lib/db";
import { log } from "../lib/log";

/** A job still running after this long has lost its worker. */
export const STALE_JOB_MS = 60 * 60 * 1000;

/** The cron's work (catalogue G6): expired sessions and verifications, and jobs nobody is running. */
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
  const summary = { sessions: sessions.length, verifications: verifications.length, staleJobs: staleJobs.length };
  log.info("cleanup", summary);
  return summary;
}

