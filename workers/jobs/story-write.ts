// A `story_write` job (issue 17, point 2): a new story from a prompt (and a picture): an outline of
// chapters with scene beats from the provider chain, written into the story's room, then the first
// chapter's scenes written out, each checked for continuity — stages and progress like generation's.
import { asc, eq } from "drizzle-orm";
import { assets, elements, jobs, stories } from "../../drizzle/schema";
import { callPolicy, providerChains } from "../ai";
import { localText } from "../ai/local";
import { callChain } from "../ai/resilience";
import { ProviderError, type CallContext, type ElementSummary, type OutlineRequest, type StoryOutline, type TextProvider, type TextResult } from "../ai/types";
import { STORY_LENGTHS, StoryWriteInputSchema, type StoryWriteInput } from "../domain/stories/story-jobs";
import { getDb, type Database } from "../lib/db";
import { sha256Hex } from "../lib/hash";
import { log } from "../lib/log";
import { readStored } from "../lib/stored-json";
import { checkScene } from "./story-check";
import { finish, generationTitle, keepGeneration, progress, storyOfJob, succeed, writeIntoScene } from "./story-continue";

/** How many of the world's people and places an outline is offered. */
const CAST_SIZE = 12;

export async function runStoryWriteJob(jobId: string, env: Env): Promise<void> {
  const db = getDb(env.DB);
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1);
  if (!job?.worldId || !job.userId || !["queued", "running"].includes(job.status)) return;
  const input = readStored(StoryWriteInputSchema, job.input);
  if (!input.ok) return finish(db, env, job, null, "failed", `This job's stored input cannot be read (${input.reason}); ask again.`);
  const found = await storyOfJob(db, job, input.value.storyId);
  if (!found.ok) return finish(db, env, job, input.value.storyId, "failed", found.reason);
  const { world, story } = found;
  const room = env.STORY_ROOM.getByName(story.id);
  const report = (stage: string, percent: number) => progress(db, env, job, story.id, stage, percent);
  const chains = providerChains(env);
  const callContext = { world: { title: world.title, description: world.description, style: world.style, tags: world.tags }, seed: await sha256Hex(JSON.stringify({ job: job.input })) };

  await report("describe", 5);
  const picture = input.value.upload ? await describePicture(env, db, chains.text, input.value, callContext) : undefined;

  await report("outline", 10);
  const size = STORY_LENGTHS[input.value.length];
  const cast = await castOf(db, world.id, input.value.prompt);
  const outlined = await outlineOf(
    env,
    chains.text,
    {
      prompt: input.value.prompt,
      ...(picture ? { picture } : {}),
      story: { title: story.title, premise: story.premise, template: story.template, audience: story.audience, tone: story.tone, pointOfView: story.pointOfView },
      cast: cast.map(({ summary }) => summary),
      chapters: size.chapters,
      scenesPerChapter: size.scenes,
    },
    callContext,
  );
  if (!outlined.ok) return finish(db, env, job, story.id, "failed", outlined.reason);
  const outline = outlined.value;
  const byName = new Map(cast.map(({ id, summary }) => [summary.name.toLowerCase(), id]));
  const resolve = (name: string | null) => (name ? (byName.get(name.toLowerCase()) ?? null) : null);
  const placed = await room.applyOutline({
    chapters: outline.value.chapters.map((chapter) => ({
      title: chapter.title,
      summary: chapter.summary,
      scenes: chapter.scenes.map((scene) => ({ title: scene.title, summary: scene.beat, pov: resolve(scene.pov), location: resolve(scene.location) })),
    })),
  });
  if (!placed.ok) return finish(db, env, job, story.id, "failed", placed.message);
  if (input.value.titleFromOutline || !story.premise) await nameStory(db, story.id, outline.value, input.value.titleFromOutline, !story.premise);

  // The first chapter's scenes are written out, each from its beat.
  const first = placed.value.scenes[0] ?? [];
  const beats = outline.value.chapters[0]?.scenes ?? [];
  const written: Array<{ sceneId: string; provider: string; model: string; offline: boolean; characters: number; issues: number }> = [];
  let usd = outline.usage.costUsd;
  for (const [index, sceneId] of first.entries()) {
    const base = 20 + Math.round((70 * index) / first.length);
    const passage = await writeIntoScene(env, db, { job, world, story, sceneId, direction: beats[index]?.beat ?? null, words: size.words }, (share) => report("write", base + Math.round((70 / first.length) * share)));
    if (passage.status === "cancelled") return finish(db, env, job, story.id, "cancelled", null);
    if (passage.status === "gone") continue; // someone deleted the scene meanwhile
    if (passage.status === "broken") return finish(db, env, job, story.id, "failed", passage.reason);
    const checked = await checkScene(env, db, { worldId: world.id, storyId: story.id, sceneId, jobId: job.id, correctFrom: passage.startsAt });
    await keepGeneration(env, story.id, sceneId, job, generationTitle("Written from the outline", passage.provenance));
    written.push({ sceneId, ...passage.provenance, characters: passage.written, issues: checked.issues });
    usd += passage.usd + checked.usd;
  }
  await succeed(db, env, job, story.id, usd, {
    outline: { provider: outline.provider, model: outline.model, offline: outline.provider === "local", chapters: outline.value.chapters.length, scenes: placed.value.scenes.flat().length },
    written,
    ...(picture ? { picture } : {}),
  });
  log.info("story.written", { jobId: job.id, storyId: story.id, chapters: outline.value.chapters.length, scenes: written.length });
}

