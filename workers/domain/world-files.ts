import { asc, eq, lt, sql } from "drizzle-orm";
import { assets, fileDeletions } from "../../drizzle/schema";
import type { Database } from "../lib/db";
import { log } from "../lib/log";

/** Every file a world has is stored under this prefix (elements, uploads, imports, scene media). */
export const worldFilesPrefix = (worldId: string) => `worlds/${worldId}/`;
/** A story's scene media (issue 18). */
export const storyFilesPrefix = (worldId: string, storyId: string) => `worlds/${worldId}/stories/${storyId}/`;

/**
 * Deletes every R2 file under `prefix` and the `assets` rows that record them: what a deleted
 * story or world leaves behind. One R2 list and one delete per thousand files; the rows go first,
 * so a file is never served while it is being removed, and a file left by a failed delete is
 * unreachable (files are served only through their row).
 */
export async function deleteFilesUnder(bucket: R2Bucket, db: Database, prefix: string): Promise<number> {
  if (!/^worlds\/[a-z0-9]+\/(stories\/[a-z0-9]+\/)?$/.test(prefix)) throw new Error(`not a world's or story's files: ${prefix}`);
  await db.delete(assets).where(sql`substr(${assets.key}, 1, ${prefix.length}) = ${prefix}`);
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const listed = await bucket.list({ prefix, cursor, limit: 1000 });
    const keys = listed.objects.map((object) => object.key);
    if (keys.length > 0) await bucket.delete(keys);
    deleted += keys.length;
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  return deleted;
}

/**
 * The statement that records `prefix` for deletion (`file_deletions`), for the batch that deletes
 * the world or story, so the record and the deletion land together or not at all. With `story`,
 * only while that story exists (the batch's delete decides whether there was one).
 */
export function recordFileDeletion(db: Database, prefix: string, story?: { worldId: string; storyId: string }): D1PreparedStatement {
  if (!story) return db.$client.prepare("insert into file_deletions (prefix) values (?) on conflict (prefix) do nothing").bind(prefix);
  return db.$client
    .prepare("insert into file_deletions (prefix) select ? where exists (select 1 from stories where id = ? and world_id = ?) on conflict (prefix) do nothing")
    .bind(prefix, story.storyId, story.worldId);
}

/**
 * deleteFilesUnder() after the answer (waitUntil), then the record goes. A failure is logged and
 * the record stays for the cron (sweepFileDeletions) — the files are unreachable already.
 */
export async function forgetFiles(env: Env, db: Database, prefix: string): Promise<void> {
  try {
    const files = await deleteFilesUnder(env.ASSETS_BUCKET, db, prefix);
    await db.delete(fileDeletions).where(eq(fileDeletions.prefix, prefix));
    log.info("files deleted", { prefix, files });
  } catch (error) {
    log.error("files not deleted", { prefix, error: String(error) });
  }
}

/**
 * The cron's backstop: deletes the files of recorded deletions older than `before` (the answer's
 * own delete had its chance), fewest tries first so one that keeps failing does not hold up the
 * rest. Returns how many prefixes were cleared.
 */
export async function sweepFileDeletions(bucket: R2Bucket, db: Database, before: Date, limit: number): Promise<number> {
  const pending = await db
    .select({ prefix: fileDeletions.prefix })
    .from(fileDeletions)
    .where(lt(fileDeletions.requestedAt, before))
    .orderBy(asc(fileDeletions.attempts), asc(fileDeletions.requestedAt))
    .limit(limit);
  let cleared = 0;
  for (const { prefix } of pending) {
    try {
      const files = await deleteFilesUnder(bucket, db, prefix);
      await db.delete(fileDeletions).where(eq(fileDeletions.prefix, prefix));
      log.info("files deleted by the cleanup", { prefix, files });
      cleared += 1;
    } catch (error) {
      await db
        .update(fileDeletions)
        .set({ attempts: sql`${fileDeletions.attempts} + 1` })
        .where(eq(fileDeletions.prefix, prefix));
      log.error("files not deleted by the cleanup", { prefix, error: String(error) });
    }
  }
  return cleared;
}
