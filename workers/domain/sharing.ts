import { and, asc, desc, eq, gt, lte, ne, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { history, invitations, shareLinks, user, worldMembers, worlds, type GrantedRole, type InvitationStatus, type Role } from "../../drizzle/schema";
import { HttpError, forbidden, notFound } from "../lib/errors";
import type { Database } from "../lib/db";
import { newId } from "../lib/ids";
import { hashToken, looksLikeToken, newToken } from "./share-tokens";
import type { WorldAccess } from "./worlds";

// Members, invitations and share links of a world (catalogue A3).

const GRANTED_ROLES = ["editor", "viewer"] as const;
const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };
export const DEFAULT_MAX_COLLABORATORS = 10;
const HOUR = 3_600_000;

const expiresInHours = z.number().int().min(1, "at least 1 hour").max(720, "at most 720 hours (30 days)").default(168);

export const RoleChangeSchema = z.strictObject({ role: z.enum(GRANTED_ROLES) });
export const CreateInvitationSchema = z.strictObject({
  email: z.string().trim().toLowerCase().max(254).pipe(z.email("give a valid email address")).optional(),
  role: z.enum(GRANTED_ROLES),
  expiresInHours,
});
export const CreateShareLinkSchema = z.strictObject({ role: z.enum(GRANTED_ROLES), expiresInHours });
export type CreateInvitationInput = z.infer<typeof CreateInvitationSchema>;
export type CreateShareLinkInput = z.infer<typeof CreateShareLinkSchema>;

type WorldRow = typeof worlds.$inferSelect;
type InvitationRow = typeof invitations.$inferSelect;
type ShareLinkRow = typeof shareLinks.$inferSelect;

const maxCollaboratorsOf = (world: WorldRow) => world.settings?.maxCollaborators ?? DEFAULT_MAX_COLLABORATORS;

const collaboratorLimit = (max: number) =>
  new HttpError(409, "collaborator_limit", `This world already has its limit of ${max} collaborators (members and open invitations).`, { maxCollaborators: max });

/** Sharing changes go into the world's history like any other action (no email addresses: viewers read it). */
async function record(db: Database, worldId: string, userId: string, summary: string) {
  await db.insert(history).values({ id: newId(), worldId, userId, action: "shared", summary, createdAt: new Date() });
}

async function nameOf(db: Database, userId: string) {
  const [row] = await db.select({ name: user.name }).from(user).where(eq(user.id, userId)).limit(1);
  return row?.name ?? "someone";
}

// ── Members ─────────────────────────────────────────────────────────────────────────────────

export async function listMembers(db: Database, worldId: string, withEmails: boolean) {
  const rows = await db
    .select({ userId: worldMembers.userId, name: user.name, email: user.email, role: worldMembers.role, joinedAt: worldMembers.createdAt })
    .from(worldMembers)
    .innerJoin(user, eq(user.id, worldMembers.userId))
    .where(eq(worldMembers.worldId, worldId))
    .orderBy(asc(worldMembers.createdAt), asc(user.name));
  return rows
    .sort((a, b) => RANK[b.role] - RANK[a.role])
    .map((row) => ({
      userId: row.userId,
      name: row.name,
      ...(withEmails ? { email: row.email } : {}),
      role: row.role,
      joinedAt: row.joinedAt.toISOString(),
    }));
}

async function memberRole(db: Database, worldId: string, userId: string): Promise<Role | null> {
  const [row] = await db
    .select({ role: worldMembers.role })
    .from(worldMembers)
    .where(and(eq(worldMembers.worldId, worldId), eq(worldMembers.userId, userId)))
    .limit(1);
  return row?.role ?? null;
}

const ownerMembership = () => new HttpError(409, "owner_membership", "The owner's own membership cannot be changed or removed.");

export async function changeMemberRole(db: Database, world: WorldRow, actorId: string, userId: string, role: GrantedRole) {
  if (userId === world.ownerId) throw ownerMembership();
  const [updated] = await db
    .update(worldMembers)
    .set({ role })
    .where(and(eq(worldMembers.worldId, world.id), eq(worldMembers.userId, userId), ne(worldMembers.role, "owner")))
    .returning({ userId: worldMembers.userId });
  if (!updated) throw notFound("That member");
  await record(db, world.id, actorId, `Made ${await nameOf(db, userId)} ${role === "editor" ? "an editor" : "a viewer"}`);
}

