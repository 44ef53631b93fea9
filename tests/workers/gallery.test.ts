import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { toFtsQuery } from "../../workers/domain/gallery";
import { call, count, createWorld, expectErrorShape, signUp, waitUntil, type Person } from "./helpers";

/** A word no other test uses, so searches in the shared database see only this test's worlds. */
function uniqueWord(prefix = "w") {
  return `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
}

async function newElement(person: Person, worldId: string, body: Record<string, unknown>) {
  const response = await call("POST", `/api/worlds/${worldId}/elements`, { cookie: person.cookie, body });
  expect(response.status, response.text).toBe(201);
  return response.json.element as { id: string; name: string };
}

async function patchWorld(person: Person, worldId: string, body: Record<string, unknown>) {
  const response = await call("PATCH", `/api/worlds/${worldId}`, { cookie: person.cookie, body });
  expect(response.status, response.text).toBe(200);
}

async function gallery(query: string, person?: Person) {
  const response = await call("GET", `/api/gallery?${query}`, { cookie: person?.cookie });
  expect(response.status, response.text).toBe(200);
  return response.json as { worlds: Array<Record<string, any>>; nextCursor: string | null };
}

const ids = (page: { worlds: Array<Record<string, any>> }) => page.worlds.map((w) => w.id as string);
const search = async (q: string, person?: Person) => ids(await gallery(`q=${encodeURIComponent(q)}`, person));

/** Polls until `check` holds: the room rewrites a world's search row a few seconds after renames. */
async function eventually(check: () => Promise<boolean>) {
  await waitUntil("the search row", check, 200);
}

describe("toFtsQuery", () => {
  it("keeps only words, each a quoted prefix term, all required", () => {
    expect(toFtsQuery("Mosshide stag")).toBe('"Mosshide"* AND "stag"*');
    expect(toFtsQuery('NEAR("a" b*, 2) -c title:d ^e')).toBe('"NEAR"* AND "a"* AND "b"* AND "2"* AND "c"* AND "title"* AND "d"* AND "e"*');
    expect(toFtsQuery("Café  naïve")).toBe('"Café"* AND "naïve"*');
    expect(toFtsQuery("stag stag")).toBe('"stag"*');
    expect(toFtsQuery(' "*" - : ( ) ')).toBeNull();
    expect(toFtsQuery(undefined)).toBeNull();
    expect(toFtsQuery("a b c d e f g h i j")?.split(" AND ")).toHaveLength(8);
  });
});

describe("GET /api/gallery: search", () => {
  it("finds a public world by a word from its title, description, tags and element names", async () => {
    const ada = await signUp("Ada");
    const [title, described, tagged, named] = [uniqueWord("t"), uniqueWord("d"), uniqueWord("g"), uniqueWord("n")];
    const world = await createWorld(ada, {
      title: `The ${title} Reach`,
      description: `Rivers that sing ${described} at dusk.`,
      tags: [tagged, "forest"],
      style: "mythic",
      visibility: "public",
    });
    // The element goes through the real API and the room; its D1 projection refreshes the index.
    await newElement(ada, world.id, { type: "character", name: `Queen ${named}`, secret: "She forgot the oath." });

    for (const word of [title, described, tagged, named, named.slice(0, 6), named.toUpperCase()]) {
      expect(await search(word), word).toEqual([world.id]);
    }
    // Several words must all match; a word the world lacks excludes it.
    expect(await search(`${title} ${named}`)).toEqual([world.id]);
    expect(await search(`${title} ${uniqueWord()}`)).toEqual([]);

    const page = await gallery(`q=${named}`, ada);
    expect(page.worlds[0]).toEqual({
      id: world.id,
      title: `The ${title} Reach`,
      description: `Rivers that sing ${described} at dusk.`,
      style: "mythic",
      tags: [tagged, "forest"],
      coverUrl: null,
      elementCount: 1,
      likes: 0,
      liked: false,
      ownerName: "Ada",
      updatedAt: expect.any(String),
    });
    expect(page.nextCursor).toBeNull();
    expect(JSON.stringify(page)).not.toContain("forgot the oath");
  });

  it("never lists private or unlisted worlds, and follows visibility changes both ways", async () => {
    const bo = await signUp("Bo");
    const word = uniqueWord();
    const secretWorld = await createWorld(bo, { title: `Private ${word}` });
    const unlisted = await createWorld(bo, { title: `Unlisted ${word}`, visibility: "unlisted" });
    const listed = await createWorld(bo, { title: `Listed ${word}`, visibility: "public" });
    const hidden = uniqueWord("n");
    await newElement(bo, secretWorld.id, { type: "item", name: `Lantern ${hidden}` });

    expect(await search(word)).toEqual([listed.id]);
    expect(await search(word, bo)).toEqual([listed.id]); // not even for the owner
    expect(ids(await gallery("limit=50"))).not.toContain(secretWorld.id);
    expect(await count("world_search", "world_id in (?, ?)", secretWorld.id, unlisted.id)).toBe(0);

    // Private → public: listed, with the element names it already had.
    await patchWorld(bo, secretWorld.id, { visibility: "public" });
    expect(await search(hidden)).toEqual([secretWorld.id]);
    // Public → private and → unlisted: gone from the gallery and the index.
    await patchWorld(bo, secretWorld.id, { visibility: "private" });
    await patchWorld(bo, listed.id, { visibility: "unlisted" });
    expect(await search(word)).toEqual([]);
    expect(await search(hidden)).toEqual([]);
    expect(await count("world_search", "world_id in (?, ?)", secretWorld.id, listed.id)).toBe(0);
  });

  it("follows title, description and tag edits, and element renames and deletions through the room", async () => {
    const cy = await signUp("Cy");
    const [before, after] = [uniqueWord("a"), uniqueWord("b")];
    const world = await createWorld(cy, { title: `World ${before}`, visibility: "public", tags: [before] });
    await patchWorld(cy, world.id, { title: `World ${after}`, tags: [after] });
    expect(await search(before)).toEqual([]);
    expect(await search(after)).toEqual([world.id]);

    const [first, renamed] = [uniqueWord("n"), uniqueWord("r")];
    const element = await newElement(cy, world.id, { type: "location", name: `Tower ${first}` });
    expect(await search(first)).toEqual([world.id]);
    // A rename right after is picked up within a few seconds (the room throttles index writes).
    const patched = await call("PATCH", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: cy.cookie, body: { name: `Tower ${renamed}` } });
    expect(patched.status).toBe(200);
    await eventually(async () => (await search(renamed)).length === 1);
    expect(await search(first)).toEqual([]);

    // Deleting the element removes its name.
    const deleted = await call("DELETE", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: cy.cookie });
    expect(deleted.status).toBe(200);
    await eventually(async () => (await search(renamed)).length === 0);
    expect(await search(after)).toEqual([world.id]);
  }, 30_000);

  it("removes a deleted world from the index and the gallery", async () => {
    const di = await signUp("Di");
    const word = uniqueWord();
    const world = await createWorld(di, { title: `Doomed ${word}`, visibility: "public" });
    expect(await search(word)).toEqual([world.id]);
    expect((await call("DELETE", `/api/worlds/${world.id}`, { cookie: di.cookie })).status).toBe(204);
    expect(await search(word)).toEqual([]);
    expect(await count("world_search", "world_id = ?", world.id)).toBe(0);
  });

  it("treats FTS syntax in q as plain words: never a 5xx", async () => {
    const ed = await signUp("Ed");
    const word = uniqueWord();
    const world = await createWorld(ed, { title: `Quoted ${word}`, visibility: "public" });
    const attempts = [
      `"${word}`,
      `${word}"`,
      `${word}*`,
      `*`,
      `"`,
      `NEAR(${word} quoted, 2)`,
      `-${word}`,
      `title:${word}`,
      `${word} OR nothing`,
      `${word} AND NOT`,
      `^${word}`,
      `(${word}`,
      `{title description}: ${word}`,
      `'; drop table worlds; --`,
      `${word}\u0000`,
      `  `,
      `ünïcödé ${word}`,
    ];
    for (const q of attempts) {
      const response = await call("GET", `/api/gallery?q=${encodeURIComponent(q)}`);
      expect(response.status, q).toBe(200);
      expect(Array.isArray(response.json.worlds), q).toBe(true);
    }
    // The words inside the syntax still search.
    expect(await search(`"${word}"`)).toEqual([world.id]);
    expect(await search(`-${word}*`)).toEqual([world.id]);
    expect(await search(`(${word} quoted)`)).toEqual([world.id]);
  });

  it("refuses bad parameters with 400 in the error shape", async () => {
    const recent = await gallery("limit=1");
    for (const query of [
      "style=vaporwave",
      "sort=best",
      "limit=0",
      "limit=51",
      "limit=two",
      "cursor=%%%",
      "cursor=bm9wZQ",
      `cursor=${btoa(JSON.stringify({ s: "recent", u: "x", i: "abc", l: 0 }))}`,
      `q=${"x".repeat(201)}`,
      `tag=${"t".repeat(33)}`,
      ...(recent.nextCursor ? [`sort=popular&cursor=${encodeURIComponent(recent.nextCursor)}`] : []),
    ]) {
      const response = await call("GET", `/api/gallery?${query}`);
      expect(response.status, query).toBe(400);
      expectErrorShape(response.json);
    }
    const bad = await call("GET", "/api/gallery?cursor=bm9wZQ");
    expectErrorShape(bad.json, "invalid_cursor");
  });
});

