import { and, count, eq, isNotNull } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { history, user, WORLD_STYLES, worlds } from "../../drizzle/schema";
import { limitsFrom, usageOf } from "../domain/jobs";
import type { AppEnv } from "./context";
import { notFound } from "../lib/errors";
import { requireUser } from "./middleware/request";
import { jsonBody } from "./validate";

export const UpdateMeSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(80).optional(),
    preferences: z
      .strictObject({
        defaultStyle: z.enum(WORLD_STYLES).optional(),
        defaultVoice: z.string().min(1).max(64).optional(),
        theme: z.enum(["system", "light", "dark"]).optional(),
      })
      .optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, "give at least one field to change");

async function loadMe(c: { get: (k: "db") => AppEnv["Variables"]["db"]; env: Env }, userId: string) {
  const db = c.get("db");
  const usage = await usageOf(db, userId, limitsFrom(c.env));
  const [rows, worldsCreated, prompts] = await db.batch([
    db.select().from(user).where(eq(user.id, userId)).limit(1),
    db.select({ n: count() }).from(worlds).where(eq(worlds.ownerId, userId)),
    db.select({ n: count() }).from(history).where(and(eq(history.userId, userId), isNotNull(history.prompt))),
  ]);
  const me = rows[0];
  if (!me) throw notFound("Your account");
  return {
    user: {
      id: me.id,
      email: me.email,
      name: me.name,
      image: me.image,
      preferences: me.preferences,
      stats: { worldsCreated: worldsCreated[0]?.n ?? 0, prompts: prompts[0]?.n ?? 0 },
      usage,
      createdAt: me.createdAt.toISOString(),
    },
  };
}

export const meRoutes = new Hono<AppEnv>()
  .get("/", async (c) => c.json(await loadMe(c, requireUser(c).id)))
  .patch("/", async (c) => {
    const me = requireUser(c);
    const patch = await jsonBody(c, UpdateMeSchema);
    const db = c.get("db");
    const [current] = await db.select({ preferences: user.preferences }).from(user).where(eq(user.id, me.id));
    await db
      .update(user)
      .set({
        ...(patch.name ? { name: patch.name } : {}),
        ...(patch.preferences ? { preferences: { ...current?.preferences, ...patch.preferences } } : {}),
        updatedAt: new Date(),
      })
      .where(eq(user.id, me.id));
    return c.json(await loadMe(c, me.id));
  });
