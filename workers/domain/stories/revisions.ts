// A scene's revisions (issue 18, point 5): the scene's rich text kept after each AI generation, each
// accepted refinement, each restore, and now and then while people edit it live. The story's room
// writes them (it holds the text); the API lists them, reads one back and asks the room to restore
// it. *Refine* is a job whose result is a proposal the editor accepts or rejects.
import { and, desc, eq, lt } from "drizzle-orm";
import { z } from "zod";
import { REVISION_KINDS, jobs, sceneRevisions, user, type RevisionKind } from "../../../drizzle/schema";
import type { Database } from "../../lib/db";
import { HttpError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { readStored } from "../../lib/stored-json";
import { IdSchema } from "../element-fields";
import type { JobMessage } from "../job-queue";
import { createJob, limitsFrom } from "../jobs";

export { REVISION_KINDS, type RevisionKind };

/** Live editing leaves a snapshot at most this often per scene (and only when the text changed). */
export const SNAPSHOT_EVERY_MS = 5 * 60_000;

// ---------------------------------------------------------------------------------------------
// A scene's rich text as JSON nodes (ProseMirror's JSON, as the editor's schema names them)

const MAX_TEXT_RUN = 200_000;

/** A mark on a run of text: bold, italic, the AI's (with its provenance). */
export const ContentMarkSchema = z.object({ type: z.string().min(1).max(40), attrs: z.record(z.string(), z.unknown()).optional() });
export type ContentMark = z.infer<typeof ContentMarkSchema>;

export const ContentTextSchema = z.object({ type: z.literal("text"), text: z.string().max(MAX_TEXT_RUN), marks: z.array(ContentMarkSchema).max(8).optional() });
export type ContentText = z.infer<typeof ContentTextSchema>;

export type ContentNode = { type: string; attrs?: Record<string, unknown>; content?: Array<ContentNode | ContentText> };

/** A block of the scene's text: paragraph, heading, quote (holding blocks), line break, rule. */
export const ContentNodeSchema: z.ZodType<ContentNode> = z.lazy(() =>
  z.object({
    type: z.string().regex(/^[a-zA-Z]{1,40}$/),
    attrs: z.record(z.string(), z.unknown()).optional(),
    content: z.array(z.union([ContentTextSchema, ContentNodeSchema])).max(20_000).optional(),
  }),
);

/** The whole text of a scene: its blocks in order. */
export const SceneContentSchema = z.array(ContentNodeSchema).max(20_000);
export type SceneContent = z.infer<typeof SceneContentSchema>;

// ---------------------------------------------------------------------------------------------
// Writing revisions (the story's room does, on raw D1: it batches them with its projection)

export type NewRevision = {
  storyId: string;
  sceneId: string;
  kind: RevisionKind;
  title: string;
  content: SceneContent;
  text: string;
  userId: string | null;
  jobId: string | null;
};

/**
 * One statement that adds a revision as the scene's next number (computed in the statement, so two
 * at once cannot take one number). `onlyIfChanged`: nothing is added when the scene's newest
 * revision already holds this text (a snapshot of text that did not change, or a repeat).
 */
export function revisionInsert(db: D1Database, revision: NewRevision, options: { onlyIfChanged?: boolean; oncePerJob?: boolean } = {}): D1PreparedStatement {
  const conditions = [
    options.onlyIfChanged
      ? "not exists (select 1 from scene_revisions where story_id = ?2 and scene_id = ?3 and text = ?7 and number = (select max(number) from scene_revisions where story_id = ?2 and scene_id = ?3))"
      : "",
    // A job delivered twice records its revision once.
    options.oncePerJob && revision.jobId ? "not exists (select 1 from scene_revisions where story_id = ?2 and scene_id = ?3 and job_id = ?9 and kind = ?4)" : "",
  ].filter(Boolean);
  return db
    .prepare(
      `insert into scene_revisions (id, story_id, scene_id, number, kind, title, content, text, user_id, job_id, created_at)
       select ?1, ?2, ?3, coalesce((select max(number) from scene_revisions where story_id = ?2 and scene_id = ?3), 0) + 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10
       ${conditions.length ? `where ${conditions.join(" and ")}` : ""}
       returning number`,
    )
    .bind(newId(), revision.storyId, revision.sceneId, revision.kind, revision.title.slice(0, 200), JSON.stringify(revision.content), revision.text, revision.userId, revision.jobId, Date.now());
}

// ---------------------------------------------------------------------------------------------
// Reading revisions

export type RevisionSummary = {
  number: number;
  kind: RevisionKind;
  title: string;
  userId: string | null;
  userName: string | null;
  jobId: string | null;
  characters: number;
  createdAt: string;
};
export type RevisionDto = RevisionSummary & { content: SceneContent; text: string };

export const RevisionListQuerySchema = z.strictObject({
  before: z.coerce.number().int().min(1).max(1_000_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

export const RevisionNumberSchema = z.coerce.number().int().min(1).max(1_000_000_000);

/** A scene's revisions, newest first (without their text), `limit` at a time before `before`. */
export async function listRevisions(db: Database, storyId: string, sceneId: string, page: { before?: number; limit?: number } = {}): Promise<{ revisions: RevisionSummary[]; more: boolean }> {
  const limit = page.limit ?? 50;
  const rows = await db
    .select({
      number: sceneRevisions.number,
      kind: sceneRevisions.kind,
      title: sceneRevisions.title,
      userId: sceneRevisions.userId,
      userName: user.name,
      jobId: sceneRevisions.jobId,
      text: sceneRevisions.text,
      createdAt: sceneRevisions.createdAt,
    })
    .from(sceneRevisions)
    .leftJoin(user, eq(user.id, sceneRevisions.userId))
    .where(and(eq(sceneRevisions.storyId, storyId), eq(sceneRevisions.sceneId, sceneId), page.before ? lt(sceneRevisions.number, page.before) : undefined))
    .orderBy(desc(sceneRevisions.number))
    .limit(limit + 1);
  return { revisions: rows.slice(0, limit).map(({ text, ...row }) => ({ ...row, characters: text.length, createdAt: row.createdAt.toISOString() })), more: rows.length > limit };
}

/** One revision of a scene, with its rich text and plain text; 404 when there is none of that number. */
export async function getRevision(db: Database, storyId: string, sceneId: string, number: number): Promise<RevisionDto> {
  const [row] = await db
    .select({ revision: sceneRevisions, userName: user.name })
    .from(sceneRevisions)
    .leftJoin(user, eq(user.id, sceneRevisions.userId))
    .where(and(eq(sceneRevisions.storyId, storyId), eq(sceneRevisions.sceneId, sceneId), eq(sceneRevisions.number, number)))
    .limit(1);
  if (!row) throw new HttpError(404, "not_found", "That revision was not found.");
  const { revision } = row;
  // Stored by the room from the document; a row that no longer reads restores as its plain text.
  const content = readStored(SceneContentSchema, safeJson(revision.content));
  return {
    number: revision.number,
    kind: revision.kind,
    title: revision.title,
    userId: revision.userId,
    userName: row.userName,
    jobId: revision.jobId,
    characters: revision.text.length,
    createdAt: revision.createdAt.toISOString(),
    content: content.ok ? content.value : [],
    text: revision.text,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Refine (a job whose result is a proposal)

export const REFINE_PROMPT_MAX = 500;
/** The most text one refinement rewrites (a longer scene is refined a part at a time). */
export const REFINE_MAX_CHARS = 20_000;

export const RefineSchema = z
  .strictObject({
    prompt: z.string().trim().min(1, "say how to refine the text").max(REFINE_PROMPT_MAX),
    start: z.number().int().min(0).optional(),
    end: z.number().int().min(0).optional(),
  })
  .refine((value) => (value.start === undefined) === (value.end === undefined), "give both start and end of the selection, or neither")
  .refine((value) => value.start === undefined || value.end === undefined || value.start < value.end, "the selection's start must come before its end");

/** What a `scene_refine` job carries: the scene, the prompt, and the span as it was when asked. */
export const SceneRefineInputSchema = z.object({
  storyId: IdSchema,
  sceneId: IdSchema,
  prompt: z.string().min(1),
  start: z.number().int().min(0),
  end: z.number().int().min(0),
  /** The span's text when asked: the job finds it again if the text moved meanwhile. */
  original: z.string(),
  /** The whole scene, not a selection. */
  whole: z.boolean(),
});
export type SceneRefineInput = z.infer<typeof SceneRefineInputSchema>;

/** The result of a `scene_refine` job: the proposal, and what became of it. */
export const RefineProposalSchema = z.object({
  sceneId: IdSchema,
  start: z.number().int().min(0),
  end: z.number().int().min(0),
  original: z.string(),
  proposed: z.string(),
  /** SHA-256 of the scene's whole plain text the proposal was made from. */
  baseHash: z.string(),
  provider: z.string(),
  model: z.string(),
  offline: z.boolean(),
  decision: z.enum(["open", "accepted", "rejected"]),
  revision: z.number().int().nullable().optional(),
});
export type RefineProposal = z.infer<typeof RefineProposalSchema>;

/** Queues *Refine* on a scene or a span of it (counted against the generation quota). */
export function refineSceneJob(db: Database, queue: Queue<JobMessage>, env: object, request: { userId: string; worldId: string; input: SceneRefineInput; idempotencyKey: string | null }) {
  return createJob(db, queue, limitsFrom(env), { userId: request.userId, worldId: request.worldId, kind: "scene_refine", input: request.input, idempotencyKey: request.idempotencyKey });
}

/** A refine job of this scene that has a proposal waiting; 404 when there is none, 409 once decided or not ready. */
export async function openProposal(db: Database, worldId: string, storyId: string, sceneId: string, jobId: string): Promise<{ job: typeof jobs.$inferSelect; proposal: RefineProposal }> {
  const [job] = await db.select().from(jobs).where(and(eq(jobs.id, jobId), eq(jobs.worldId, worldId), eq(jobs.kind, "scene_refine"))).limit(1);
  const input = job ? readStored(SceneRefineInputSchema, job.input) : null;
  if (!job || !input?.ok || input.value.storyId !== storyId || input.value.sceneId !== sceneId) throw new HttpError(404, "not_found", "That refinement was not found.");
  if (job.status !== "succeeded") throw new HttpError(409, "not_ready", job.status === "failed" || job.status === "cancelled" ? `That refinement ${job.status === "failed" ? "failed" : "was cancelled"}.` : "That refinement is not ready yet.");
  const proposal = readStored(RefineProposalSchema, job.result);
  if (!proposal.ok) throw new HttpError(409, "no_proposal", "That refinement has no proposal to decide on.");
  if (proposal.value.decision !== "open") throw new HttpError(409, "already_decided", `That proposal was already ${proposal.value.decision}.`);
  return { job, proposal: proposal.value };
}

/** Records what became of a proposal; false when someone decided it first. */
export async function decideProposal(db: D1Database, jobId: string, decision: "accepted" | "rejected", revision: number | null): Promise<boolean> {
  const result = await db
    .prepare("update jobs set result = json_set(json_set(result, '$.decision', ?2), '$.revision', ?3), updated_at = ?4 where id = ?1 and json_extract(result, '$.decision') = 'open'")
    .bind(jobId, decision, revision, Date.now())
    .run();
  return (result.meta.changes ?? 0) > 0;
}
