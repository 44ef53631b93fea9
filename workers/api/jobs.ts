import { and, desc, eq, gte, inArray, ne, or } from "drizzle-orm";
import { Hono } from "hono";
import { PHOTO_TYPES, readPhotoUpload } from "./photo-upload";
import { z } from "zod";
import { assets, elements, jobs, user } from "../../drizzle/schema";
import type { StoredConflict } from "../../durable-objects/world-room/room-storage";
import { callPolicy, providerChains } from "../ai";
import { callChain } from "../ai/resilience";
import { sha256Hex } from "../lib/hash";
import { IdSchema, unwrap } from "../domain/graph";
import {
  GenerateSchema,
  RefineSchema,
  acceptPrompt,
  cancelJob,
  createJob,
  limitsFrom,
  listWorldJobs,
  loadJobView,
  parseIdempotencyKey,
  promptOf,
  type GenerationInput,
} from "../domain/jobs";
import { getWorldAccess, requireWorldRole } from "../domain/worlds";
import type { Database } from "../lib/db";
import { newId } from "../lib/ids";
import type { AppEnv } from "./context";
import { shareTokenOf } from "./share-token";
import { HttpError, notFound } from "../lib/errors";
import { requireUser } from "./middleware/request";
import { jsonBody, parseWith, queryOf } from "./validate";

/**
 * Two people's refines of one element conflict (catalogue D4) while the first is queued or
 * running, or finished this recently: the second was asked of an element its author had not yet
 * seen change.
 */
export const CONFLICT_WINDOW_MS = 20_000;

const DEFAULT_MODALITIES: GenerationInput["modalities"] = ["text", "image", "video", "audio"];

const param = (raw: string | undefined, what: string) => parseWith(IdSchema, raw ?? "", what);

