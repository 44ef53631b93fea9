import { Hono } from "hono";
import { z } from "zod";
import { stories, worlds } from "../../drizzle/schema";
import { eq } from "drizzle-orm";
import { IdSchema } from "../domain/graph";
import {
  EXPORT_FILES,
  archiveFileName,
  checkDownloadLink,
  createExport,
  exportIncludesSecrets,
  listExports,
  loadExport,
  signDownloadUrl,
} from "../domain/exports";
import { importLimitsFrom } from "../domain/import-world";
import { createImport, loadImport } from "../domain/imports";
import { getStoryRow } from "../domain/stories/stories";
import { getWorldAccess } from "../domain/worlds";
import type { AppEnv } from "./context";
import { HttpError, notFound } from "../lib/errors";
import { requireUser } from "./middleware/request";
import { readMultipartFile } from "./upload";
import { jsonBody, parseWith } from "./validate";

const ExportRequestSchema = z.strictObject({ includeSecrets: z.boolean().optional() });
const param = (raw: string | undefined, what: string) => parseWith(IdSchema, raw ?? "", what);

/** The body of an export request is optional: none, or JSON. */
async function exportRequest(c: Parameters<typeof jsonBody>[0]) {
  const length = c.req.header("content-length");
  if (!c.req.header("content-type") && (length === undefined || length === "0")) return {};
  return jsonBody(c, ExportRequestSchema);
}

/** Export and import of whole worlds as ZIP archives (catalogue F4). */
export const exportRoutes = new Hono<AppEnv>()
  .post("/worlds/import", async (c) => {
    const me = requireUser(c);
    const limits = importLimitsFrom(c.env);
    // The multipart framing adds a few hundred bytes to the archive itself.
    const upload = await readMultipartFile(c.req.raw, "file", limits.maxBytes + 64 * 1024);
    if (!upload) throw new HttpError(400, "validation_failed", "Attach the exported .zip in the field `file`.");
    if (upload.bytes.byteLength > limits.maxBytes) throw new HttpError(413, "payload_too_large", `Archives are limited to ${Math.round(limits.maxBytes / 1024 / 1024)} MB.`);
    // Nothing of the archive is read here: the queue consumer unpacks it within its budget (ADR 13).
    const view = await createImport(c.get("db"), c.env.ASSETS_BUCKET, c.env.JOBS_QUEUE, c.env, {
      userId: me.id,
      fileName: upload.name,
      bytes: upload.bytes,
    });
    c.header("location", `/api/imports/${view.id}`);
    return c.json({ import: view }, 202);
  })
  .get("/imports/:id", async (c) => {
    const me = requireUser(c);
    // Only the person who uploaded it: anyone else, signed in or not, finds nothing.
    const view = await loadImport(c.get("db"), param(c.req.param("id"), "import id"), me.id);
    if (!view) throw notFound("That import");
    return c.json({ import: view });
  })
  .post("/worlds/:id/export", async (c) => {
    const me = requireUser(c);
    const db = c.get("db");
    const access = await getWorldAccess(db, param(c.req.param("id"), "world id"), me.id);
    const body = await exportRequest(c);
    // Secrets only when asked for, and only to a member's own role (not one a share link lends).
    const includeSecrets = exportIncludesSecrets(access.role, body.includeSecrets);
    const view = await createExport(db, c.env.JOBS_QUEUE, c.env, {
      userId: me.id,
      worldId: access.world.id,
      includeSecrets,
      origin: new URL(c.req.url).origin,
    });
    return c.json({ export: view }, 202);
  })
  .get("/worlds/:id/exports", async (c) => {
    const me = requireUser(c);
    const access = await getWorldAccess(c.get("db"), param(c.req.param("id"), "world id"), me.id);
    const list = await listExports(c.get("db"), access.world.id, me.id);
    return c.json({ exports: list });
  })
  .get("/exports/:id", async (c) => {
    const me = requireUser(c);
    const db = c.get("db");
    const found = await loadExport(db, param(c.req.param("id"), "export id"));
    if (!found || found.row.userId !== me.id) throw notFound("That export");
    // Someone who can no longer see the world (or the story: a draft again) cannot take it away either.
    const access = await getWorldAccess(db, found.row.worldId, me.id);
    if (found.row.storyId) await getStoryRow(db, found.row.worldId, found.row.storyId, access.role);
    const view = found.view;
    if (view.status === "succeeded" && found.row.expiresAt.getTime() > Date.now()) {
      view.url = await signDownloadUrl(c.env.BETTER_AUTH_SECRET, view.id, found.row.expiresAt);
    }
    return c.json({ export: view });
  })
  .get("/exports/:id/download", async (c) => {
    const exportId = param(c.req.param("id"), "export id");
    // The signed link is the permission (it is only handed to the export's maker), so a download
    // manager or another device can fetch it without the session.
    await checkDownloadLink(c.env.BETTER_AUTH_SECRET, exportId, c.req.query("expires"), c.req.query("sig"));
    const found = await loadExport(c.get("db"), exportId);
    if (!found || found.row.status !== "succeeded" || !found.row.r2Key) throw notFound("That export");
    if (found.row.expiresAt.getTime() <= Date.now()) throw new HttpError(410, "export_expired", "This export has expired; make a new one.");
    const object = await c.env.ASSETS_BUCKET.get(found.row.r2Key);
    if (!object) throw new HttpError(410, "export_expired", "This export is no longer stored; make a new one.");
    const { format, storyId } = found.row;
    const [named] = storyId
      ? await c.get("db").select({ title: stories.title }).from(stories).where(eq(stories.id, storyId)).limit(1)
      : await c.get("db").select({ title: worlds.title }).from(worlds).where(eq(worlds.id, found.row.worldId)).limit(1);
    const filename = archiveFileName(named?.title ?? format, found.row.createdAt, format);
    return c.body(object.body, 200, {
      "content-type": EXPORT_FILES[format].contentType,
      "content-length": String(object.size),
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    });
  });
