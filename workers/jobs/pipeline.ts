// The generation pipeline (SPEC §5): refine text → image, video and audio in parallel → graph
// update through the world's room → notice. Every stage is checkpointed in `job_stages`, so a
// redelivered message resumes after the last finished stage; optional stages (video, audio) may
// fail without failing the job.
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import {
  ELEMENT_TYPES,
  RELATIONSHIP_KINDS,
  assets,
  elements,
  generationCache,
  jobStages,
  jobs,
  relationships,
  user,
  worldMembers,
  worlds,
  type ElementAssets,
  type ProvenanceRecord,
} from "../../drizzle/schema";
import type { GeneratedElement, GenerationWrite } from "../domain/room-types";
import type { JobEvent } from "../../durable-objects/world-room/protocol";
import type { WorldRoom } from "../../durable-objects/world-room/world-room";
import { callPolicy, providerChains, videoProviderNamed, type ProviderChains } from "../ai";
import { moderateOutput } from "../ai/prompt-safety";
import { sha256Hex } from "../lib/hash";
import { callChain } from "../ai/resilience";
import {
  PROVIDER_NAMES,
  ProviderError,
  type CallContext,
  type ElementDraft,
  type ElementSummary,
  type MediaResult,
  type Modality,
  type VideoProgress,
} from "../ai/types";
import { unwrap } from "../domain/graph";
import { placeGenerated } from "../domain/placement";
import { GenerationInputSchema, type GenerationInput, type Stage } from "../domain/jobs";
import { getDb, type Database } from "../lib/db";
import { log } from "../lib/log";
import { readStored, storedOr } from "../lib/stored-json";

/** The job cannot succeed however often it is retried (refused prompt, lost access, bad output). */
export class JobFailure extends Error {}

/** A stage is waiting on a provider (Nova Reel): run the job again after `delaySeconds`. */
export class JobDeferred extends Error {
  constructor(readonly delaySeconds: number) {
    super(`deferred for ${delaySeconds} s`);
  }
}

/**
 * The room refused the job's result: the job was cancelled, or another request was chosen in a
 * conflict (the room decides that once, so a job that got this far never writes).
 */
class JobCancelled extends Error {}

export type RunOutcome = "finished" | "cancelled";

/**
 * How long the consumer polls an asynchronous clip in place before handing over to the queue:
 * often at first (a short clip may be seconds away), then less, then not at all.
 */
const INLINE_VIDEO_POLL_MS = 4_000;
const pollInterval = (elapsedMs: number) => (elapsedMs < 1_500 ? 50 : 250);

type StageRow = typeof jobStages.$inferSelect;
type JobRow = typeof jobs.$inferSelect;
type WorldRow = typeof worlds.$inferSelect;

// What each stage checkpoints in `job_stages.output`, and reads back on a redelivery (or from the
// cache) through these schemas: a checkpoint that does not read is run again, never trusted.
const ProvenanceSchema = z.looseObject({
  provider: z.string(),
  model: z.string(),
  promptHash: z.string(),
  at: z.string(),
  offline: z.boolean(),
  mimeType: z.string().optional(),
}) satisfies z.ZodType<ProvenanceRecord>;
const StoredAssetSchema = z.object({ index: z.number().int().min(0), key: z.string(), mimeType: z.string(), size: z.number(), provenance: ProvenanceSchema });
const StoredDraftSchema = z.object({
  name: z.string(),
  type: z.enum(ELEMENT_TYPES),
  description: z.string(),
  tags: z.array(z.string()),
  relationships: z.array(z.object({ to: z.string(), kind: z.enum(RELATIONSHIP_KINDS), label: z.string().optional() })),
  visualPrompt: z.string(),
  narration: z.string(),
}) satisfies z.ZodType<ElementDraft>;
const TextOutputSchema = z.object({ drafts: z.array(StoredDraftSchema), provider: z.enum(PROVIDER_NAMES), model: z.string(), fellBack: z.boolean() });
const MediaOutputSchema = z.object({
  assets: z.array(StoredAssetSchema),
  provider: z.string().optional(),
  model: z.string().optional(),
  skipped: z.string().optional(),
  /** An optional stage that failed: the job went on without it. */
  failed: z.string().optional(),
  /** A clip still rendering: the provider and its token, to poll on the next delivery. */
  pending: z.object({ token: z.string(), provider: z.string() }).optional(),
});
const GraphOutputSchema = z.object({ elementIds: z.array(z.string()), names: z.array(z.string()), relationships: z.number() });
/** The cache keeps finished stages' checkpoints by stage (saveCache); each is read again by its stage. */
const CachedStagesSchema = z.record(z.string(), z.record(z.string(), z.unknown()));
/** A checkpoint still waiting on a clip is not reusable. */
const WaitingSchema = z.looseObject({ pending: z.unknown().optional() });

