// A `story_continue` job (issue 17, point 3): the next passage of a scene, written by the story
// provider chain into the story's room as it streams, so everyone in the story watches it appear.
// The story bible (stories/story-context.ts) decides what the model is told, within a budget that
// does not grow with the world, and the job records what it sent.
import { and, eq, inArray, like, or, sql } from "drizzle-orm";
import { elements, jobs, relationships, stories, storyChapters, storyScenes, worldMembers, worlds } from "../../drizzle/schema";
import { callPolicy, providerChains } from "../ai";
import { callChain } from "../ai/resilience";
import { localText } from "../ai/local";
import type { CallContext, ElementSummary, PassageRequest, PassageStream } from "../ai/types";
import { StoryContinueInputSchema } from "../domain/stories/story-jobs";
import { assembleStoryContext, tailWithin, type ContextElement, type StoryContext } from "../domain/stories/story-context";
import { buildNameIndex, type NameIndex } from "../domain/stories/name-index";
import { chapterSummaryOf } from "../domain/stories/summaries";
import { getDb, type Database } from "../lib/db";
import { byReadingOrder, scenesInReadingOrder } from "../domain/stories/stories";
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
  const found = await storyOfJob(db, job, input.value.storyId);
  if (!found.ok) return finish(db, env, job, input.value.storyId, "failed", found.reason);
  const { world, story } = found;
  const report = (stage: string, percent: number) => progress(db, env, job, story.id, stage, percent);
  // Said while the context is assembled, not before: the first words come no later for it.
  const started = report("context", 10);
  const passage = await writeIntoScene(env, db, { job, world, story, sceneId: input.value.sceneId, direction: input.value.direction, words: input.value.words }, (share) =>
    report("write", 20 + Math.round(75 * share)),
  );
  await started;
  if (passage.status === "cancelled") return finish(db, env, job, story.id, "cancelled", null);
  if (passage.status === "gone") return finish(db, env, job, story.id, "failed", "The scene was deleted.");
  if (passage.status === "broken") return finish(db, env, job, story.id, "failed", passage.reason);
  // The passage is checked against the world and the story so far; its own slips of spelling are corrected.
  await report("check", 96);
  const checked = await checkScene(env, db, { worldId: world.id, storyId: story.id, sceneId: input.value.sceneId, jobId: job.id, correctFrom: passage.startsAt });
  // The scene as the passage left it is kept as a revision (issue 18, point 5).
  await keepGeneration(env, story.id, input.value.sceneId, job, generationTitle("Continued", passage.provenance));
  await succeed(db, env, job, story.id, passage.usd + checked.usd, { ...passage.provenance, characters: passage.written, sceneId: input.value.sceneId, sent: passage.sent, issues: checked.issues, corrected: checked.corrected, checkedBy: checked.checkedBy });
  log.info("story.continued", { jobId: job.id, storyId: story.id, provider: passage.provenance.provider, characters: passage.written, tokens: passage.sent.total });
}

type WorldRow = typeof worlds.$inferSelect;
type StoryRow = typeof stories.$inferSelect;

/** The job's world and story, if they are still there and the person who asked may still write it. */
export async function storyOfJob(db: Database, job: JobRow, storyId: string): Promise<{ ok: true; world: WorldRow; story: StoryRow } | { ok: false; reason: string }> {
  const [[world], [story], [member]] = await db.batch([
    db.select().from(worlds).where(eq(worlds.id, job.worldId!)).limit(1),
    db.select().from(stories).where(and(eq(stories.id, storyId), eq(stories.worldId, job.worldId!))).limit(1),
    db.select({ role: worldMembers.role }).from(worldMembers).where(and(eq(worldMembers.worldId, job.worldId!), eq(worldMembers.userId, job.userId!))).limit(1),
  ]);
  if (!world || !story) return { ok: false, reason: "The story was deleted." };
  // Only people who may write the story; checked again now, since the role may have changed.
  if (!member || member.role === "viewer") return { ok: false, reason: "The person who asked can no longer write this story." };
  return { ok: true, world, story };
}

export type Passage =
  | { status: "cancelled" }
  | { status: "gone" }
  | { status: "broken"; reason: string }
  | {
      status: "written";
      /** Where the passage starts in the scene's plain text. */
      startsAt: number;
      written: number;
      provenance: { provider: string; model: string; offline: boolean };
      sent: StoryContext["sent"];
      usd: number;
    };

/**
 * Writes the next passage of a scene: assembles the story bible, opens a stream on the text chain's
 * story writers (retried and falling back as every call does, until the first words arrive), and
 * appends what it streams to the scene through the story's room, marked with its provenance. `onShare` hears how much of the passage is written (0–1).
 */
