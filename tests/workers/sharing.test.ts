import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getElement, patchElement } from "../../durable-objects/world-room/graph-doc";
import { addMember, call, count, createWorld, expectErrorShape, signUp, type Person } from "./helpers";
import { RoomClient } from "./room-client";

type Json = Record<string, any>;

async function ownerWithWorld(body: Record<string, unknown> = {}) {
  const owner = await signUp("Owner");
  const world = await createWorld(owner, body);
  return { owner, world };
}

async function invite(owner: Person, worldId: string, body: Json) {
  return call("POST", `/api/worlds/${worldId}/invitations`, { cookie: owner.cookie, body });
}

const tokenOf = (url: string) => url.split("/invite/")[1]!;
const shareTokenOf = (url: string) => new URL(url, "http://x").searchParams.get("share")!;

async function shareLink(owner: Person, worldId: string, role: "editor" | "viewer", expiresInHours = 24) {
  const response = await call("POST", `/api/worlds/${worldId}/share`, { cookie: owner.cookie, body: { role, expiresInHours } });
  expect(response.status).toBe(201);
  return { id: response.json.shareLink.id as string, token: shareTokenOf(response.json.shareLink.url) };
}

async function expireInvitation(id: string) {
  await env.DB.prepare("update invitations set expires_at = ? where id = ?").bind(Date.now() - 1000, id).run();
}