type StoredAsset = z.infer<typeof StoredAssetSchema>;
type TextOutput = z.infer<typeof TextOutputSchema>;
type MediaOutput = z.infer<typeof MediaOutputSchema>;

const EXTENSIONS: Record<string, string> = {
  "image/svg+xml": "svg",
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "video/mp4": "mp4",
  "audio/wav": "wav",
  "audio/mpeg": "mp3",
};

const PROGRESS: Record<Stage, [number, number]> = {
  refine_text: [5, 30],
  image: [30, 80],
  video: [30, 80],
  audio: [30, 80],
  graph_update: [80, 95],
  notify: [95, 100],
};

/** Runs (or resumes) one generation job to the end, or throws for the consumer to retry it. */
export async function runGenerationJob(jobId: string, env: Env): Promise<RunOutcome> {
  const db = getDb(env.DB);
  const [[job], stages] = await db.batch([
    db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1),
    db.select().from(jobStages).where(eq(jobStages.jobId, jobId)),
  ]);
  if (!job || !job.worldId || !job.userId || !["queued", "running"].includes(job.status)) return "finished";
  const input = readStored(GenerationInputSchema, job.input);
  if (!input.ok) return fail(db, job, `This job's stored input cannot be read (${input.reason}); ask again.`);
  const [[world], [author], [member]] = await db.batch([
    db.select().from(worlds).where(eq(worlds.id, job.worldId)).limit(1),
    db.select({ id: user.id, name: user.name, preferences: user.preferences }).from(user).where(eq(user.id, job.userId)).limit(1),
    db.select({ role: worldMembers.role }).from(worldMembers).where(and(eq(worldMembers.worldId, job.worldId), eq(worldMembers.userId, job.userId))).limit(1),
  ]);
  if (!world || !author) return fail(db, job, "The world was deleted.");
  // Only members edit; the role is checked again now, since it may have changed since the request.
  if (!member || member.role === "viewer") return fail(db, job, "The person who asked can no longer edit this world.");
  const run = new JobRun(env, db, job, input.value, world, { id: author.id, name: author.name, role: member.role, preferences: author.preferences }, stages);
  return run.execute();
}

/** What an optional media stage (clip, narration) leaves when it fails: nothing, and why. */
const withoutMedia = (failed: string): MediaOutput => ({ assets: [], failed });

async function fail(db: Database, job: JobRow, reason: string): Promise<RunOutcome> {
  await db.update(jobs).set({ status: "failed", error: reason, updatedAt: new Date() }).where(eq(jobs.id, job.id));
  return "finished";
}

class JobRun {
  private readonly room: DurableObjectStub<WorldRoom>;
  private readonly chains: ProviderChains;
  private stages = new Map<string, StageRow>();
  private context!: CallContext;
  private promptHash = "";
  /** The existing element a refine or a generate-into works on. */
  private target: typeof elements.$inferSelect | null = null;

  constructor(
    private readonly env: Env,
    private readonly db: Database,
    private readonly job: JobRow,
    private readonly input: GenerationInput,
    private readonly world: WorldRow,
    private readonly actor: { id: string; name: string; role: "owner" | "editor"; preferences: { defaultVoice?: string } | null },
    stages: StageRow[],
  ) {
    this.stages = new Map(stages.map((row) => [row.stage, row]));
    this.room = env.WORLD_ROOM.getByName(world.id);
    this.chains = providerChains(env);
  }