/** The owner removes anyone but themself; any other member may remove themself (leave). */
export async function removeMember(db: Database, world: WorldRow, actor: { id: string; role: Role }, userId: string) {
  if (userId === world.ownerId) throw ownerMembership();
  if (actor.role !== "owner" && actor.id !== userId) throw forbidden("Only the world's owner can remove other members.");
  const removed = await db
    .delete(worldMembers)
    .where(and(eq(worldMembers.worldId, world.id), eq(worldMembers.userId, userId), ne(worldMembers.role, "owner")))
    .returning({ userId: worldMembers.userId });
  if (removed.length === 0) throw notFound("That member");
  await record(db, world.id, actor.id, actor.id === userId ? "Left the world" : `Removed ${await nameOf(db, userId)} from the world`);
}

/** Whether someone is a member of the world (share-link holders and gallery visitors are not). */
/** The person's own role in the world, read without a share link (links do not make members). */
export function requireMember(access: WorldAccess): Role {
  if (!access.role) throw forbidden("Only the world's members can see who else belongs to it.");
  return access.role;
}

// ── Invitations ─────────────────────────────────────────────────────────────────────────────

/** A pending invitation past its expiry is expired, whether or not the database says so yet. */
function statusOf(row: Pick<InvitationRow, "status" | "expiresAt">, now: number): InvitationStatus {
  return row.status === "pending" && row.expiresAt.getTime() <= now ? "expired" : row.status;
}