describe("members", () => {
  it("lists members for members (emails only for the owner) and refuses everyone else", async () => {
    const { owner, world } = await ownerWithWorld();
    const editor = await signUp("Editor");
    const viewer = await signUp("Viewer");
    const stranger = await signUp("Stranger");
    await addMember(world.id, editor, "editor");
    await addMember(world.id, viewer, "viewer");

    const asOwner = await call("GET", `/api/worlds/${world.id}/members`, { cookie: owner.cookie });
    expect(asOwner.status).toBe(200);
    expect(asOwner.json.members.map((m: Json) => [m.name, m.role])).toEqual([
      ["Owner", "owner"],
      ["Editor", "editor"],
      ["Viewer", "viewer"],
    ]);
    expect(asOwner.json.members[1]).toMatchObject({ userId: editor.id, email: editor.email });
    expect(typeof asOwner.json.members[0].joinedAt).toBe("string");

    const asViewer = await call("GET", `/api/worlds/${world.id}/members`, { cookie: viewer.cookie });
    expect(asViewer.status).toBe(200);
    expect(asViewer.json.members).toHaveLength(3);
    for (const member of asViewer.json.members) expect(member).not.toHaveProperty("email");

    const asStranger = await call("GET", `/api/worlds/${world.id}/members`, { cookie: stranger.cookie });
    expect(asStranger.status).toBe(404);
    expectErrorShape(asStranger.json, "not_found");
    expect((await call("GET", `/api/worlds/${world.id}/members`)).status).toBe(401);

    // A public world's visitors can see it, but are not members.
    const { world: open } = await ownerWithWorld({ visibility: "public" });
    const visitor = await call("GET", `/api/worlds/${open.id}/members`, { cookie: stranger.cookie });
    expect(visitor.status).toBe(403);
  });

  it("lets only the owner change roles, never the owner's own", async () => {
    const { owner, world } = await ownerWithWorld();
    const editor = await signUp("Editor");
    const viewer = await signUp("Viewer");
    await addMember(world.id, editor, "editor");
    await addMember(world.id, viewer, "viewer");
    const path = (id: string) => `/api/worlds/${world.id}/members/${id}`;

    const promoted = await call("PATCH", path(viewer.id), { cookie: owner.cookie, body: { role: "editor" } });
    expect(promoted.status).toBe(200);
    expect(promoted.json.members.find((m: Json) => m.userId === viewer.id).role).toBe("editor");
    const history = await call("GET", `/api/worlds/${world.id}/history?limit=5`, { cookie: viewer.cookie });
    expect(history.json.entries[0]).toMatchObject({ action: "shared", summary: "Made Viewer an editor", userId: owner.id });

    const byEditor = await call("PATCH", path(viewer.id), { cookie: editor.cookie, body: { role: "viewer" } });
    expect(byEditor.status).toBe(403);
    expectErrorShape(byEditor.json, "forbidden");

    const ownRole = await call("PATCH", path(owner.id), { cookie: owner.cookie, body: { role: "viewer" } });
    expect(ownRole.status).toBe(409);
    expectErrorShape(ownRole.json, "owner_membership");

    for (const body of [{ role: "owner" }, { role: "admin" }, {}, { role: "viewer", extra: 1 }]) {
      const bad = await call("PATCH", path(editor.id), { cookie: owner.cookie, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(bad.json, "validation_failed");
    }
    expect((await call("PATCH", path("nosuchperson"), { cookie: owner.cookie, body: { role: "viewer" } })).status).toBe(404);

    const roles = await env.DB.prepare("select user_id, role from world_members where world_id = ? order by role").bind(world.id).all();
    expect(Object.fromEntries(roles.results.map((r) => [r.user_id, r.role]))).toEqual({ [owner.id]: "owner", [editor.id]: "editor", [viewer.id]: "editor" });
  });

  it("lets the owner remove members and members leave, but never removes the owner", async () => {
    const { owner, world } = await ownerWithWorld();
    const editor = await signUp("Editor");
    const viewer = await signUp("Viewer");
    await addMember(world.id, editor, "editor");
    await addMember(world.id, viewer, "viewer");
    const path = (id: string) => `/api/worlds/${world.id}/members/${id}`;

    expect((await call("DELETE", path(editor.id), { cookie: viewer.cookie })).status).toBe(403);
    expect((await call("DELETE", path(owner.id), { cookie: editor.cookie })).status).toBe(409);
    const ownerLeaves = await call("DELETE", path(owner.id), { cookie: owner.cookie });
    expect(ownerLeaves.status).toBe(409);
    expectErrorShape(ownerLeaves.json, "owner_membership");

    expect((await call("DELETE", path(viewer.id), { cookie: viewer.cookie })).status).toBe(204);
    expect((await call("DELETE", path(editor.id), { cookie: owner.cookie })).status).toBe(204);
    expect((await call("DELETE", path(editor.id), { cookie: owner.cookie })).status).toBe(404);
    expect(await count("world_members", "world_id = ?", world.id)).toBe(1);
    // Gone means gone: the world is private again to both.
    expect((await call("GET", `/api/worlds/${world.id}`, { cookie: editor.cookie })).status).toBe(404);
    expect((await call("GET", `/api/worlds/${world.id}`, { cookie: viewer.cookie })).status).toBe(404);
  });
});

describe("invitations", () => {
  it("lets the owner invite by email or by link, shows the token once and stores only its hash", async () => {
    const { owner, world } = await ownerWithWorld();
    const byEmail = await invite(owner, world.id, { email: "  Friend@Example.TEST ", role: "editor", expiresInHours: 48 });
    expect(byEmail.status).toBe(201);
    expect(byEmail.json.invitation).toMatchObject({ kind: "email", email: "friend@example.test", role: "editor", status: "pending", inviterName: "Owner" });
    expect(Date.parse(byEmail.json.invitation.expiresAt) - Date.now()).toBeGreaterThan(47 * 3600_000);
    expect(byEmail.json.url).toMatch(/^\/invite\/[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(byEmail.json.url);
    const stored = await env.DB.prepare("select token_hash from invitations where id = ?").bind(byEmail.json.invitation.id).first<{ token_hash: string }>();
    expect(stored!.token_hash).not.toContain(token);
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const byLink = await invite(owner, world.id, { role: "viewer" });
    expect(byLink.status).toBe(201);
    expect(byLink.json.invitation).toMatchObject({ kind: "link", email: null, role: "viewer" });
    expect(Date.parse(byLink.json.invitation.expiresAt) - Date.now()).toBeGreaterThan(167 * 3600_000);

    const list = await call("GET", `/api/worlds/${world.id}/invitations`, { cookie: owner.cookie });
    expect(list.status).toBe(200);
    expect(list.json.invitations).toHaveLength(2);
    expect(JSON.stringify(list.json)).not.toContain(token);

    const again = await invite(owner, world.id, { email: "friend@example.test", role: "viewer" });
    expect(again.status).toBe(409);
    expectErrorShape(again.json, "already_invited");
  });

  it("refuses invitations from anyone but the owner and bad input, creating nothing", async () => {
    const { owner, world } = await ownerWithWorld();
    const editor = await signUp("Editor");
    const stranger = await signUp("Stranger");
    await addMember(world.id, editor, "editor");
    expect((await invite(editor, world.id, { role: "viewer" })).status).toBe(403);
    expect((await invite(stranger, world.id, { role: "viewer" })).status).toBe(404);
    expect((await call("POST", `/api/worlds/${world.id}/invitations`, { body: { role: "viewer" } })).status).toBe(401);
    expect((await call("GET", `/api/worlds/${world.id}/invitations`, { cookie: editor.cookie })).status).toBe(403);
    const bad = [
      { role: "owner" },
      { role: "viewer", expiresInHours: 0 },
      { role: "viewer", expiresInHours: 721 },
      { role: "viewer", expiresInHours: 1.5 },
      { role: "viewer", email: "not-an-email" },
      { role: "viewer", sneaky: true },
      {},
    ];
    for (const body of bad) {
      const response = await invite(owner, world.id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(response.json, "validation_failed");
    }
    const notJson = await call("POST", `/api/worlds/${world.id}/invitations`, { cookie: owner.cookie, body: "{", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(400);
    const existing = await invite(owner, world.id, { email: editor.email, role: "viewer" });
    expect(existing.status).toBe(409);
    expectErrorShape(existing.json, "already_member");
    expect(await count("invitations", "world_id = ?", world.id)).toBe(0);
  });

  it("shows a person their pending invitations and lets them accept into the world", async () => {
    const { owner, world } = await ownerWithWorld({ title: "Glasswood" });
    const friend = await signUp("Friend", undefined, { verified: true });
    const created = await invite(owner, world.id, { email: friend.email.toUpperCase(), role: "editor" });
    const token = tokenOf(created.json.url);

    const mine = await call("GET", "/api/invitations", { cookie: friend.cookie });
    expect(mine.status).toBe(200);
    expect(mine.json.invitations).toEqual([expect.objectContaining({ id: created.json.invitation.id, worldTitle: "Glasswood", inviterName: "Owner", role: "editor", status: "pending" })]);
    expect((await call("GET", "/api/invitations")).status).toBe(401);

    const preview = await call("GET", `/api/invitations/${token}`);
    expect(preview.status).toBe(200);
    expect(preview.json.invitation).toMatchObject({ world: { id: world.id, title: "Glasswood" }, role: "editor", inviterName: "Owner", status: "pending", kind: "email" });
    expect(preview.json.invitation).not.toHaveProperty("email");
    expect((await call("GET", `/api/invitations/${"A".repeat(43)}`)).status).toBe(404);
    expect((await call("GET", "/api/invitations/short")).status).toBe(404);

    // Someone else may not answer an invitation sent to this address.
    const other = await signUp("Other");
    const wrong = await call("POST", `/api/invitations/${token}/accept`, { cookie: other.cookie });
    expect(wrong.status).toBe(403);
    expect(await count("world_members", "world_id = ? and user_id = ?", world.id, other.id)).toBe(0);
    expect((await call("POST", `/api/invitations/${token}/accept`)).status).toBe(401);

    const accepted = await call("POST", `/api/invitations/${token}/accept`, { cookie: friend.cookie });
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ role: "editor", url: `/worlds/${world.id}`, invitation: { status: "accepted" } });
    const opened = await call("GET", `/api/worlds/${world.id}`, { cookie: friend.cookie });
    expect(opened.json.world.role).toBe("editor");
    expect((await call("GET", "/api/invitations", { cookie: friend.cookie })).json.invitations).toEqual([]);

    const history = await call("GET", `/api/worlds/${world.id}/history?limit=5`, { cookie: friend.cookie });
    expect(history.json.entries[0]).toMatchObject({ action: "shared", summary: "Accepted an invitation and joined as an editor", userId: friend.id });
    expect(history.text).not.toContain(friend.email);

    const twice = await call("POST", `/api/invitations/${token}/accept`, { cookie: friend.cookie });
    expect(twice.status).toBe(409);
    expectErrorShape(twice.json, "invitation_answered");
    const decline = await call("POST", `/api/invitations/${token}/decline`, { cookie: friend.cookie });
    expect(decline.status).toBe(409);
  });

  it("lets anyone signed in answer a link invitation once, never lowering a role", async () => {
    const { owner, world } = await ownerWithWorld();
    const editor = await signUp("Editor");
    await addMember(world.id, editor, "editor");
    const viewerLink = tokenOf((await invite(owner, world.id, { role: "viewer" })).json.url);
    const accepted = await call("POST", `/api/invitations/${viewerLink}/accept`, { cookie: editor.cookie });
    expect(accepted.status).toBe(200);
    expect(accepted.json.role).toBe("editor");

    const viewer = await signUp("Viewer");
    await addMember(world.id, viewer, "viewer");
    const editorLink = tokenOf((await invite(owner, world.id, { role: "editor" })).json.url);
    expect((await call("POST", `/api/invitations/${editorLink}/accept`, { cookie: viewer.cookie })).json.role).toBe("editor");

    const declinedLink = tokenOf((await invite(owner, world.id, { role: "editor" })).json.url);
    const someone = await signUp("Someone");
    const declined = await call("POST", `/api/invitations/${declinedLink}/decline`, { cookie: someone.cookie });
    expect(declined.status).toBe(200);
    expect(declined.json.invitation.status).toBe("declined");
    expect(await count("world_members", "world_id = ? and user_id = ?", world.id, someone.id)).toBe(0);
    expect((await call("POST", `/api/invitations/${declinedLink}/accept`, { cookie: someone.cookie })).status).toBe(409);
  });

  it("expires invitations: reported and stored as expired, and answering one is refused", async () => {
    const { owner, world } = await ownerWithWorld();
    const friend = await signUp("Friend", undefined, { verified: true });
    const created = await invite(owner, world.id, { email: friend.email, role: "viewer", expiresInHours: 1 });
    const token = tokenOf(created.json.url);
    await expireInvitation(created.json.invitation.id);

    expect((await call("GET", `/api/invitations/${token}`)).json.invitation.status).toBe("expired");
    const list = await call("GET", `/api/worlds/${world.id}/invitations`, { cookie: owner.cookie });
    expect(list.json.invitations[0].status).toBe("expired");
    const row = await env.DB.prepare("select status from invitations where id = ?").bind(created.json.invitation.id).first<{ status: string }>();
    expect(row!.status).toBe("expired");
    expect((await call("GET", "/api/invitations", { cookie: friend.cookie })).json.invitations).toEqual([]);

    const accept = await call("POST", `/api/invitations/${token}/accept`, { cookie: friend.cookie });
    expect(accept.status).toBe(410);
    expectErrorShape(accept.json, "invitation_expired");
    expect(await count("world_members", "world_id = ? and user_id = ?", world.id, friend.id)).toBe(0);
    // An expired invitation no longer holds a place, so the address can be invited again.
    expect((await invite(owner, world.id, { email: friend.email, role: "viewer" })).status).toBe(201);
  });

  it("lets the owner revoke a pending invitation, which then cannot be accepted", async () => {
    const { owner, world } = await ownerWithWorld();
    const friend = await signUp("Friend");
    const editor = await signUp("Editor");
    await addMember(world.id, editor, "editor");
    const created = await invite(owner, world.id, { role: "editor" });
    const path = `/api/worlds/${world.id}/invitations/${created.json.invitation.id}`;
    expect((await call("DELETE", path, { cookie: editor.cookie })).status).toBe(403);
    const revoked = await call("DELETE", path, { cookie: owner.cookie });
    expect(revoked.status).toBe(200);
    expect(revoked.json.invitation.status).toBe("revoked");
    const accept = await call("POST", `/api/invitations/${tokenOf(created.json.url)}/accept`, { cookie: friend.cookie });
    expect(accept.status).toBe(409);
    expectErrorShape(accept.json, "invitation_revoked");
    expect((await call("DELETE", `/api/worlds/${world.id}/invitations/nosuchinvitation`, { cookie: owner.cookie })).status).toBe(404);
    expect((await call("DELETE", `/api/worlds/${world.id}/invitations/BAD!`, { cookie: owner.cookie })).status).toBe(400);

    // An answered invitation is not the owner's to revoke any more.
    const answered = await invite(owner, world.id, { role: "viewer" });
    await call("POST", `/api/invitations/${tokenOf(answered.json.url)}/accept`, { cookie: friend.cookie });
    const late = await call("DELETE", `/api/worlds/${world.id}/invitations/${answered.json.invitation.id}`, { cookie: owner.cookie });
    expect(late.status).toBe(409);
  });

  it("enforces the collaborator limit on inviting and on accepting", async () => {
    const { owner, world } = await ownerWithWorld();
    await env.DB.prepare(`update worlds set settings = json_set(settings, '$.maxCollaborators', 3) where id = ?`).bind(world.id).run();
    const member = await signUp("Member");
    await addMember(world.id, member, "viewer");
    // Owner + member + one pending invitation = 3.
    const first = await invite(owner, world.id, { role: "viewer" });
    expect(first.status).toBe(201);
    const over = await invite(owner, world.id, { role: "editor" });
    expect(over.status).toBe(409);
    expectErrorShape(over.json, "collaborator_limit");
    expect(await count("invitations", "world_id = ?", world.id)).toBe(1);

    // Expired invitations free their place.
    await expireInvitation(first.json.invitation.id);
    const second = await invite(owner, world.id, { role: "viewer" });
    expect(second.status).toBe(201);

    // Accepting takes the invitation's own place; a lowered limit refuses it.
    await env.DB.prepare(`update worlds set settings = json_set(settings, '$.maxCollaborators', 2) where id = ?`).bind(world.id).run();
    const joiner = await signUp("Joiner");
    const refused = await call("POST", `/api/invitations/${tokenOf(second.json.url)}/accept`, { cookie: joiner.cookie });
    expect(refused.status).toBe(409);
    expectErrorShape(refused.json, "collaborator_limit");
    expect(await count("world_members", "world_id = ?", world.id)).toBe(2);
    await env.DB.prepare(`update worlds set settings = json_set(settings, '$.maxCollaborators', 3) where id = ?`).bind(world.id).run();
    expect((await call("POST", `/api/invitations/${tokenOf(second.json.url)}/accept`, { cookie: joiner.cookie })).status).toBe(200);
    expect(await count("world_members", "world_id = ?", world.id)).toBe(3);
  });
});

describe("share links", () => {
  it("lets only the owner create, list and revoke links; the token is shown once", async () => {
    const { owner, world } = await ownerWithWorld();
    const editor = await signUp("Editor");
    await addMember(world.id, editor, "editor");
    const created = await call("POST", `/api/worlds/${world.id}/share`, { cookie: owner.cookie, body: { role: "viewer", expiresInHours: 2 } });
    expect(created.status).toBe(201);
    expect(created.json.shareLink).toMatchObject({ role: "viewer", status: "active" });
    expect(created.json.shareLink.url).toMatch(new RegExp(`^/worlds/${world.id}\\?share=[A-Za-z0-9_-]{43}$`));
    const token = shareTokenOf(created.json.shareLink.url);

    expect((await call("POST", `/api/worlds/${world.id}/share`, { cookie: editor.cookie, body: { role: "viewer", expiresInHours: 2 } })).status).toBe(403);
    expect((await call("GET", `/api/worlds/${world.id}/share`, { cookie: editor.cookie })).status).toBe(403);
    for (const body of [{ role: "owner", expiresInHours: 2 }, { role: "viewer", expiresInHours: 9999 }, { role: "viewer", expiresInHours: -1 }, { role: "viewer", expiresInHours: "2" }]) {
      const bad = await call("POST", `/api/worlds/${world.id}/share`, { cookie: owner.cookie, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
    expect(await count("share_links", "world_id = ?", world.id)).toBe(1);

    const list = await call("GET", `/api/worlds/${world.id}/share`, { cookie: owner.cookie });
    expect(list.status).toBe(200);
    expect(list.json.shareLinks).toEqual([expect.objectContaining({ id: created.json.shareLink.id, role: "viewer", status: "active", revokedAt: null })]);
    expect(JSON.stringify(list.json)).not.toContain(token);

    expect((await call("DELETE", `/api/worlds/${world.id}/share/${created.json.shareLink.id}`, { cookie: editor.cookie })).status).toBe(403);
    const revoked = await call("DELETE", `/api/worlds/${world.id}/share/${created.json.shareLink.id}`, { cookie: owner.cookie });
    expect(revoked.status).toBe(200);
    expect(revoked.json.shareLink.status).toBe("revoked");
    expect((await call("GET", `/api/worlds/${world.id}/share`, { cookie: owner.cookie })).json.shareLinks[0].status).toBe("revoked");
    expect((await call("DELETE", `/api/worlds/${world.id}/share/nosuchlink`, { cookie: owner.cookie })).status).toBe(404);
  });

  it("gives a link's role to its holder in the API: viewers read, signed-in editors edit", async () => {
    const { owner, world } = await ownerWithWorld();
    const element = await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "character", name: "Heir", secret: "The true queen." } });
    expect(element.status).toBe(201);
    const viewerLink = await shareLink(owner, world.id, "viewer");
    const editorLink = await shareLink(owner, world.id, "editor");
    const stranger = await signUp("Stranger");

    // Without a link the world does not exist for them.
    expect((await call("GET", `/api/worlds/${world.id}`)).status).toBe(404);
    expect((await call("GET", `/api/worlds/${world.id}`, { cookie: stranger.cookie })).status).toBe(404);

    // A viewer link, by header or by query, anonymously: read-only and no secrets.
    const byHeader = await call("GET", `/api/worlds/${world.id}`, { headers: { "x-share-token": viewerLink.token } });
    expect(byHeader.status).toBe(200);
    expect(byHeader.json.world.role).toBe("viewer");
    expect(byHeader.json.elements[0].name).toBe("Heir");
    expect(byHeader.json.elements[0]).not.toHaveProperty("secret");
    const byQuery = await call("GET", `/api/worlds/${world.id}?share=${viewerLink.token}`);
    expect(byQuery.status).toBe(200);
    const one = await call("GET", `/api/worlds/${world.id}/elements/${element.json.element.id}?share=${viewerLink.token}`);
    expect(one.status).toBe(200);
    expect(one.json.element).not.toHaveProperty("secret");
    expect((await call("GET", `/api/worlds/${world.id}/history?share=${viewerLink.token}`)).status).toBe(200);

    // Someone not signed in gets at most viewer, even with an editor link: still no secrets.
    const anonEditor = await call("GET", `/api/worlds/${world.id}`, { headers: { "x-share-token": editorLink.token } });
    expect(anonEditor.json.world.role).toBe("viewer");
    expect(anonEditor.json.elements[0]).not.toHaveProperty("secret");

    // A signed-in viewer-link holder cannot edit; an editor-link holder can, and sees secrets.
    const refused = await call("PATCH", `/api/worlds/${world.id}/elements/${element.json.element.id}`, { cookie: stranger.cookie, headers: { "x-share-token": viewerLink.token }, body: { name: "Vandal" } });
    expect(refused.status).toBe(403);
    const asEditor = await call("GET", `/api/worlds/${world.id}`, { cookie: stranger.cookie, headers: { "x-share-token": editorLink.token } });
    expect(asEditor.json.world.role).toBe("editor");
    expect(asEditor.json.elements[0].secret).toBe("The true queen.");
    const edited = await call("PATCH", `/api/worlds/${world.id}/elements/${element.json.element.id}`, { cookie: stranger.cookie, headers: { "x-share-token": editorLink.token }, body: { name: "Heir Apparent" } });
    expect(edited.status).toBe(200);
    expect(edited.json.element.name).toBe("Heir Apparent");
    // The link gives access, not membership.
    expect(await count("world_members", "world_id = ? and user_id = ?", world.id, stranger.id)).toBe(0);

    // Members keep their own role when it is better than the link's.
    expect((await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie, headers: { "x-share-token": viewerLink.token } })).json.world.role).toBe("owner");

    // A link for another world, a made-up token and a malformed one give nothing.
    const { world: other } = await ownerWithWorld();
    expect((await call("GET", `/api/worlds/${other.id}`, { headers: { "x-share-token": viewerLink.token } })).status).toBe(404);
    expect((await call("GET", `/api/worlds/${world.id}`, { headers: { "x-share-token": "A".repeat(43) } })).status).toBe(404);
    expect((await call("GET", `/api/worlds/${world.id}?share=${"%00".repeat(300)}`)).status).toBe(404);
  });

  it("stops working once revoked or expired", async () => {
    const { owner, world } = await ownerWithWorld();
    const revokedLink = await shareLink(owner, world.id, "viewer");
    const expiringLink = await shareLink(owner, world.id, "viewer", 1);
    await call("DELETE", `/api/worlds/${world.id}/share/${revokedLink.id}`, { cookie: owner.cookie });
    await env.DB.prepare("update share_links set expires_at = ? where id = ?").bind(Date.now() - 1000, expiringLink.id).run();

    const revoked = await call("GET", `/api/worlds/${world.id}`, { headers: { "x-share-token": revokedLink.token } });
    expect(revoked.status).toBe(410);
    expectErrorShape(revoked.json, "share_link_expired");
    expect(revoked.json.error.message).toMatch(/revoked/);
    const expired = await call("GET", `/api/worlds/${world.id}`, { headers: { "x-share-token": expiringLink.token } });
    expect(expired.status).toBe(410);
    expect(expired.json.error.message).toMatch(/expired/);
    const statuses = (await call("GET", `/api/worlds/${world.id}/share`, { cookie: owner.cookie })).json.shareLinks.map((l: Json) => l.status).sort();
    expect(statuses).toEqual(["expired", "revoked"]);
  });

  it("admits link holders to the room with the link's role, and refuses dead links before the upgrade", async () => {
    const { owner, world } = await ownerWithWorld();
    const created = await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "location", name: "Gate", secret: "Hidden door." } });
    const elementId = created.json.element.id as string;
    const viewerLink = await shareLink(owner, world.id, "viewer");
    const editorLink = await shareLink(owner, world.id, "editor");

    // Not signed in, viewer link via the query string (as the editor's WebSocket URL carries it).
    const guest = await RoomClient.connect(world.id, undefined, {}, `?share=${viewerLink.token}`);
    expect(guest.response.status).toBe(101);
    const welcome = await guest.client!.waitFor<{ type: "welcome"; you: { role: string; name: string } }>((m) => m.type === "welcome");
    expect(welcome.you).toMatchObject({ role: "viewer", name: "Guest" });
    await guest.client!.until(() => getElement(guest.client!.doc, elementId)?.name === "Gate");
    expect(JSON.stringify(guest.client!.doc.toJSON())).not.toContain("Hidden door");
    // Its edits are refused.
    guest.client!.doc.transact(() => patchElement(guest.client!.doc, elementId, { name: "Vandalised" }));
    const refused = await guest.client!.waitFor<{ type: "error"; code: string }>((m) => m.type === "error");
    expect(refused.code).toBe("read_only");
    guest.client!.close();

    // Signed in with an editor link (by header): an editor in the room.
    const friend = await signUp("Friend");
    const editor = await RoomClient.connect(world.id, friend.cookie, { "x-share-token": editorLink.token });
    const editorWelcome = await editor.client!.waitFor<{ type: "welcome"; you: { role: string; id: string } }>((m) => m.type === "welcome");
    expect(editorWelcome.you).toMatchObject({ role: "editor", id: friend.id });
    editor.client!.close();

    // No link, a revoked one, or an expired one: refused before the upgrade.
    expect((await RoomClient.connect(world.id)).response.status).toBe(404);
    await call("DELETE", `/api/worlds/${world.id}/share/${viewerLink.id}`, { cookie: owner.cookie });
    const afterRevoke = await RoomClient.connect(world.id, undefined, { "x-share-token": viewerLink.token });
    expect(afterRevoke.client).toBeNull();
    expect(afterRevoke.response.status).toBe(410);
    await env.DB.prepare("update share_links set expires_at = ? where id = ?").bind(Date.now() - 1000, editorLink.id).run();
    const afterExpiry = await RoomClient.connect(world.id, friend.cookie, { "x-share-token": editorLink.token });
    expect(afterExpiry.client).toBeNull();
    expect(afterExpiry.response.status).toBe(410);
  });

  it("closes the room sockets of people whose access changed, and only theirs", async () => {
    const { owner, world } = await ownerWithWorld();
    const editor = await signUp("Editor");
    const leaving = await signUp("Leaving");
    await addMember(world.id, editor, "editor");
    await addMember(world.id, leaving, "viewer");
    const link = await shareLink(owner, world.id, "viewer");
    const ownerSocket = (await RoomClient.connect(world.id, owner.cookie)).client!;
    const editorSocket = (await RoomClient.connect(world.id, editor.cookie)).client!;
    const leavingSocket = (await RoomClient.connect(world.id, leaving.cookie)).client!;
    const guestSocket = (await RoomClient.connect(world.id, undefined, {}, `?share=${link.token}`)).client!;
    const closedWith = async (client: RoomClient) => {
      await client.until(() => client.closed !== null);
      return client.closed!.code;
    };

    await call("DELETE", `/api/worlds/${world.id}/share/${link.id}`, { cookie: owner.cookie });
    expect(await closedWith(guestSocket)).toBe(4003);

    await call("PATCH", `/api/worlds/${world.id}/members/${editor.id}`, { cookie: owner.cookie, body: { role: "viewer" } });
    expect(await closedWith(editorSocket)).toBe(4003);
    const rejoined = (await RoomClient.connect(world.id, editor.cookie)).client!;
    expect((await rejoined.waitFor<{ type: "welcome"; you: { role: string } }>((m) => m.type === "welcome")).you.role).toBe("viewer");

    await call("DELETE", `/api/worlds/${world.id}/members/${leaving.id}`, { cookie: owner.cookie });
    expect(await closedWith(leavingSocket)).toBe(4003);
    expect((await RoomClient.connect(world.id, leaving.cookie)).response.status).toBe(404);

    expect(ownerSocket.closed).toBeNull();
    expect(rejoined.closed).toBeNull();
    ownerSocket.close();
    rejoined.close();
  });

  it("serves a private world's assets to link holders only", async () => {
    const { owner, world } = await ownerWithWorld();
    const key = `worlds/${world.id}/images/cover.svg`;
    await env.ASSETS_BUCKET.put(key, "<svg xmlns='http://www.w3.org/2000/svg'/>", { httpMetadata: { contentType: "image/svg+xml" } });
    const link = await shareLink(owner, world.id, "viewer");
    expect((await call("GET", `/api/assets/${key}`)).status).toBe(404);
    const withLink = await call("GET", `/api/assets/${key}?share=${link.token}`);
    expect(withLink.status).toBe(200);
    expect(withLink.text).toContain("<svg");
  });
});

