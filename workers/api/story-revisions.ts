import { Hono, type Context } from "hono";
import { IdSchema, unwrap } from "../domain/graph";
import { acceptPrompt, parseIdempotencyKey } from "../domain/jobs";
import {
  REFINE_MAX_CHARS,
  RefineSchema,
  RevisionListQuerySchema,
  RevisionNumberSchema,
  SceneRefineInputSchema,
  decideProposal,
  getRevision,
  listRevisions,
  openProposal,
  refineSceneJob,
} from "../domain/stories/revisions";
import { getStoryRow } from "../domain/stories/stories";
import { getWorldAccess, requireWorldRole } from "../domain/worlds";
import { HttpError } from "../lib/errors";
import { readStored } from "../lib/stored-json";
import type { AppEnv } from "./context";
import { requireUser } from "./middleware/request";
import { shareTokenOf } from "./share-token";
import { jsonBody, parseWith, queryOf } from "./validate";

const param = (raw: string | undefined, what: string) => parseWith(IdSchema, raw ?? "", what);

/** The story and scene of the path for whoever may read the story (a draft: the world's members only). */
async function readableScene(c: Context<AppEnv>) {
  const db = c.get("db");
  const worldId = param(c.req.param("id"), "world id");
  const access = await getWorldAccess(db, worldId, c.get("user")?.id ?? null, shareTokenOf(c));
  const story = await getStoryRow(db, worldId, param(c.req.param("sid"), "story id"), access.role);
  return { db, story, sceneId: param(c.req.param("scid"), "scene id") };
}

/** The signed-in person as a writer of the world's stories (owner or editor), the story and scene of the path, and the story's room. */
async function writableScene(c: Context<AppEnv>) {
  const me = requireUser(c);
  const db = c.get("db");
  const worldId = param(c.req.param("id"), "world id");
  const access = await requireWorldRole(db, worldId, me.id, "editor", shareTokenOf(c));
  const story = await getStoryRow(db, worldId, param(c.req.param("sid"), "story id"), access.role);
  return { me, db, worldId, story, sceneId: param(c.req.param("scid"), "scene id"), room: c.env.STORY_ROOM.getByName(story.id) };
}

/** The news that a proposal was decided, for every co-author's editor (the proposal leaves their screens too). */
const decided = (jobId: string, stage: "accepted" | "rejected") => ({ jobId, kind: "scene_refine", stage, progress: 100, status: "succeeded" as const });

const sceneDto = (scene: { id: string; chapter: string; title: string; text: string; wordCount: number }) => ({ id: scene.id, chapter: scene.chapter, title: scene.title, text: scene.text, wordCount: scene.wordCount });

/**
 * A scene's revisions and *Refine* (issue 18, point 5), under /api/worlds. Revisions are written by
 * the story's room; a restore and an accepted refinement are live edits through the room, which
 * every co-author sees, and each leaves a revision of its own.
 */
export const storyRevisionRoutes = new Hono<AppEnv>()
  .get("/:id/stories/:sid/scenes/:scid/revisions", async (c) => {
    const { db, story, sceneId } = await readableScene(c);
    const page = queryOf(c, RevisionListQuerySchema);
    return c.json(await listRevisions(db, story.id, sceneId, page));
  })
  .get("/:id/stories/:sid/scenes/:scid/revisions/:r", async (c) => {
    const { db, story, sceneId } = await readableScene(c);
    return c.json({ revision: await getRevision(db, story.id, sceneId, parseWith(RevisionNumberSchema, c.req.param("r"), "revision number")) });
  })
  .post("/:id/stories/:sid/scenes/:scid/revisions/:r/restore", async (c) => {
    const { me, db, story, sceneId, room } = await writableScene(c);
    const revision = await getRevision(db, story.id, sceneId, parseWith(RevisionNumberSchema, c.req.param("r"), "revision number"));
    const restored = unwrap(await room.restoreRevision(sceneId, { number: revision.number, content: revision.content, text: revision.text, userId: me.id }));
    return c.json({ scene: sceneDto(restored.scene), revision: restored.number });
  })
  // *Refine*: a job whose result is a proposal, accepted or rejected below.
  .post("/:id/stories/:sid/scenes/:scid/refine", async (c) => {
    const { me, db, worldId, story, sceneId, room } = await writableScene(c);
    const body = await jsonBody(c, RefineSchema);
    const prompt = acceptPrompt(body.prompt);
    const { text } = unwrap(await room.getScene(sceneId)).scene;
    if (!text.trim()) throw new HttpError(409, "empty_scene", "The scene has no text to refine yet.");
    const whole = body.start === undefined || body.end === undefined;
    const start = body.start ?? 0;
    const end = body.end ?? text.length;
    if (end > text.length) throw new HttpError(400, "out_of_range", `The selection ends past the scene's text (${text.length} characters).`, { field: "end" });
    const original = text.slice(start, end);
    if (!original.trim()) throw new HttpError(400, "empty_selection", "Select some words to refine, not only spaces.", { field: "start" });
    if (original.length > REFINE_MAX_CHARS) throw new HttpError(400, "too_long", `Refine at most ${REFINE_MAX_CHARS.toLocaleString("en")} characters at a time; select a part of the scene.`, { field: whole ? "prompt" : "end" });
    const input = parseWith(SceneRefineInputSchema, { storyId: story.id, sceneId, prompt, start, end, original, whole }, "refinement");
    const { job } = await refineSceneJob(db, c.env.JOBS_QUEUE, c.env, { userId: me.id, worldId, input, idempotencyKey: parseIdempotencyKey(c.req.header("idempotency-key")) });
    return c.json({ job }, 202);
  })
  .post("/:id/stories/:sid/scenes/:scid/refine/:job/accept", async (c) => {
    const { me, db, worldId, story, sceneId, room } = await writableScene(c);
    const { job, proposal } = await openProposal(db, worldId, story.id, sceneId, param(c.req.param("job"), "job id"));
    const input = readStored(SceneRefineInputSchema, job.input);
    const prompt = input.ok ? input.value.prompt : "";
    const applied = unwrap(
      await room.applyRefinement(sceneId, {
        start: proposal.start,
        end: proposal.end,
        original: proposal.original,
        proposed: proposal.proposed,
        title: `Refined: “${prompt.slice(0, 160)}”`,
        userId: me.id,
        jobId: job.id,
        mark: { job: job.id, provider: proposal.provider, model: proposal.model, offline: proposal.offline },
      }),
    );
    await decideProposal(c.env.DB, job.id, "accepted", applied.number);
    await room.jobEvent(decided(job.id, "accepted"));
    return c.json({ scene: sceneDto(applied.scene), revision: applied.number });
  })
  .post("/:id/stories/:sid/scenes/:scid/refine/:job/reject", async (c) => {
    const { db, worldId, story, sceneId, room } = await writableScene(c);
    const { job } = await openProposal(db, worldId, story.id, sceneId, param(c.req.param("job"), "job id"));
    if (!(await decideProposal(c.env.DB, job.id, "rejected", null))) throw new HttpError(409, "already_decided", "That proposal was already decided.");
    await room.jobEvent(decided(job.id, "rejected"));
    return c.json({ rejected: job.id });
  });
