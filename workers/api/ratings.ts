import { Hono, type Context } from "hono";
import { IdSchema } from "../domain/graph";
import { RateSchema, RatingListQuerySchema, RatingTargetSchema, listMyRatings, rateResult, ratingSummary, removeRating } from "../domain/ratings";
import { getWorldAccess, requireWorldRole } from "../domain/worlds";
import type { AppEnv } from "./context";
import { requireUser } from "./middleware/request";
import { shareTokenOf } from "./share-token";
import { jsonBody, parseWith, queryOf } from "./validate";

/**
 * The signed-in person and the world of the path, which they must be able to read: members of any
 * role, a share link's holder, and — signed in — visitors of a public or unlisted world. A private
 * world they may not read does not exist for them (404).
 */
async function raterOf(c: Context<AppEnv>) {
  const me = requireUser(c);
  const db = c.get("db");
  const worldId = parseWith(IdSchema, c.req.param("id") ?? "", "world id");
  await getWorldAccess(db, worldId, me.id, shareTokenOf(c));
  return { me, db, worldId };
}

/** Ratings of AI results (issue 19, point 7), under /api/worlds. */
export const ratingRoutes = new Hono<AppEnv>()
  .put("/:id/ratings", async (c) => {
    const { me, db, worldId } = await raterOf(c);
    const input = await jsonBody(c, RateSchema);
    return c.json({ rating: await rateResult(db, me.id, worldId, input) });
  })
  .get("/:id/ratings", async (c) => {
    const { me, db, worldId } = await raterOf(c);
    const query = queryOf(c, RatingListQuerySchema);
    return c.json({ ratings: await listMyRatings(db, me.id, worldId, query) });
  })
  // Counts of everyone's ratings of the world's results: for the people who make them (owner, editors).
  .get("/:id/ratings/summary", async (c) => {
    const me = requireUser(c);
    const db = c.get("db");
    const worldId = parseWith(IdSchema, c.req.param("id") ?? "", "world id");
    await requireWorldRole(db, worldId, me.id, "editor", shareTokenOf(c));
    return c.json(await ratingSummary(db, { worldId }));
  })
  // An asset key has slashes in it: the rest of the path is the target's id.
  .delete("/:id/ratings/:targetKind/:targetId{.+}", async (c) => {
    const { me, db, worldId } = await raterOf(c);
    const target = parseWith(RatingTargetSchema, { targetKind: c.req.param("targetKind"), targetId: c.req.param("targetId") }, "rating target");
    await removeRating(db, me.id, worldId, target);
    return c.body(null, 204);
  });

/** `GET /api/ratings/summary`: the signed-in person's own ratings, counted across every world. */
export const myRatingRoutes = new Hono<AppEnv>().get("/summary", async (c) => {
  const me = requireUser(c);
  return c.json(await ratingSummary(c.get("db"), { userId: me.id }));
});
