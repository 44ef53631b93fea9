// A `story_continue` job (issue 17, point 3): the next passage of a scene, written by the story
// provider chain into the story's room as it streams, so everyone in the story watches it appear.
// The story bible (stories/story-context.ts) decides what the model is told, within a budget that
// does not grow with the world, and the job records what it sent.
import { and, eq, inArray, or } from "drizzle-orm";
import { elements, jobs, relationships, stories, storyChapters, storyScenes, worldMembers, worlds } from "../../drizzle/schema";
import { providerChains } from "../ai";
import { localText } from "../ai/local";
import type { ElementSummary, PassageRequest, TextProvider } from "../ai/types";
import { StoryContinueInputSchema, type StoryContinueInput } from "../domain/stories/story-jobs";
import { assembleStoryContext, tailWithin, type ContextElement, type StoryContext } from "../domain/stories/story-context";
import { buildNameIndex } from "../domain/stories/name-index";
import { getDb, type Database } from "../lib/db";
import { sha256Hex } from "../lib/hash";
import { log } from "../lib/log";
import { readStored } from "../lib/stored-json";
import { checkScene } from "./story-check";

type JobRow = typeof jobs.$inferSelect;
type JobEventStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** How much of the scene's end the writer continues from (the context has more). */
const RECENT_TOKENS = 600;

export async function runStoryContinueJob(jobId: string, env: Env): Promise<void> {
  const db = getDb(env.DB);
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1);
  if (!job?.worldId || !job.userId || !["queued", "running"].includes(job.status)) return;
  const input = readStored(StoryContinueInputSchema, job.input);
  if (!input.ok) return finish(db, env, job, null, "failed", `This job's stored input cannot be read (${input.reason}); ask again.`);
  const [[world], [story], [member]] = await db.batch([
    db.select().from(worlds).where(eq(worlds.id, job.worldId)).limit(1),
    db.select().from(stories).where(and(eq(stories.id, input.value.storyId), eq(stories.worldId, job.worldId))).limit(1),
    db.select({ role: worldMembers.role }).from(worldMembers).where(and(eq(worldMembers.worldId, job.worldId), eq(worldMembers.userId, job.userId))).limit(1),
  ]);
  if (!world || !story) return finish(db, env, job, input.value, "failed", "The story was deleted.");
  // Only people who may write the story; checked again now, since the role may have changed.
  if (!member || member.role === "viewer") return finish(db, env, job, input.value, "failed", "The person who asked can no longer write this story.");
  const room = env.STORY_ROOM.getByName(story.id);
  const scene = await room.getScene(input.value.sceneId);
  if (!scene.ok) return finish(db, env, job, input.value, "failed", "The scene was deleted.");
  await progress(db, env, job, input.value, "context", 10);

  const context = await storyBible(db, job.worldId, story.id, story.premise, scene.value.scene, input.value.direction);
  const cast = context.sent.elements.map((sent) => context.elements.get(sent.id)).filter((e): e is ContextElement => e !== undefined).map(toSummary);
  const byId = (id: string | null) => (id ? context.elements.get(id) : undefined);
  const request: PassageRequest = {
    context: context.sections.map((section) => `## ${section.name}\n${section.text}`).join("\n\n"),
    story: { title: story.title, premise: story.premise, template: story.template, audience: story.audience, tone: story.tone, pointOfView: story.pointOfView },
    scene: {
      title: scene.value.scene.title,
      pov: byId(scene.value.scene.pov) ? toSummary(byId(scene.value.scene.pov)!) : null,
      location: byId(scene.value.scene.location) ? toSummary(byId(scene.value.scene.location)!) : null,
    },
    recentText: tailWithin(scene.value.scene.text, RECENT_TOKENS),
    ...(input.value.direction ? { direction: input.value.direction } : {}),
    cast,
    words: input.value.words,
  };
  const provider: TextProvider = providerChains(env).text.find((p) => p.streamPassage) ?? localText;
  await progress(db, env, job, input.value, "write", 20);
  const stream = await provider.streamPassage!(request, {
    world: { title: world.title, description: world.description, style: world.style, tags: world.tags },
    seed: await sha256Hex(JSON.stringify({ request, template: story.template })),
  });
  const mark = { job: job.id, provider: stream.provider, model: stream.model, offline: stream.provider === "local" };
  const expected = input.value.words * 6;
  let written = 0;
  let first = true;
  for await (const chunk of stream.chunks) {
    // Anyone in the story may stop it (the jobs API marks it cancelled): checked before each piece.
    const [now] = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, job.id)).limit(1);
    if (now?.status !== "running") return finish(db, env, job, input.value, "cancelled", null);
    // A passage starts a paragraph of its own after what the scene already says.
    const piece = first && scene.value.scene.text.trim() ? `\n\n${chunk.trimStart()}` : chunk;
    first = false;
    const wrote = await room.aiWrite(input.value.sceneId, piece, mark);
    if (!wrote.ok) return finish(db, env, job, input.value, "failed", "The scene was deleted while the AI wrote.");
    written += wrote.value.written;
    await progress(db, env, job, input.value, "write", Math.min(95, 20 + Math.round((75 * written) / expected)));
  }
  // The passage is checked against the world and the story so far; its own slips of spelling are corrected.
  await progress(db, env, job, input.value, "check", 96);
  const before = scene.value.scene.text;
  const checked = await checkScene(env, db, { worldId: job.worldId, storyId: story.id, sceneId: input.value.sceneId, jobId: job.id, correctFrom: before.trim() ? before.length + 2 : 0 });
  const usage = stream.usage();
  await db
    .update(jobs)
    .set({
      status: "succeeded",
      stage: "notify",
      progress: 100,
      error: null,
      costEstimate: usage.costUsd,
      result: { provider: stream.provider, model: stream.model, offline: mark.offline, characters: written, sceneId: input.value.sceneId, sent: context.sent, issues: checked.issues, corrected: checked.corrected },
      updatedAt: new Date(),
    })
    .where(eq(jobs.id, job.id));
  await room.jobEvent({ jobId: job.id, kind: job.kind, stage: "notify", progress: 100, status: "succeeded" });
  log.info("story.continued", { jobId: job.id, storyId: story.id, provider: stream.provider, characters: written, tokens: context.sent.total });
}

