import { Hono, type Context } from "hono";
import { z } from "zod";
import { IdSchema } from "../domain/graph";
import { createExport, listExports } from "../domain/exports";
import { getStoryRow } from "../domain/stories/stories";
import { getWorldAccess } from "../domain/worlds";
import { HttpError } from "../lib/errors";
import type { AppEnv } from "./context";
import { requireUser } from "./middleware/request";
import { shareTokenOf } from "./share-token";
import { jsonBody, parseWith } from "./validate";

const param = (raw: string | undefined, what: string) => parseWith(IdSchema, raw ?? "", what);

export const STORY_EXPORT_FORMATS = ["markdown", "markdown-zip", "epub", "docx"] as const;

const StoryExportRequestSchema = z.strictObject({
  format: z.enum(STORY_EXPORT_FORMATS),
  /** The narration too: Media Overlays in an EPUB, audio files beside the Markdown in a ZIP. */
  audio: z.boolean().optional(),
});

/**
 * The signed-in reader and the story of the path. Who may export a story is who may read it as
 * themselves: any member of the world (drafts too), or, for a published story of a public or
 * unlisted world, anyone signed in. Not a share link's holder: the export is read back and built
 * later without the link (GET /api/exports/:id checks the same access again).
 */
async function storyReader(c: Context<AppEnv>) {
  const me = requireUser(c);
  const db = c.get("db");
  const worldId = param(c.req.param("id"), "world id");
  const storyId = param(c.req.param("sid"), "story id");
  try {
    const access = await getWorldAccess(db, worldId, me.id);
    return { me, db, story: await getStoryRow(db, worldId, storyId, access.role) };
  } catch (error) {
    // Someone reading through a share link is told why, rather than that the story is not there.
    const token = shareTokenOf(c);
    if (!(error instanceof HttpError) || error.status !== 404 || !token) throw error;
    const lent = await getWorldAccess(db, worldId, me.id, token);
    await getStoryRow(db, worldId, storyId, lent.role);
    throw new HttpError(403, "forbidden", "A share link lets you read this story here, not take it away: ask the world's owner for an invitation to export it.");
  }
}

/**
 * A story as a document to take away (issue 18, point 6): Markdown, Markdown with its pictures in
 * a ZIP, EPUB 3 (with the narration as Media Overlays when asked) or DOCX. A queued job like a
 * world's export, rate-limited with them (EXPORTS_PER_MINUTE a person), followed and downloaded
 * through GET /api/exports/:id and its signed, expiring link.
 */
export const storyExportRoutes = new Hono<AppEnv>()
  .post("/:id/stories/:sid/export", async (c) => {
    const { me, db, story } = await storyReader(c);
    const body = await jsonBody(c, StoryExportRequestSchema);
    if (body.audio && body.format !== "epub" && body.format !== "markdown-zip") {
      throw new HttpError(400, "validation_failed", "Narration can be exported only in an EPUB or a Markdown ZIP.", { field: "audio" });
    }
    const view = await createExport(db, c.env.JOBS_QUEUE, c.env, {
      userId: me.id,
      worldId: story.worldId,
      includeSecrets: false,
      origin: new URL(c.req.url).origin,
      story: { id: story.id, format: body.format, audio: body.audio === true },
    });
    c.header("location", `/api/exports/${view.id}`);
    return c.json({ export: view }, 202);
  })
  .get("/:id/stories/:sid/exports", async (c) => {
    const { me, db, story } = await storyReader(c);
    return c.json({ exports: await listExports(db, story.worldId, me.id, 20, story.id) });
  });