export function toInvitationDto(row: InvitationRow & { inviterName?: string | null }, now = Date.now()) {
  return {
    id: row.id,
    worldId: row.worldId,
    kind: row.email ? ("email" as const) : ("link" as const),
    email: row.email,
    role: row.role,
    status: statusOf(row, now),
    invitedBy: row.invitedBy,
    inviterName: row.inviterName ?? null,
    expiresAt: row.expiresAt.toISOString(),
    respondedAt: row.respondedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Stores `expired` on pending invitations past their time (they are reported that way anyway). */
async function expireInvitations(db: Database, where: { worldId?: string; email?: string; id?: string }, now = Date.now()) {
  const conditions = [eq(invitations.status, "pending"), lte(invitations.expiresAt, new Date(now))];
  if (where.worldId) conditions.push(eq(invitations.worldId, where.worldId));
  if (where.email) conditions.push(eq(invitations.email, where.email));
  if (where.id) conditions.push(eq(invitations.id, where.id));
  await db.update(invitations).set({ status: "expired" }).where(and(...conditions));
}

export async function createInvitation(db: Database, world: WorldRow, inviterId: string, input: CreateInvitationInput) {
  const now = Date.now();
  if (input.email) {
    const [member] = await db
      .select({ role: worldMembers.role })
      .from(worldMembers)
      .innerJoin(user, eq(user.id, worldMembers.userId))
      .where(and(eq(worldMembers.worldId, world.id), sql`lower(${user.email}) = ${input.email}`))
      .limit(1);
    if (member) throw new HttpError(409, "already_member", `${input.email} is already a member of this world (${member.role}).`);
    const [open] = await db
      .select({ id: invitations.id })
      .from(invitations)
      .where(and(eq(invitations.worldId, world.id), eq(invitations.email, input.email), eq(invitations.status, "pending"), gt(invitations.expiresAt, new Date(now))))
      .limit(1);
    if (open) throw new HttpError(409, "already_invited", `${input.email} already has an open invitation; revoke it first to send another.`);
  }
  const token = newToken();
  const id = newId();
  const max = maxCollaboratorsOf(world);
  const expiresAt = now + input.expiresInHours * HOUR;
  // One statement counts and inserts, so two invitations at once cannot both squeeze past the limit.
  const result = await db.run(sql`
    insert into invitations (id, world_id, email, token_hash, role, status, invited_by, expires_at, created_at)
    select ${id}, ${world.id}, ${input.email ?? null}, ${await hashToken(token)}, ${input.role}, 'pending', ${inviterId}, ${expiresAt}, ${now}
    where (select count(*) from world_members where world_id = ${world.id})
        + (select count(*) from invitations where world_id = ${world.id} and status = 'pending' and expires_at > ${now}) < ${max}`);
  if (!result.meta.changes) throw collaboratorLimit(max);
  const [row] = await db.select().from(invitations).where(eq(invitations.id, id));
  return { invitation: toInvitationDto(row!, now), token };
}

export async function listInvitations(db: Database, worldId: string) {
  const now = Date.now();
  await expireInvitations(db, { worldId }, now);
  const rows = await db
    .select({ invitation: invitations, inviterName: user.name })
    .from(invitations)
    .leftJoin(user, eq(user.id, invitations.invitedBy))
    .where(eq(invitations.worldId, worldId))
    .orderBy(desc(invitations.createdAt), desc(invitations.id));
  return rows.map((r) => toInvitationDto({ ...r.invitation, inviterName: r.inviterName }, now));
}

export async function revokeInvitation(db: Database, worldId: string, invitationId: string) {
  const now = Date.now();
  await expireInvitations(db, { id: invitationId }, now);
  const [row] = await db.select().from(invitations).where(and(eq(invitations.id, invitationId), eq(invitations.worldId, worldId)));
  if (!row) throw notFound("That invitation");
  if (row.status !== "pending" && row.status !== "revoked") {
    throw new HttpError(409, "invitation_answered", `That invitation is already ${row.status}.`);
  }
  const [revoked] = await db
    .update(invitations)
    .set({ status: "revoked", respondedAt: row.respondedAt ?? new Date(now) })
    .where(eq(invitations.id, invitationId))
    .returning();
  return toInvitationDto(revoked!, now);
}

const inviter = alias(user, "inviter");

/**
 * The pending invitations addressed to a person's email, with the world and who sent them; none
 * until they have verified that the address is theirs (ADR 12).
 */
export async function listMyInvitations(db: Database, me: { email: string; emailVerified: boolean }) {
  if (!me.emailVerified) return [];
  const now = Date.now();
  const address = me.email.toLowerCase();
  await expireInvitations(db, { email: address }, now);
  const rows = await db
    .select({ invitation: invitations, worldTitle: worlds.title, inviterName: inviter.name })
    .from(invitations)
    .innerJoin(worlds, eq(worlds.id, invitations.worldId))
    .leftJoin(inviter, eq(inviter.id, invitations.invitedBy))
    .where(and(eq(invitations.email, address), eq(invitations.status, "pending"), gt(invitations.expiresAt, new Date(now))))
    .orderBy(desc(invitations.createdAt));
  return rows.map((r) => ({ ...toInvitationDto({ ...r.invitation, inviterName: r.inviterName }, now), worldTitle: r.worldTitle }));
}

/** An invitation by its token (whoever holds it), or by id (for the person it was emailed to). */
export type InvitationRef = { token: string } | { id: string };

async function findInvitation(db: Database, ref: InvitationRef) {
  if ("token" in ref && !looksLikeToken(ref.token)) throw notFound("That invitation");
  const where = "token" in ref ? eq(invitations.tokenHash, await hashToken(ref.token)) : eq(invitations.id, ref.id);
  const [row] = await db
    .select({ invitation: invitations, worldTitle: worlds.title, inviterName: inviter.name })
    .from(invitations)
    .innerJoin(worlds, eq(worlds.id, invitations.worldId))
    .leftJoin(inviter, eq(inviter.id, invitations.invitedBy))
    .where(where)
    .limit(1);
  // By id, only invitations sent to an address exist (link invitations travel as their token).
  if (!row || ("id" in ref && !row.invitation.email)) throw notFound("That invitation");
  return row;
}

/** What the invitation page shows to whoever holds the token (the address stays private). */
export async function previewInvitation(db: Database, ref: InvitationRef) {
  const now = Date.now();
  const row = await findInvitation(db, ref);
  if (statusOf(row.invitation, now) === "expired" && row.invitation.status === "pending") {
    await expireInvitations(db, { id: row.invitation.id }, now);
  }
  const { email: _email, ...dto } = toInvitationDto({ ...row.invitation, inviterName: row.inviterName }, now);
  return { ...dto, world: { id: row.invitation.worldId, title: row.worldTitle } };
}

export async function answerInvitation(
  db: Database,
  ref: InvitationRef,
  me: { id: string; email: string; emailVerified: boolean },
  answer: "accept" | "decline",
) {
  const now = Date.now();
  const { invitation } = await findInvitation(db, ref);
  if (invitation.email && invitation.email !== me.email.toLowerCase()) {
    throw forbidden("This invitation was sent to another email address.");
  }
  // Anyone can sign up with any address; only its owner can open the link we mailed to it.
  if (invitation.email && !me.emailVerified) {
    throw new HttpError(
      403,
      "email_not_verified",
      `Confirm your email address first: open the link we sent to ${me.email}, then answer the invitation.`,
    );
  }
  const status = statusOf(invitation, now);
  if (status === "expired") {
    await expireInvitations(db, { id: invitation.id }, now);
    throw new HttpError(410, "invitation_expired", "This invitation has expired; ask for a new one.");
  }
  if (status === "revoked") throw new HttpError(409, "invitation_revoked", "This invitation has been withdrawn.");
  if (status !== "pending") throw new HttpError(409, "invitation_answered", `This invitation has already been ${status}.`);

  const respondedAt = new Date(now);
  if (answer === "decline") {
    const [claimed] = await db
      .update(invitations)
      .set({ status: "declined", respondedBy: me.id, respondedAt })
      .where(and(eq(invitations.id, invitation.id), eq(invitations.status, "pending"), gt(invitations.expiresAt, respondedAt)))
      .returning({ id: invitations.id });
    if (!claimed) throw new HttpError(409, "invitation_answered", "This invitation has just been answered.");
    return { worldId: invitation.worldId, role: await memberRole(db, invitation.worldId, me.id) };
  }

  const current = await memberRole(db, invitation.worldId, me.id);
  if (!current) {
    // A new member takes the place of their own invitation, so only a lowered limit can bite here.
    const [world] = await db.select().from(worlds).where(eq(worlds.id, invitation.worldId));
    const max = maxCollaboratorsOf(world!);
    const counted = await db.get<{ n: number }>(sql`
      select (select count(*) from world_members where world_id = ${invitation.worldId})
           + (select count(*) from invitations where world_id = ${invitation.worldId} and status = 'pending' and expires_at > ${now} and id != ${invitation.id}) as n`);
    if ((counted?.n ?? 0) + 1 > max) throw collaboratorLimit(max);
  }
  // The claim and the membership in one batch; the membership only lands if this request won the
  // claim, and an existing higher role is never lowered.
  const d1 = db.$client;
  const [claim, _member] = await d1.batch([
    d1
      .prepare("update invitations set status = 'accepted', responded_by = ?1, responded_at = ?2 where id = ?3 and status = 'pending' and expires_at > ?2")
      .bind(me.id, now, invitation.id),
    d1
      .prepare(
        `insert into world_members (world_id, user_id, role, created_at)
         select ?1, ?2, ?3, ?4
         where exists (select 1 from invitations where id = ?5 and status = 'accepted' and responded_by = ?2 and responded_at = ?4)
         on conflict (world_id, user_id) do update set role = case
           when world_members.role = 'viewer' and excluded.role = 'editor' then 'editor' else world_members.role end`,
      )
      .bind(invitation.worldId, me.id, invitation.role, now, invitation.id),
  ]);
  const claimed = claim?.meta.changes ? [claim] : [];
  if (claimed.length === 0) throw new HttpError(409, "invitation_answered", "This invitation has just been answered.");
  const role = await memberRole(db, invitation.worldId, me.id);
  const asRole = role === "editor" ? "an editor" : "a viewer";
  if (!current) await record(db, invitation.worldId, me.id, `Accepted an invitation and joined as ${asRole}`);
  else if (current !== role) await record(db, invitation.worldId, me.id, `Accepted an invitation and became ${asRole}`);
  return { worldId: invitation.worldId, role };
}

// ── Share links ─────────────────────────────────────────────────────────────────────────────

export function shareUrl(worldId: string, token: string) {
  return `/worlds/${worldId}?share=${token}`;
}

function toShareLinkDto(row: ShareLinkRow & { createdByName?: string | null }, now = Date.now()) {
  return {
    id: row.id,
    role: row.role,
    status: row.revokedAt ? ("revoked" as const) : row.expiresAt.getTime() <= now ? ("expired" as const) : ("active" as const),
    createdByName: row.createdByName ?? null,
    expiresAt: row.expiresAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function createShareLink(db: Database, worldId: string, creatorId: string, input: CreateShareLinkInput) {
  const token = newToken();
  const now = new Date();
  const [row] = await db
    .insert(shareLinks)
    .values({
      id: newId(),
      worldId,
      tokenHash: await hashToken(token),
      role: input.role,
      createdBy: creatorId,
      expiresAt: new Date(now.getTime() + input.expiresInHours * HOUR),
      createdAt: now,
    })
    .returning();
  await record(db, worldId, creatorId, `Created a ${input.role} share link`);
  return { ...toShareLinkDto(row!), url: shareUrl(worldId, token) };
}

export async function listShareLinks(db: Database, worldId: string) {
  const rows = await db
    .select({ link: shareLinks, createdByName: user.name })
    .from(shareLinks)
    .leftJoin(user, eq(user.id, shareLinks.createdBy))
    .where(eq(shareLinks.worldId, worldId))
    .orderBy(desc(shareLinks.createdAt), desc(shareLinks.id));
  const now = Date.now();
  return rows.map((r) => toShareLinkDto({ ...r.link, createdByName: r.createdByName }, now));
}

/** Revoking is idempotent: a link revoked twice keeps its first revocation time. */
export async function revokeShareLink(db: Database, worldId: string, actorId: string, linkId: string) {
  const [row] = await db.select().from(shareLinks).where(and(eq(shareLinks.id, linkId), eq(shareLinks.worldId, worldId)));
  if (!row) throw notFound("That share link");
  if (row.revokedAt) return toShareLinkDto(row);
  const [revoked] = await db.update(shareLinks).set({ revokedAt: new Date() }).where(eq(shareLinks.id, linkId)).returning();
  await record(db, worldId, actorId, `Revoked a ${row.role} share link`);
  return toShareLinkDto(revoked!);
}