describe("GET /api/gallery: filters, sorts and paging", () => {
  it("filters by style and by tag", async () => {
    const fay = await signUp("Fay");
    const word = uniqueWord();
    const horror = await createWorld(fay, { title: `Fog ${word}`, style: "horror", tags: ["Haunted"], visibility: "public" });
    const scifi = await createWorld(fay, { title: `Orbit ${word}`, style: "sci-fi", tags: ["space"], visibility: "public" });
    expect(ids(await gallery(`q=${word}&style=horror`))).toEqual([horror.id]);
    expect(ids(await gallery(`q=${word}&style=sci-fi`))).toEqual([scifi.id]);
    expect(ids(await gallery(`q=${word}&style=fantasy`))).toEqual([]);
    expect(ids(await gallery(`q=${word}&tag=haunted`))).toEqual([horror.id]);
    expect(ids(await gallery(`q=${word}&tag=space&style=sci-fi`))).toEqual([scifi.id]);
    expect(ids(await gallery(`q=${word}&tag=space&style=horror`))).toEqual([]);
    // A tag alone, without q, filters the whole gallery.
    const tag = uniqueWord("tag");
    await patchWorld(fay, scifi.id, { tags: ["space", tag] });
    expect(ids(await gallery(`tag=${tag}`))).toEqual([scifi.id]);
  });

  it("sorts by likes for popular and by recency for recent, and pages each exactly once", async () => {
    const owner = await signUp("Gil");
    const fans = [await signUp("Fan"), await signUp("Fan"), await signUp("Fan")];
    const tag = uniqueWord("tag");
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      made.push((await createWorld(owner, { title: `World ${i}`, tags: [tag], visibility: "public" })).id);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Likes: world 1 → 3, world 3 → 2, world 0 → 1; 2 and 4 none.
    const likes: Array<[number, number]> = [[1, 3], [3, 2], [0, 1]];
    for (const [index, n] of likes) {
      for (const fan of fans.slice(0, n)) {
        expect((await call("POST", `/api/worlds/${made[index]}/like`, { cookie: fan.cookie })).status).toBe(200);
      }
    }
    const collect = async (sort: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await gallery(`tag=${tag}&sort=${sort}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        expect(page.worlds.length).toBeLessThanOrEqual(2);
        seen.push(...ids(page));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await collect("recent")).toEqual([...made].reverse());
    // Popular: by likes, ties by recency (4 is newer than 2).
    expect(await collect("popular")).toEqual([made[1], made[3], made[0], made[4], made[2]]);
    const popular = await gallery(`tag=${tag}&sort=popular`);
    expect(popular.worlds.map((w) => w.likes)).toEqual([3, 2, 1, 0, 0]);
  });

  it("shows a cover: the chosen asset, else the first element image", async () => {
    const hal = await signUp("Hal");
    const word = uniqueWord();
    const world = await createWorld(hal, { title: `Painted ${word}`, visibility: "public" });
    await env.DB.prepare("insert into elements (id, world_id, type, name, assets, created_at) values (?, ?, 'location', 'Gate', ?, 1), (?, ?, 'item', 'Key', ?, 2)")
      .bind("cover00000000001", world.id, JSON.stringify({ image: `worlds/${world.id}/images/gate.png` }), "cover00000000002", world.id, JSON.stringify({ image: `worlds/${world.id}/images/key.png` }))
      .run();
    expect((await gallery(`q=${word}`)).worlds[0]!.coverUrl).toBe(`/api/assets/worlds/${world.id}/images/gate.png`);
    await patchWorld(hal, world.id, { coverAssetKey: `worlds/${world.id}/images/key.png` });
    expect((await gallery(`q=${word}`)).worlds[0]!.coverUrl).toBe(`/api/assets/worlds/${world.id}/images/key.png`);
  });
});

describe("likes", () => {
  it("one like per person, idempotent both ways, with liked shown to that person", async () => {
    const ivy = await signUp("Ivy");
    const [jo, kit] = [await signUp("Jo"), await signUp("Kit")];
    const word = uniqueWord();
    const world = await createWorld(ivy, { title: `Liked ${word}`, visibility: "public" });
    const like = (person: Person, method: "POST" | "DELETE") => call(method, `/api/worlds/${world.id}/like`, { cookie: person.cookie });

    expect((await like(jo, "POST")).json).toEqual({ likes: 1, liked: true });
    expect((await like(jo, "POST")).json).toEqual({ likes: 1, liked: true });
    expect((await like(kit, "POST")).json).toEqual({ likes: 2, liked: true });
    expect(await count("world_likes", "world_id = ?", world.id)).toBe(2);

    expect((await gallery(`q=${word}`, jo)).worlds[0]).toMatchObject({ likes: 2, liked: true });
    expect((await gallery(`q=${word}`, ivy)).worlds[0]).toMatchObject({ likes: 2, liked: false });
    expect((await gallery(`q=${word}`)).worlds[0]).toMatchObject({ likes: 2, liked: false });

    expect((await like(jo, "DELETE")).json).toEqual({ likes: 1, liked: false });
    expect((await like(jo, "DELETE")).json).toEqual({ likes: 1, liked: false });
    const row = await env.DB.prepare("select likes from worlds where id = ?").bind(world.id).first<{ likes: number }>();
    expect(row?.likes).toBe(1);
  });

  it("needs a signed-in person who can see the world", async () => {
    const lu = await signUp("Lu");
    const stranger = await signUp("Mo");
    const privateWorld = await createWorld(lu, { title: "Hidden" });
    const unlisted = await createWorld(lu, { title: "By link", visibility: "unlisted" });

    const anonymous = await call("POST", `/api/worlds/${unlisted.id}/like`);
    expect(anonymous.status).toBe(401);
    expectErrorShape(anonymous.json, "unauthenticated");

    for (const method of ["POST", "DELETE"]) {
      const refused = await call(method, `/api/worlds/${privateWorld.id}/like`, { cookie: stranger.cookie });
      expect(refused.status).toBe(404);
      expectErrorShape(refused.json, "not_found");
    }
    expect(await count("world_likes", "world_id = ?", privateWorld.id)).toBe(0);
    expect((await call("POST", "/api/worlds/nosuchworld00000/like", { cookie: stranger.cookie })).status).toBe(404);
    expect((await call("POST", "/api/worlds/NOT_AN_ID!/like", { cookie: stranger.cookie })).status).toBe(400);

    // An unlisted world can be liked by anyone with the link; the owner may like their own.
    expect((await call("POST", `/api/worlds/${unlisted.id}/like`, { cookie: stranger.cookie })).json).toEqual({ likes: 1, liked: true });
    expect((await call("POST", `/api/worlds/${privateWorld.id}/like`, { cookie: lu.cookie })).json).toEqual({ likes: 1, liked: true });
  });
});

describe("the room keeps the search row", () => {
  it("marks it stale only when element names change, and rewrites it at most every few seconds", async () => {
    const nia = await signUp("Nia");
    const world = await createWorld(nia, { title: "Quiet", visibility: "public" });
    const element = await newElement(nia, world.id, { type: "lore", name: "Old Song" });
    const room = env.WORLD_ROOM.getByName(world.id);
    const stale = () =>
      runInDurableObject(room, async (_room, state) => state.storage.sql.exec("select id from search_stale").toArray().length > 0);
    // The first change was written at once.
    expect(await stale()).toBe(false);
    expect((await search("Old Song")).includes(world.id)).toBe(true);

    // Descriptions, tags and positions are not searched: no rewrite is owed.
    const edit = (body: Record<string, unknown>) => call("PATCH", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: nia.cookie, body });
    expect((await edit({ description: "Sung at dusk." })).status).toBe(200);
    expect((await edit({ position: { x: 5, y: 6 }, tags: ["music"] })).status).toBe(200);
    expect(await stale()).toBe(false);

    // A rename right after the last rewrite waits for the alarm, which is already set.
    const word = uniqueWord();
    expect((await edit({ name: `Song of ${word}` })).status).toBe(200);
    expect(await stale()).toBe(true);
    const alarm = await runInDurableObject(room, async (_room, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(await search(word)).toEqual([]);
    await eventually(async () => (await search(word)).length === 1);
    expect(await stale()).toBe(false);
  }, 30_000);
});