describe("bad input on the sharing endpoints", () => {
  it("answers malformed JSON, wrong types, unknown fields, wrong media type and oversize bodies with a 4xx and changes nothing", async () => {
    const { owner, world } = await ownerWithWorld();
    const member = await signUp("Member");
    await addMember(world.id, member, "viewer");
    const snapshot = async () => {
      const tables = ["world_members", "invitations", "share_links", "history"];
      const parts = await env.DB.batch(tables.map((t) => env.DB.prepare(`select * from ${t} where world_id = ? order by 1`).bind(world.id)));
      return JSON.stringify(parts.map((p) => p.results));
    };
    const endpoints = [
      { method: "POST", path: `/api/worlds/${world.id}/invitations`, valid: { role: "viewer" }, wrongType: { role: "viewer", email: 42 } },
      { method: "POST", path: `/api/worlds/${world.id}/share`, valid: { role: "viewer", expiresInHours: 1 }, wrongType: { role: ["viewer"], expiresInHours: 1 } },
      { method: "PATCH", path: `/api/worlds/${world.id}/members/${member.id}`, valid: { role: "editor" }, wrongType: { role: 2 } },
    ];
    const before = await snapshot();
    for (const endpoint of endpoints) {
      const send = (body: unknown, headers?: Record<string, string>) => call(endpoint.method, endpoint.path, { cookie: owner.cookie, body, headers });
      const cases: Array<[string, unknown, Record<string, string> | undefined, number, string]> = [
        ["malformed JSON", '{"role": "x",', undefined, 400, "invalid_json"],
        ["wrong types", endpoint.wrongType, undefined, 400, "validation_failed"],
        ["missing fields", {}, undefined, 400, "validation_failed"],
        ["unknown field", { ...endpoint.valid, isAdmin: true }, undefined, 400, "validation_failed"],
        ["not an object", "42", undefined, 400, "validation_failed"],
        ["wrong media type", "role=viewer", { "content-type": "text/plain" }, 415, "unsupported_media_type"],
        ["oversize", { ...endpoint.valid, padding: "x".repeat(300 * 1024) }, undefined, 413, "payload_too_large"],
      ];
      for (const [label, body, headers, status, code] of cases) {
        const response = await send(body, headers);
        expect(response.status, `${endpoint.method} ${endpoint.path}: ${label}`).toBe(status);
        expectErrorShape(response.json, code);
      }
    }
    expect(await snapshot()).toBe(before);
    // Bad ids and tokens in paths are a 4xx too.
    expect((await call("DELETE", `/api/worlds/${world.id}/share/${"x".repeat(80)}`, { cookie: owner.cookie })).status).toBe(400);
    expect((await call("POST", `/api/invitations/${"x".repeat(200)}/accept`, { cookie: member.cookie })).status).toBe(400);
    expect((await call("GET", `/api/worlds/NOT-AN-ID/members`, { cookie: owner.cookie })).status).toBe(400);
    expect(await snapshot()).toBe(before);
  });
});