  async execute(): Promise<RunOutcome> {
    const { db, job } = this;
    if (this.input.elementId) {
      const [row] = await db
        .select()
        .from(elements)
        .where(and(eq(elements.id, this.input.elementId), eq(elements.worldId, this.world.id)))
        .limit(1);
      if (!row) return fail(db, job, "The element was deleted.");
      this.target = row;
    }
    this.promptHash = await sha256Hex(`${this.input.prompt}\n${this.world.style}`);
    this.context = {
      world: { title: this.world.title, description: this.world.description, style: this.world.style, tags: this.world.tags },
      seed: this.promptHash,
    };
    // Running now, and has an identical request been answered before? One round trip for both.
    const cacheKey = this.stages.size === 0 ? await this.cacheKey() : null;
    const [, hits] = await db.batch([
      db
        .update(jobs)
        .set({ status: "running", attempts: job.attempts + 1, updatedAt: new Date() })
        .where(and(eq(jobs.id, job.id), inArray(jobs.status, ["queued", "running"]))),
      db
        .select()
        .from(generationCache)
        .where(and(eq(generationCache.key, cacheKey ?? ""), eq(generationCache.worldId, this.world.id)))
        .limit(1),
    ]);
    // The lock is taken while the text is written; the graph update waits for it.
    const locking = this.target ? this.room.jobLock(this.target.id, job.id).catch(() => undefined) : Promise.resolve();
    this.lockRenewedAt = Date.now();
    try {
      if (hits[0]) await this.useCache(hits[0]);
      const text = await this.stage("refine_text", TextOutputSchema, () => this.refineText());
      if (this.cancelled()) return "cancelled";
      const drafts = text.drafts;
      // The world's elements (for relationships by name) are read while the media are made.
      const existing = this.db
        .select({ id: elements.id, name: elements.name, x: elements.x, y: elements.y })
        .from(elements)
        .where(eq(elements.worldId, this.world.id))
        .then((rows) => rows, () => null);
      const media = await this.media(drafts);
      if (this.cancelled()) return "cancelled";
      await locking;
      let written: Awaited<ReturnType<JobRun["writeGraph"]>>;
      try {
        written = await this.stage("graph_update", GraphOutputSchema, async () => this.writeGraph(text, media, (await existing) ?? (await this.existingElements())));
      } catch (error) {
        if (!(error instanceof JobCancelled)) throw error;
        await db
          .update(jobs)
          .set({ status: "cancelled", error: "Cancelled.", updatedAt: new Date() })
          .where(and(eq(jobs.id, job.id), inArray(jobs.status, ["queued", "running"])));
        this.emit({ stage: "cancelled", progress: 0, status: "cancelled" });
        return "cancelled";
      }
      await this.finish(written);
      return "finished";
    } finally {
      await locking;
      await this.events;
      if (this.target) await this.room.jobUnlock(this.target.id, job.id).catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- stages

  /**
   * Runs a stage unless an earlier delivery finished it (its checkpoint reads through `schema`);
   * records time, attempts, cost. An optional stage that fails gives `skipped(reason)` instead.
   */
  private async stage<S extends z.ZodType<Record<string, unknown>>>(
    stage: Stage,
    schema: S,
    run: () => Promise<z.output<S> & { costUsd?: number }>,
    skipped?: (reason: string) => z.output<S>,
  ): Promise<z.output<S>> {
    const done = this.stages.get(stage);
    if (done?.status === "succeeded" && done.output !== null) {
      const checkpoint = readStored(schema, done.output);
      if (checkpoint.ok) return checkpoint.value;
      log.warn("job.checkpoint_unreadable", { jobId: this.job.id, stage, reason: checkpoint.reason });
    }
    const startedAt = new Date();
    const attempts = (done?.attempts ?? 0) + 1;
    const where = and(eq(jobStages.jobId, this.job.id), eq(jobStages.stage, stage));
    // The stage's start is recorded while it runs rather than before: one write less on the
    // critical path. Its end is written after the start has landed.
    const started = this.db.batch([
      this.db
        .insert(jobStages)
        .values({ jobId: this.job.id, stage, status: "running", attempts, startedAt, output: done?.output ?? null })
        .onConflictDoUpdate({ target: [jobStages.jobId, jobStages.stage], set: { status: "running", attempts, startedAt, error: null } }),
      this.progressUpdate(stage, PROGRESS[stage][0]),
    ]);
    this.emit({ stage, progress: PROGRESS[stage][0], status: "running" });
    try {
      const output = await run().finally(() => started.catch(() => undefined));
      const [, stillRunning] = await started;
      if (stillRunning.length === 0) this.wasCancelled = true;
      const { costUsd = 0, ...rest } = output;
      const finishedAt = new Date();
      await this.db.batch([
        this.db.update(jobStages).set({ status: "succeeded", output: rest, costEstimate: costUsd, finishedAt, error: null }).where(where),
        this.progressUpdate(stage, PROGRESS[stage][1]),
      ]);
      this.stages.set(stage, { jobId: this.job.id, stage, status: "succeeded", attempts, output: rest, error: null, costEstimate: costUsd, startedAt, finishedAt });
      this.emit({ stage, progress: PROGRESS[stage][1], status: "running" });
      return rest as z.output<S>;
    } catch (error) {
      if (error instanceof JobDeferred) throw error;
      const message = error instanceof Error ? error.message : String(error);
      await started.catch(() => undefined);
      const status = error instanceof JobCancelled ? "cancelled" : "failed";
      await this.db.update(jobStages).set({ status, error: message.slice(0, 500), finishedAt: new Date() }).where(where);
      if (skipped) {
        log.warn("job.optional_stage_failed", { jobId: this.job.id, stage, error: message });
        return skipped(message);
      }
      throw error;
    }
  }

  private async refineText(): Promise<TextOutput & { costUsd: number }> {
    const policy = callPolicy(this.env, "text");
    const { kind } = this.job;
    const outcome = await callChain(
      "text",
      this.chains.text,
      async (provider, signal) => {
        const context = { ...this.context, signal };
        if (this.input.upload) {
          const image = await this.readUpload();
          const result = await provider.describeImage({ image: image.bytes, mimeType: image.mimeType, hint: this.input.prompt }, context);
          return { ...result, value: [result.value] };
        }
        if (kind === "world_seed") return provider.world({ prompt: this.input.prompt, count: this.input.count ?? 10 }, context);
        const result = await provider.element(
          {
            prompt: this.input.prompt,
            type: this.input.type ?? this.target?.type,
            existing: this.target ? summaryOf(this.target) : undefined,
            neighbours: await this.neighbours(),
          },
          context,
        );
        return { ...result, value: [result.value] };
      },
      policy,
    );
    for (const draft of outcome.value.value) {
      const verdict = moderateOutput(`${draft.name}\n${draft.description}`);
      if (!verdict.ok) throw new JobFailure(`The generated text was withheld: ${verdict.reason}`);
    }
    return {
      drafts: outcome.value.value,
      provider: outcome.value.provider,
      model: outcome.value.model,
      fellBack: outcome.fellBack,
      costUsd: outcome.value.usage.costUsd,
    };
  }

  /** Image, clip and narration at once; only the image is required. */
  private async media(drafts: ElementDraft[]): Promise<Partial<Record<"image" | "video" | "audio", MediaOutput>>> {
    const wanted = new Set<Modality>(this.input.modalities);
    const aiImages = this.world.settings?.aiImages !== false;
    const tasks: Array<Promise<["image" | "video" | "audio", MediaOutput]>> = [];
    if (wanted.has("image")) {
      tasks.push(
        this.stage("image", MediaOutputSchema, () => (aiImages ? this.images(drafts) : Promise.resolve({ assets: [], skipped: "AI images are turned off for this world.", costUsd: 0 }))).then(
          (output) => ["image", output] as ["image", MediaOutput],
        ),
      );
    }
    if (wanted.has("video") && this.job.kind !== "world_seed") {
      tasks.push(
        this.stage("video", MediaOutputSchema, () => (aiImages ? this.video(drafts[0]!) : Promise.resolve({ assets: [], skipped: "AI images are turned off for this world.", costUsd: 0 })), withoutMedia).then(
          (output) => ["video", output] as ["video", MediaOutput],
        ),
      );
    }
    if (wanted.has("audio")) {
      tasks.push(this.stage("audio", MediaOutputSchema, () => this.audio(drafts), withoutMedia).then((output) => ["audio", output] as ["audio", MediaOutput]));
    }
    const settled = await Promise.allSettled(tasks);
    // Every stage has had its chance (and its checkpoint) before a failure or a deferral counts.
    const deferred = settled.find((s): s is PromiseRejectedResult => s.status === "rejected" && s.reason instanceof JobDeferred);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected" && !(s.reason instanceof JobDeferred));
    if (failed) throw failed.reason;
    if (deferred) throw deferred.reason;
    return Object.fromEntries(settled.map((s) => (s as PromiseFulfilledResult<["image" | "video" | "audio", MediaOutput]>).value));
  }

  private async images(drafts: ElementDraft[]): Promise<MediaOutput & { costUsd: number }> {
    const policy = callPolicy(this.env, "image");
    const upload = this.input.upload ? await this.readUpload() : null;
    const results = await Promise.all(
      drafts.map((draft, index) =>
        callChain(
          "image",
          this.chains.image,
          (provider, signal) =>
            upload
              ? provider.variation({ image: upload.bytes, mimeType: upload.mimeType, prompt: draft.visualPrompt }, { ...this.context, signal })
              : provider.image({ prompt: draft.visualPrompt, element: draft }, { ...this.context, seed: `${this.context.seed}:${index}`, signal }),
          policy,
        ).then(async (outcome) => this.store(index, "image", outcome.value)),
      ),
    );
    return {
      assets: results,
      provider: results[0]?.provenance.provider,
      model: results[0]?.provenance.model,
      costUsd: results.reduce((sum, asset) => sum + (asset.provenance as ProvenanceRecord & { costUsd?: number }).costUsd!, 0),
    };
  }

  private async video(draft: ElementDraft): Promise<MediaOutput & { costUsd: number }> {
    const policy = callPolicy(this.env, "video");
    const pending = storedOr(MediaOutputSchema, this.stages.get("video")?.output, null)?.pending;
    let progress: VideoProgress;
    let providerName: string;
    if (pending) {
      const provider = videoProviderNamed(this.chains, pending.provider);
      if (!provider) throw new ProviderError("local", `The clip was started with ${pending.provider}, which is no longer configured.`, { retryable: false });
      progress = await provider.poll(pending.token, this.context);
      providerName = pending.provider;
    } else {
      const image = await this.firstImageBytes();
      const outcome = await callChain(
        "video",
        this.chains.video,
        (provider, signal) => provider.start({ prompt: draft.visualPrompt, element: draft, image: image ?? undefined }, { ...this.context, signal }),
        policy,
      );
      progress = outcome.value;
      providerName = outcome.provider.name;
    }
    const provider = videoProviderNamed(this.chains, providerName)!;
    // Short clips are often ready within seconds: poll here before handing over to the queue.
    const pollStart = Date.now();
    while (progress.status === "pending" && Date.now() - pollStart < INLINE_VIDEO_POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, pollInterval(Date.now() - pollStart)));
      progress = await provider.poll(progress.token, this.context);
    }
    if (progress.status === "pending") {
      const output: MediaOutput = { assets: [], pending: { token: progress.token, provider: providerName } };
      await this.db
        .update(jobStages)
        .set({ output })
        .where(and(eq(jobStages.jobId, this.job.id), eq(jobStages.stage, "video")));
      throw new JobDeferred(progress.pollAfterSeconds);
    }
    const asset = await this.store(0, "video", progress.result);
    return { assets: [asset], provider: asset.provenance.provider, model: asset.provenance.model, costUsd: progress.result.usage.costUsd };
  }