const toSummary = (element: ContextElement): ElementSummary => ({
  name: element.name,
  type: element.type as ElementSummary["type"],
  description: element.description,
  tags: [...(element.tags ?? [])],
});

async function progress(db: Database, env: Env, job: JobRow, input: StoryContinueInput, stage: string, percent: number) {
  await db.update(jobs).set({ status: "running", stage, progress: percent, updatedAt: new Date() }).where(and(eq(jobs.id, job.id), inArray(jobs.status, ["queued", "running"])));
  await env.STORY_ROOM.getByName(input.storyId).jobEvent({ jobId: job.id, kind: job.kind, stage, progress: percent, status: "running" });
}

async function finish(db: Database, env: Env, job: JobRow, input: StoryContinueInput | null, status: JobEventStatus, error: string | null) {
  if (status !== "cancelled") await db.update(jobs).set({ status, error, updatedAt: new Date() }).where(eq(jobs.id, job.id));
  if (input) await env.STORY_ROOM.getByName(input.storyId).jobEvent({ jobId: job.id, kind: job.kind, stage: job.stage ?? "write", progress: job.progress, status, error });
}

/**
 * The story bible for one passage: the world's elements read once (names for the index; the
 * context takes only what it chooses), the graph's neighbours and a keyword search asked through
 * ports, the story's summaries and its earlier scenes in order.
 */
async function storyBible(db: Database, worldId: string, storyId: string, premise: string, scene: { id: string; chapter: string; pov: string | null; location: string | null; text: string }, direction: string | null) {
  const [rows, chapters, scenes] = await db.batch([
    db.select({ id: elements.id, type: elements.type, name: elements.name, description: elements.description, tags: elements.tags }).from(elements).where(eq(elements.worldId, worldId)),
    db.select().from(storyChapters).where(eq(storyChapters.storyId, storyId)),
    db.select({ id: storyScenes.id, chapterId: storyScenes.chapterId, position: storyScenes.position, title: storyScenes.title, summary: storyScenes.summary, text: storyScenes.text }).from(storyScenes).where(eq(storyScenes.storyId, storyId)),
  ]);
  const all = new Map<string, ContextElement>(rows.map((row) => [row.id, row]));
  const order = (a: { position: string; id: string }, b: { position: string; id: string }) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id < b.id ? -1 : 1);
  const chapterOrder = new Map(chapters.sort(order).map((chapter, index) => [chapter.id, index]));
  const inOrder = scenes.sort((a, b) => (chapterOrder.get(a.chapterId) ?? 0) - (chapterOrder.get(b.chapterId) ?? 0) || order(a, b));
  const here = inOrder.findIndex((s) => s.id === scene.id);
  const before = here < 0 ? inOrder : inOrder.slice(0, here);
  const words = (direction ?? "").toLowerCase().match(/\p{L}{4,}/gu) ?? [];
  const context: StoryContext = await assembleStoryContext({
    recentText: scene.text,
    scene: { pov: scene.pov, location: scene.location },
    direction,
    lookup: (ids) => ids.map((id) => all.get(id)).filter((e): e is ContextElement => e !== undefined),
    nameIndex: buildNameIndex(rows.map((row) => ({ id: row.id, name: row.name, aliases: [] }))),
    neighbours: async (id) => {
      const links = await db
        .select({ from: relationships.fromId, to: relationships.toId, kind: relationships.kind })
        .from(relationships)
        .where(and(eq(relationships.worldId, worldId), or(eq(relationships.fromId, id), eq(relationships.toId, id))))
        .limit(20);
      return links.map((link) => ({ id: link.from === id ? link.to : link.from, kind: link.kind }));
    },
    // A keyword search over names and descriptions: the elements that share the most of the direction's words.
    search: (query) => {
      if (!query || words.length === 0) return [];
      const scored = rows
        .map((row) => ({ id: row.id, score: words.filter((word) => `${row.name} ${row.description}`.toLowerCase().includes(word)).length }))
        .filter((hit) => hit.score > 0)
        .sort((a, b) => b.score - a.score);
      return scored.slice(0, 10).map((hit) => hit.id);
    },
    summaries: { story: premise, chapters: chapters.map((c) => c.summary).filter(Boolean), scenes: before.map((s) => s.summary).filter(Boolean) },
    lastScenes: before.map((s) => ({ title: s.title, text: s.text })),
  });
  return { ...context, elements: all };
}
