// Continuity checks (issue 17, point 5): a scene's text against the world and the story so far,
// after every generated passage and on demand (a `story_check` job). Issues are stored per scene;
// one a person dismissed stays dismissed when it is found again. After a passage, the AI's own
// slips of spelling are corrected, and the correction kept only if the scene then has fewer issues.
import { and, eq } from "drizzle-orm";
import { elements, jobs, stories, storyChapters, storyIssues, storyScenes, worldMembers } from "../../drizzle/schema";
import { loadLanguage } from "../ai/local/language";
import { MINOR_TYPES, autoCorrect, checkContinuity, type ContinuityInput, type ContinuityIssue, type StoryElement } from "../domain/stories/continuity";
import { StoryCheckInputSchema } from "../domain/stories/story-jobs";
import { getDb, type Database } from "../lib/db";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { readStored } from "../lib/stored-json";

const ELEMENT_TYPES = new Set(["character", "location", "faction", "item", "creature", "event", "lore"]);

/**
 * Checks one scene and stores what it found. `correctFrom`: an offset of the scene's text from
 * which minor issues are corrected (the passage the AI just wrote); null corrects nothing.
 */
export async function checkScene(env: Env, db: Database, request: { worldId: string; storyId: string; sceneId: string; jobId: string; correctFrom: number | null }) {
  const room = env.STORY_ROOM.getByName(request.storyId);
  const scene = await room.getScene(request.sceneId);
  if (!scene.ok) return { issues: 0, corrected: 0 };
  const [rows, chapters, scenes] = await db.batch([
    db.select({ id: elements.id, type: elements.type, name: elements.name, aliases: elements.aliases, description: elements.description, tags: elements.tags }).from(elements).where(eq(elements.worldId, request.worldId)),
    db.select({ id: storyChapters.id, position: storyChapters.position }).from(storyChapters).where(eq(storyChapters.storyId, request.storyId)),
    db.select({ id: storyScenes.id, chapterId: storyScenes.chapterId, position: storyScenes.position, title: storyScenes.title, text: storyScenes.text }).from(storyScenes).where(eq(storyScenes.storyId, request.storyId)),
  ]);
  const order = (a: { position: string; id: string }, b: { position: string; id: string }) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id < b.id ? -1 : 1);
  const chapterOrder = new Map(chapters.sort(order).map((chapter, index) => [chapter.id, index]));
  const inOrder = scenes.sort((a, b) => (chapterOrder.get(a.chapterId) ?? 0) - (chapterOrder.get(b.chapterId) ?? 0) || order(a, b));
  const here = inOrder.findIndex((s) => s.id === request.sceneId);
  const input: ContinuityInput = {
    text: scene.value.scene.text,
    pov: scene.value.scene.pov,
    location: scene.value.scene.location,
    elements: rows.filter((row) => ELEMENT_TYPES.has(row.type)).map((row): StoryElement => ({ ...row, type: row.type as StoryElement["type"] })),
    storySoFar: (here < 0 ? inOrder : inOrder.slice(0, here)).map((s) => ({ id: s.id, title: s.title, text: s.text })),
  };
  const language = await loadLanguage();
  let issues = checkContinuity(input, language);
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
        issues = now.ok ? checkContinuity({ ...input, text: now.value.scene.text }, language) : recheck;
      }
    }
  }
  await storeIssues(db, request, issues);
  return { issues: issues.length, corrected };
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
  await db.update(jobs).set({ status: "succeeded", stage: "notify", progress: 100, result: { sceneId: input.value.sceneId, ...found }, updatedAt: new Date() }).where(eq(jobs.id, jobId));
  await room.jobEvent({ jobId, kind: job.kind, stage: "notify", progress: 100, status: "succeeded" });
  log.info("story.checked", { jobId, storyId: story.id, issues: found.issues });
}
