import { Hono, type Context } from "hono";
import { refuseCrossOrigin, roomJoinRequest } from "./room-join";
import { z } from "zod";
import type { Actor } from "../domain/room-types";
import {
  CreateRelationshipSchema,
  DeleteElementsSchema,
  IdSchema,
  PositionsSchema,
  UpdateRelationshipSchema,
  createElementSchemaFor,
  decodeHistoryCursor,
  listHistory,
  listVersions,
  requireRecordedAssets,
  unwrap,
  updateElementSchemaFor,
} from "../domain/graph";
import { and, eq } from "drizzle-orm";
import { elements } from "../../drizzle/schema";
import { getWorldAccess, requireWorldRole, toElementDto } from "../domain/worlds";
import type { AppEnv } from "./context";
import { shareTokenOf } from "./share-token";
import { HttpError } from "../lib/errors";
import { requireUser } from "./middleware/request";
import { jsonBody, parseWith, queryOf } from "./validate";

const HistoryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});
const VersionSchema = z.coerce.number().int().min(1).max(1_000_000);

const param = (raw: string | undefined, what: string) => parseWith(IdSchema, raw ?? "", what);

/** The signed-in person as an editor of the world, and the world's room. */
async function editorOf(c: Context<AppEnv>) {
  const me = requireUser(c);
  const worldId = param(c.req.param("id"), "world id");
  const access = await requireWorldRole(c.get("db"), worldId, me.id, "editor", shareTokenOf(c));
  const actor: Actor = { id: me.id, name: me.name, role: access.role };
  return { actor, worldId, db: c.get("db"), room: c.env.WORLD_ROOM.getByName(worldId) };
}

/** Element, relationship, version and history routes: writes go through the world's room. */
export const graphRoutes = new Hono<AppEnv>()
  .post("/:id/elements", async (c) => {
    const { actor, worldId, db, room } = await editorOf(c);
    const input = await jsonBody(c, createElementSchemaFor(worldId));
    await requireRecordedAssets(db, worldId, input.assets);
    // A chosen id (undo of a delete) only has to be free in this world: the room checks.
    return c.json(unwrap(await room.createElement(actor, input)), 201);
  })
  .post("/:id/elements/delete", async (c) => {
    const { actor, room } = await editorOf(c);
    const { ids } = await jsonBody(c, DeleteElementsSchema);
    return c.json(unwrap(await room.deleteElements(actor, [...new Set(ids)])));
  })
  .patch("/:id/elements/:eid", async (c) => {
    const { actor, worldId, db, room } = await editorOf(c);
    const elementId = param(c.req.param("eid"), "element id");
    const changes = await jsonBody(c, updateElementSchemaFor(worldId));
    await requireRecordedAssets(db, worldId, changes.assets);
    return c.json(unwrap(await room.updateElement(actor, elementId, changes)));
  })
  .delete("/:id/elements/:eid", async (c) => {
    const { actor, room } = await editorOf(c);
    const elementId = param(c.req.param("eid"), "element id");
    const removed = unwrap(await room.deleteElements(actor, [elementId]));
    return c.json({ element: removed.elements[0], relationships: removed.relationships });
  })
  .get("/:id/elements/:eid", async (c) => {
    const worldId = param(c.req.param("id"), "world id");
    const elementId = param(c.req.param("eid"), "element id");
    const access = await getWorldAccess(c.get("db"), worldId, c.get("user")?.id ?? null, shareTokenOf(c));
    const [row] = await c
      .get("db")
      .select()
      .from(elements)
      .where(and(eq(elements.id, elementId), eq(elements.worldId, worldId)))
      .limit(1);
    if (!row) throw new HttpError(404, "not_found", "That element was not found.");
    return c.json({ element: toElementDto(row, access.role) });
  })
  .get("/:id/elements/:eid/versions", async (c) => {
    const worldId = param(c.req.param("id"), "world id");
    const elementId = param(c.req.param("eid"), "element id");
    const access = await getWorldAccess(c.get("db"), worldId, c.get("user")?.id ?? null, shareTokenOf(c));
    const versions = await listVersions(c.get("db"), worldId, elementId, access.role);
    if (versions.length === 0) throw new HttpError(404, "not_found", "That element was not found.");
    return c.json({ versions });
  })
  // *Save version*: the element's open editing session ends here; the next edit starts a new version.
  .post("/:id/elements/:eid/versions", async (c) => {
    const { actor, room } = await editorOf(c);
    const elementId = param(c.req.param("eid"), "element id");
    const saved = unwrap(await room.saveVersion(actor, elementId));
    return c.json(saved, saved.alreadySaved ? 200 : 201);
  })
  .post("/:id/elements/:eid/versions/:v/restore", async (c) => {
    const { actor, room } = await editorOf(c);
    const elementId = param(c.req.param("eid"), "element id");
    const version = parseWith(VersionSchema, c.req.param("v"), "version");
    return c.json(unwrap(await room.restoreVersion(actor, elementId, version)));
  })
  .post("/:id/positions", async (c) => {
    const { actor, room } = await editorOf(c);
    const { positions } = await jsonBody(c, PositionsSchema);
    return c.json(unwrap(await room.moveElements(actor, positions)));
  })
  .post("/:id/relationships", async (c) => {
    const { actor, room } = await editorOf(c);
    const input = await jsonBody(c, CreateRelationshipSchema);
    return c.json(unwrap(await room.createRelationship(actor, input)), 201);
  })
  .patch("/:id/relationships/:rid", async (c) => {
    const { actor, room } = await editorOf(c);
    const relationshipId = param(c.req.param("rid"), "relationship id");
    const changes = await jsonBody(c, UpdateRelationshipSchema);
    return c.json(unwrap(await room.updateRelationship(actor, relationshipId, changes)));
  })
  .delete("/:id/relationships/:rid", async (c) => {
    const { actor, room } = await editorOf(c);
    const relationshipId = param(c.req.param("rid"), "relationship id");
    return c.json(unwrap(await room.deleteRelationship(actor, relationshipId)));
  })
  .get("/:id/history", async (c) => {
    const worldId = param(c.req.param("id"), "world id");
    await getWorldAccess(c.get("db"), worldId, c.get("user")?.id ?? null, shareTokenOf(c));
    const query = queryOf(c, HistoryQuerySchema);
    return c.json(await listHistory(c.get("db"), worldId, { limit: query.limit, cursor: decodeHistoryCursor(query.cursor) }));
  })
  .get("/:id/room", async (c) => {
    // Join the world's room: the session and role are checked here, before the upgrade, and the
    // room trusts only the identity this route attaches (a client cannot send its own).
    // Access first, so that a refused person gets the same 404 with or without an upgrade.
    refuseCrossOrigin(c);
    const worldId = param(c.req.param("id"), "world id");
    const access = await getWorldAccess(c.get("db"), worldId, c.get("user")?.id ?? null, shareTokenOf(c));
    return c.env.WORLD_ROOM.getByName(worldId).fetch(roomJoinRequest(c, access));
  })
  .get("/:id/room/status", async (c) => {
    const { room } = await editorOf(c);
    return c.json({ room: unwrap(await room.status()) });
  });
