import { Hono, type Context } from "hono";
import { z } from "zod";
import {
  CreateInvitationSchema,
  CreateShareLinkSchema,
  RoleChangeSchema,
  answerInvitation,
  changeMemberRole,
  createInvitation,
  createShareLink,
  listInvitations,
  listMembers,
  listMyInvitations,
  listShareLinks,
  previewInvitation,
  removeMember,
  requireMember,
  revokeInvitation,
  revokeShareLink,
} from "../domain/sharing";
import { IdSchema } from "../domain/graph";
import { getWorldAccess, requireWorldRole } from "../domain/worlds";
import { log } from "../lib/log";
import type { AppEnv } from "./context";
import { requireUser } from "./middleware/request";
import { jsonBody, parseWith } from "./validate";

// Tokens are checked against the database; this only keeps absurd strings out.
const TokenSchema = z.string().min(1).max(128);

const param = (c: Context, name: string, what: string) => parseWith(IdSchema, c.req.param(name) ?? "", what);

/** The world as its owner: every management route below needs that. */
async function asOwner(c: Context<AppEnv>) {
  const me = requireUser(c);
  const access = await requireWorldRole(c.get("db"), param(c, "id", "world id"), me.id, "owner");
  return { me, world: access.world };
}

/**
 * People whose access just changed leave the room now rather than at their next reconnect; their
 * clients rejoin, and the room route checks them again. The change itself is already stored, so
 * a room that cannot be reached only delays this.
 */
async function closeRoomAccess(c: Context<AppEnv>, worldId: string, match: { userId?: string; shareLinkId?: string }) {
  await c.env.WORLD_ROOM.getByName(worldId)
    .closeAccess(match)
    .catch((error: unknown) => log.warn("room.close_access_failed", { worldId, error: String(error) }));
}

/** Members, invitations and share links (catalogue A3). */
export const sharingRoutes = new Hono<AppEnv>()
  // ── members ──
  .get("/worlds/:id/members", async (c) => {
    const me = requireUser(c);
    const db = c.get("db");
    const access = await getWorldAccess(db, param(c, "id", "world id"), me.id);
    const role = requireMember(access);
    return c.json({ members: await listMembers(db, access.world.id, role === "owner") });
  })
  .patch("/worlds/:id/members/:userId", async (c) => {
    const { me, world } = await asOwner(c);
    const userId = parseWith(TokenSchema, c.req.param("userId"), "user id");
    const { role } = await jsonBody(c, RoleChangeSchema);
    await changeMemberRole(c.get("db"), world, me.id, userId, role);
    await closeRoomAccess(c, world.id, { userId });
    return c.json({ members: await listMembers(c.get("db"), world.id, true) });
  })
  .delete("/worlds/:id/members/:userId", async (c) => {
    const me = requireUser(c);
    const db = c.get("db");
    const access = await getWorldAccess(db, param(c, "id", "world id"), me.id);
    const role = requireMember(access);
    const userId = parseWith(TokenSchema, c.req.param("userId"), "user id");
    await removeMember(db, access.world, { id: me.id, role }, userId);
    await closeRoomAccess(c, access.world.id, { userId });
    return c.body(null, 204);
  })
  // ── invitations, as the owner manages them ──
  .post("/worlds/:id/invitations", async (c) => {
    const { me, world } = await asOwner(c);
    const input = await jsonBody(c, CreateInvitationSchema);
    const { invitation, token } = await createInvitation(c.get("db"), world, me.id, input);
    return c.json({ invitation: { ...invitation, inviterName: me.name }, url: `/invite/${token}` }, 201);
  })
  .get("/worlds/:id/invitations", async (c) => {
    const { world } = await asOwner(c);
    return c.json({ invitations: await listInvitations(c.get("db"), world.id) });
  })
  .delete("/worlds/:id/invitations/:iid", async (c) => {
    const { world } = await asOwner(c);
    const invitation = await revokeInvitation(c.get("db"), world.id, param(c, "iid", "invitation id"));
    return c.json({ invitation });
  })
  // ── invitations, as the invited person sees them ──
  .get("/invitations", async (c) => {
    const me = requireUser(c);
    return c.json({ invitations: await listMyInvitations(c.get("db"), me) });
  })
  .get("/invitations/:token", async (c) => {
    const token = parseWith(TokenSchema, c.req.param("token"), "invitation token");
    return c.json({ invitation: await previewInvitation(c.get("db"), { token }) });
  })
  .post("/invitations/:token/accept", async (c) => {
    const me = requireUser(c);
    const token = parseWith(TokenSchema, c.req.param("token"), "invitation token");
    const db = c.get("db");
    const result = await answerInvitation(db, { token }, me, "accept");
    return c.json({ invitation: await previewInvitation(db, { token }), role: result.role, url: `/worlds/${result.worldId}` });
  })
  .post("/invitations/:token/decline", async (c) => {
    const me = requireUser(c);
    const token = parseWith(TokenSchema, c.req.param("token"), "invitation token");
    const db = c.get("db");
    await answerInvitation(db, { token }, me, "decline");
    return c.json({ invitation: await previewInvitation(db, { token }) });
  })
  // ── share links ──
  .post("/worlds/:id/share", async (c) => {
    const { me, world } = await asOwner(c);
    const input = await jsonBody(c, CreateShareLinkSchema);
    return c.json({ shareLink: await createShareLink(c.get("db"), world.id, me.id, input) }, 201);
  })
  .get("/worlds/:id/share", async (c) => {
    const { world } = await asOwner(c);
    return c.json({ shareLinks: await listShareLinks(c.get("db"), world.id) });
  })
  .delete("/worlds/:id/share/:linkId", async (c) => {
    const { me, world } = await asOwner(c);
    const shareLink = await revokeShareLink(c.get("db"), world.id, me.id, param(c, "linkId", "share link id"));
    await closeRoomAccess(c, world.id, { shareLinkId: shareLink.id });
    return c.json({ shareLink });
  });
