// Ratings of AI results (issue 19, point 7): thumbs up or down, and an optional comment, one per
// person per result. What was rated — provider, model, job kind — is read from the server's own
// record of the result (the job, the asset's provenance, the element's metadata), never from the
// request, so the counts per provider and model mean what they say.
import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { RATING_COMMENT_MAX_CHARS, RATING_TARGET_KINDS, assets, elements, jobs, ratings, type JobKind, type RatingTargetKind } from "../../drizzle/schema";
import type { Database } from "../lib/db";
import { notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { storedOr } from "../lib/stored-json";

export const RATING_TARGET_ID_MAX = 300;

const TargetIdSchema = z
  .string()
  .min(1)
  .max(RATING_TARGET_ID_MAX)
  .regex(/^[A-Za-z0-9._\-/]+$/, "use letters, digits, '.', '_', '-' and '/' only");
const TargetKindSchema = z.enum(RATING_TARGET_KINDS);

/**
 * `PUT /api/worlds/:id/ratings`. Strict: a body that names a provider, model or job kind is refused,
 * not trusted. `comment` left out keeps the comment the rating has; `null` or blank removes it.
 */
export const RateSchema = z.strictObject({
  targetKind: TargetKindSchema,
  targetId: TargetIdSchema,
  value: z.enum(["up", "down"]),
  comment: z.string().max(RATING_COMMENT_MAX_CHARS).nullable().optional(),
});
export type RateInput = z.infer<typeof RateSchema>;

export const RatingTargetSchema = z.strictObject({ targetKind: TargetKindSchema, targetId: TargetIdSchema });

export const RatingListQuerySchema = z.strictObject({
  targetKind: TargetKindSchema.optional(),
  targetId: TargetIdSchema.optional(),
});

type RatingRow = typeof ratings.$inferSelect;

export function toRatingDto(row: RatingRow) {
  return {
    id: row.id,
    worldId: row.worldId,
    targetKind: row.targetKind,
    targetId: row.targetId,
    value: row.value > 0 ? ("up" as const) : ("down" as const),
    comment: row.comment,
    provider: row.provider,
    model: row.model,
    jobKind: row.jobKind,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type RatingDto = ReturnType<typeof toRatingDto>;

/** Who made a result, as the server recorded it. */
export type RatedResult = { provider: string; model: string; jobKind: string };

const MadeBySchema = z.looseObject({ provider: z.string().min(1), model: z.string().min(1) });
const WrittenSchema = z.looseObject({ written: z.array(MadeBySchema).min(1) });
const ElementMetadataSchema = z.looseObject({
  provider: z.string().optional(),
  model: z.string().optional(),
  provenance: z.looseObject({ text: MadeBySchema.optional() }).optional(),
});

const ASSET_KIND: Record<"image" | "clip" | "narration", string> = { image: "image", clip: "video", narration: "audio" };
const PASSAGE_JOBS: ReadonlySet<JobKind> = new Set(["story_continue", "story_write"]);

const missing = () => notFound("That AI result");

/**
 * The provider, model and job kind of the result `targetId` names in `worldId`, from the server's
 * records; 404 when there is no such AI-made result in this world (another world's, a person's own
 * upload, a job that did not finish).
 */
export async function findRatedResult(db: Database, worldId: string, targetKind: RatingTargetKind, targetId: string): Promise<RatedResult> {
  switch (targetKind) {
    case "element_text":
      return elementText(db, worldId, targetId);
    case "image":
    case "clip":
    case "narration":
      return assetResult(db, worldId, ASSET_KIND[targetKind], targetId);
    case "passage":
      return jobResult(db, worldId, targetId, (kind) => PASSAGE_JOBS.has(kind));
    case "refine":
      return jobResult(db, worldId, targetId, (kind) => kind === "scene_refine");
  }
}

async function elementText(db: Database, worldId: string, elementId: string): Promise<RatedResult> {
  const [row] = await db
    .select({ metadata: elements.metadata })
    .from(elements)
    .where(and(eq(elements.worldId, worldId), eq(elements.id, elementId)))
    .limit(1);
  if (!row) throw missing();
  const metadata = storedOr(ElementMetadataSchema, row.metadata, null);
  const provider = metadata?.provenance?.text?.provider ?? metadata?.provider;
  const model = metadata?.provenance?.text?.model ?? metadata?.model;
  if (!provider || !model) throw missing();
  // The newest finished job that wrote this element (seed, generate or refine) says which kind made it.
  const [job] = await db
    .select({ kind: jobs.kind })
    .from(jobs)
    .where(
      and(
        eq(jobs.worldId, worldId),
        eq(jobs.status, "succeeded"),
        sql`exists (select 1 from json_each(${jobs.result}, '$.elementIds') where json_each.value = ${elementId})`,
      ),
    )
    .orderBy(desc(jobs.updatedAt))
    .limit(1);
  return { provider, model, jobKind: job?.kind ?? "element_generate" };
}

async function assetResult(db: Database, worldId: string, kind: string, key: string): Promise<RatedResult> {
  const [row] = await db
    .select({ kind: assets.kind, provenance: assets.provenance, jobKind: jobs.kind })
    .from(assets)
    .leftJoin(jobs, eq(jobs.id, assets.jobId))
    .where(and(eq(assets.key, key), eq(assets.worldId, worldId)))
    .limit(1);
  if (!row || row.kind !== kind) throw missing();
  const madeBy = storedOr(MadeBySchema, row.provenance, null);
  if (!madeBy) throw missing();
  return { provider: madeBy.provider, model: madeBy.model, jobKind: row.jobKind ?? "unknown" };
}

async function jobResult(db: Database, worldId: string, jobId: string, fits: (kind: JobKind) => boolean): Promise<RatedResult> {
  const [job] = await db
    .select({ kind: jobs.kind, status: jobs.status, result: jobs.result })
    .from(jobs)
    .where(and(eq(jobs.id, jobId), eq(jobs.worldId, worldId)))
    .limit(1);
  if (!job || !fits(job.kind) || job.status !== "succeeded") throw missing();
  const madeBy = storedOr(MadeBySchema, job.result, null) ?? storedOr(WrittenSchema, job.result, null)?.written[0] ?? null;
  if (!madeBy) throw missing();
  return { provider: madeBy.provider, model: madeBy.model, jobKind: job.kind };
}

/** Rates a result (or changes the person's rating of it). */
export async function rateResult(db: Database, userId: string, worldId: string, input: RateInput): Promise<RatingDto> {
  const made = await findRatedResult(db, worldId, input.targetKind, input.targetId);
  const now = new Date();
  const value = input.value === "up" ? 1 : -1;
  const comment = input.comment === undefined ? undefined : input.comment?.trim() || null;
  const [row] = await db
    .insert(ratings)
    .values({ id: newId(), userId, worldId, targetKind: input.targetKind, targetId: input.targetId, ...made, value, comment: comment ?? null, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [ratings.userId, ratings.worldId, ratings.targetKind, ratings.targetId],
      set: { ...made, value, updatedAt: now, ...(comment === undefined ? {} : { comment }) },
    })
    .returning();
  return toRatingDto(row!);
}

/** Removes the person's rating of a result; 404 when they had none. */
export async function removeRating(db: Database, userId: string, worldId: string, target: z.infer<typeof RatingTargetSchema>) {
  const removed = await db
    .delete(ratings)
    .where(and(eq(ratings.userId, userId), eq(ratings.worldId, worldId), eq(ratings.targetKind, target.targetKind), eq(ratings.targetId, target.targetId)))
    .returning({ id: ratings.id });
  if (removed.length === 0) throw notFound("That rating");
}

/** The person's own ratings in a world (newest first), to show their thumbs where they rate. */
export async function listMyRatings(db: Database, userId: string, worldId: string, query: z.infer<typeof RatingListQuerySchema>): Promise<RatingDto[]> {
  const rows = await db
    .select()
    .from(ratings)
    .where(
      and(
        eq(ratings.userId, userId),
        eq(ratings.worldId, worldId),
        query.targetKind ? eq(ratings.targetKind, query.targetKind) : undefined,
        query.targetId ? eq(ratings.targetId, query.targetId) : undefined,
      ),
    )
    .orderBy(desc(ratings.updatedAt))
    .limit(1000);
  return rows.map(toRatingDto);
}

/** Thumbs counted per provider, model and job kind: of one world's results, or of one person's ratings. */
export async function ratingSummary(db: Database, scope: { worldId: string } | { userId: string }) {
  const rows = await db
    .select({
      provider: ratings.provider,
      model: ratings.model,
      jobKind: ratings.jobKind,
      up: sql<number>`sum(case when ${ratings.value} > 0 then 1 else 0 end)`,
      down: sql<number>`sum(case when ${ratings.value} < 0 then 1 else 0 end)`,
      comments: sql<number>`count(${ratings.comment})`,
    })
    .from(ratings)
    .where("worldId" in scope ? eq(ratings.worldId, scope.worldId) : eq(ratings.userId, scope.userId))
    .groupBy(ratings.provider, ratings.model, ratings.jobKind)
    .orderBy(ratings.provider, ratings.model, ratings.jobKind);
  const groups = rows.map((row) => ({ ...row, up: Number(row.up), down: Number(row.down), comments: Number(row.comments), total: Number(row.up) + Number(row.down) }));
  return {
    groups,
    totals: { up: groups.reduce((sum, g) => sum + g.up, 0), down: groups.reduce((sum, g) => sum + g.down, 0) },
  };
}
