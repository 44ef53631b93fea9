import { Hono, type Context } from "hono";
import { IdSchema, createElementSchemaFor, unwrap } from "../domain/graph";
import {
  CreateChapterSchema,
  CreateSceneSchema,
  CreateStorySchema,
  UpdateChapterSchema,
  UpdateSceneSchema,
  UpdateStorySchema,
  createStory,
  deleteStory,
  getStoryOutline,
  getStoryRow,
  listIssues,
  listStories,
  openIssue,
  settleIssue,
  requireElementsOfWorld,
  requireTitleOrPrompt,
  updateStory,
  type SceneDto,
} from "../domain/stories/stories";
import { getWorldAccess, requireWorldRole } from "../domain/worlds";
import { acceptPrompt, parseIdempotencyKey } from "../domain/jobs";
import { ContinueSchema, checkSceneJob, continueScene, writeStoryJob } from "../domain/stories/story-jobs";
import { requireStoryVoices } from "../domain/stories/voices";
import { forgetFiles, storyFilesPrefix } from "../domain/world-files";
import { HttpError } from "../lib/errors";
import { newId } from "../lib/ids";
import { assets } from "../../drizzle/schema";
import type { AppEnv } from "./context";
import { requireUser } from "./middleware/request";
import { PHOTO_TYPES, readPhotoUpload } from "./photo-upload";
import { refuseCrossOrigin, roomJoinRequest } from "./room-join";
import { shareTokenOf } from "./share-token";
import { jsonBody, parseWith } from "./validate";

const param = (raw: string | undefined, what: string) => parseWith(IdSchema, raw ?? "", what);

/** The world's access for whoever asks, and the story id of the path. */
async function readerOf(c: Context<AppEnv>) {
  const worldId = param(c.req.param("id"), "world id");
  const access = await getWorldAccess(c.get("db"), worldId, c.get("user")?.id ?? null, shareTokenOf(c));
  return { worldId, access, db: c.get("db") };
}

/** The signed-in person as someone who may write the world's stories (its owner or an editor). */
async function writerOf(c: Context<AppEnv>) {
  const me = requireUser(c);
  const worldId = param(c.req.param("id"), "world id");
  const access = await requireWorldRole(c.get("db"), worldId, me.id, "editor", shareTokenOf(c));
  return { me, worldId, access, db: c.get("db") };
}

/** A writer of the world, the story of the path (404 unless it is this world's), and its room. */
async function storyWriter(c: Context<AppEnv>) {
  const writer = await writerOf(c);
  const story = await getStoryRow(writer.db, writer.worldId, param(c.req.param("sid"), "story id"), writer.access.role);
  return { ...writer, story, room: c.env.STORY_ROOM.getByName(story.id) };
}

const toChapterDto = (chapter: { id: string; title: string; summary: string }) => ({ id: chapter.id, title: chapter.title, summary: chapter.summary });
const toSceneDto = (scene: { id: string; chapter: string; title: string; summary: string; pov: string | null; location: string | null; text: string; wordCount: number }): SceneDto => ({
  id: scene.id,
  chapter: scene.chapter,
  title: scene.title,
  summary: scene.summary,
  pov: scene.pov,
  location: scene.location,
  text: scene.text,
  wordCount: scene.wordCount,
});

/**
 * A world's stories (issue 17). A story's metadata lives in D1; its chapters, scenes and text in
 * the story's room (durable-objects/story-room/), which projects them into D1 for these reads.
 */
