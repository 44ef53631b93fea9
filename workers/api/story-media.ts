// Scene media through the API (issue 18, points 1–3 and 8): *Illustrate*, *Narrate* and *Clip* on
// a scene, a chapter (each of its scenes) or a whole story → 202 {job}; the story's current media;
// and the voices narration may use, with a short preview of each.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { PROVIDER_NAMES, ProviderError } from "../ai/types";
import { hasVoice } from "../ai/voices";
import { unwrap } from "../domain/graph";
import { parseIdempotencyKey } from "../domain/jobs";
import { ClipSchema, IllustrateSchema, NarrateSchema, queueSceneMedia, scenesFor, type SceneMediaAction } from "../domain/stories/media-jobs";
import { sceneMediaOf } from "../domain/stories/scene-media";
import { getStoryRow } from "../domain/stories/stories";
import { PREVIEW_TEXT, requireKnownVoice, voiceCataloguesOf } from "../domain/stories/voices";
import { IdSchema } from "../domain/element-fields";
import { getWorldAccess, requireWorldRole } from "../domain/worlds";
import { callPolicy, providerChains } from "../ai";
import { callChain } from "../ai/resilience";
import { HttpError } from "../lib/errors";
import type { AppEnv } from "./context";
import { requireUser } from "./middleware/request";
import { shareTokenOf } from "./share-token";
import { jsonBody, parseWith } from "./validate";

const param = (raw: string | undefined, what: string) => parseWith(IdSchema, raw ?? "", what);

/** The body of a media request: optional (an empty POST asks with the defaults); when sent, JSON that validates. */
async function mediaBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  const length = c.req.header("content-length");
  if (!c.req.header("content-type") && (length === undefined || length === "0")) return parseWith(schema, {}, "request body");
  return jsonBody(c, schema);
}

/** An owner or editor of the world, and a story of it (404 for a story that is not this world's). */
async function mediaWriter(c: Context<AppEnv>) {
  const me = requireUser(c);
  const worldId = param(c.req.param("id"), "world id");
  const db = c.get("db");
  const access = await requireWorldRole(db, worldId, me.id, "editor", shareTokenOf(c));
  const story = await getStoryRow(db, worldId, param(c.req.param("sid"), "story id"), access.role);
  return { me, worldId, db, access, story, room: c.env.STORY_ROOM.getByName(story.id) };
}

/** Queues one job for the scenes asked: one scene, a chapter's, or the story's. */
async function queue(c: Context<AppEnv>, action: SceneMediaAction, target: "scene" | "chapter" | "story") {
  const { me, worldId, db, access, story, room } = await mediaWriter(c);
  const body = action === "narrate" ? await mediaBody(c, NarrateSchema) : await mediaBody(c, action === "clip" ? ClipSchema : IllustrateSchema);
  const voice = "voice" in body ? (body.voice ?? null) : null;
  if (voice) requireKnownVoice(c.env, voice, "voice");
  // Pictures and clips are AI images: a world that turned them off is refused before anything is queued.
  if (action !== "narrate" && access.world.settings.aiImages === false) {
    throw new HttpError(409, "ai_images_off", "AI images are turned off for this world (world settings).");
  }
  let sceneIds: string[];
  if (target === "scene") {
    const sceneId = param(c.req.param("scid"), "scene id");
    const { scene } = unwrap(await room.getScene(sceneId));
    if (action === "narrate" && !/[\p{L}\p{N}]/u.test(scene.text)) throw new HttpError(409, "empty_scene", "That scene has no text to read aloud yet.");
    sceneIds = [sceneId];
  } else {
    // What was written a moment ago may not be projected yet: the room writes it first.
    unwrap(await room.project());
    sceneIds = await scenesFor(db, story.id, target === "chapter" ? param(c.req.param("cid"), "chapter id") : null);
  }
  const { job } = await queueSceneMedia(db, c.env.JOBS_QUEUE, c.env, {
    userId: me.id,
    worldId,
    action,
    input: { storyId: story.id, sceneIds, voice },
    idempotencyKey: parseIdempotencyKey(c.req.header("idempotency-key")),
  });
  return c.json({ job }, 202);
}

export const storyMediaRoutes = new Hono<AppEnv>();
for (const action of ["illustrate", "narrate", "clip"] as const) {
  storyMediaRoutes
    .post(`/:id/stories/:sid/scenes/:scid/${action}`, (c) => queue(c, action, "scene"))
    .post(`/:id/stories/:sid/chapters/:cid/${action}`, (c) => queue(c, action, "chapter"))
    .post(`/:id/stories/:sid/${action}`, (c) => queue(c, action, "story"));
}
// The story's current picture, clip and narration per scene, for whoever may read the story.
storyMediaRoutes.get("/:id/stories/:sid/media", async (c) => {
  const worldId = param(c.req.param("id"), "world id");
  const db = c.get("db");
  const access = await getWorldAccess(db, worldId, c.get("user")?.id ?? null, shareTokenOf(c));
  const story = await getStoryRow(db, worldId, param(c.req.param("sid"), "story id"), access.role);
  return c.json({ media: await sceneMediaOf(db, story.id) });
});

const PreviewParamsSchema = z.object({ provider: z.enum(PROVIDER_NAMES), voice: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/u) });

/** The voices per provider, and a short preview of each (made once, then kept in R2). */
export const voiceRoutes = new Hono<AppEnv>()
  .get("/", (c) => c.json({ ...voiceCataloguesOf(c.env), previewText: PREVIEW_TEXT }))
  .get("/:provider/:voice/preview", async (c) => {
    requireUser(c);
    const { provider: name, voice } = parseWith(PreviewParamsSchema, { provider: c.req.param("provider"), voice: c.req.param("voice") }, "voice");
    if (!hasVoice(name, voice)) throw new HttpError(404, "not_found", `There is no ${name} voice “${voice}”.`);
    const provider = providerChains(c.env).audio.find((candidate) => candidate.name === name);
    if (!provider) throw new HttpError(404, "not_found", `The ${name} voices are not available here.`);
    const key = `voices/${name}/${voice}-preview`;
    const kept = await c.env.ASSETS_BUCKET.get(key);
    if (kept) return c.body(kept.body, 200, { "content-type": kept.httpMetadata?.contentType ?? "application/octet-stream", "cache-control": "private, max-age=86400" });
    const { value } = await callChain("audio", [provider], (p, signal) => p.speak({ text: PREVIEW_TEXT, voice }, { world: { title: "", description: "", style: "fantasy", tags: [] }, seed: `preview:${voice}`, signal }), callPolicy(c.env, "audio")).catch(
      (error: unknown) => {
        if (error instanceof ProviderError) throw new HttpError(503, "provider_unavailable", `The ${name} voice could not be previewed just now (${error.message}); try again later.`);
        throw error;
      },
    );
    await c.env.ASSETS_BUCKET.put(key, value.bytes, { httpMetadata: { contentType: value.mimeType }, customMetadata: { provider: value.provider, model: value.model } });
    return c.body(new Uint8Array(value.bytes), 200, { "content-type": value.mimeType, "cache-control": "private, max-age=86400", "x-offline-rendering": String(value.provider === "local") });
  });
