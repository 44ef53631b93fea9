import { sql } from "drizzle-orm";
import { assets } from "../../drizzle/schema";
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

/** deleteFilesUnder() after the answer (waitUntil); a failure is logged — the files are unreachable already. */
export async function forgetFiles(env: Env, db: Database, prefix: string): Promise<void> {
  try {
    log.info("files deleted", { prefix, files: await deleteFilesUnder(env.ASSETS_BUCKET, db, prefix) });
  } catch (error) {
    log.error("files not deleted", { prefix, error: String(error) });
  }
}