  /** Narration for every element the job makes, in the world's (or the person's) voice. */
  private async audio(drafts: ElementDraft[]): Promise<MediaOutput & { costUsd: number }> {
    const policy = callPolicy(this.env, "audio");
    const voice = this.world.settings?.defaultVoice ?? this.actor.preferences?.defaultVoice;
    const assets = await Promise.all(
      drafts.map(async (draft, index) => {
        const outcome = await callChain("audio", this.chains.audio, (provider, signal) => provider.speak({ text: draft.narration, voice }, { ...this.context, signal }), policy);
        return { asset: await this.store(index, "audio", outcome.value), costUsd: outcome.value.usage.costUsd };
      }),
    );
    return {
      assets: assets.map((a) => a.asset),
      provider: assets[0]?.asset.provenance.provider,
      model: assets[0]?.asset.provenance.model,
      costUsd: assets.reduce((sum, a) => sum + a.costUsd, 0),
    };
  }

  private existingElements() {
    return this.db.select({ id: elements.id, name: elements.name, x: elements.x, y: elements.y }).from(elements).where(eq(elements.worldId, this.world.id));
  }

  private async writeGraph(
    text: TextOutput,
    media: Partial<Record<"image" | "video" | "audio", MediaOutput>>,
    existing: Array<{ id: string; name: string; x: number; y: number }>,
  ) {
    const ids = this.elementIds(text.drafts.length);
    const byName = new Map<string, string>();
    text.drafts.forEach((draft, index) => byName.set(draft.name.toLowerCase(), ids[index]!));
    // Relationships may name elements the world already has.
    for (const row of existing) if (!byName.has(row.name.toLowerCase())) byName.set(row.name.toLowerCase(), row.id);
    const positions = this.layout(text.drafts, ids, existing, byName);
    const at = new Date().toISOString();
    const textProvenance: ProvenanceRecord = { provider: text.provider, model: text.model, promptHash: this.promptHash, at, offline: text.provider === "local" };
    const generated: GeneratedElement[] = text.drafts.map((draft, index) => {
      const assetsFor: ElementAssets = {};
      const provenance: NonNullable<GeneratedElement["metadata"]["provenance"]> = { text: textProvenance };
      for (const kind of ["image", "video", "audio"] as const) {
        const asset = media[kind]?.assets.find((a) => a.index === index);
        if (asset) {
          assetsFor[kind] = asset.key;
          provenance[kind] = asset.provenance;
        }
      }
      return {
        id: ids[index]!,
        type: draft.type,
        name: draft.name,
        description: draft.description,
        tags: draft.tags.slice(0, 20),
        assets: assetsFor,
        metadata: { generatedFrom: this.input.prompt, provider: text.provider, model: text.model, provenance },
        position: positions[index],
      };
    });
    const relationshipWrites: GenerationWrite["relationships"] = [];
    text.drafts.forEach((draft, index) =>
      draft.relationships.forEach((rel, n) => {
        const to = byName.get(rel.to.toLowerCase());
        if (to && to !== ids[index]) relationshipWrites.push({ id: `${this.job.id}r${index}x${n}`, from: ids[index]!, to, kind: rel.kind, label: rel.label ?? "" });
      }),
    );
    const write: GenerationWrite = {
      jobId: this.job.id,
      action: this.job.kind === "element_refine" ? "refined" : "generated",
      prompt: this.input.prompt,
      elements: generated,
      relationships: relationshipWrites,
    };
    const applied = await this.room.applyGeneration(this.actor, write);
    if (!applied.ok && applied.code === "job_cancelled") throw new JobCancelled(applied.message);
    const { elements: written } = unwrap(applied);
    return { elementIds: written.map((e) => e.id), names: written.map((e) => e.name), relationships: relationshipWrites.length };
  }