/**
 * The outline from the text chain, as generation calls it: retries for what may pass, the next
 * link (the fallback model, then the offline `local` writer when configured) for a reply that was
 * not a usable outline. When every link refuses, the job fails and says why; a failure that may
 * pass is thrown, so the queue delivers the job again.
 */
async function outlineOf(env: Env, chain: TextProvider[], request: OutlineRequest, context: CallContext): Promise<{ ok: true; value: TextResult<StoryOutline> } | { ok: false; reason: string }> {
  const outliners = chain.filter((provider) => provider.outlineStory);
  try {
    const outcome = await callChain("text", outliners.length ? outliners : [localText], (provider, signal) => provider.outlineStory!(request, { ...context, signal }), callPolicy(env, "text"));
    return { ok: true, value: outcome.value };
  } catch (error) {
    if (error instanceof ProviderError && !error.retryable) return { ok: false, reason: `The outline could not be written (${error.provider}: ${error.message})` };
    throw error;
  }
}

/** The world's people and places for the outline: those the prompt names first, then the rest, a dozen at most. */
async function castOf(db: Database, worldId: string, prompt: string): Promise<Array<{ id: string; summary: ElementSummary }>> {
  const rows = await db
    .select({ id: elements.id, type: elements.type, name: elements.name, description: elements.description, tags: elements.tags })
    .from(elements)
    .where(eq(elements.worldId, worldId))
    // Oldest first (the world's first people lead the cast), by name within a second: the same cast every run.
    .orderBy(asc(elements.createdAt), asc(elements.name));
  const wanted = rows.filter((row) => row.type === "character" || row.type === "creature" || row.type === "location");
  const named = (row: { name: string }) => prompt.toLowerCase().includes(row.name.toLowerCase());
  const ordered = [...wanted.filter(named), ...wanted.filter((row) => !named(row))].slice(0, CAST_SIZE);
  return ordered.map((row) => ({ id: row.id, summary: { name: row.name, type: row.type, description: row.description.slice(0, 400), tags: row.tags } }));
}

/** The outline names the story when the person did not; its premise fills an empty one. */
async function nameStory(db: Database, storyId: string, outline: StoryOutline, title: boolean, premise: boolean) {
  await db
    .update(stories)
    .set({ ...(title && outline.title ? { title: outline.title.slice(0, 200) } : {}), ...(premise && outline.premise ? { premise: outline.premise.slice(0, 4000) } : {}), updatedAt: new Date() })
    .where(eq(stories.id, storyId));
}

/** A picture the story starts from, described by the text chain's multimodal model (as *From photo* does). */
async function describePicture(env: Env, db: Database, chain: TextProvider[], input: StoryWriteInput, context: { world: { title: string; description: string; style: string; tags: string[] }; seed: string }): Promise<string | undefined> {
  const upload = input.upload!;
  const [asset] = await db.select({ key: assets.key }).from(assets).where(eq(assets.key, upload.key)).limit(1);
  const object = asset ? await env.ASSETS_BUCKET.get(upload.key) : null;
  if (!object) return undefined;
  const image = new Uint8Array(await object.arrayBuffer());
  for (const provider of chain) {
    try {
      const result = await provider.describeImage({ image, mimeType: upload.mimeType, hint: input.prompt }, context);
      return `${result.value.name}: ${result.value.description}`.slice(0, 1200);
    } catch (error) {
      log.warn("story.describe_failed", { provider: provider.name, error: String(error) });
    }
  }
  return undefined;
}