export const storyRoutes = new Hono<AppEnv>()
  .get("/:id/stories", async (c) => {
    const { worldId, access, db } = await readerOf(c);
    return c.json({ stories: await listStories(db, worldId, access.role) });
  })
  .post("/:id/stories", async (c) => {
    const { me, worldId, db } = await writerOf(c);
    const { prompt: rawPrompt, length, ...input } = await jsonBody(c, CreateStorySchema);
    requireTitleOrPrompt({ ...input, prompt: rawPrompt });
    // A prompt writes the story (catalogue E1): checked before anything is created.
    const prompt = rawPrompt === undefined ? null : acceptPrompt(rawPrompt);
    const story = await createStory(db, worldId, me.id, { ...input, title: input.title ?? untitled(prompt!) });
    if (!prompt) return c.json({ story }, 201);
    const { job } = await writeStoryJob(db, c.env.JOBS_QUEUE, c.env, {
      userId: me.id,
      worldId,
      input: { storyId: story.id, prompt, length: length ?? "short", titleFromOutline: input.title === undefined },
      idempotencyKey: parseIdempotencyKey(c.req.header("idempotency-key")),
    });
    return c.json({ story, job }, 201);
  })
  // *New story* from a picture (and a prompt): multipart/form-data with the image in `file`.
  .post("/:id/stories/photo", async (c) => {
    const { me, worldId, db } = await writerOf(c);
    const upload = await readPhotoUpload(c);
    const fields = parseWith(CreateStorySchema, upload.fields, "form");
    const prompt = acceptPrompt(fields.prompt ?? "A story that begins with this picture");
    const key = `worlds/${worldId}/uploads/${newId()}.${PHOTO_TYPES[upload.mimeType]}`;
    await c.env.ASSETS_BUCKET.put(key, upload.bytes, { httpMetadata: { contentType: upload.mimeType } });
    await db.insert(assets).values({ key, worldId, kind: "upload", mimeType: upload.mimeType, size: upload.bytes.byteLength, createdBy: me.id, provenance: { person: me.id } });
    const story = await createStory(db, worldId, me.id, { ...fields, title: fields.title ?? untitled(prompt) });
    const { job } = await writeStoryJob(db, c.env.JOBS_QUEUE, c.env, {
      userId: me.id,
      worldId,
      input: { storyId: story.id, prompt, length: fields.length ?? "short", titleFromOutline: fields.title === undefined, upload: { key, mimeType: upload.mimeType } },
      idempotencyKey: parseIdempotencyKey(c.req.header("idempotency-key")),
    });
    return c.json({ story, job }, 201);
  })
  .get("/:id/stories/:sid", async (c) => {
    const { worldId, access, db } = await readerOf(c);
    const story = await getStoryRow(db, worldId, param(c.req.param("sid"), "story id"), access.role);
    // What was written a moment ago may not be projected yet: the room writes it first.
    unwrap(await c.env.STORY_ROOM.getByName(story.id).project());
    return c.json({ story: await getStoryOutline(db, await getStoryRow(db, worldId, story.id, access.role)) });
  })
  .patch("/:id/stories/:sid", async (c) => {
    const { worldId, access, db } = await writerOf(c);
    const storyId = param(c.req.param("sid"), "story id");
    const changes = await jsonBody(c, UpdateStorySchema);
    await requireStoryVoices(c.env, db, worldId, changes);
    await updateStory(db, worldId, storyId, changes);
    return c.json({ story: await getStoryRow(db, worldId, storyId, access.role) });
  })
  .delete("/:id/stories/:sid", async (c) => {
    const { worldId, db } = await writerOf(c);
    const storyId = param(c.req.param("sid"), "story id");
    await deleteStory(db, worldId, storyId);
    // The room's storage goes with the story, so an id can never bring old text back.
    await c.env.STORY_ROOM.getByName(storyId).purge();
    // And its pictures, clips and narration (their rows first: nothing is served meanwhile).
    c.executionCtx.waitUntil(forgetFiles(c.env, db, storyFilesPrefix(worldId, storyId)));
    return c.body(null, 204);
  })
  // Chapters and scenes: written through the story's room, so every co-author sees the change live.
  .post("/:id/stories/:sid/chapters", async (c) => {
    const { room } = await storyWriter(c);
    const input = await jsonBody(c, CreateChapterSchema);
    return c.json({ chapter: toChapterDto(unwrap(await room.createChapter(input)).chapter) }, 201);
  })
  .patch("/:id/stories/:sid/chapters/:cid", async (c) => {
    const { room } = await storyWriter(c);
    const changes = await jsonBody(c, UpdateChapterSchema);
    return c.json({ chapter: toChapterDto(unwrap(await room.updateChapter(param(c.req.param("cid"), "chapter id"), changes)).chapter) });
  })
  .delete("/:id/stories/:sid/chapters/:cid", async (c) => {
    const { room } = await storyWriter(c);
    unwrap(await room.deleteChapter(param(c.req.param("cid"), "chapter id")));
    return c.body(null, 204);
  })
  .post("/:id/stories/:sid/chapters/:cid/scenes", async (c) => {
    const { worldId, db, room } = await storyWriter(c);
    const input = await jsonBody(c, CreateSceneSchema);
    await requireElementsOfWorld(db, worldId, [input.pov, input.location]);
    return c.json({ scene: toSceneDto(unwrap(await room.createScene(param(c.req.param("cid"), "chapter id"), input)).scene) }, 201);
  })
  .get("/:id/stories/:sid/scenes/:scid", async (c) => {
    const { worldId, access, db } = await readerOf(c);
    const story = await getStoryRow(db, worldId, param(c.req.param("sid"), "story id"), access.role);
    return c.json({ scene: toSceneDto(unwrap(await c.env.STORY_ROOM.getByName(story.id).getScene(param(c.req.param("scid"), "scene id"))).scene) });
  })
  .patch("/:id/stories/:sid/scenes/:scid", async (c) => {
    const { worldId, db, room } = await storyWriter(c);
    const changes = await jsonBody(c, UpdateSceneSchema);
    await requireElementsOfWorld(db, worldId, [changes.pov, changes.location]);
    return c.json({ scene: toSceneDto(unwrap(await room.updateScene(param(c.req.param("scid"), "scene id"), changes)).scene) });
  })
  .delete("/:id/stories/:sid/scenes/:scid", async (c) => {
    const { room } = await storyWriter(c);
    unwrap(await room.deleteScene(param(c.req.param("scid"), "scene id")));
    return c.body(null, 204);
  })
  // The AI writes the next passage of a scene into the story's room (a job, like generation).
  .post("/:id/stories/:sid/scenes/:scid/continue", async (c) => {
    const { me, worldId, db, story, room } = await storyWriter(c);
    const sceneId = param(c.req.param("scid"), "scene id");
    const { direction, words } = await jsonBody(c, ContinueSchema);
    unwrap(await room.getScene(sceneId));
    const idempotencyKey = parseIdempotencyKey(c.req.header("idempotency-key"));
    const { job } = await continueScene(db, c.env.JOBS_QUEUE, c.env, { userId: me.id, worldId, storyId: story.id, sceneId, direction, words, idempotencyKey });
    return c.json({ job }, 202);
  })
  // Continuity (issue 17, point 5): *Check continuity*, the issues found, and what to do about each.
  .post("/:id/stories/:sid/scenes/:scid/check", async (c) => {
    const { me, worldId, db, story, room } = await storyWriter(c);
    const sceneId = param(c.req.param("scid"), "scene id");
    unwrap(await room.getScene(sceneId));
    const idempotencyKey = parseIdempotencyKey(c.req.header("idempotency-key"));
    const { job } = await checkSceneJob(db, c.env.JOBS_QUEUE, c.env, { userId: me.id, worldId, storyId: story.id, sceneId, idempotencyKey });
    return c.json({ job }, 202);
  })
  .get("/:id/stories/:sid/scenes/:scid/issues", async (c) => {
    const { worldId, access, db } = await readerOf(c);
    const story = await getStoryRow(db, worldId, param(c.req.param("sid"), "story id"), access.role);
    return c.json({ issues: await listIssues(db, story.id, param(c.req.param("scid"), "scene id")) });
  })
  .post("/:id/stories/:sid/issues/:iid/apply", async (c) => {
    const { db, story, room } = await storyWriter(c);
    const issue = await openIssue(db, story.id, param(c.req.param("iid"), "issue id"));
    if (issue.suggestion === null) throw new HttpError(409, "no_suggestion", "That issue has no suggested wording; add it to the world or dismiss it.");
    unwrap(await room.replaceText(issue.sceneId, { start: issue.start, quote: issue.quote, replacement: issue.suggestion }));
    return c.json({ issue: await settleIssue(db, issue.id, "applied") });
  })
  .post("/:id/stories/:sid/issues/:iid/dismiss", async (c) => {
    const { db, story } = await storyWriter(c);
    const issue = await openIssue(db, story.id, param(c.req.param("iid"), "issue id"));
    return c.json({ issue: await settleIssue(db, issue.id, "dismissed") });
  })
  .post("/:id/stories/:sid/issues/:iid/add-to-world", async (c) => {
    const { me, access, worldId, db, story } = await storyWriter(c);
    const issue = await openIssue(db, story.id, param(c.req.param("iid"), "issue id"));
    if (issue.type !== "new_character") throw new HttpError(409, "not_a_stranger", "Only a new character can be added to the world.");
    // Through the world's room, like any new element: everyone in the world sees it arrive.
    const input = parseWith(createElementSchemaFor(worldId), { type: "character", name: issue.quote, description: `First met in the story “${story.title}”.` }, "element");
    const { element } = unwrap(await c.env.WORLD_ROOM.getByName(worldId).createElement({ id: me.id, name: me.name, role: access.role }, input));
    return c.json({ issue: await settleIssue(db, issue.id, "applied", element.id), element }, 201);
  })
  .get("/:id/stories/:sid/room", async (c) => {
    refuseCrossOrigin(c);
    const { worldId, access, db } = await readerOf(c);
    const story = await getStoryRow(db, worldId, param(c.req.param("sid"), "story id"), access.role);
    return c.env.STORY_ROOM.getByName(story.id).fetch(roomJoinRequest(c, access));
  });

/** A story written from a prompt is called after it until its outline names it. */
function untitled(prompt: string): string {
  const words = prompt.split(/\s+/).slice(0, 8).join(" ");
  return `A story: ${words}${prompt.split(/\s+/).length > 8 ? "…" : ""}`.slice(0, 200);
}

