import { and, asc, eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { EMBED_DEFAULT_SIZE, STORY_EMBED_DEFAULT_SIZE, embedIframeHtml, storyEmbedIframeHtml } from "../domain/embed-html";
import { sceneMedia } from "../../drizzle/schema";
import { getStoryRow } from "../domain/stories/stories";
import { imageDimensions, representativeImageKey } from "../domain/publishing";
import { getWorldAccess } from "../domain/worlds";
import type { AppEnv } from "./context";
import { HttpError, notFound } from "../lib/errors";
import { queryOf } from "./validate";

const Size = z.coerce.number().int().min(1).max(10_000);

const OEmbedQuerySchema = z.object({
  url: z.string().min(1, "give the url of a world page").max(2000),
  maxwidth: Size.optional(),
  maxheight: Size.optional(),
  format: z.enum(["json", "xml"]).default("json"),
});

/** The world pages an embed can stand for: the public page, the embed itself, and the editor. */
const WORLD_PATH = /^\/(?:w|embed|worlds)\/([a-z0-9]{1,64})\/?$/;

/** A story's reading page or its embed (issue 18, point 7). */
const STORY_PATH = /^\/(?:w|embed)\/([a-z0-9]{1,64})\/stories\/([a-z0-9]{1,64})\/?$/;

/** A thumbnail is read this far into the file for its size. */
const THUMBNAIL_HEAD_BYTES = 64 * 1024;

/**
 * oEmbed (https://oembed.com, catalogue F3) for this site's world URLs. A url that is not a URL is
 * a 400; one that is not a world page of this site, or names a world that is private or missing,
 * has no oEmbed response: 404, as the oEmbed spec says. XML is not offered: 501.
 */
export const oembedRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const query = queryOf(c, OEmbedQuerySchema);
  if (query.format !== "json") {
    throw new HttpError(501, "format_not_implemented", "Only format=json is offered.");
  }
  let target: URL;
  try {
    target = new URL(query.url);
  } catch {
    throw new HttpError(400, "invalid_url", "The url parameter is not a URL.");
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new HttpError(400, "invalid_url", "The url parameter must be an http or https URL.");
  }
  const here = new URL(c.req.url);
  const storyPath = STORY_PATH.exec(target.pathname);
  const worldId = storyPath?.[1] ?? WORLD_PATH.exec(target.pathname)?.[1];
  if (target.host !== here.host || !worldId) throw notFound("An embeddable world at that URL");

  const db = c.get("db");
  // Read as an anonymous visitor: only public and unlisted worlds have embeds, and only their
  // published stories (getStoryRow with no role hides drafts).
  const access = await getWorldAccess(db, worldId, null);
  if (access.world.visibility === "private") throw notFound("An embeddable world at that URL");
  const story = storyPath ? await getStoryRow(db, worldId, storyPath[2]!, null) : null;
  const origin = here.origin;
  const size = story ? STORY_EMBED_DEFAULT_SIZE : EMBED_DEFAULT_SIZE;
  const width = Math.min(size.width, query.maxwidth ?? Infinity);
  const height = Math.min(size.height, query.maxheight ?? Infinity);
  const body: Record<string, string | number> = {
    version: "1.0",
    type: "rich",
    provider_name: "Loreloom",
    provider_url: `${origin}/`,
    title: story ? story.title : access.world.title,
    author_name: access.ownerName,
    cache_age: 3600,
    html: story
      ? storyEmbedIframeHtml({ origin, worldId, storyId: story.id, title: story.title, width, height })
      : embedIframeHtml({ origin, worldId, title: access.world.title, width, height }),
    width,
    height,
  };
  const imageKey = story ? await storyImageKey(db, story.id) : await representativeImageKey(db, access.world);
  if (imageKey) {
    const head = await c.env.ASSETS_BUCKET.get(imageKey, { range: { offset: 0, length: THUMBNAIL_HEAD_BYTES } });
    const size = head ? imageDimensions(new Uint8Array(await head.arrayBuffer())) : null;
    // oEmbed thumbnails carry their size; one whose size cannot be told is left out.
    if (size) {
      const scale = Math.min(1, (query.maxwidth ?? Infinity) / size.width, (query.maxheight ?? Infinity) / size.height);
      body.thumbnail_url = `${origin}/api/assets/${imageKey}`;
      body.thumbnail_width = Math.max(1, Math.round(size.width * scale));
      body.thumbnail_height = Math.max(1, Math.round(size.height * scale));
    }
  }
  return c.json(body, 200, { "access-control-allow-origin": "*", "cache-control": "public, max-age=300" });
});

/** A story's first picture, as its thumbnail: the oldest scene illustration still standing. */
async function storyImageKey(db: AppEnv["Variables"]["db"], storyId: string): Promise<string | null> {
  const [row] = await db
    .select({ key: sceneMedia.key })
    .from(sceneMedia)
    .where(and(eq(sceneMedia.storyId, storyId), eq(sceneMedia.kind, "image")))
    .orderBy(asc(sceneMedia.createdAt))
    .limit(1);
  return row?.key ?? null;
}
