// A `scene_refine` job (issue 18, point 5): the scene, or the span the person selected, rewritten by
// the text chain as the person asked ("darker", "shorter", "from the fox's point of view"), with the
// story bible as a passage gets it. Nothing is written into the scene here: the job's result is a
// proposal, which the editor shows as a diff and someone accepts (a live edit through the room) or
// rejects (workers/api/story-revisions.ts).
import { eq } from "drizzle-orm";
import { jobs } from "../../drizzle/schema";
import { callPolicy, providerChains } from "../ai";
import { localText } from "../ai/local";
import { moderateOutput } from "../ai/prompt-safety";
import { refinedMaxChars } from "../ai/refine-prompting";
import { callChain } from "../ai/resilience";
import { ProviderError, type SceneRefineRequest, type TextResult } from "../ai/types";
import type { ContextElement } from "../domain/stories/story-context";
import { SceneRefineInputSchema, type RefineProposal, type SceneRefineInput } from "../domain/stories/revisions";
import { getDb } from "../lib/db";
import { sha256Hex } from "../lib/hash";
import { log } from "../lib/log";
import { readStored } from "../lib/stored-json";
import { finish, progress, storyBible, storyOfJob, succeed, toSummary } from "./story-continue";

export async function runSceneRefineJob(jobId: string, env: Env): Promise<void> {
  const db = getDb(env.DB);
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1);
  if (!job?.worldId || !job.userId || !["queued", "running"].includes(job.status)) return;
  const input = readStored(SceneRefineInputSchema, job.input);
  if (!input.ok) return finish(db, env, job, null, "failed", `This job's stored input cannot be read (${input.reason}); ask again.`);
  const found = await storyOfJob(db, job, input.value.storyId);
  if (!found.ok) return finish(db, env, job, input.value.storyId, "failed", found.reason);
  const { world, story } = found;
  await progress(db, env, job, story.id, "context", 10);
  const scene = await env.STORY_ROOM.getByName(story.id).getScene(input.value.sceneId);
  if (!scene.ok) return finish(db, env, job, story.id, "failed", "The scene was deleted.");
  const text = scene.value.scene.text;
  const span = spanNow(text, input.value);
  if (!span) return finish(db, env, job, story.id, "failed", "The selected text changed before it could be refined; select it again and ask again.");
  const original = text.slice(span.start, span.end);
  if (!original.trim()) return finish(db, env, job, story.id, "failed", "There is no text there to refine.");

  const bible = await storyBible(db, world.id, story.id, story.premise, scene.value.scene, input.value.prompt);
  const byId = (id: string | null) => (id ? bible.elements.get(id) : undefined);
  const summary = (id: string | null) => (byId(id) ? toSummary(byId(id)!) : null);
  // The model rewrites the words; the span's own leading and trailing whitespace stays around them.
  const lead = /^\s*/.exec(original)![0];
  const trail = /\s*$/.exec(original.slice(lead.length))![0];
  const request: SceneRefineRequest = {
    prompt: input.value.prompt,
    text: original.trim(),
    before: text.slice(0, span.start),
    after: text.slice(span.end),
    whole: input.value.whole,
    context: bible.sections.map((section) => `## ${section.name}\n${section.text}`).join("\n\n"),
    story: { title: story.title, premise: story.premise, template: story.template, audience: story.audience, tone: story.tone, pointOfView: story.pointOfView },
    scene: { title: scene.value.scene.title, pov: summary(scene.value.scene.pov), location: summary(scene.value.scene.location) },
    cast: bible.sent.elements.map((sent) => bible.elements.get(sent.id)).filter((e): e is ContextElement => e !== undefined).map(toSummary),
  };

  await progress(db, env, job, story.id, "refine", 40);
  const refined = await refineWithChain(env, request, { world: { title: world.title, description: world.description, style: world.style, tags: world.tags }, seed: await sha256Hex(JSON.stringify({ prompt: request.prompt, text: request.text })) });
  if (!refined.ok) return finish(db, env, job, story.id, "failed", refined.reason);
  const proposed = `${lead}${refined.value.value.slice(0, refinedMaxChars(request.text))}${trail}`;
  const verdict = moderateOutput(proposed);
  if (!verdict.ok) return finish(db, env, job, story.id, "failed", `The rewrite was not kept: ${verdict.reason}`);
  const proposal: RefineProposal = {
    sceneId: input.value.sceneId,
    start: span.start,
    end: span.end,
    original,
    proposed,
    baseHash: await sha256Hex(text),
    provider: refined.value.provider,
    model: refined.value.model,
    offline: refined.value.provider === "local",
    decision: "open",
    revision: null,
  };
  await succeed(db, env, job, story.id, refined.value.usage.costUsd, proposal);
  log.info("story.refined", { jobId: job.id, storyId: story.id, provider: proposal.provider, from: original.length, to: proposed.length });
}

/**
 * Where the span asked about is in the text now: where it was, or, when the text moved meanwhile,
 * the nearest place that holds the same words; null when they are gone. The whole scene is always there.
 */
export function spanNow(text: string, input: Pick<SceneRefineInput, "start" | "end" | "original" | "whole">): { start: number; end: number } | null {
  if (input.whole) return { start: 0, end: text.length };
  if (text.slice(input.start, input.end) === input.original) return { start: input.start, end: input.end };
  let best = -1;
  for (let at = text.indexOf(input.original); at >= 0 && input.original.length > 0; at = text.indexOf(input.original, at + 1)) {
    if (best < 0 || Math.abs(at - input.start) < Math.abs(best - input.start)) best = at;
  }
  return best < 0 ? null : { start: best, end: best + input.original.length };
}

/**
 * The rewrite from the text chain, as every call goes: retries for what may pass, then the next
 * link (the offline rewriter last, when configured). When every link refuses, the job fails and
 * says why; a failure that may pass is thrown, so the queue delivers the job again.
 */
async function refineWithChain(env: Env, request: SceneRefineRequest, context: { world: { title: string; description: string; style: string; tags: string[] }; seed: string }): Promise<{ ok: true; value: TextResult<string> } | { ok: false; reason: string }> {
  const refiners = providerChains(env).text.filter((provider) => provider.refineScene);
  try {
    const outcome = await callChain("text", refiners.length ? refiners : [localText], (provider, signal) => provider.refineScene!(request, { ...context, signal }), callPolicy(env, "text"));
    return { ok: true, value: outcome.value };
  } catch (error) {
    if (error instanceof ProviderError && !error.retryable) return { ok: false, reason: `The text could not be refined (${error.provider}: ${error.message})` };
    throw error;
  }
}
