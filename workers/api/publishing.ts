import { Hono } from "hono";
import { IdSchema } from "../domain/graph";
import { ForkWorldSchema, forkWorld } from "../domain/publishing";
import { getWorldAccess, toWorldDto } from "../domain/worlds";
import type { AppEnv } from "./context";
import { requireUser } from "./middleware/request";
import { jsonBody, parseWith } from "./validate";


/** Publishing routes under /api/worlds: forks (catalogue F2). */
export const publishingRoutes = new Hono<AppEnv>().post("/:id/fork", async (c) => {
  const me = requireUser(c);
  const worldId = parseWith(IdSchema, c.req.param("id"), "world id");
  // The body is optional: an empty one forks under the default title.
  const hasBody = (c.req.header("content-length") ?? "0") !== "0" || c.req.header("transfer-encoding") !== undefined;
  const input = hasBody ? await jsonBody(c, ForkWorldSchema) : parseWith(ForkWorldSchema, {}, "request body");
  const db = c.get("db");
  // Whoever may see the world may fork it: public and unlisted worlds, and members of private ones.
  const source = await getWorldAccess(db, worldId, me.id);
  const world = await forkWorld(c.env, db, source, me, input);
  return c.json({ world: toWorldDto(world, "owner", me.name) }, 201);
});
