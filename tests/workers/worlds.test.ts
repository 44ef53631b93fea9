import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addMember, call, count, createWorld, expectErrorShape, signUp, waitForJobsToSettle } from "./helpers";

async function insertElement(worldId: string, fields: { id: string; name: string; secret?: string }) {
  await env.DB.prepare("insert into elements (id, world_id, type, name, description, secret) values (?, ?, 'character', ?, 'A test element', ?)")
    .bind(fields.id, worldId, fields.name, fields.secret ?? null)
    .run();
}

describe("worlds API", () => {
  it("creates a world (201), lists it, and gets its graph", async () => {
    const ada = await signUp("Ada");
    const created = await call("POST", "/api/worlds", {
      cookie: ada.cookie,
      body: { title: "  Emberfall ", description: "Ash and lanterns", style: "horror", tags: ["ash"] },
    });
    expect(created.status).toBe(201);
    expect(created.json.world).toMatchObject({
      title: "Emberfall",
      description: "Ash and lanterns",
      style: "horror",
      visibility: "private",
      tags: ["ash"],
      role: "owner",
      ownerId: ada.id,
    });
    const id = created.json.world.id;
    expect(id).toMatch(/^[a-z0-9]{16}$/);

    const list = await call("GET", "/api/worlds", { cookie: ada.cookie });
    expect(list.status).toBe(200);
    expect(list.json.worlds.map((w: { id: string }) => w.id)).toContain(id);
    expect(list.json.worlds[0]).toMatchObject({ id, elementCount: 0, role: "owner" });

    const graph = await call("GET", `/api/worlds/${id}`, { cookie: ada.cookie });
    expect(graph.status).toBe(200);
    expect(graph.json).toMatchObject({ world: { id, title: "Emberfall" }, elements: [], relationships: [] });
    expect(await count("history", "world_id = ? and action = 'created' and user_id = ?", id, ada.id)).toBe(1);
  });

  it("pages the list with a cursor, newest first, without repeats", async () => {
    const bo = await signUp("Bo");
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await createWorld(bo, { title: `World ${i}` })).id);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call("GET", `/api/worlds?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { cookie: bo.cookie });
      expect(page.status).toBe(200);
      expect(page.json.worlds.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.worlds.map((w: { id: string }) => w.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    for (const query of ["limit=0", "limit=101", "limit=abc", "cursor=%%%"]) {
      const bad = await call("GET", `/api/worlds?${query}`, { cookie: bo.cookie });
      expect(bad.status, query).toBe(400);
      expectErrorShape(bad.json);
    }
  });

  it("refuses bad bodies with 400/413/415 in the error shape and creates nothing", async () => {
    const cy = await signUp("Cy");
    const before = await count("worlds", "owner_id = ?", cy.id);
    const cases: Array<{ body: unknown; status: number; code: string; headers?: Record<string, string> }> = [
      { body: "{\"title\":", status: 400, code: "invalid_json" },
      { body: {}, status: 400, code: "validation_failed" },
      { body: { title: "" }, status: 400, code: "validation_failed" },
      { body: { title: "   " }, status: 400, code: "validation_failed" },
      { body: { title: 42 }, status: 400, code: "validation_failed" },
      { body: { title: "x".repeat(121) }, status: 400, code: "validation_failed" },
      { body: { title: "Ok", style: "vaporwave" }, status: 400, code: "validation_failed" },
      { body: { title: "Ok", visibility: "secret" }, status: 400, code: "validation_failed" },
      { body: { title: "Ok", ownerId: "someone-else" }, status: 400, code: "validation_failed" },
      { body: { title: "Ok", tags: "one" }, status: 400, code: "validation_failed" },
      { body: [1, 2], status: 400, code: "validation_failed" },
      { body: "title=Ok", status: 415, code: "unsupported_media_type", headers: { "content-type": "text/plain" } },
      { body: { title: "Ok", description: "x".repeat(300_000) }, status: 413, code: "payload_too_large" },
    ];
    for (const { body, status, code, headers } of cases) {
      const response = await call("POST", "/api/worlds", { cookie: cy.cookie, body, headers });
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expectErrorShape(response.json, code);
    }
    const invalid = await call("POST", "/api/worlds", { cookie: cy.cookie, body: { title: 42 } });
    expect(invalid.json.error.details.issues[0].path).toBe("title");
    expect(await count("worlds", "owner_id = ?", cy.id)).toBe(before);
  });

  it("requires a session to create or list", async () => {
    const create = await call("POST", "/api/worlds", { body: { title: "Anonymous" } });
    expect(create.status).toBe(401);
    expectErrorShape(create.json, "unauthenticated");
    expect((await call("GET", "/api/worlds")).status).toBe(401);
  });

  it("refuses writes from another origin", async () => {
    const di = await signUp("Di");
    const before = await count("worlds", "owner_id = ?", di.id);
    const response = await call("POST", "/api/worlds", {
      cookie: di.cookie,
      body: { title: "Forged" },
      headers: { origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    expectErrorShape(response.json, "cross_origin");
    expect(await count("worlds", "owner_id = ?", di.id)).toBe(before);
  });

  it("hides a private world from strangers (404) and shows public ones read-only", async () => {
    const owner = await signUp("Owner");
    const stranger = await signUp("Stranger");
    const world = await createWorld(owner, { title: "Hidden" });

    for (const [method, body] of [["GET", undefined], ["PATCH", { title: "Mine now" }], ["DELETE", undefined]] as const) {
      const response = await call(method, `/api/worlds/${world.id}`, { cookie: stranger.cookie, body });
      expect(response.status, method).toBe(404);
      expectErrorShape(response.json, "not_found");
    }
    const anonymous = await call("GET", `/api/worlds/${world.id}`);
    expect(anonymous.status).toBe(404);
    // A world that does not exist answers the same as one you may not see.
    const missing = await call("GET", "/api/worlds/doesnotexist0000", { cookie: stranger.cookie });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe(anonymous.json.error.code);
    const badId = await call("GET", "/api/worlds/Not%20An%20Id!", { cookie: stranger.cookie });
    expect(badId.status).toBe(400);

    await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { visibility: "public" } });
    const asStranger = await call("GET", `/api/worlds/${world.id}`, { cookie: stranger.cookie });
    expect(asStranger.status).toBe(200);
    expect(asStranger.json.world.role).toBe("viewer");
    const strangerEdit = await call("PATCH", `/api/worlds/${world.id}`, { cookie: stranger.cookie, body: { title: "Mine now" } });
    expect(strangerEdit.status).toBe(403);
    expectErrorShape(strangerEdit.json, "forbidden");
    expect((await call("GET", `/api/worlds/${world.id}`)).status).toBe(200);
  });

  it("lets editors edit but only owners change visibility or delete", async () => {
    const owner = await signUp("Owner");
    const editor = await signUp("Editor");
    const viewer = await signUp("Viewer");
    const world = await createWorld(owner, { title: "Shared" });
    await addMember(world.id, editor, "editor");
    await addMember(world.id, viewer, "viewer");

    const edit = await call("PATCH", `/api/worlds/${world.id}`, { cookie: editor.cookie, body: { title: "Shared, edited", tags: ["a", "b"] } });
    expect(edit.status).toBe(200);
    expect(edit.json.world).toMatchObject({ title: "Shared, edited", tags: ["a", "b"], role: "editor" });

    const visibility = await call("PATCH", `/api/worlds/${world.id}`, { cookie: editor.cookie, body: { visibility: "public" } });
    expect(visibility.status).toBe(403);
    const viewerEdit = await call("PATCH", `/api/worlds/${world.id}`, { cookie: viewer.cookie, body: { title: "Nope" } });
    expect(viewerEdit.status).toBe(403);
    expect((await call("DELETE", `/api/worlds/${world.id}`, { cookie: editor.cookie })).status).toBe(403);
    const emptyPatch = await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: {} });
    expect(emptyPatch.status).toBe(400);

    const graph = await call("GET", `/api/worlds/${world.id}`, { cookie: viewer.cookie });
    expect(graph.json.world).toMatchObject({ title: "Shared, edited", visibility: "private", role: "viewer" });
    expect(await count("history", "world_id = ? and action = 'edited'", world.id)).toBe(1);
    const listed = await call("GET", "/api/worlds", { cookie: viewer.cookie });
    expect(listed.json.worlds.find((w: { id: string }) => w.id === world.id)?.role).toBe("viewer");
  });

  it("returns secrets to owners and editors only", async () => {
    const owner = await signUp("Owner");
    const editor = await signUp("Editor");
    const viewer = await signUp("Viewer");
    const world = await createWorld(owner, { title: "Secrets", visibility: "public" });
    await addMember(world.id, editor, "editor");
    await addMember(world.id, viewer, "viewer");
    await insertElement(world.id, { id: `sec${world.id.slice(3)}`, name: "Mira", secret: "She is the lost heir." });

    for (const person of [owner, editor]) {
      const graph = await call("GET", `/api/worlds/${world.id}`, { cookie: person.cookie });
      expect(graph.json.elements[0].secret).toBe("She is the lost heir.");
    }
    const stranger = await signUp("Stranger");
    for (const cookie of [viewer.cookie, stranger.cookie, undefined]) {
      const graph = await call("GET", `/api/worlds/${world.id}`, { cookie });
      expect(graph.status).toBe(200);
      expect(graph.json.elements[0].name).toBe("Mira");
      expect(graph.json.elements[0]).not.toHaveProperty("secret");
      expect(graph.text).not.toContain("lost heir");
    }
  });

  it("deletes a world with its elements, members and room state", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner, { title: "Doomed" });
    await insertElement(world.id, { id: `del${world.id.slice(3)}`, name: "Ghost" });
    const room = env.WORLD_ROOM.getByName(world.id);
    await runInDurableObject(room, async (_instance, state) => {
      state.storage.sql.exec("create table if not exists probe (v text)");
      state.storage.sql.exec("insert into probe values ('left behind?')");
    });

    const response = await call("DELETE", `/api/worlds/${world.id}`, { cookie: owner.cookie });
    expect(response.status).toBe(204);
    expect(await count("worlds", "id = ?", world.id)).toBe(0);
    expect(await count("elements", "world_id = ?", world.id)).toBe(0);
    expect(await count("world_members", "world_id = ?", world.id)).toBe(0);
    expect((await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie })).status).toBe(404);
    expect((await call("DELETE", `/api/worlds/${world.id}`, { cookie: owner.cookie })).status).toBe(404);
    const tables = await runInDurableObject(room, async (_instance, state) =>
      state.storage.sql.exec("select name from sqlite_master where type = 'table' and name = 'probe'").toArray(),
    );
    expect(tables).toEqual([]);
  });

  it("serves a changed graph as soon as its graph version moves", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner, { title: "Growing" });
    const before = await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie });
    expect(before.json.elements).toEqual([]);
    await env.DB.batch([
      env.DB.prepare("insert into elements (id, world_id, type, name) values (?, ?, 'lore', 'The First Song')").bind(`gro${world.id.slice(3)}`, world.id),
      env.DB.prepare("update worlds set graph_version = graph_version + 1 where id = ?").bind(world.id),
    ]);
    const after = await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie });
    expect(after.json.elements.map((e: { name: string }) => e.name)).toEqual(["The First Song"]);
    // The world part is never cached: a rename shows at once.
    await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { title: "Grown" } });
    expect((await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie })).json.world.title).toBe("Grown");
  });

  it("answers unknown API routes with a 404 in the error shape", async () => {
    const response = await call("GET", "/api/nothing-here");
    expect(response.status).toBe(404);
    expectErrorShape(response.json, "not_found");
  });
});

describe("world cover", () => {
  it("accepts an element's image as the cover and refuses anything else", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner, { title: "Covered" });
    await env.DB.prepare("insert into elements (id, world_id, type, name, assets) values (?, ?, 'location', 'Keep', ?)")
      .bind(`cov${world.id.slice(3)}`, world.id, JSON.stringify({ image: `worlds/${world.id}/keep.svg` }))
      .run();
    const bad = await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { coverAssetKey: "worlds/elsewhere/x.svg" } });
    expect(bad.status).toBe(400);
    expectErrorShape(bad.json, "invalid_cover");
    const good = await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { coverAssetKey: `worlds/${world.id}/keep.svg` } });
    expect(good.status).toBe(200);
    expect(good.json.world.coverAssetKey).toBe(`worlds/${world.id}/keep.svg`);
    const cleared = await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { coverAssetKey: null } });
    expect(cleared.json.world.coverAssetKey).toBeNull();
  });
});

describe("where a world came from (its card on the dashboard)", () => {
  it("takes the prompt a world is generated from as its description, unless one is given", async () => {
    const maker = await signUp("Maker");
    const prompt = "a drowned clockwork city ruled by tide-priests";
    const described = await call("POST", "/api/worlds", { cookie: maker.cookie, body: { title: "Tidewatch", prompt } });
    expect(described.status, described.text).toBe(201);
    expect(described.json.world.description).toBe(prompt);
    const own = await call("POST", "/api/worlds", { cookie: maker.cookie, body: { title: "Tidewatch II", description: "Ours, in our words.", prompt } });
    expect(own.json.world.description).toBe("Ours, in our words.");
    await waitForJobsToSettle([described.json.job.id, own.json.job.id]);
  });

  const fork = async (person: { cookie: string }, sourceId: string, title: string) => {
    const forked = await call("POST", `/api/worlds/${sourceId}/fork`, { cookie: person.cookie, body: { title } });
    expect(forked.status, forked.text).toBe(201);
    return forked.json.world.id as string;
  };
  const listed = async (person: { cookie: string }, worldId: string) => {
    const list = await call("GET", "/api/worlds", { cookie: person.cookie });
    expect(list.status).toBe(200);
    return { world: list.json.worlds.find((w: any) => w.id === worldId), text: list.text };
  };

  it("names a fork's source, with a link, only to people who may see the source", async () => {
    const owner = await signUp("Gardener");
    const friend = await signUp("Friend");
    const source = await createWorld(owner, { title: "The Walled Garden of Ysm" });
    const copy = await fork(owner, source.id, "Our Allotment");
    // The forker is a member of the private source: its title, and that they may open it in the editor.
    expect((await listed(owner, copy)).world.origin).toEqual({
      kind: "fork",
      source: { id: source.id, title: "The Walled Garden of Ysm", visibility: "private", member: true },
    });

    // A friend made an editor of the fork cannot see the private source: the card says it is a
    // fork, and nothing of the source's title reaches them.
    await addMember(copy, friend, "editor");
    const theirs = await listed(friend, copy);
    expect(theirs.world.origin).toEqual({ kind: "fork", source: null });
    expect(theirs.text).not.toContain("Walled Garden");
    expect(theirs.world.title).toBe("Our Allotment");

    // Once the source is unlisted they may read it (on its public page): the card names it.
    const opened = await call("PATCH", `/api/worlds/${source.id}`, { cookie: owner.cookie, body: { visibility: "unlisted" } });
    expect(opened.status).toBe(200);
    expect((await listed(friend, copy)).world.origin).toEqual({
      kind: "fork",
      source: { id: source.id, title: "The Walled Garden of Ysm", visibility: "unlisted", member: false },
    });

    // When the source is deleted the fork still says it is one, without a name or a link.
    expect((await call("DELETE", `/api/worlds/${source.id}`, { cookie: owner.cookie })).status).toBe(204);
    expect((await listed(owner, copy)).world.origin).toEqual({ kind: "fork", source: null });
  });

  it("names a public source to a stranger who forked it for as long as it stays public; a world made from scratch has no origin", async () => {
    const author = await signUp("Author");
    const stranger = await signUp("Stranger");
    const source = await createWorld(author, { title: "Saltmarsh Commons", visibility: "public" });
    const copy = await fork(stranger, source.id, "Marsh Notes");
    expect((await listed(stranger, copy)).world.origin).toEqual({
      kind: "fork",
      source: { id: source.id, title: "Saltmarsh Commons", visibility: "public", member: false },
    });
    // The source going private takes its name off the stranger's card.
    await call("PATCH", `/api/worlds/${source.id}`, { cookie: author.cookie, body: { visibility: "private" } });
    const after = await listed(stranger, copy);
    expect(after.world.origin).toEqual({ kind: "fork", source: null });
    expect(after.text).not.toContain("Saltmarsh");
    expect((await listed(author, source.id)).world.origin).toBeNull();
  });
});