export async function writeIntoScene(
  env: Env,
  db: Database,
  target: { job: JobRow; world: WorldRow; story: StoryRow; sceneId: string; direction: string | null; words: number },
  onShare: (share: number) => Promise<void>,
): Promise<Passage> {
  const { job, world, story } = target;
  const room = env.STORY_ROOM.getByName(story.id);
  const scene = await room.getScene(target.sceneId);
  if (!scene.ok) return { status: "gone" };
  const context = await storyBible(db, world.id, story.id, story.premise, scene.value.scene, target.direction);
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
    ...(target.direction ? { direction: target.direction } : {}),
    cast,
    words: target.words,
  };
  const opened = await openPassage(env, request, {
    world: { title: world.title, description: world.description, style: world.style, tags: world.tags },
    seed: await sha256Hex(JSON.stringify({ request, template: story.template })),
  });
  const { stream } = opened;
  const mark = { job: job.id, provider: stream.provider, model: stream.model, offline: stream.provider === "local" };
  const before = scene.value.scene.text;
  const expected = target.words * 6;
  let written = 0;
  let next: IteratorResult<string> = opened.first;
  for (let first = true; !next.done; first = false) {
    // Anyone in the story may stop it (the jobs API marks it cancelled): checked before each piece
    // after the first (the job was running a moment ago; the first words go out at once).
    if (!first) {
      const [now] = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, job.id)).limit(1);
      if (now?.status === "cancelled" || now?.status === "failed") return { status: "cancelled" };
    }
    // A passage starts a paragraph of its own after what the scene already says.
    const piece = first && before.trim() ? `\n\n${next.value.trimStart()}` : next.value;
    const wrote = await room.aiWrite(target.sceneId, piece, mark);
    if (!wrote.ok) return { status: "gone" };
    written += wrote.value.written;
    await onShare(Math.min(1, written / expected));
    try {
      next = await opened.rest.next();
    } catch (error) {
      // Words already in the scene stay there (everyone has seen them); the job ends rather than
      // being retried, which would write a second passage after the first one's broken end.
      const why = error instanceof Error ? error.message : String(error);
      return { status: "broken", reason: `The AI stopped partway (${stream.provider}: ${why}). What it wrote is kept; Continue again to go on.` };
    }
  }
  return { status: "written", startsAt: before.trim() ? before.length + 2 : 0, written, provenance: { provider: mark.provider, model: mark.model, offline: mark.offline }, sent: context.sent, usd: stream.usage().costUsd };
}

/**
 * Keeps the scene as the AI left it as a "generation" revision. A failure here is logged, not
 * thrown: the passage is written, and the job retried would write a second one.
 */
export async function keepGeneration(env: Env, storyId: string, sceneId: string, job: JobRow, title: string) {
  try {
    const kept = await env.STORY_ROOM.getByName(storyId).saveRevision(sceneId, { kind: "generation", title, userId: job.userId, jobId: job.id });
    if (!kept.ok) log.warn("story.revision_not_kept", { jobId: job.id, sceneId, reason: kept.message });
  } catch (error) {
    log.warn("story.revision_not_kept", { jobId: job.id, sceneId, reason: String(error) });
  }
}

/** A generation revision's title: what wrote it, and whether offline. */
export function generationTitle(what: string, provenance: { provider: string; model: string; offline: boolean }): string {
  return `${what} by ${provenance.offline ? "the offline writer" : `${provenance.provider} (${provenance.model})`}`;
}

/** The job succeeded: its result, and the news to everyone in the story. */
export async function succeed(db: Database, env: Env, job: JobRow, storyId: string, usd: number, result: Record<string, unknown>) {
  await db.update(jobs).set({ status: "succeeded", stage: "notify", progress: 100, error: null, costEstimate: usd, result, updatedAt: new Date() }).where(eq(jobs.id, job.id));
  await env.STORY_ROOM.getByName(storyId).jobEvent({ jobId: job.id, kind: job.kind, stage: "notify", progress: 100, status: "succeeded" });
}

export const toSummary = (element: ContextElement): ElementSummary => ({
  name: element.name,
  type: element.type as ElementSummary["type"],
  description: element.description,
  tags: [...(element.tags ?? [])],
});

export async function progress(db: Database, env: Env, job: JobRow, storyId: string, stage: string, percent: number) {
  await db.update(jobs).set({ status: "running", stage, progress: percent, updatedAt: new Date() }).where(and(eq(jobs.id, job.id), inArray(jobs.status, ["queued", "running"])));
  await env.STORY_ROOM.getByName(storyId).jobEvent({ jobId: job.id, kind: job.kind, stage, progress: percent, status: "running" });
}

export async function finish(db: Database, env: Env, job: JobRow, storyId: string | null, status: JobEventStatus, error: string | null) {
  if (status !== "cancelled") await db.update(jobs).set({ status, error, updatedAt: new Date() }).where(eq(jobs.id, job.id));
  if (storyId) await env.STORY_ROOM.getByName(storyId).jobEvent({ jobId: job.id, kind: job.kind, stage: job.stage ?? "write", progress: job.progress, status, error });
}

const summaryOf = (scene: { summary: string; autoSummary: string }) => scene.summary.trim() || scene.autoSummary;

/**
 * The world's name index, built from names and other names only (the context looks up the few
 * elements it chooses), and kept for the next passage while the world's elements stay the same
 * (their count and latest change): a few worlds per isolate.
 */
