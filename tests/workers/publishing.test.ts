// Publishing inside workerd: oEmbed for public and unlisted worlds, forks that copy a world's graph
// from its room and its assets in R2 into a new private world, and secrets that never leave. The
// public page and the embed are React Router pages, outside the pool's Worker: their HTML is
// checked against the built app in tests/e2e/publishing.e2e.mjs.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, count, createWorld, expectErrorShape, signUp, waitUntil, type Person } from "./helpers";

const SECRET = "The lighthouse keeper is the drowned king zq-7731";

type Element = {
  id: string;
  type: string;
  name: string;
  description: string;
  secret?: string;
  position: { x: number; y: number };
  tags: string[];
  assets: { image?: string; audio?: string; video?: string };
  metadata: Record<string, unknown>;
};
type Graph = { world: Record<string, any>; elements: Element[]; relationships: Array<{ id: string; from: string; to: string; kind: string; label: string }> };

async function waitForJob(person: Person, jobId: string) {
  return waitUntil(`job ${jobId}`, async () => {
    const response = await call("GET", `/api/jobs/${jobId}`, { cookie: person.cookie });
    return ["succeeded", "failed", "cancelled"].includes(response.json?.job?.status) && response.json.job;
  });
}

async function graphOf(person: Person | null, worldId: string): Promise<Graph> {
  const response = await call("GET", `/api/worlds/${worldId}`, { cookie: person?.cookie });
  expect(response.status).toBe(200);
  return response.json;
}

/** A world seeded from a prompt (elements with images and narration, linked), plus a secret. */
async function seededWorld(owner: Person, visibility: "public" | "unlisted" | "private", title = "Brinemoor") {
  const created = await call("POST", "/api/worlds", {
    cookie: owner.cookie,
    body: { title, style: "steampunk", tags: ["sea", "clockwork"], description: "A drowned coast of brass lighthouses.", prompt: "a drowned coast of brass lighthouses" },
  });
  expect(created.status).toBe(201);
  const job = await waitForJob(owner, created.json.job.id);
  expect(job.status, job.error ?? "").toBe("succeeded");
  const worldId = created.json.world.id as string;
  const graph = await graphOf(owner, worldId);
  const keeper = graph.elements[1]!;
  const patched = await call("PATCH", `/api/worlds/${worldId}/elements/${keeper.id}`, { cookie: owner.cookie, body: { secret: SECRET } });
  expect(patched.status).toBe(200);
  const cover = graph.elements[0]!.assets.image!;
  const updated = await call("PATCH", `/api/worlds/${worldId}`, { cookie: owner.cookie, body: { visibility, coverAssetKey: cover } });
  expect(updated.status).toBe(200);
  return { worldId, graph: await graphOf(owner, worldId), cover };
}

