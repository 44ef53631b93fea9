// Continuity checks (issue 17, point 5): a scene's text against the world and the story so far,
// after every generated passage and on demand (a `story_check` job). Issues are stored per scene;
// one a person dismissed stays dismissed when it is found again. After a passage, the AI's own
// slips of spelling are corrected, and the correction kept only if the scene then has fewer issues.
// The rule-based checker always runs; when the configured text chain has a model that checks
// stories, its issues are added (anchored by quote, repeats of the rules' left out), and a model
// that fails leaves the rules' issues to stand alone — a check never blocks writing.
import { and, eq } from "drizzle-orm";
import { elements, jobs, stories, storyChapters, storyIssues, storyScenes, worldMembers, worlds } from "../../drizzle/schema";
import { callPolicy, providerChains } from "../ai";
import { loadLanguage } from "../ai/local/language";
import { callChain } from "../ai/resilience";
import type { CallContext, StoryCheckRequest } from "../ai/types";
import { MINOR_TYPES, autoCorrect, checkContinuity, type ContinuityInput, type ContinuityIssue, type StoryElement } from "../domain/stories/continuity";
import { mergeIssues, type QuotedIssue } from "../domain/stories/continuity-merge";
import { StoryCheckInputSchema } from "../domain/stories/story-jobs";
import { getDb, type Database } from "../lib/db";
import { scenesInReadingOrder } from "../domain/stories/stories";
import { sha256Hex } from "../lib/hash";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { readStored } from "../lib/stored-json";

const ELEMENT_TYPES = new Set(["character", "location", "faction", "item", "creature", "event", "lore"]);
/** How many of the world's elements a model's check is given: those the scene names first. */
const MODEL_CHECK_ELEMENTS = 40;

/**
 * Checks one scene and stores what it found. `correctFrom`: an offset of the scene's text from
 * which minor issues are corrected (the passage the AI just wrote); null corrects nothing.
 */
export async function checkScene(env: Env, db: Database, request: { worldId: string; storyId: string; sceneId: string; jobId: string; correctFrom: number | null }) {
  const room = env.STORY_ROOM.getByName(request.storyId);
  const scene = await room.getScene(request.sceneId);
  if (!scene.ok) return { issues: 0, corrected: 0, usd: 0, checkedBy: null };
  const [rows, chapters, scenes, [world]] = await db.batch([
    db.select({ id: elements.id, type: elements.type, name: elements.name, aliases: elements.aliases, description: elements.description, tags: elements.tags }).from(elements).where(eq(elements.worldId, request.worldId)),
    db.select({ id: storyChapters.id, position: storyChapters.position }).from(storyChapters).where(eq(storyChapters.storyId, request.storyId)),
    db.select({ id: storyScenes.id, chapterId: storyScenes.chapterId, position: storyScenes.position, title: storyScenes.title, summary: storyScenes.summary, text: storyScenes.text }).from(storyScenes).where(eq(storyScenes.storyId, request.storyId)),
    db.select({ title: worlds.title, description: worlds.description, style: worlds.style, tags: worlds.tags }).from(worlds).where(eq(worlds.id, request.worldId)).limit(1),
  ]);
  const inOrder = scenesInReadingOrder(chapters, scenes);
  const here = inOrder.findIndex((s) => s.id === request.sceneId);
  const earlier = here < 0 ? inOrder : inOrder.slice(0, here);
  const input: ContinuityInput = {
    text: scene.value.scene.text,
    pov: scene.value.scene.pov,
    location: scene.value.scene.location,
    elements: rows.filter((row) => ELEMENT_TYPES.has(row.type)).map((row): StoryElement => ({ ...row, type: row.type as StoryElement["type"] })),
    storySoFar: earlier.map((s) => ({ id: s.id, title: s.title, text: s.text })),
  };
  // Asked while the rules run; its issues are anchored in the text as it stands at the end.
  const fromModel = world ? modelIssues(env, world, input, earlier) : Promise.resolve(NO_MODEL);
  const language = await loadLanguage();
  let issues = checkContinuity(input, language);
  let text = input.text;
  let corrected = 0;
  if (request.correctFrom !== null) {
    const minor = issues.filter((issue) => MINOR_TYPES.has(issue.type) && issue.start >= request.correctFrom!);
    const fixed = autoCorrect(input.text, minor);
    if (fixed.applied.length > 0) {
      const recheck = checkContinuity({ ...input, text: fixed.text }, language);
      if (recheck.length < issues.length) {
        // Right to left, so the offsets of the ones before still hold.
        for (const issue of [...fixed.applied].reverse()) {
          const done = await room.replaceText(request.sceneId, { start: issue.start, quote: issue.quote, replacement: issue.suggestion ?? issue.quote });
          if (done.ok) corrected += 1;
        }
        // Checked again on the text as it now stands (someone may have typed meanwhile), so the offsets hold.
        const now = await room.getScene(request.sceneId);
        text = now.ok ? now.value.scene.text : fixed.text;
        issues = now.ok ? checkContinuity({ ...input, text }, language) : recheck;
      }
    }
  }
  const model = await fromModel;
  issues = mergeIssues(text, issues, model.issues, input.elements);
  await storeIssues(db, request, issues);
  return { issues: issues.length, corrected, usd: model.usd, checkedBy: model.checkedBy };
}

type ModelCheck = { issues: QuotedIssue[]; usd: number; checkedBy: { provider: string; model: string } | null };
const NO_MODEL: ModelCheck = { issues: [], usd: 0, checkedBy: null };

