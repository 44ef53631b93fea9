// Files belong to their world (issue 14, finding 3). The attack: someone who once learned a key of
// a private world A (a removed member, a visitor of a world since made private) names it in their
// own world B, and then forks or exports B to copy A's file out. Before the room checked whose
// files an element names, a live update could leave such a key in B's document and D1; these tests
// put it there directly, as such an update would have, and try every way out.
import { SELF, env, runInDurableObject } from "cloudflare:test";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { patchElement } from "../../durable-objects/world-room/graph-doc";
import type { WorldRoom } from "../../durable-objects/world-room/world-room";
import { ORIGIN, call, count, createWorld, expectErrorShape, signUp, type Person } from "./helpers";

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A PNG-looking file recorded for `worldId`, with a marker that makes its bytes recognisable. */
async function storeFile(worldId: string, path: string, marker: string) {
  const key = `worlds/${worldId}/${path}`;
  const bytes = new Uint8Array([...PNG, ...new TextEncoder().encode(marker)]);
  await env.ASSETS_BUCKET.put(key, bytes, { httpMetadata: { contentType: "image/png" } });
  await env.DB.prepare("insert into assets (key, world_id, kind, mime_type, size, provenance) values (?, ?, 'image', 'image/png', ?, '{}')")
    .bind(key, worldId, bytes.byteLength)
    .run();
  return { key, marker };
}

function contains(bytes: Uint8Array, marker: string) {
  return new TextDecoder().decode(bytes).includes(marker);
}

/** Private world A with a file, and the attacker's world B with a file of its own on one element. */
async function worlds() {
  const victim = await signUp("Victim");
  const attacker = await signUp("Attacker");
  const a = await createWorld(victim, { title: "Private A", visibility: "private" });
  const secret = await storeFile(a.id, "jobs/job1/1-image.png", `A-PRIVATE-${a.id}`);
  const b = await createWorld(attacker, { title: "Attacker B" });
  const own = await storeFile(b.id, "uploads/own.png", `B-OWN-${b.id}`);
  const withOwn = await call("POST", `/api/worlds/${b.id}/elements`, {
    cookie: attacker.cookie,
    body: { type: "item", name: "Own picture", assets: { image: own.key } },
  });
  expect(withOwn.status, withOwn.text).toBe(201);
  const target = await call("POST", `/api/worlds/${b.id}/elements`, { cookie: attacker.cookie, body: { type: "item", name: "Stolen picture" } });
  expect(target.status, target.text).toBe(201);
  return { victim, attacker, a, b, secret, own, targetId: target.json.element.id as string };
}

/** Writes A's key into an element of B's live document, bypassing the room's checks. */
async function plantInRoom(worldId: string, elementId: string, key: string) {
  await runInDurableObject(env.WORLD_ROOM.getByName(worldId), (room: WorldRoom) => {
    const doc = (room as unknown as { document: Y.Doc }).document;
    doc.transact(() => patchElement(doc, elementId, { assets: { image: key } }));
  });
  // The room's own view now holds the foreign key, as a bad update would have left it.
  const graph = await env.WORLD_ROOM.getByName(worldId).graph(true);
  expect(graph.ok && graph.value.elements.find((element) => element.id === elementId)?.assets.image).toBe(key);
}

