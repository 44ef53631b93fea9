import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { assets, stories } from "../../drizzle/schema";
import { worldOfAssetKey } from "../domain/element-fields";
import { getWorldAccess } from "../domain/worlds";
import type { AppEnv } from "./context";
import { shareTokenOf } from "./share-token";
import { HttpError, notFound } from "../lib/errors";

/** `worlds/<world>/stories/<story>/…`: a story's scene media (issue 18). */
const STORY_FILE = /^worlds\/[a-z0-9]+\/stories\/([a-z0-9]+)\//;

type ByteRange = { offset: number; length: number };

/** One `bytes=` range against a known size; null for none, 416 for one that cannot be served. */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null; // multiple or odd ranges: send it all
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) {
    throw new HttpError(416, "range_not_satisfiable", `The asset has ${size} bytes.`, undefined, { "content-range": `bytes */${size}` });
  }
  return { offset: start, length: end - start + 1 };
}

/**
 * Asset bytes from R2 (SPEC §3), only for people who may see the world, with byte ranges (audio
 * and video seeking) and caching: keys never change content, so browsers keep them.
 */
export const assetRoutes = new Hono<AppEnv>().get("/*", async (c) => {
  // Our keys are plain letters, digits and `._-/`, which nothing percent-encodes: the path is read
  // as it came, undecoded, so an encoded or malformed one (`%ZZ`) is simply not one of our keys.
  const key = new URL(c.req.url).pathname.slice("/api/assets/".length);
  const keyWorld = worldOfAssetKey(key);
  if (!keyWorld) throw notFound("That asset");
  // Access is checked against the world that recorded the file, not the key's text; a key whose
  // text names another world than its record is not served at all.
  const db = c.get("db");
  const [recorded] = await db.select({ worldId: assets.worldId }).from(assets).where(eq(assets.key, key)).limit(1);
  if (recorded && recorded.worldId !== keyWorld) throw notFound("That asset");
  const access = await getWorldAccess(db, recorded?.worldId ?? keyWorld, c.get("user")?.id ?? null, shareTokenOf(c));
  // A story's pictures, clips and narration are its readers': members read every story, anyone
  // else who may see the world only the published ones (as the story itself).
  const storyId = STORY_FILE.exec(key)?.[1];
  if (storyId && !access.role) {
    const [published] = await db
      .select({ id: stories.id })
      .from(stories)
      .where(and(eq(stories.worldId, access.world.id), eq(stories.id, storyId), eq(stories.status, "published")))
      .limit(1);
    if (!published) throw notFound("That asset");
  }
  const head = await c.env.ASSETS_BUCKET.head(key);
  if (!head) throw notFound("That asset");
  const etag = head.httpEtag;
  // Keys never change content, so browsers keep them. Shared caches may keep a public world's
  // assets only briefly (the world can go private) and never an unlisted or private world's.
  const cacheControl =
    access.world.visibility === "public" ? "public, max-age=31536000, s-maxage=600, immutable" : "private, max-age=31536000, immutable";
  const common = {
    etag,
    "cache-control": cacheControl,
    "accept-ranges": "bytes",
    "content-type": head.httpMetadata?.contentType ?? "application/octet-stream",
    "x-content-type-options": "nosniff",
    // SVG art is served as an image, never as a document that could run script.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
  };
  if (c.req.header("if-none-match") === etag) return c.body(null, 304, common);
  const range = parseRange(c.req.header("range"), head.size);
  const object = await c.env.ASSETS_BUCKET.get(key, range ? { range } : {});
  if (!object) throw notFound("That asset");
  if (range) {
    return c.body(object.body, 206, {
      ...common,
      "content-length": String(range.length),
      "content-range": `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`,
    });
  }
  return c.body(object.body, 200, { ...common, "content-length": String(head.size) });
});