const nameIndexes = new Map<string, { stamp: string; index: NameIndex }>();
async function nameIndexOf(db: Database, worldId: string, stamp: string): Promise<NameIndex> {
  const kept = nameIndexes.get(worldId);
  if (kept?.stamp === stamp) return kept.index;
  const names = await db.select({ id: elements.id, name: elements.name, aliases: elements.aliases }).from(elements).where(eq(elements.worldId, worldId));
  const index = buildNameIndex(names);
  nameIndexes.delete(worldId);
  nameIndexes.set(worldId, { stamp, index });
  if (nameIndexes.size > 8) nameIndexes.delete(nameIndexes.keys().next().value!);
  return index;
}

/**
 * The story bible for one passage: the world's elements read once (names for the index; the
 * context takes only what it chooses), the graph's neighbours and a keyword search asked through
 * ports, the story's summaries and its earlier scenes in order.
 */
export async function storyBible(db: Database, worldId: string, storyId: string, premise: string, scene: { id: string; chapter: string; pov: string | null; location: string | null; text: string }, direction: string | null) {
  const [[stamp], chapters, scenes] = await db.batch([
    db.select({ count: sql<number>`count(*)`, latest: sql<number>`coalesce(max(${elements.updatedAt}), 0)` }).from(elements).where(eq(elements.worldId, worldId)),
    db.select().from(storyChapters).where(eq(storyChapters.storyId, storyId)),
    db
      .select({ id: storyScenes.id, chapterId: storyScenes.chapterId, position: storyScenes.position, title: storyScenes.title, summary: storyScenes.summary, autoSummary: storyScenes.autoSummary, text: storyScenes.text })
      .from(storyScenes)
      .where(eq(storyScenes.storyId, storyId)),
  ]);
  const looked = new Map<string, ContextElement>();
  const inOrder = scenesInReadingOrder(chapters, scenes);
  const here = inOrder.findIndex((s) => s.id === scene.id);
  const before = here < 0 ? inOrder : inOrder.slice(0, here);
  const words = [...new Set((direction ?? "").toLowerCase().match(/\p{L}{4,}/gu) ?? [])].slice(0, 6);
  const context: StoryContext = await assembleStoryContext({
    recentText: scene.text,
    scene: { pov: scene.pov, location: scene.location },
    direction,
    lookup: async (ids) => {
      if (ids.length === 0) return [];
      const rows = await db
        .select({ id: elements.id, type: elements.type, name: elements.name, description: elements.description, tags: elements.tags })
        .from(elements)
        .where(and(eq(elements.worldId, worldId), inArray(elements.id, [...ids])));
      for (const row of rows) looked.set(row.id, row);
      return rows;
    },
    nameIndex: await nameIndexOf(db, worldId, `${stamp?.count ?? 0}:${stamp?.latest ?? 0}`),
    neighbours: async (id) => {
      const links = await db
        .select({ from: relationships.fromId, to: relationships.toId, kind: relationships.kind })
        .from(relationships)
        .where(and(eq(relationships.worldId, worldId), or(eq(relationships.fromId, id), eq(relationships.toId, id))))
        .limit(20);
      return links.map((link) => ({ id: link.from === id ? link.to : link.from, kind: link.kind }));
    },
    // A keyword search over names and descriptions: the elements that share the most of the direction's words.
    search: async (query) => {
      if (!query || words.length === 0) return [];
      const hits = await db
        .select({ id: elements.id, name: elements.name, description: elements.description })
        .from(elements)
        .where(and(eq(elements.worldId, worldId), or(...words.flatMap((word) => [like(elements.name, `%${word}%`), like(elements.description, `%${word}%`)]))))
        .limit(50);
      return hits
        .map((hit) => ({ id: hit.id, score: words.filter((word) => `${hit.name} ${hit.description}`.toLowerCase().includes(word)).length }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 10)
        .map((hit) => hit.id);
    },
    // Rolling summaries: a person's where they wrote one, otherwise drawn from the text as it stands.
    summaries: {
      story: premise,
      chapters: [...chapters].sort(byReadingOrder).map((c) => chapterSummaryOf(c.summary, inOrder.filter((s) => s.chapterId === c.id).map(summaryOf))).filter(Boolean),
      scenes: before.map(summaryOf).filter(Boolean),
    },
    lastScenes: before.map((s) => ({ title: s.title, text: s.text })),
  });
  return { ...context, elements: looked };
}

/**
 * A passage stream that has given its first piece. Opening it and waiting for the first words is
 * one call of the chain: a provider that refuses, throttles or stalls before writing anything is
 * retried and then passed over for the next (the offline writer last, when it is allowed).
 */
async function openPassage(env: Env, request: PassageRequest, context: CallContext): Promise<{ stream: PassageStream; first: IteratorResult<string>; rest: AsyncIterator<string> }> {
  const writers = providerChains(env).text.filter((provider) => provider.streamPassage);
  const outcome = await callChain(
    "text",
    writers.length ? writers : [localText],
    async (provider, signal) => {
      const stream = await provider.streamPassage!(request, { ...context, signal });
      const rest = stream.chunks[Symbol.asyncIterator]();
      return { stream, first: await rest.next(), rest };
    },
    callPolicy(env, "text"),
  );
  return outcome.value;
}
