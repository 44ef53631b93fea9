import { Hono } from "hono";
import { z } from "zod";
import {
  CreateWorldSchema,
  UpdateWorldSchema,
  createWorld,
  decodeCursor,
  deleteWorld,
  getWorldAccess,
  getWorldGraphJson,
  listMyWorlds,
  requireWorldRole,
  toWorldDto,
  updateWorld,
} from "../domain/worlds";
import { acceptPrompt, parseIdempotencyKey, seedWorld } from "../domain/jobs";
import { storyIdsOf } from "../domain/stories/stories";
import { forgetFiles, worldFilesPrefix } from "../domain/world-files";
import type { AppEnv } from "./context";
import { shareTokenOf } from "./share-token";
import { requireUser } from "./middleware/request";
import { jsonBody, parseWith, queryOf } from "./validate";

const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

// Ids are ours (16 lowercase alphanumerics); anything else cannot name a world.
const WorldIdSchema = z.string().regex(/^[a-z0-9]{1,64}$/);

const CreateWorldWithPromptSchema = CreateWorldSchema.extend({ prompt: z.string().min(1).max(4000).optional() });

function worldId(raw: string) {
  return parseWith(WorldIdSchema, raw, "world id");
}

export const worldRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const me = requireUser(c);
    const query = queryOf(c, ListQuerySchema);
    return c.json(await listMyWorlds(c.get("db"), me.id, { limit: query.limit, cursor: decodeCursor(query.cursor) }));
  })
  .post("/", async (c) => {
    const me = requireUser(c);
    const { prompt: rawPrompt, ...input } = await jsonBody(c, CreateWorldWithPromptSchema);
    // A prompt seeds the world (catalogue C1): checked before anything is created.
    const prompt = rawPrompt === undefined ? null : acceptPrompt(rawPrompt);
    const db = c.get("db");
    // The prompt is how the person described the world: unless they wrote a description of their
    // own, it becomes the world's description (shown on its card and public page).
    const world = await createWorld(db, me.id, prompt && input.description === undefined ? { ...input, description: prompt } : input);
    if (!prompt) return c.json({ world: toWorldDto(world, "owner", me.name) }, 201);
    const { job } = await seedWorld(db, c.env.JOBS_QUEUE, c.env, me.id, world.id, prompt, parseIdempotencyKey(c.req.header("idempotency-key")));
    return c.json({ world: toWorldDto(world, "owner", me.name), job }, 201);
  })
  .get("/:id", async (c) => {
    const access = await getWorldAccess(c.get("db"), worldId(c.req.param("id")), c.get("user")?.id ?? null, shareTokenOf(c));
    return c.body(await getWorldGraphJson(c.get("db"), access), 200, { "content-type": "application/json" });
  })
  .patch("/:id", async (c) => {
    const me = requireUser(c);
    const access = await requireWorldRole(c.get("db"), worldId(c.req.param("id")), me.id, "editor", shareTokenOf(c));
    const patch = await jsonBody(c, UpdateWorldSchema);
    const world = await updateWorld(c.get("db"), access, me.id, patch);
    return c.json({ world: toWorldDto(world, access.role, access.ownerName) });
  })
  .delete("/:id", async (c) => {
    const me = requireUser(c);
    const access = await requireWorldRole(c.get("db"), worldId(c.req.param("id")), me.id, "owner");
    const storyIds = await storyIdsOf(c.get("db"), access.world.id);
    await deleteWorld(c.get("db"), access.world.id);
    // The rooms' own storage goes with the world, so an id can never resurrect old state.
    await c.env.WORLD_ROOM.getByName(access.world.id).purge();
    await Promise.all(storyIds.map((id) => c.env.STORY_ROOM.getByName(id).purge()));
    // Its files (the `assets` rows went with the world).
    c.executionCtx.waitUntil(forgetFiles(c.env, c.get("db"), worldFilesPrefix(access.world.id)));
    return c.body(null, 204);
  });
