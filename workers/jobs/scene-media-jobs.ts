// Scene media jobs (issue 18, points 1–3): a picture, a narration or a clip for each scene the job
// names, in reading order, with progress to the story's room after each scene. The files go to R2
// under the story's world and are recorded in `assets` (with who made them) and in `scene_media`
// (the scene's current media). A redelivered job skips the scenes it already finished; a clip
// still rendering (Nova Reel) hands the job back to the queue with JobDeferred, as elements do.
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { assets, elements, jobStages, jobs, sceneMedia, user, type ElementType } from "../../drizzle/schema";
import { callPolicy, providerChains, videoProviderNamed, type ProviderChains } from "../ai";
import { renderSceneArt, type SceneCastMember } from "../ai/local/scene-art";
import { SVG_MIME } from "../ai/local/svg";
import { callChain } from "../ai/resilience";
import { ProviderError, type AudioProvider, type CallContext, type ElementDraft, type MediaResult, type NarrationResult, type VideoProgress } from "../ai/types";
import { firstVoiceOf } from "../ai/voices";
import { estimatedTimings } from "../ai/narration";
import { speechSpans } from "../domain/stories/dialogue";
import { SceneMediaInputSchema, type SceneMediaInput } from "../domain/stories/media-jobs";
import { buildNameIndex, type Mention } from "../domain/stories/name-index";
import { getDb, type Database } from "../lib/db";
import { sha256Hex } from "../lib/hash";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { readStored, storedOr } from "../lib/stored-json";
import { JobDeferred } from "./pipeline";
import { finish, progress, storyOfJob, succeed } from "./story-continue";

type JobRow = typeof jobs.$inferSelect;
type Found = Extract<Awaited<ReturnType<typeof storyOfJob>>, { ok: true }>;
type SceneState = { id: string; title: string; summary: string; pov: string | null; location: string | null; text: string };
type CastRow = { id: string; type: ElementType; name: string; aliases: string[]; description: string; tags: string[]; assets: { image?: string } };

const KINDS = { scene_illustrate: "illustrate", narrate: "narrate", scene_clip: "clip" } as const;
type MediaJobKind = keyof typeof KINDS;
const isMediaKind = (kind: string): kind is MediaJobKind => kind in KINDS;

const EXTENSIONS: Record<string, string> = { "image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg", "video/mp4": "mp4", "audio/wav": "wav", "audio/mpeg": "mp3" };
/** Characters (and creatures) speak; places, things and lore do not. */
const SPEAKERS = new Set<ElementType>(["character", "creature"]);
/** How much of a scene's text an image or clip prompt takes. */
const PROMPT_TEXT = 420;
const INLINE_VIDEO_POLL_MS = 4_000;

/** A clip still rendering: which scene, the provider's token. Kept in the job's `video` stage between deliveries. */
const PendingClipSchema = z.object({ pending: z.object({ sceneId: z.string(), token: z.string(), provider: z.string() }) });

type SceneOutcome = { sceneId: string; usd: number; made?: { key: string; provider: string; model: string; offline: boolean; cached?: boolean }; skipped?: string };

export async function runSceneMediaJob(jobId: string, env: Env): Promise<void> {
  const db = getDb(env.DB);
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1);
  if (!job?.worldId || !job.userId || !["queued", "running"].includes(job.status) || !isMediaKind(job.kind)) return;
  const input = readStored(SceneMediaInputSchema, job.input);
  if (!input.ok) return finish(db, env, job, null, "failed", `This job's stored input cannot be read (${input.reason}); ask again.`);
  const found = await storyOfJob(db, job, input.value.storyId);
  if (!found.ok) return finish(db, env, job, input.value.storyId, "failed", found.reason);
  const kind = job.kind;
  // The world's setting is read again now: it may have been turned off since the request.
  if (kind !== "narrate" && found.world.settings.aiImages === false) return finish(db, env, job, found.story.id, "failed", "AI images are turned off for this world.");
  const run = new SceneMediaRun(env, db, job, kind, input.value, found);
  await run.execute();
}

class SceneMediaRun {
  private readonly chains: ProviderChains;
  private readonly context: CallContext;
  private cast: CastRow[] = [];
  private index = buildNameIndex([]);