  /** The notice: the job, its last stage and its totals in one write; then the cache and the room. */
  private async finish(written: { elementIds: string[]; names: string[] }) {
    const now = new Date();
    const costUsd = [...this.stages.values()].reduce((sum, s) => sum + s.costEstimate, 0);
    const result = { elementIds: written.elementIds, names: written.names };
    await this.db.batch([
      this.db
        .insert(jobStages)
        .values({ jobId: this.job.id, stage: "notify", status: "succeeded", attempts: 1, startedAt: now, finishedAt: now, output: { notified: true } })
        .onConflictDoUpdate({ target: [jobStages.jobId, jobStages.stage], set: { status: "succeeded", finishedAt: now, output: { notified: true } } }),
      this.db
        .update(jobs)
        .set({ status: "succeeded", stage: "notify", progress: 100, result, costEstimate: costUsd, error: null, updatedAt: now })
        .where(eq(jobs.id, this.job.id)),
    ]);
    this.emit({ stage: "notify", progress: 100, status: "succeeded", elementId: written.elementIds[0] ?? null });
    await this.saveCache([...this.stages.values()]);
  }

  // ---------------------------------------------------------------- helpers

  /** Deterministic ids: a redelivered job writes the same elements again, never new ones. */
  private elementIds(count: number): string[] {
    if (this.target) return [this.target.id];
    return Array.from({ length: count }, (_, index) => `${this.job.id}e${index}`);
  }