/** Waits for a queued export to finish: on its state, never on a clock shorter than the test's. */
async function finishedExport(person: Person, id: string) {
  for (;;) {
    const response = await call("GET", `/api/exports/${id}`, { cookie: person.cookie });
    expect(response.status, response.text).toBe(200);
    if (response.json.export.status === "succeeded" || response.json.export.status === "failed") return response.json.export;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("another world's file named in a world cannot be copied out", () => {
  it("a fork copies the source's own files and not the file of private world A its element names", async () => {
    const { attacker, b, secret, own, targetId } = await worlds();
    await plantInRoom(b.id, targetId, secret.key);

    const forked = await call("POST", `/api/worlds/${b.id}/fork`, { cookie: attacker.cookie });
    expect(forked.status, forked.text).toBe(201);
    const forkId = forked.json.world.id as string;
    const listed = await env.ASSETS_BUCKET.list({ prefix: `worlds/${forkId}/` });
    const copies = await Promise.all(listed.objects.map(async (object) => new Uint8Array(await (await env.ASSETS_BUCKET.get(object.key))!.arrayBuffer())));
    expect(copies.some((bytes) => contains(bytes, secret.marker)), "A's file is not in the fork's storage").toBe(false);
    expect(copies.filter((bytes) => contains(bytes, own.marker)), "B's own file was copied").toHaveLength(1);
    expect(await count("assets", "world_id = ?", forkId)).toBe(1);

    const graph = await call("GET", `/api/worlds/${forkId}`, { cookie: attacker.cookie });
    expect(graph.status, graph.text).toBe(200);
    const elements: Array<{ name: string; assets: Record<string, string> }> = graph.json.elements;
    expect(elements.find((element) => element.name === "Stolen picture")?.assets).toEqual({});
    const ownCopy = elements.find((element) => element.name === "Own picture")?.assets.image;
    expect(ownCopy).toMatch(new RegExp(`^worlds/${forkId}/`));
    const served = await call("GET", `/api/assets/${ownCopy}`, { cookie: attacker.cookie });
    expect(served.status).toBe(200);
    expect(served.text).toContain(own.marker);
  });

  it("an export ZIP holds the world's own files and not the file of private world A its element names", async () => {
    const { attacker, b, secret, own, targetId } = await worlds();
    await plantInRoom(b.id, targetId, secret.key);

    const accepted = await call("POST", `/api/worlds/${b.id}/export`, { cookie: attacker.cookie });
    expect(accepted.status, accepted.text).toBe(202);
    const done = await finishedExport(attacker, accepted.json.export.id);
    expect(done.status, done.error ?? "").toBe("succeeded");
    const response = await SELF.fetch(`${ORIGIN}${done.url}`);
    expect(response.status).toBe(200);
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.values(files).some((bytes) => contains(bytes, secret.marker)), "A's file is not in the ZIP").toBe(false);
    expect(Object.values(files).filter((bytes) => contains(bytes, own.marker)), "B's own file is").toHaveLength(1);
    const doc = JSON.parse(strFromU8(files["world.json"]!));
    expect(doc.elements.find((element: { name: string }) => element.name === "Stolen picture").assets).toEqual({});
  });

  it("a cover naming A's file is refused with a 4xx naming the field, even when an element of B names it in D1", async () => {
    const { attacker, b, secret, targetId } = await worlds();
    await env.DB.prepare("update elements set assets = json_object('image', ?) where world_id = ? and id = ?").bind(secret.key, b.id, targetId).run();

    const refused = await call("PATCH", `/api/worlds/${b.id}`, { cookie: attacker.cookie, body: { coverAssetKey: secret.key } });
    expect(refused.status, refused.text).toBe(400);
    expectErrorShape(refused.json, "invalid_cover");
    expect(refused.json.error.message).toContain("coverAssetKey");
    const row = await env.DB.prepare("select cover_asset_key as cover from worlds where id = ?").bind(b.id).first<{ cover: string | null }>();
    expect(row?.cover).toBeNull();
  });
});

describe("the room writes only this world's files for a generation job", () => {
  it("a generation result naming A's file is written without it, next to the world's own", async () => {
    const { attacker, b, secret, own } = await worlds();
    const room = env.WORLD_ROOM.getByName(b.id);
    const written = await room.applyGeneration(
      { id: attacker.id, name: attacker.name, role: "owner" },
      {
        jobId: "jobforeign",
        action: "generated",
        prompt: "a stolen picture",
        elements: [
          { id: "generatedone", type: "item", name: "Generated", description: "", tags: [], assets: { image: secret.key, audio: own.key }, metadata: {} },
        ],
        relationships: [],
      },
    );
    expect(written.ok && written.value.elements[0]?.assets).toEqual({ audio: own.key });
    const graph = await room.graph(true);
    expect(graph.ok && graph.value.elements.find((element) => element.id === "generatedone")?.assets).toEqual({ audio: own.key });
  });
});

describe("REST writers refuse another world's files", () => {
  it("creating an element with A's file as its image is a 400 naming assets.image, and creates nothing", async () => {
    const { attacker, b, secret } = await worlds();
    const before = await count("elements", "world_id = ?", b.id);
    for (const kind of ["image", "video", "audio"]) {
      const refused = await call("POST", `/api/worlds/${b.id}/elements`, {
        cookie: attacker.cookie,
        body: { type: "item", name: "Loot", assets: { [kind]: secret.key } },
      });
      expect(refused.status, refused.text).toBe(400);
      expectErrorShape(refused.json, "validation_failed");
      expect(refused.json.error.message).toContain(`assets.${kind}`);
    }
    expect(await count("elements", "world_id = ?", b.id)).toBe(before);
  });

  it("changing an element's image to A's file, or to a key of B that names no file, is a 400 naming assets.image and changes nothing", async () => {
    const { attacker, b, secret, targetId } = await worlds();
    const path = `/api/worlds/${b.id}/elements/${targetId}`;
    const before = (await call("GET", path, { cookie: attacker.cookie })).json.element;
    for (const image of [secret.key, `worlds/${b.id}/jobs/guess/1-image.png`, "../../etc/passwd"]) {
      const refused = await call("PATCH", path, { cookie: attacker.cookie, body: { assets: { image } } });
      expect(refused.status, `${image}: ${refused.text}`).toBe(400);
      expectErrorShape(refused.json, "validation_failed");
      expect(refused.json.error.message).toContain("assets.image");
    }
    expect((await call("GET", path, { cookie: attacker.cookie })).json.element).toEqual(before);
  });

  it("a file is served only to people who may see the world that recorded it, whatever its key's text says", async () => {
    const { victim, attacker, a, b, secret } = await worlds();
    expect((await call("GET", `/api/assets/${secret.key}`, { cookie: victim.cookie })).status).toBe(200);
    expect((await call("GET", `/api/assets/${secret.key}`, { cookie: attacker.cookie })).status).toBe(404);
    // A file of A stored under a key whose text names B (which the attacker owns) is still A's.
    const misfiled = `worlds/${b.id}/jobs/job2/1-image.png`;
    await env.ASSETS_BUCKET.put(misfiled, new Uint8Array(PNG), { httpMetadata: { contentType: "image/png" } });
    await env.DB.prepare("insert into assets (key, world_id, kind, mime_type, size, provenance) values (?, ?, 'image', 'image/png', 8, '{}')").bind(misfiled, a.id).run();
    const response = await call("GET", `/api/assets/${misfiled}`, { cookie: attacker.cookie });
    expect(response.status).toBe(404);
    expectErrorShape(response.json, "not_found");
  });
});