/** The issues the text chain's first model that checks stories finds, asked as generation asks. */
async function modelIssues(env: Env, world: CallContext["world"], input: ContinuityInput, earlier: Array<{ title: string; summary: string; text: string }>): Promise<ModelCheck> {
  const checkers = providerChains(env).text.filter((provider) => provider.checkStory);
  if (checkers.length === 0 || !input.text.trim()) return NO_MODEL;
  const request: StoryCheckRequest = {
    text: input.text,
    elements: elementsToCheckAgainst(input).map(({ name, type, description }) => ({ name, type, description })),
    // A scene without a summary yet is represented by its opening.
    storySoFar: earlier.map((scene) => ({ title: scene.title, summary: scene.summary.trim() || scene.text.slice(0, 400) })),
  };
  const context = { world, seed: await sha256Hex(JSON.stringify(request)) };
  try {
    const outcome = await callChain("text", checkers, (provider, signal) => provider.checkStory!(request, { ...context, signal }), callPolicy(env, "text"));
    const { value, provider, model, usage } = outcome.value;
    return { issues: value, usd: usage.costUsd, checkedBy: { provider, model } };
  } catch (error) {
    log.warn("story.model_check_failed", { error: String(error) });
    return NO_MODEL;
  }
}

/** The elements the scene names (by name or other name), its point of view and place, then the world's people and places. */
function elementsToCheckAgainst(input: ContinuityInput): StoryElement[] {
  const lower = input.text.toLowerCase();
  const named = (element: StoryElement) => [element.name, ...element.aliases].some((name) => name.length > 1 && lower.includes(name.toLowerCase()));
  const first = input.elements.filter((element) => element.id === input.pov || element.id === input.location || named(element));
  const people = input.elements.filter((element) => !first.includes(element) && (element.type === "character" || element.type === "creature" || element.type === "location"));
  return [...first, ...people].slice(0, MODEL_CHECK_ELEMENTS);
}

/** The scene's open issues become these; one found again that a person dismissed stays dismissed. */
async function storeIssues(db: Database, request: { storyId: string; sceneId: string; jobId: string }, issues: ContinuityIssue[]) {
  const dismissed = await db
    .select({ type: storyIssues.type, quote: storyIssues.quote })
    .from(storyIssues)
    .where(and(eq(storyIssues.storyId, request.storyId), eq(storyIssues.sceneId, request.sceneId), eq(storyIssues.status, "dismissed")));
  const wasDismissed = (issue: ContinuityIssue) => dismissed.some((d) => d.type === issue.type && d.quote === issue.quote);
  const fresh = issues.filter((issue) => !wasDismissed(issue));
  await db.batch([
    db.delete(storyIssues).where(and(eq(storyIssues.storyId, request.storyId), eq(storyIssues.sceneId, request.sceneId), eq(storyIssues.status, "open"))),
    ...fresh.map((issue) =>
      db.insert(storyIssues).values({
        id: newId(),
        storyId: request.storyId,
        sceneId: request.sceneId,
        type: issue.type,
        severity: issue.severity,
        start: issue.start,
        end: issue.end,
        quote: issue.quote,
        explanation: issue.explanation,
        suggestion: issue.suggestion,
        elementId: issue.elementId,
        jobId: request.jobId,
      }),
    ),
  ]);
}

/** *Check continuity* on a scene, as a job. */
export async function runStoryCheckJob(jobId: string, env: Env): Promise<void> {
  const db = getDb(env.DB);
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1);
  if (!job?.worldId || !job.userId || !["queued", "running"].includes(job.status)) return;
  const input = readStored(StoryCheckInputSchema, job.input);
  const fail = (error: string) => db.update(jobs).set({ status: "failed", error, updatedAt: new Date() }).where(eq(jobs.id, jobId));
  if (!input.ok) return void (await fail(`This job's stored input cannot be read (${input.reason}); ask again.`));
  const [[story], [member]] = await db.batch([
    db.select({ id: stories.id }).from(stories).where(and(eq(stories.id, input.value.storyId), eq(stories.worldId, job.worldId))).limit(1),
    db.select({ role: worldMembers.role }).from(worldMembers).where(and(eq(worldMembers.worldId, job.worldId), eq(worldMembers.userId, job.userId))).limit(1),
  ]);
  if (!story) return void (await fail("The story was deleted."));
  if (!member || member.role === "viewer") return void (await fail("The person who asked can no longer write this story."));
  const room = env.STORY_ROOM.getByName(story.id);
  await db.update(jobs).set({ status: "running", stage: "check", progress: 30, updatedAt: new Date() }).where(eq(jobs.id, jobId));
  await room.jobEvent({ jobId, kind: job.kind, stage: "check", progress: 30, status: "running" });
  const found = await checkScene(env, db, { worldId: job.worldId, storyId: story.id, sceneId: input.value.sceneId, jobId, correctFrom: null });
  const { usd, ...result } = found;
  await db.update(jobs).set({ status: "succeeded", stage: "notify", progress: 100, costEstimate: usd, result: { sceneId: input.value.sceneId, ...result }, updatedAt: new Date() }).where(eq(jobs.id, jobId));
  await room.jobEvent({ jobId, kind: job.kind, stage: "notify", progress: 100, status: "succeeded" });
  log.info("story.checked", { jobId, storyId: story.id, issues: found.issues });
}