  /** A world seed in a ring; a new element in free space beside what it relates to (placement.ts). */
  private layout(drafts: ElementDraft[], ids: string[], existing: Array<{ id: string; x: number; y: number }>, byName: Map<string, string>) {
    if (this.target) return [undefined];
    const related = drafts.length === 1 ? drafts[0]!.relationships.map((rel) => byName.get(rel.to.toLowerCase())).find((id) => id && !ids.includes(id)) : undefined;
    const anchor = existing.find((row) => row.id === related) ?? null;
    return placeGenerated(drafts.length, existing, anchor);
  }

  private async neighbours(): Promise<ElementSummary[]> {
    if (!this.target) {
      const rows = await this.db.select().from(elements).where(eq(elements.worldId, this.world.id)).limit(12);
      return rows.map(summaryOf);
    }
    const links = await this.db
      .select({ from: relationships.fromId, to: relationships.toId })
      .from(relationships)
      .where(eq(relationships.worldId, this.world.id));
    const ids = links.flatMap((l) => (l.from === this.target!.id ? [l.to] : l.to === this.target!.id ? [l.from] : [])).slice(0, 12);
    if (ids.length === 0) return [];
    const rows = await this.db.select().from(elements).where(and(eq(elements.worldId, this.world.id), inArray(elements.id, ids)));
    return rows.map(summaryOf);
  }