/** Generation jobs (SPEC §5), uploads that seed them, and the assets they make. */
export const jobRoutes = new Hono<AppEnv>()
  .post("/worlds/:id/generate", async (c) => {
    const me = requireUser(c);
    const db = c.get("db");
    const access = await requireWorldRole(db, param(c.req.param("id"), "world id"), me.id, "editor", shareTokenOf(c));
    const idempotencyKey = parseIdempotencyKey(c.req.header("idempotency-key"));
    const body = await jsonBody(c, GenerateSchema);
    const prompt = acceptPrompt(body.prompt);
    if (body.elementId) {
      const [element] = await db.select({ id: elements.id }).from(elements).where(and(eq(elements.id, body.elementId), eq(elements.worldId, access.world.id)));
      if (!element) throw notFound("That element");
    }
    const { job, created } = await createJob(db, c.env.JOBS_QUEUE, limitsFrom(c.env), {
      userId: me.id,
      worldId: access.world.id,
      kind: body.elementId ? "element_refine" : "element_generate",
      input: { prompt, elementId: body.elementId, type: body.type, modalities: withText(body.modalities ?? DEFAULT_MODALITIES) },
      idempotencyKey,
      requestBody: body,
    });
    if (created) c.executionCtx.waitUntil(announce(c.env, job.worldId!, job.id, job.kind, job.elementId));
    return c.json({ job }, 202);
  })
  .post("/worlds/:id/elements/:eid/refine", async (c) => {
    const me = requireUser(c);
    const db = c.get("db");
    const access = await requireWorldRole(db, param(c.req.param("id"), "world id"), me.id, "editor", shareTokenOf(c));
    const elementId = param(c.req.param("eid"), "element id");
    const idempotencyKey = parseIdempotencyKey(c.req.header("idempotency-key"));
    const body = await jsonBody(c, RefineSchema);
    const prompt = acceptPrompt(body.prompt);
    const [element] = await db.select().from(elements).where(and(eq(elements.id, elementId), eq(elements.worldId, access.world.id)));
    if (!element) throw notFound("That element");
    const modalities = withText(body.modalities ?? ["text", "image", "audio"]);

    // Someone else's refine of this element is waiting or running: offer a choice instead (D4).
    const [other] = await db
      .select()
      .from(jobs)
      .where(
        and(
          eq(jobs.worldId, access.world.id),
          eq(jobs.elementId, elementId),
          eq(jobs.kind, "element_refine"),
          ne(jobs.userId, me.id),
          or(
            inArray(jobs.status, ["queued", "running"]),
            and(eq(jobs.status, "succeeded"), gte(jobs.updatedAt, new Date(Date.now() - CONFLICT_WINDOW_MS))),
          ),
        ),
      )
      .orderBy(desc(jobs.createdAt))
      .limit(1);
    if (other) {
      const a = promptOf(other) ?? "";
      // Exactly one of two requests runs: once the other's result is in the element, there is
      // nothing left to choose, and this one is not run unless its author has seen that result.
      const sawLatest = (version: number) => body.baseVersion !== undefined && body.baseVersion >= version;
      if (other.status === "succeeded" && !sawLatest(element.version)) throw await refinedMeanwhile(db, other, element.version);
      if (other.status !== "succeeded") {
        const merged = await mergePrompts(c.env, access.world, element, a, prompt);
        const conflict: StoredConflict = {
          id: newId(),
          elementId,
          options: { merged: merged.text, a, b: prompt, ...(merged.offline ? { mergedOffline: true } : {}) },
          a: { jobId: other.id, userId: other.userId ?? "" },
          b: { userId: me.id, userName: me.name, modalities },
        };
        const opened = await c.env.WORLD_ROOM.getByName(access.world.id).openConflict(conflict, body.baseVersion ?? null);
        if (!opened.ok && opened.code === "refined_meanwhile") {
          const [now] = await db.select({ version: elements.version }).from(elements).where(and(eq(elements.id, elementId), eq(elements.worldId, access.world.id)));
          throw await refinedMeanwhile(db, other, now?.version ?? element.version);
        }
        if (unwrap(opened).opened) {
          const view = { id: conflict.id, elementId, options: conflict.options, jobId: other.id };
          return c.json(
            {
              error: { code: "refine_conflict", message: "Someone else is refining this element; choose between the requests in the room.", details: { conflict: view } },
              conflict: view,
            },
            409,
          );
        }
      }
    }
    const { job, created } = await createJob(db, c.env.JOBS_QUEUE, limitsFrom(c.env), {
      userId: me.id,
      worldId: access.world.id,
      kind: "element_refine",
      input: { prompt, elementId, modalities },
      idempotencyKey,
      requestBody: { elementId, ...body },
    });
    if (created) c.executionCtx.waitUntil(announce(c.env, access.world.id, job.id, job.kind, elementId));
    return c.json({ job }, 202);
  })
  .post("/worlds/:id/photo", async (c) => {
    const me = requireUser(c);
    const db = c.get("db");
    const access = await requireWorldRole(db, param(c.req.param("id"), "world id"), me.id, "editor", shareTokenOf(c));
    const { bytes, mimeType, fields } = await readPhotoUpload(c);
    const hint = fields.prompt ?? "";
    const prompt = hint.trim() ? acceptPrompt(hint) : "An element drawn from this picture";
    const key = `worlds/${access.world.id}/uploads/${newId()}.${PHOTO_TYPES[mimeType]}`;
    await c.env.ASSETS_BUCKET.put(key, bytes, { httpMetadata: { contentType: mimeType } });
    await db.insert(assets).values({ key, worldId: access.world.id, kind: "upload", mimeType, size: bytes.byteLength, createdBy: me.id, provenance: { person: me.id } });
    const { job } = await createJob(db, c.env.JOBS_QUEUE, limitsFrom(c.env), {
      userId: me.id,
      worldId: access.world.id,
      kind: "element_generate",
      input: { prompt, upload: { key, mimeType }, modalities: ["text", "image", "audio"] },
      idempotencyKey: parseIdempotencyKey(c.req.header("idempotency-key")),
      requestBody: { photo: await sha256Hex(key), prompt },
    });
    c.executionCtx.waitUntil(announce(c.env, access.world.id, job.id, job.kind, null));
    return c.json({ job }, 202);
  })
  .get("/worlds/:id/jobs", async (c) => {
    const me = requireUser(c);
    const access = await getWorldAccess(c.get("db"), param(c.req.param("id"), "world id"), me.id, shareTokenOf(c));
    const query = queryOf(c, z.object({ active: z.enum(["0", "1"]).optional(), limit: z.coerce.number().int().min(1).max(100).default(20) }));
    return c.json({ jobs: await listWorldJobs(c.get("db"), access.world.id, { active: query.active === "1", limit: query.limit }) });
  })
  .get("/jobs/:id", async (c) => {
    const me = requireUser(c);
    const job = await loadJobView(c.get("db"), param(c.req.param("id"), "job id"));
    if (!job?.worldId) throw notFound("That job");
    await getWorldAccess(c.get("db"), job.worldId, me.id, shareTokenOf(c));
    return c.json({ job });
  })
  .post("/jobs/:id/cancel", async (c) => {
    const me = requireUser(c);
    const db = c.get("db");
    const jobId = param(c.req.param("id"), "job id");
    const job = await loadJobView(db, jobId);
    if (!job?.worldId) throw notFound("That job");
    const access = await requireWorldRole(db, job.worldId, me.id, "editor", shareTokenOf(c));
    const room = c.env.WORLD_ROOM.getByName(access.world.id);
    // The room first: from its answer on, the job's result is never applied (or it already was).
    const { stopped } = unwrap(await room.stopJob(jobId));
    if (!stopped || !(await cancelJob(db, jobId))) {
      throw new HttpError(409, "job_finished", stopped ? `The job has already ${job.status === "cancelled" ? "been cancelled" : job.status}.` : "The job's result is already in the world.");
    }
    await room.jobEvent({ jobId, kind: job.kind, elementId: job.elementId, stage: job.stage ?? "queued", progress: job.progress, status: "cancelled" });
    if (job.elementId) await room.jobUnlock(job.elementId, jobId);
    return c.json({ job: await loadJobView(db, jobId) });
  });