  constructor(
    private readonly env: Env,
    private readonly db: Database,
    private readonly job: JobRow,
    private readonly kind: MediaJobKind,
    private readonly input: SceneMediaInput,
    private readonly found: Found,
  ) {
    this.chains = providerChains(env);
    const { world } = found;
    this.context = { world: { title: world.title, description: world.description, style: world.style, tags: world.tags }, seed: "" };
  }

  async execute(): Promise<void> {
    const { db, env, job, input } = this;
    const story = this.found.story;
    this.cast = await db
      .select({ id: elements.id, type: elements.type, name: elements.name, aliases: elements.aliases, description: elements.description, tags: elements.tags, assets: elements.assets })
      .from(elements)
      .where(eq(elements.worldId, this.found.world.id));
    this.index = buildNameIndex(this.cast);
    // Scenes this job already finished (an earlier delivery): not made twice.
    const done = new Set((await db.select({ sceneId: sceneMedia.sceneId }).from(sceneMedia).where(eq(sceneMedia.jobId, job.id))).map((row) => row.sceneId));
    const outcomes: SceneOutcome[] = [];
    const stage = KINDS[this.kind];
    for (const [position, sceneId] of input.sceneIds.entries()) {
      await progress(db, env, job, story.id, stage, Math.round(5 + (90 * position) / input.sceneIds.length));
      const [now] = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, job.id)).limit(1);
      if (now?.status === "cancelled") return finish(db, env, job, story.id, "cancelled", null);
      if (done.has(sceneId)) continue;
      const scene = await env.STORY_ROOM.getByName(story.id).getScene(sceneId);
      if (!scene.ok) {
        outcomes.push({ sceneId, usd: 0, skipped: "The scene was deleted." });
        continue;
      }
      const state = scene.value.scene;
      const outcome = this.kind === "scene_illustrate" ? await this.illustrate(state) : this.kind === "narrate" ? await this.narrate(state) : await this.clip(state);
      outcomes.push(outcome);
    }
    const usd = outcomes.reduce((sum, outcome) => sum + outcome.usd, 0);
    const made = outcomes.filter((outcome) => outcome.made).length;
    if (made === 0 && done.size === 0 && outcomes.every((outcome) => outcome.skipped)) {
      return finish(db, env, job, story.id, "failed", outcomes[0]?.skipped ?? "Nothing to make.");
    }
    await succeed(db, env, job, story.id, usd, { scenes: outcomes.map(({ usd: _usd, ...rest }) => rest) });
    log.info("story.scene_media", { jobId: job.id, kind: this.kind, scenes: input.sceneIds.length, made });
  }

  // ---------------------------------------------------------------- what each scene shows

  private mentionsOf(scene: SceneState): Mention[] {
    return this.index.find(scene.text);
  }

  /** The scene's place and the people and things it names (its point of view first), as the pictures show them. */
  private castOf(scene: SceneState): { place: CastRow | null; people: CastRow[] } {
    const byId = new Map(this.cast.map((row) => [row.id, row]));
    const mentioned = [...new Set([scene.pov, ...this.mentionsOf(scene).map((m) => m.elementId)].filter((id): id is string => id !== null))];
    const rows = mentioned.map((id) => byId.get(id)).filter((row): row is CastRow => row !== undefined);
    const place = (scene.location ? byId.get(scene.location) : undefined) ?? rows.find((row) => row.type === "location") ?? null;
    return { place, people: rows.filter((row) => row !== place && row.type !== "location" && row.type !== "lore" && row.type !== "event").slice(0, 4) };
  }

  /** A consistent description of an element: its name, kind and the first sentence of its description. */
  private describe(row: CastRow): string {
    const first = row.description.replace(/\s+/g, " ").split(/(?<=[.!?])\s/u)[0] ?? "";
    return `${row.name} (${row.type}${first ? `: ${first.slice(0, 160)}` : ""})`;
  }

  private promptOf(scene: SceneState, place: CastRow | null, people: CastRow[]): string {
    const text = scene.text.replace(/\s+/g, " ").trim().slice(0, PROMPT_TEXT);
    const featuring = [...people, ...(place ? [place] : [])].map((row) => this.describe(row)).join("; ");
    return [`Scene “${scene.title}”: ${scene.summary || text}`, featuring ? `Featuring ${featuring}.` : "", `In the style of ${this.found.world.style}.`].filter(Boolean).join(" ");
  }

  private draftOf(row: CastRow | null, scene: SceneState, prompt: string): ElementDraft {
    return {
      name: row?.name ?? scene.title,
      type: row?.type ?? "event",
      description: row?.description ?? scene.summary,
      tags: row?.tags ?? [],
      relationships: [],
      visualPrompt: prompt,
      narration: "",
    };
  }

  private async imageOf(key: string | undefined): Promise<{ bytes: Uint8Array; mimeType: string } | undefined> {
    if (!key) return undefined;
    const object = await this.env.ASSETS_BUCKET.get(key);
    if (!object) return undefined;
    return { bytes: new Uint8Array(await object.arrayBuffer()), mimeType: object.httpMetadata?.contentType ?? "application/octet-stream" };
  }

  // ---------------------------------------------------------------- illustrate

  private async illustrate(scene: SceneState): Promise<SceneOutcome> {
    const { place, people } = this.castOf(scene);
    const prompt = this.promptOf(scene, place, people);
    const context = { ...this.context, seed: await sha256Hex(`${this.found.story.id}\n${scene.id}\n${prompt}`) };
    // The element whose look the picture keeps: the first person in it with a picture of its own, else the place.
    const reference = [...people, ...(place ? [place] : [])].find((row) => row.assets.image);
    const referenceImage = await this.imageOf(reference?.assets.image);
    const outcome = await callChain(
      "image",
      this.chains.image,
      async (provider, signal): Promise<MediaResult> => {
        if (provider.name === "local") {
          const member = async (row: CastRow): Promise<SceneCastMember> => {
            const image = await this.imageOf(row.assets.image);
            return { id: row.id, draft: this.draftOf(row, scene, prompt), ...(image ? { image } : {}) };
          };
          const svg = renderSceneArt({ title: scene.title, summary: scene.summary }, place ? await member(place) : null, await Promise.all(people.map(member)), String(this.found.world.style));
          return { bytes: new TextEncoder().encode(svg), mimeType: SVG_MIME, provider: "local", model: "loreloom-local-scene-svg-1", usage: { costUsd: 0 } };
        }
        // The element's own picture conditions the image where the provider takes one (Nova Canvas IMAGE_VARIATION).
        if (referenceImage && /^image\/(png|jpeg)$/u.test(referenceImage.mimeType)) {
          return provider.variation({ image: referenceImage.bytes, mimeType: referenceImage.mimeType, prompt }, { ...context, signal });
        }
        return provider.image({ prompt, element: this.draftOf(people[0] ?? place, scene, prompt) }, { ...context, signal });
      },
      callPolicy(this.env, "image"),
    );
    const media = outcome.value;
    const stored = await this.store(scene.id, "image", media, { promptHash: context.seed, reference: reference?.id ?? null });
    return { sceneId: scene.id, usd: media.usage.costUsd, made: stored };
  }

  // ---------------------------------------------------------------- narrate

  /** Voices for one provider: the fallback order, keeping only voices that provider has. */
  private async voicesFor(provider: AudioProvider["name"]): Promise<{ narrator: string | undefined; characters: Record<string, string> }> {
    const [author] = await this.db.select({ preferences: user.preferences }).from(user).where(eq(user.id, this.job.userId!)).limit(1);
    const { story, world } = this.found;
    const narrator = firstVoiceOf(provider, [this.input.voice, story.narratorVoice, author?.preferences?.defaultVoice, world.settings.defaultVoice]);
    const characters: Record<string, string> = {};
    for (const [elementId, voice] of Object.entries(story.characterVoices ?? {})) {
      const chosen = firstVoiceOf(provider, [voice]);
      if (chosen) characters[elementId] = chosen;
    }
    return { narrator, characters };
  }

  private async narrate(scene: SceneState): Promise<SceneOutcome> {
    if (!/[\p{L}\p{N}]/u.test(scene.text)) return { sceneId: scene.id, usd: 0, skipped: "The scene has no text to read." };
    const speakers = this.mentionsOf(scene).filter((m) => SPEAKERS.has(this.cast.find((row) => row.id === m.elementId)?.type ?? "lore"));
    const spans = speechSpans(scene.text, speakers);
    const requestFor = async (provider: AudioProvider["name"]) => {
      const voices = await this.voicesFor(provider);
      const request = { text: scene.text, spans: spans.map((span) => ({ start: span.start, end: span.end, voice: (span.speaker ? voices.characters[span.speaker] : undefined) ?? voices.narrator })) };
      const cacheKey = await sha256Hex(JSON.stringify({ provider, text: scene.text, spans: request.spans }));
      return { voices, request, cacheKey };
    };
    // The first provider of the chain is the one asked: an unchanged scene in unchanged voices costs nothing.
    const first = this.chains.audio[0];
    if (first) {
      const planned = await requestFor(first.name);
      const [cached] = await this.db
        .select()
        .from(sceneMedia)
        .where(and(eq(sceneMedia.storyId, this.found.story.id), eq(sceneMedia.cacheKey, planned.cacheKey), eq(sceneMedia.kind, "narration")))
        .orderBy(desc(sceneMedia.createdAt))
        .limit(1);
      if (cached && (await this.env.ASSETS_BUCKET.head(cached.key))) {
        const [current] = await this.db
          .select({ cacheKey: sceneMedia.cacheKey })
          .from(sceneMedia)
          .where(and(eq(sceneMedia.storyId, this.found.story.id), eq(sceneMedia.sceneId, scene.id), eq(sceneMedia.kind, "narration")))
          .orderBy(desc(sceneMedia.createdAt), desc(sceneMedia.id))
          .limit(1);
        // Already the scene's narration: nothing to do. Otherwise the earlier reading becomes current again.
        if (current?.cacheKey !== planned.cacheKey) {
          await this.db.insert(sceneMedia).values({ ...cached, id: newId(), sceneId: scene.id, jobId: this.job.id, createdAt: new Date() });
        }
        return { sceneId: scene.id, usd: 0, made: { key: cached.key, provider: cached.provider, model: cached.model, offline: cached.offline, cached: true } };
      }
    }
    const outcome = await callChain(
      "audio",
      this.chains.audio,
      async (provider, signal): Promise<NarrationResult & { cacheKey: string; voiceMap: Record<string, unknown> }> => {
        const { voices, request, cacheKey } = await requestFor(provider.name);
        const context = { ...this.context, seed: cacheKey, signal };
        const voiceMap = { narrator: voices.narrator ?? null, characters: voices.characters };
        if (provider.narrate) return { ...(await provider.narrate(request, context)), cacheKey, voiceMap };
        // A provider without multi-voice narration reads the scene in the narrator's voice; the words' times are estimated.
        const media = await provider.speak({ text: scene.text, voice: voices.narrator }, context);
        const durationMs = Math.max(1000, scene.text.length * 60);
        return { ...media, timings: estimatedTimings(scene.text, { start: 0, end: scene.text.length }, 0, durationMs), durationMs, voices: voices.narrator ? [voices.narrator] : [], cacheKey, voiceMap };
      },
      callPolicy(this.env, "audio"),
    );
    const result = outcome.value;
    const stored = await this.store(scene.id, "narration", result, { promptHash: result.cacheKey }, { cacheKey: result.cacheKey, voices: result.voiceMap, timings: result.timings, durationMs: result.durationMs });
    return { sceneId: scene.id, usd: result.usage.costUsd, made: stored };
  }

  // ---------------------------------------------------------------- clip

  private async clip(scene: SceneState): Promise<SceneOutcome> {
    const { place, people } = this.castOf(scene);
    const prompt = this.promptOf(scene, place, people);
    const context = { ...this.context, seed: await sha256Hex(`${this.found.story.id}\n${scene.id}\n${prompt}\nclip`) };
    const [stageRow] = await this.db.select().from(jobStages).where(and(eq(jobStages.jobId, this.job.id), eq(jobStages.stage, "video"))).limit(1);
    const pending = storedOr(PendingClipSchema, stageRow?.output, null)?.pending;
    let progressed: VideoProgress;
    let providerName: string;
    if (pending && pending.sceneId === scene.id && videoProviderNamed(this.chains, pending.provider)) {
      providerName = pending.provider;
      progressed = await videoProviderNamed(this.chains, pending.provider)!.poll(pending.token, context);
    } else {
      // The scene's current picture is the clip's first frame, where there is one.
      const [picture] = await this.db
        .select({ key: sceneMedia.key })
        .from(sceneMedia)
        .where(and(eq(sceneMedia.storyId, this.found.story.id), eq(sceneMedia.sceneId, scene.id), eq(sceneMedia.kind, "image")))
        .orderBy(desc(sceneMedia.createdAt))
        .limit(1);
      const image = await this.imageOf(picture?.key);
      const outcome = await callChain(
        "video",
        this.chains.video,
        // Named after the scene: the clip is the scene's, whoever is in it.
        (provider, signal) => provider.start({ prompt, element: { ...this.draftOf(place ?? people[0] ?? null, scene, prompt), name: scene.title || "A scene" }, ...(image ? { image } : {}) }, { ...context, signal }),
        callPolicy(this.env, "video"),
      );
      progressed = outcome.value;
      providerName = outcome.provider.name;
    }
    const provider = videoProviderNamed(this.chains, providerName);
    if (!provider) throw new ProviderError("local", `the clip's provider ${providerName} is no longer configured`, { retryable: false });
    const started = Date.now();
    while (progressed.status === "pending" && Date.now() - started < INLINE_VIDEO_POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, Date.now() - started < 1_500 ? 50 : 250));
      progressed = await provider.poll(progressed.token, context);
    }
    if (progressed.status === "pending") {
      const output = { pending: { sceneId: scene.id, token: progressed.token, provider: providerName } };
      await this.db
        .insert(jobStages)
        .values({ jobId: this.job.id, stage: "video", status: "running", attempts: 1, startedAt: new Date(), output })
        .onConflictDoUpdate({ target: [jobStages.jobId, jobStages.stage], set: { status: "running", output } });
      throw new JobDeferred(progressed.pollAfterSeconds);
    }
    const stored = await this.store(scene.id, "clip", progressed.result, { promptHash: context.seed });
    return { sceneId: scene.id, usd: progressed.result.usage.costUsd, made: stored };
  }

  // ---------------------------------------------------------------- storing

  /** Puts the file in R2 under the world, records it with who made it (C7), and makes it the scene's current one. */
  private async store(
    sceneId: string,
    kind: "image" | "clip" | "narration",
    media: MediaResult,
    provenanceExtra: Record<string, unknown>,
    narration?: { cacheKey: string; voices: Record<string, unknown>; timings: NarrationResult["timings"]; durationMs: number },
  ) {
    const { world, story } = this.found;
    const extension = EXTENSIONS[media.mimeType] ?? "bin";
    const key = `worlds/${world.id}/stories/${story.id}/scenes/${sceneId}/${this.job.id}-${kind}.${extension}`;
    const offline = media.provider === "local";
    const provenance = { provider: media.provider, model: media.model, at: new Date().toISOString(), offline, mimeType: media.mimeType, costUsd: media.usage.costUsd, storyId: story.id, sceneId, ...provenanceExtra };
    await this.env.ASSETS_BUCKET.put(key, media.bytes, { httpMetadata: { contentType: media.mimeType }, customMetadata: { provider: media.provider, model: media.model } });
    await this.db.batch([
      this.db
        .insert(assets)
        .values({ key, worldId: world.id, kind: kind === "clip" ? "video" : kind === "narration" ? "audio" : "image", mimeType: media.mimeType, size: media.bytes.byteLength, jobId: this.job.id, createdBy: this.job.userId, provenance })
        .onConflictDoNothing(),
      this.db
        .insert(sceneMedia)
        .values({
          id: newId(),
          storyId: story.id,
          sceneId,
          kind,
          key,
          mimeType: media.mimeType,
          provider: media.provider,
          model: media.model,
          offline,
          jobId: this.job.id,
          // The column's default is whole seconds (`unixepoch() * 1000`): two readings of a scene within a second
          // would tie, and the one shown as current would be a coin toss.
          createdAt: new Date(),
          ...(narration ? { cacheKey: narration.cacheKey, voices: narration.voices, timings: narration.timings, durationMs: narration.durationMs } : {}),
        }),
    ]);
    return { key, provider: media.provider, model: media.model, offline };
  }
}