  private async readUpload(): Promise<{ bytes: Uint8Array; mimeType: string }> {
    const upload = this.input.upload!;
    const object = await this.env.ASSETS_BUCKET.get(upload.key);
    if (!object) throw new JobFailure("The uploaded photo is gone.");
    return { bytes: new Uint8Array(await object.arrayBuffer()), mimeType: upload.mimeType };
  }

  private async firstImageBytes(): Promise<{ bytes: Uint8Array; mimeType: string } | null> {
    const asset = storedOr(MediaOutputSchema, this.stages.get("image")?.output, null)?.assets[0];
    const key = asset?.key ?? this.target?.assets.image;
    if (!key) return null;
    const object = await this.env.ASSETS_BUCKET.get(key);
    if (!object) return null;
    return { bytes: new Uint8Array(await object.arrayBuffer()), mimeType: object.httpMetadata?.contentType ?? asset?.mimeType ?? "application/octet-stream" };
  }

  /** Puts an asset in R2 under the world and records it, with who made it (C7). */
  private async store(index: number, kind: "image" | "video" | "audio", media: MediaResult): Promise<StoredAsset> {
    const extension = EXTENSIONS[media.mimeType] ?? "bin";
    const key = `worlds/${this.world.id}/jobs/${this.job.id}/${index}-${kind}.${extension}`;
    const provenance: ProvenanceRecord & { costUsd: number } = {
      provider: media.provider,
      model: media.model,
      promptHash: this.promptHash,
      at: new Date().toISOString(),
      offline: media.provider === "local",
      mimeType: media.mimeType,
      costUsd: media.usage.costUsd,
    };
    await this.env.ASSETS_BUCKET.put(key, media.bytes, {
      httpMetadata: { contentType: media.mimeType },
      customMetadata: { provider: media.provider, model: media.model, promptHash: this.promptHash },
    });
    await this.db
      .insert(assets)
      .values({ key, worldId: this.world.id, kind, mimeType: media.mimeType, size: media.bytes.byteLength, jobId: this.job.id, createdBy: this.actor.id, provenance })
      .onConflictDoNothing();
    return { index, key, mimeType: media.mimeType, size: media.bytes.byteLength, provenance };
  }

  /** The cache key: what was asked, of which element, in which world, from which providers. */
  private async cacheKey(): Promise<string> {
    return sha256Hex(
      JSON.stringify({
        kind: this.job.kind,
        world: this.world.id,
        prompt: this.input.prompt,
        style: this.world.style,
        type: this.input.type ?? null,
        count: this.input.count ?? null,
        modalities: [...this.input.modalities].sort(),
        upload: this.input.upload?.key ?? null,
        target: this.target ? { id: this.target.id, version: this.target.version } : null,
        aiImages: this.world.settings?.aiImages !== false,
        providers: Object.fromEntries(Object.entries(this.chains).map(([m, chain]) => [m, chain.map((p: { name: string }) => p.name)])),
      }),
    );
  }