/**
 * 409 `refined_meanwhile`: another person's refine reached the element just before this request,
 * which was asked of the text before it; it is not run. Sending it again with `baseVersion` at the
 * element's current version (as the editor does once the person has seen the result) runs it.
 */
async function refinedMeanwhile(db: Database, other: typeof jobs.$inferSelect, version: number) {
  const [author] = other.userId ? await db.select({ name: user.name }).from(user).where(eq(user.id, other.userId)) : [];
  const who = author?.name ?? "Someone";
  const prompt = (promptOf(other) ?? "").slice(0, 200);
  return new HttpError(
    409,
    "refined_meanwhile",
    `${who} refined this element (“${prompt}”) moments before your request, so yours was not run. Look at the result, then ask again if you still want it.`,
    { jobId: other.id, version },
  );
}

function withText(modalities: GenerationInput["modalities"]): GenerationInput["modalities"] {
  return [...new Set(["text" as const, ...modalities])];
}

/** Everyone in the room sees a new job at once, before the consumer picks it up. */
async function announce(env: Env, worldId: string, jobId: string, kind: string, elementId: string | null) {
  await env.WORLD_ROOM.getByName(worldId)
    .jobEvent({ jobId, kind, elementId, stage: "queued", progress: 0, status: "queued" })
    .catch(() => undefined);
}

/**
 * The merged option of a conflict, written by the text provider (falls back like any call); an
 * offline merge (the `local` provider) is marked so the dialog labels it as an offline rendering.
 */
async function mergePrompts(
  env: Env,
  world: { title: string; description: string; style: string; tags: string[] },
  element: typeof elements.$inferSelect,
  a: string,
  b: string,
): Promise<{ text: string; offline: boolean }> {
  const chains = providerChains(env);
  const outcome = await callChain(
    "text",
    chains.text,
    (provider, signal) =>
      provider.mergePrompts(
        { element: { name: element.name, type: element.type, description: element.description, tags: element.tags }, a, b },
        { world, seed: `${a}\n${b}`, signal },
      ),
    callPolicy(env, "text"),
  );
  return { text: outcome.value.value, offline: outcome.value.provider === "local" };
}