describe("oEmbed", () => {
  let owner: Person;
  let publicWorld: { worldId: string; graph: Graph; cover: string };

  beforeAll(async () => {
    owner = await signUp("Oembed");
    publicWorld = await seededWorld(owner, "public", `Brinemoor <script>alert("x")</script> & Co`);
  });

  it("describes a public world as a rich iframe, with escaped HTML and a sized thumbnail", async () => {
    const url = `http://localhost/w/${publicWorld.worldId}`;
    const response = await call("GET", `/api/oembed?url=${encodeURIComponent(url)}&format=json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = response.json;
    expect(body).toMatchObject({
      version: "1.0",
      type: "rich",
      provider_name: "Loreloom",
      provider_url: "http://localhost/",
      title: `Brinemoor <script>alert("x")</script> & Co`,
      author_name: "Oembed",
      width: 800,
      height: 600,
    });
    expect(body.html).toBe(
      `<iframe src="http://localhost/embed/${publicWorld.worldId}" width="800" height="600" title="Brinemoor &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co — Loreloom" style="border:0;border-radius:12px;max-width:100%" loading="lazy" allowfullscreen></iframe>`,
    );
    expect(body.html).not.toContain("<script");
    expect(body.thumbnail_url).toBe(`http://localhost/api/assets/${publicWorld.cover}`);
    expect(body.thumbnail_width).toBeGreaterThan(0);
    expect(body.thumbnail_height).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toContain("zq-7731");
    // The thumbnail is served to anyone (no cookie).
    const thumbnail = await call("GET", `/api/assets/${publicWorld.cover}`);
    expect(thumbnail.status).toBe(200);
  });

  it("honours maxwidth and maxheight, and accepts embed and editor URLs", async () => {
    for (const path of [`/embed/${publicWorld.worldId}`, `/worlds/${publicWorld.worldId}`, `/w/${publicWorld.worldId}/`]) {
      const response = await call("GET", `/api/oembed?url=${encodeURIComponent(`http://localhost${path}?from=feed`)}&maxwidth=400&maxheight=250`);
      expect(response.status, path).toBe(200);
      expect(response.json).toMatchObject({ width: 400, height: 250 });
      expect(response.json.html).toContain('width="400" height="250"');
      expect(response.json.thumbnail_width).toBeLessThanOrEqual(400);
      expect(response.json.thumbnail_height).toBeLessThanOrEqual(250);
    }
    const wide = await call("GET", `/api/oembed?url=${encodeURIComponent(`http://localhost/w/${publicWorld.worldId}`)}&maxwidth=5000`);
    expect(wide.json).toMatchObject({ width: 800, height: 600 });
  });

  it("answers for unlisted worlds, 404 for private, missing and foreign ones", async () => {
    const unlisted = await createWorld(owner, { title: "Quiet Reach", visibility: "unlisted" });
    const ok = await call("GET", `/api/oembed?url=${encodeURIComponent(`http://localhost/w/${unlisted.id}`)}`);
    expect(ok.status).toBe(200);
    expect(ok.json.title).toBe("Quiet Reach");
    expect(ok.json.thumbnail_url).toBeUndefined();

    const hidden = await createWorld(owner, { title: "Hidden Vault" });
    for (const url of [
      `http://localhost/w/${hidden.id}`,
      "http://localhost/w/doesnotexist0000",
      `https://example.com/w/${publicWorld.worldId}`,
      `http://localhost/gallery`,
    ]) {
      // Even the owner's cookie does not make a private world embeddable.
      const response = await call("GET", `/api/oembed?url=${encodeURIComponent(url)}`, { cookie: owner.cookie });
      expect(response.status, url).toBe(404);
      expectErrorShape(response.json, "not_found");
      expect(response.text).not.toContain("Hidden Vault");
    }
  });

  it("refuses malformed requests with 400 and XML with 501", async () => {
    const url = encodeURIComponent(`http://localhost/w/${publicWorld.worldId}`);
    for (const query of ["", "url=", "url=not%20a%20url", "url=javascript%3Aalert(1)", `url=${url}&maxwidth=0`, `url=${url}&maxwidth=wide`, `url=${url}&format=yaml`]) {
      const response = await call("GET", `/api/oembed?${query}`);
      expect(response.status, query).toBe(400);
      expectErrorShape(response.json);
    }
    const xml = await call("GET", `/api/oembed?url=${url}&format=xml`);
    expect(xml.status).toBe(501);
    expectErrorShape(xml.json, "format_not_implemented");
  });
});

describe("fork", () => {
  let owner: Person;
  let stranger: Person;
  let source: { worldId: string; graph: Graph; cover: string };

  beforeAll(async () => {
    owner = await signUp("Maker");
    stranger = await signUp("Forker");
    source = await seededWorld(owner, "public");
  });

  it("copies a public world into a private world of the stranger's: same graph, new ids, no secrets, own assets, credit", async () => {
    const response = await call("POST", `/api/worlds/${source.worldId}/fork`, { cookie: stranger.cookie });
    expect(response.status).toBe(201);
    const fork = response.json.world;
    expect(fork).toMatchObject({
      title: "Brinemoor (fork)",
      visibility: "private",
      ownerId: stranger.id,
      ownerName: "Forker",
      role: "owner",
      forkedFromId: source.worldId,
      style: "steampunk",
      tags: ["sea", "clockwork"],
      description: "A drowned coast of brass lighthouses.",
    });
    expect(fork.id).not.toBe(source.worldId);

    const copy = await graphOf(stranger, fork.id);
    const original = source.graph;
    expect(copy.elements).toHaveLength(original.elements.length);
    expect(copy.relationships).toHaveLength(original.relationships.length);
    const sourceIds = new Set(original.elements.map((e) => e.id));
    expect(copy.elements.every((e) => !sourceIds.has(e.id))).toBe(true);

    // Same content in the same places; the stranger owns the fork but got no secret with it.
    const byName = new Map(copy.elements.map((e) => [e.name, e]));
    const idMap = new Map<string, string>();
    for (const element of original.elements) {
      const twin = byName.get(element.name)!;
      expect(twin, element.name).toBeDefined();
      idMap.set(element.id, twin.id);
      expect(twin).toMatchObject({ type: element.type, description: element.description, position: element.position, tags: element.tags, secret: "" });
      expect(twin.metadata).toEqual(element.metadata);
      for (const kind of ["image", "audio"] as const) {
        expect(twin.assets[kind]).toBe(element.assets[kind]!.replace(`worlds/${source.worldId}/`, `worlds/${fork.id}/`));
      }
    }
    expect(JSON.stringify(copy)).not.toContain("zq-7731");
    expect(await count("elements", "world_id = ? and secret is not null and secret != ''", fork.id)).toBe(0);
    const relationshipKey = (r: Graph["relationships"][number], map?: Map<string, string>) => `${map ? map.get(r.from) : r.from}|${map ? map.get(r.to) : r.to}|${r.kind}|${r.label}`;
    expect(new Set(copy.relationships.map((r) => relationshipKey(r)))).toEqual(new Set(original.relationships.map((r) => relationshipKey(r, idMap))));

    // Assets are copies under the fork, readable by the forker, byte for byte, and recorded.
    expect(copy.world.coverAssetKey).toBe(source.cover.replace(`worlds/${source.worldId}/`, `worlds/${fork.id}/`));
    const twin = copy.elements[0]!;
    const mine = await call("GET", `/api/assets/${twin.assets.image}`, { cookie: stranger.cookie });
    const theirs = await call("GET", `/api/assets/${original.elements.find((e) => idMap.get(e.id) === twin.id)!.assets.image}`);
    expect(mine.status).toBe(200);
    expect(mine.headers.get("content-type")).toBe("image/svg+xml");
    expect(mine.text).toBe(theirs.text);
    const copiedKeys = new Set(copy.elements.flatMap((e) => [e.assets.image, e.assets.audio]));
    expect(copiedKeys.size).toBeGreaterThanOrEqual(original.elements.length);
    expect(await count("assets", "world_id = ?", fork.id)).toBe(copiedKeys.size);
    // A private fork's assets are the forker's alone.
    expect((await call("GET", `/api/assets/${twin.assets.image}`, { cookie: owner.cookie })).status).toBe(404);

    // The source is credited in the fork's history; the fork's room hydrates from D1 with the graph.
    const history = await call("GET", `/api/worlds/${fork.id}/history`, { cookie: stranger.cookie });
    expect(history.json.entries[0]).toMatchObject({ action: "forked", summary: "Forked from “Brinemoor” by Maker" });
    const room = await call("GET", `/api/worlds/${fork.id}/room/status`, { cookie: stranger.cookie });
    expect(room.json.room).toMatchObject({ elements: original.elements.length, relationships: original.relationships.length, loadedFrom: "d1" });
    // Every copied element has a first version, so its history and restore work.
    const versions = await call("GET", `/api/worlds/${fork.id}/elements/${twin.id}/versions`, { cookie: stranger.cookie });
    expect(versions.json.versions).toHaveLength(1);
    expect(versions.json.versions[0]).toMatchObject({ version: 1, action: "forked", element: { name: twin.name, description: twin.description, position: twin.position } });
  });

  it("keeps its pictures when the source goes private afterwards", async () => {
    const maker = await signUp("Fickle");
    const { worldId } = await seededWorld(maker, "public", "Saltglass");
    const fork = (await call("POST", `/api/worlds/${worldId}/fork`, { cookie: stranger.cookie, body: { title: "My Saltglass" } })).json.world;
    expect(fork.title).toBe("My Saltglass");
    await call("PATCH", `/api/worlds/${worldId}`, { cookie: maker.cookie, body: { visibility: "private" } });
    const copy = await graphOf(stranger, fork.id);
    for (const element of copy.elements) {
      expect((await call("GET", `/api/assets/${element.assets.image}`, { cookie: stranger.cookie })).status).toBe(200);
    }
    // …and the source's own assets are no longer served to the stranger.
    const sourceKey = copy.elements[0]!.assets.image!.replace(`worlds/${fork.id}/`, `worlds/${worldId}/`);
    expect((await call("GET", `/api/assets/${sourceKey}`, { cookie: stranger.cookie })).status).toBe(404);
  });

  it("lets the owner fork with secrets, and anyone with the link fork an unlisted world", async () => {
    const own = await call("POST", `/api/worlds/${source.worldId}/fork`, { cookie: owner.cookie });
    expect(own.status).toBe(201);
    const copy = await graphOf(owner, own.json.world.id);
    expect(copy.elements.some((e) => e.secret === SECRET)).toBe(true);

    const unlisted = await createWorld(owner, { title: "Byway", visibility: "unlisted" });
    const forked = await call("POST", `/api/worlds/${unlisted.id}/fork`, { cookie: stranger.cookie });
    expect(forked.status).toBe(201);
    expect(forked.json.world).toMatchObject({ title: "Byway (fork)", visibility: "private", forkedFromId: unlisted.id });
  });

  it("refuses private worlds of others (404), anonymous people (401) and bad bodies (400), creating nothing", async () => {
    const secretWorld = await createWorld(owner, { title: "Not yours" });
    const before = await count("worlds");
    const privateFork = await call("POST", `/api/worlds/${secretWorld.id}/fork`, { cookie: stranger.cookie });
    expect(privateFork.status).toBe(404);
    expectErrorShape(privateFork.json, "not_found");
    const anonymous = await call("POST", `/api/worlds/${source.worldId}/fork`);
    expect(anonymous.status).toBe(401);
    expectErrorShape(anonymous.json, "unauthenticated");
    for (const body of [{ title: "" }, { title: "x".repeat(121) }, { title: "ok", visibility: "public" }, "not json"]) {
      const response = await call("POST", `/api/worlds/${source.worldId}/fork`, { cookie: stranger.cookie, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(response.json);
    }
    const missing = await call("POST", "/api/worlds/doesnotexist0000/fork", { cookie: stranger.cookie });
    expect(missing.status).toBe(404);
    const badId = await call("POST", "/api/worlds/BAD..ID/fork", { cookie: stranger.cookie });
    expect(badId.status).toBe(400);
    const crossSite = await call("POST", `/api/worlds/${source.worldId}/fork`, { cookie: stranger.cookie, headers: { origin: "https://evil.example" } });
    expect(crossSite.status).toBe(403);
    expect(await count("worlds")).toBe(before);
  });

  it("copies what the room holds, including a large graph in batches", async () => {
    const maker = await signUp("Bulk");
    const world = await createWorld(maker, { title: "Many", visibility: "public" });
    // 130 elements and 129 relationships: more rows than one statement or one batch holds.
    await env.DB.batch(
      Array.from({ length: 130 }, (_, i) =>
        env.DB.prepare("insert into elements (id, world_id, type, name, x, y) values (?, ?, 'lore', ?, ?, ?)").bind(`bulk${world.id}${i}`.slice(0, 40), world.id, `Lore ${i}`, i * 10, i * 5),
      ),
    );
    await env.DB.batch(
      Array.from({ length: 129 }, (_, i) =>
        env.DB.prepare("insert into relationships (id, world_id, from_id, to_id, kind) values (?, ?, ?, ?, 'related_to')").bind(`rel${world.id}${i}`.slice(0, 40), world.id, `bulk${world.id}${i}`.slice(0, 40), `bulk${world.id}${i + 1}`.slice(0, 40)),
      ),
    );
    // An edit through the room after it loaded: the fork must carry it.
    const first = `bulk${world.id}0`.slice(0, 40);
    expect((await call("PATCH", `/api/worlds/${world.id}/elements/${first}`, { cookie: maker.cookie, body: { name: "Renamed in the room" } })).status).toBe(200);
    const forked = await call("POST", `/api/worlds/${world.id}/fork`, { cookie: stranger.cookie });
    expect(forked.status).toBe(201);
    const copy = await graphOf(stranger, forked.json.world.id);
    expect(copy.elements).toHaveLength(130);
    expect(copy.relationships).toHaveLength(129);
    expect(copy.elements.map((e) => e.name)).toContain("Renamed in the room");
    expect(copy.elements.find((e) => e.name === "Lore 77")!.position).toEqual({ x: 770, y: 385 });
  });
});