  /** An identical earlier request: its finished stages become this job's (catalogue C5). */
  private async useCache(hit: typeof generationCache.$inferSelect) {
    const cached = readStored(CachedStagesSchema, hit.result);
    if (!cached.ok) {
      log.warn("job.cache_unreadable", { jobId: this.job.id, key: hit.key, reason: cached.reason });
      return;
    }
    const now = new Date();
    for (const [stage, output] of Object.entries(cached.value)) {
      const row: StageRow = { jobId: this.job.id, stage, status: "succeeded", attempts: 0, output: { ...output, cachedFrom: hit.jobId }, error: null, costEstimate: 0, startedAt: now, finishedAt: now };
      await this.db.insert(jobStages).values(row).onConflictDoNothing();
      this.stages.set(stage, row);
    }
  }

  private async saveCache(stageRows: StageRow[]) {
    const reusable = ["refine_text", "image", "video", "audio"];
    const result = Object.fromEntries(
      stageRows
        .filter((s) => reusable.includes(s.stage) && s.status === "succeeded" && !storedOr(WaitingSchema, s.output, { pending: true }).pending)
        .map((s) => [s.stage, s.output]),
    );
    if (!result.refine_text) return;
    await this.db
      .insert(generationCache)
      .values({ key: await this.cacheKey(), worldId: this.world.id, jobId: this.job.id, result })
      .onConflictDoNothing();
  }

  /** Stops between stages once the job was cancelled (noticed by the last progress write). */
  private cancelled(): boolean {
    if (!this.wasCancelled) return false;
    this.emit({ stage: "cancelled", progress: 0, status: "cancelled" });
    return true;
  }

  /** Updates a running job's progress; no row comes back once someone cancelled it. */
  private progressUpdate(stage: Stage, progress: number) {
    return this.db
      .update(jobs)
      .set({ stage, progress, updatedAt: new Date() })
      .where(and(eq(jobs.id, this.job.id), eq(jobs.status, "running")))
      .returning({ id: jobs.id });
  }

  /** Set when a progress write finds the job no longer running (cancelled meanwhile). */
  private wasCancelled = false;

  /** Room notices (progress, lock renewals) go out in order without holding up the stages. */
  private events: Promise<void> = Promise.resolve();
  private lockRenewedAt = 0;

  private emit(event: Omit<JobEvent, "jobId" | "kind" | "elementId"> & { elementId?: string | null }) {
    const renewLock = this.target && Date.now() - this.lockRenewedAt > 20_000;
    if (renewLock) this.lockRenewedAt = Date.now();
    this.events = this.events.then(async () => {
      try {
        await this.room.jobEvent({ jobId: this.job.id, kind: this.job.kind, elementId: this.target?.id ?? null, ...event });
        if (renewLock) await this.room.jobLock(this.target!.id, this.job.id);
      } catch (error) {
        log.warn("job.event_not_sent", { jobId: this.job.id, error: String(error) });
      }
    });
  }
}

function summaryOf(row: typeof elements.$inferSelect): ElementSummary {
  return { name: row.name, type: row.type, description: row.description, tags: row.tags };
}

/** Tells the room and D1 that a job failed for good. */
export async function markJobFailed(env: Env, jobId: string, reason: string) {
  const db = getDb(env.DB);
  const [job] = await db
    .update(jobs)
    .set({ status: "failed", error: reason.slice(0, 500), updatedAt: new Date() })
    .where(and(eq(jobs.id, jobId), inArray(jobs.status, ["queued", "running"])))
    .returning();
  if (!job?.worldId) return;
  const room = env.WORLD_ROOM.getByName(job.worldId);
  if (job.elementId) await room.jobUnlock(job.elementId, job.id).catch(() => undefined);
  await room
    .jobEvent({ jobId, kind: job.kind, elementId: job.elementId, stage: job.stage ?? "refine_text", progress: job.progress, status: "failed", error: job.error })
    .catch(() => undefined);
}
