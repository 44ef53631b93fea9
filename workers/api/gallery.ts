import { Hono, type Context } from "hono";
import { GalleryQuerySchema, decodeGalleryCursor, searchGallery, setLike } from "../domain/gallery";
import { IdSchema } from "../domain/graph";
import { getWorldAccess } from "../domain/worlds";
import type { AppEnv } from "./context";
import { requireUser } from "./middleware/request";
import { parseWith, queryOf } from "./validate";

/** `GET /api/gallery`: public worlds, searched, filtered and paged (catalogue F1). */
export const galleryRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const { cursor, ...query } = queryOf(c, GalleryQuerySchema);
  const page = await searchGallery(c.get("db"), {
    ...query,
    cursor: decodeGalleryCursor(cursor, query.sort),
    viewerId: c.get("user")?.id ?? null,
  });
  return c.json(page);
});

/** `POST` / `DELETE /api/worlds/:id/like`: one like per person, for worlds the person can see. */
async function like(c: Context<AppEnv>, liked: boolean) {
  const me = requireUser(c);
  const worldId = parseWith(IdSchema, c.req.param("id") ?? "", "world id");
  const access = await getWorldAccess(c.get("db"), worldId, me.id);
  return c.json(await setLike(c.get("db"), access.world.id, me.id, liked));
}

export const likeRoutes = new Hono<AppEnv>()
  .post("/:id/like", (c) => like(c, true))
  .delete("/:id/like", (c) => like(c, false));
