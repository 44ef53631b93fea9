// The story player's reads and playlists (issue 18, point 4): a story plays in reading order for
// whoever may read it, a reader's place is kept per person, and a playlist shared by link never
// opens a story its visitor could not open on its own.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addMember, call, count, createWorld, expectErrorShape, signUp, type Person } from "./helpers";

const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(16 - prefix.length, "0")}`;

async function newStory(person: Person, worldId: string, title: string) {
  const response = await call("POST", `/api/worlds/${worldId}/stories`, { cookie: person.cookie, body: { title, template: "fairy-tale" } });
  expect(response.status, response.text).toBe(201);
  return response.json.story as { id: string };
}

/**
 * Chapters and scenes as the story's room projects them, written in an order unlike the reading
 * order (positions are fractional-index keys), so a player that reads rows as stored fails.
 */
async function project(storyId: string) {
  const rows = [
    env.DB.prepare("insert into story_chapters (id, story_id, position, title) values (?, ?, ?, ?)").bind(id("c", 2), storyId, "a1", "The bell"),
    env.DB.prepare("insert into story_chapters (id, story_id, position, title) values (?, ?, ?, ?)").bind(id("c", 1), storyId, "a0", "The fox"),
    env.DB.prepare("insert into story_scenes (id, story_id, chapter_id, position, title, text, word_count) values (?, ?, ?, ?, ?, ?, ?)").bind(id("s", 3), storyId, id("c", 2), "a0", "Ringing", "The bell rang.", 3),
    env.DB.prepare("insert into story_scenes (id, story_id, chapter_id, position, title, text, word_count) values (?, ?, ?, ?, ?, ?, ?)").bind(id("s", 2), storyId, id("c", 1), "a1", "The well", "She looked down.", 3),
    env.DB.prepare("insert into story_scenes (id, story_id, chapter_id, position, title, text, word_count) values (?, ?, ?, ?, ?, ?, ?)").bind(id("s", 1), storyId, id("c", 1), "a0", "Morning", "The fox woke.", 3),
  ];
  await env.DB.batch(rows);
}

async function publish(owner: Person, worldId: string, storyId: string) {
  const response = await call("PATCH", `/api/worlds/${worldId}/stories/${storyId}`, { cookie: owner.cookie, body: { status: "published" } });
  expect(response.status, response.text).toBe(200);
}

describe("the story player", () => {
  it("plays chapters and scenes in reading order, with each scene's newest picture", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner);
    const story = await newStory(owner, world.id, "The Fox and the Bell");
    await project(story.id);
    const key = `worlds/${world.id}/scenes/${id("s", 1)}.svg`;
    for (const [n, model] of [
      [1, "older"],
      [2, "newer"],
    ] as const) {
      await env.DB.prepare("insert into scene_media (id, story_id, scene_id, kind, key, mime_type, provider, model, offline, created_at) values (?, ?, ?, 'image', ?, 'image/svg+xml', 'local', ?, 1, ?)")
        .bind(id("m", n), story.id, id("s", 1), key, model, n)
        .run();
    }

    const played = await call("GET", `/api/worlds/${world.id}/stories/${story.id}/play`, { cookie: owner.cookie });
    expect(played.status, played.text).toBe(200);
    const chapters = played.json.story.chapters as Array<{ title: string; scenes: Array<{ id: string; title: string; image: { model: string; offline: boolean; url: string } | null }> }>;
    expect(chapters.map((chapter) => chapter.title)).toEqual(["The fox", "The bell"]);
    expect(chapters.map((chapter) => chapter.scenes.map((scene) => scene.title))).toEqual([["Morning", "The well"], ["Ringing"]]);
    expect(chapters[0]!.scenes[0]!.image).toMatchObject({ model: "newer", offline: true, url: `/api/assets/${key}` });
    expect(chapters[0]!.scenes[1]!.image).toBeNull();
    expect(played.json.progress).toBeNull();
  });

  it("keeps a reader's place per person, in scenes of that story only", async () => {
    const owner = await signUp("Owner");
    const viewer = await signUp("Viewer");
    const world = await createWorld(owner);
    await addMember(world.id, viewer, "viewer");
    const story = await newStory(owner, world.id, "Kept place");
    await project(story.id);
    const other = await newStory(owner, world.id, "Elsewhere");

    const saved = await call("PUT", `/api/worlds/${world.id}/stories/${story.id}/progress`, { cookie: viewer.cookie, body: { sceneId: id("s", 2), positionMs: 4200 } });
    expect(saved.status, saved.text).toBe(204);
    const again = await call("PUT", `/api/worlds/${world.id}/stories/${story.id}/progress`, { cookie: viewer.cookie, body: { sceneId: id("s", 3), positionMs: 10 } });
    expect(again.status).toBe(204);
    expect((await call("GET", `/api/worlds/${world.id}/stories/${story.id}/play`, { cookie: viewer.cookie })).json.progress).toEqual({ sceneId: id("s", 3), positionMs: 10 });
    // Each person has their own place.
    expect((await call("GET", `/api/worlds/${world.id}/stories/${story.id}/play`, { cookie: owner.cookie })).json.progress).toBeNull();

    // A scene of another story, a bad position, a stranger, and someone signed out change nothing.
    const wrongStory = await call("PUT", `/api/worlds/${world.id}/stories/${other.id}/progress`, { cookie: viewer.cookie, body: { sceneId: id("s", 1), positionMs: 0 } });
    expect(wrongStory.status).toBe(404);
    for (const body of [{ sceneId: id("s", 1), positionMs: -1 }, { sceneId: id("s", 1), positionMs: 1.5 }, { sceneId: "../x", positionMs: 0 }, { sceneId: id("s", 1) }, { sceneId: id("s", 1), positionMs: 0, extra: 1 }, "nonsense"]) {
      const bad = await call("PUT", `/api/worlds/${world.id}/stories/${story.id}/progress`, { cookie: viewer.cookie, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(bad.json);
    }
    const stranger = await signUp("Stranger");
    expect((await call("PUT", `/api/worlds/${world.id}/stories/${story.id}/progress`, { cookie: stranger.cookie, body: { sceneId: id("s", 1), positionMs: 0 } })).status).toBe(404);
    expect((await call("PUT", `/api/worlds/${world.id}/stories/${story.id}/progress`, { body: { sceneId: id("s", 1), positionMs: 0 } })).status).toBe(401);
    expect(await count("story_progress", "story_id = ?", story.id)).toBe(1);
  });

  it("plays a public world's published story to anyone, and never its drafts", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner, { visibility: "public" });
    const published = await newStory(owner, world.id, "Out now");
    await project(published.id);
    await publish(owner, world.id, published.id);
    const draft = await newStory(owner, world.id, "Not yet");

    expect((await call("GET", `/api/worlds/${world.id}/stories/${published.id}/play`)).status).toBe(200);
    const hidden = await call("GET", `/api/worlds/${world.id}/stories/${draft.id}/play`);
    expect(hidden.status).toBe(404);
    expect(hidden.text).not.toContain("Not yet");

    const privateWorld = await createWorld(owner);
    const privateStory = await newStory(owner, privateWorld.id, "Private");
    await publish(owner, privateWorld.id, privateStory.id);
    expect((await call("GET", `/api/worlds/${privateWorld.id}/stories/${privateStory.id}/play`)).status).toBe(404);
    // A story id under another world's path is not found there.
    expect((await call("GET", `/api/worlds/${world.id}/stories/${privateStory.id}/play`)).status).toBe(404);
  });
});

describe("playlists", () => {
  it("plays the owner's stories across worlds in their order", async () => {
    const owner = await signUp("Owner");
    const first = await createWorld(owner, { title: "First" });
    const second = await createWorld(owner, { title: "Second" });
    const a = await newStory(owner, first.id, "A");
    const b = await newStory(owner, second.id, "B");
    await project(a.id);

    const created = await call("POST", "/api/playlists", { cookie: owner.cookie, body: { title: "Bedtime", stories: [b.id, a.id] } });
    expect(created.status, created.text).toBe(201);
    const playlist = created.json.playlist as { id: string; stories: Array<{ id: string; worldTitle: string }> };
    expect(playlist.stories.map((story) => story.id)).toEqual([b.id, a.id]);
    expect(playlist.stories[0]!.worldTitle).toBe("Second");

    const reordered = await call("PUT", `/api/playlists/${playlist.id}/stories`, { cookie: owner.cookie, body: { stories: [a.id, b.id] } });
    expect(reordered.json.playlist.stories.map((story: { id: string }) => story.id)).toEqual([a.id, b.id]);
    const played = await call("GET", `/api/playlists/${playlist.id}/play`, { cookie: owner.cookie });
    expect(played.status, played.text).toBe(200);
    expect(played.json.stories.map((story: { title: string }) => story.title)).toEqual(["A", "B"]);
    expect(played.json.stories[0].chapters[0].scenes[0].title).toBe("Morning");

    const listed = await call("GET", "/api/playlists", { cookie: owner.cookie });
    expect(listed.json.playlists).toEqual([expect.objectContaining({ id: playlist.id, storyCount: 2 })]);
  });

  it("will not put a story in a playlist that its owner may not read", async () => {
    const owner = await signUp("Owner");
    const other = await signUp("Other");
    const theirs = await createWorld(other);
    const secret = await newStory(other, theirs.id, "Secret");
    const created = await call("POST", "/api/playlists", { cookie: owner.cookie, body: { title: "Mine", stories: [secret.id] } });
    expect(created.status).toBe(404);
    expect(await count("playlists", "owner_id = ?", owner.id)).toBe(0);

    const mine = (await call("POST", "/api/playlists", { cookie: owner.cookie, body: { title: "Mine" } })).json.playlist as { id: string };
    expect((await call("POST", `/api/playlists/${mine.id}/stories`, { cookie: owner.cookie, body: { storyId: secret.id } })).status).toBe(404);
    expect(await count("playlist_items", "playlist_id = ?", mine.id)).toBe(0);
  });

  it("shares a playlist by link only with visitors who may read every story in it", async () => {
    const owner = await signUp("Owner");
    const visitor = await signUp("Visitor");
    const open = await createWorld(owner, { title: "Open", visibility: "public" });
    const closed = await createWorld(owner, { title: "Closed" });
    const published = await newStory(owner, open.id, "Published");
    await publish(owner, open.id, published.id);
    const draft = await newStory(owner, open.id, "Draft of the open world");
    const privateStory = await newStory(owner, closed.id, "Private tale");

    const onlyPublic = (await call("POST", "/api/playlists", { cookie: owner.cookie, body: { title: "Public", stories: [published.id], visibility: "link" } })).json.playlist as { id: string };
    const mixed = (await call("POST", "/api/playlists", { cookie: owner.cookie, body: { title: "Mixed", stories: [published.id, draft.id, privateStory.id], visibility: "link" } })).json.playlist as { id: string };
    const unshared = (await call("POST", "/api/playlists", { cookie: owner.cookie, body: { title: "Unshared", stories: [published.id] } })).json.playlist as { id: string };

    for (const person of [visitor, null]) {
      const cookie = person?.cookie;
      expect((await call("GET", `/api/playlists/${onlyPublic.id}/play`, { cookie })).status).toBe(200);
      for (const path of [`/api/playlists/${mixed.id}`, `/api/playlists/${mixed.id}/play`, `/api/playlists/${unshared.id}`]) {
        const refused = await call("GET", path, { cookie });
        expect(refused.status, path).toBe(404);
        expect(refused.text).not.toContain("Private tale");
        expect(refused.text).not.toContain("Draft of the open world");
      }
    }
    // Once the visitor may read the closed world and the draft (a member), the mixed playlist plays.
    await addMember(open.id, visitor, "viewer");
    await addMember(closed.id, visitor, "viewer");
    const played = await call("GET", `/api/playlists/${mixed.id}/play`, { cookie: visitor.cookie });
    expect(played.status, played.text).toBe(200);
    expect(played.json.stories.map((story: { title: string }) => story.title)).toEqual(["Published", "Draft of the open world", "Private tale"]);
    // Nobody but the owner changes it.
    expect((await call("PATCH", `/api/playlists/${mixed.id}`, { cookie: visitor.cookie, body: { title: "Taken" } })).status).toBe(404);
    expect((await call("DELETE", `/api/playlists/${mixed.id}`, { cookie: visitor.cookie })).status).toBe(404);
    expect((await call("PUT", `/api/playlists/${mixed.id}/stories`, { cookie: visitor.cookie, body: { stories: [] } })).status).toBe(404);
    expect(await count("playlist_items", "playlist_id = ?", mixed.id)).toBe(3);
  });

  it("refuses bad playlist bodies with a clear 400 and changes nothing", async () => {
    const owner = await signUp("Owner");
    const playlist = (await call("POST", "/api/playlists", { cookie: owner.cookie, body: { title: "Fine" } })).json.playlist as { id: string };
    for (const body of [{}, { title: "" }, { title: "x".repeat(121) }, { title: "Ok", visibility: "public" }, { title: "Ok", stories: ["../../etc"] }, { title: "Ok", stories: Array.from({ length: 101 }, (_, n) => id("s", n)) }, { title: "Ok", owner: "me" }, [1], "text"]) {
      const bad = await call("POST", "/api/playlists", { cookie: owner.cookie, body });
      expect(bad.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expectErrorShape(bad.json);
    }
    for (const body of [{}, { visibility: "everyone" }, { title: 7 }]) {
      expect((await call("PATCH", `/api/playlists/${playlist.id}`, { cookie: owner.cookie, body })).status).toBe(400);
    }
    expect((await call("GET", "/api/playlists/..%2F..%2Fx", { cookie: owner.cookie })).status).toBe(400);
    expect((await call("POST", "/api/playlists", { body: { title: "Anonymous" } })).status).toBe(401);
    expect(await count("playlists", "owner_id = ?", owner.id)).toBe(1);
    expect((await call("GET", `/api/playlists/${playlist.id}`, { cookie: owner.cookie })).json.playlist.title).toBe("Fine");
  });
});

describe("published stories beyond the world", () => {
  it("has an oEmbed answer for a published story's page and embed, and none for a draft", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner, { visibility: "public" });
    const published = await newStory(owner, world.id, "The <b>Bell</b>");
    await project(published.id);
    await publish(owner, world.id, published.id);
    const draft = await newStory(owner, world.id, "Unfinished");
    const key = `worlds/${world.id}/scenes/first.svg`;
    await env.ASSETS_BUCKET.put(key, '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360"></svg>', { httpMetadata: { contentType: "image/svg+xml" } });
    await env.DB.prepare("insert into scene_media (id, story_id, scene_id, kind, key, mime_type, provider, model, offline, created_at) values (?, ?, ?, 'image', ?, 'image/svg+xml', 'local', 'art', 1, 1)")
      .bind(id("m", 9), published.id, id("s", 1), key)
      .run();

    for (const path of [`/w/${world.id}/stories/${published.id}`, `/embed/${world.id}/stories/${published.id}`]) {
      const answer = await call("GET", `/api/oembed?url=${encodeURIComponent(`http://localhost${path}`)}&format=json&maxwidth=400`);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json.title).toBe("The <b>Bell</b>");
      expect(answer.json.html).toContain(`src="http://localhost/embed/${world.id}/stories/${published.id}"`);
      expect(answer.json.html).toContain("The &lt;b&gt;Bell&lt;/b&gt; — Loreloom"); // the title escaped in the iframe
      expect(answer.json.width).toBe(400);
      expect(answer.json.thumbnail_url).toBe(`http://localhost/api/assets/${key}`);
      expect(answer.json.thumbnail_width).toBe(400);
    }
    const forDraft = await call("GET", `/api/oembed?url=${encodeURIComponent(`http://localhost/w/${world.id}/stories/${draft.id}`)}`);
    expect(forDraft.status).toBe(404);
    expect(forDraft.text).not.toContain("Unfinished");

    // Once the world is private, its published story has no embed either.
    await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { visibility: "private" } });
    expect((await call("GET", `/api/oembed?url=${encodeURIComponent(`http://localhost/w/${world.id}/stories/${published.id}`)}`)).status).toBe(404);
  });

  it("copies the stories a forker may read into the fork, re-pointed at the fork's elements", async () => {
    const owner = await signUp("Owner");
    const stranger = await signUp("Stranger");
    const world = await createWorld(owner, { visibility: "public" });
    const fox = (await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "character", name: "Fox" } })).json.element.id as string;
    const published = await newStory(owner, world.id, "Out now");
    await project(published.id);
    await env.DB.prepare("update story_scenes set pov_id = ? where story_id = ? and id = ?").bind(fox, published.id, id("s", 1)).run();
    await env.DB.prepare("update stories set character_voices = ? where id = ?").bind(JSON.stringify({ [fox]: "Matthew" }), published.id).run();
    await publish(owner, world.id, published.id);
    const key = `worlds/${world.id}/scenes/one.svg`;
    await env.ASSETS_BUCKET.put(key, "<svg/>", { httpMetadata: { contentType: "image/svg+xml" } });
    await env.DB.prepare("insert into scene_media (id, story_id, scene_id, kind, key, mime_type, provider, model, offline, created_at) values (?, ?, ?, 'image', ?, 'image/svg+xml', 'local', 'art', 1, 1)")
      .bind(id("m", 7), published.id, id("s", 1), key)
      .run();
    const draft = await newStory(owner, world.id, "Secret draft");
    await project(draft.id);

    const strangersFork = await call("POST", `/api/worlds/${world.id}/fork`, { cookie: stranger.cookie, body: {} });
    expect(strangersFork.status, strangersFork.text).toBe(201);
    const forkId = strangersFork.json.world.id as string;
    const copies = await call("GET", `/api/worlds/${forkId}/stories`, { cookie: stranger.cookie });
    expect(copies.json.stories.map((story: { title: string }) => story.title)).toEqual(["Out now"]); // not the draft
    const copy = copies.json.stories[0] as { id: string };
    expect(copy.id).not.toBe(published.id);

    const played = await call("GET", `/api/worlds/${forkId}/stories/${copy.id}/play`, { cookie: stranger.cookie });
    expect(played.json.story.chapters.map((chapter: { scenes: Array<{ text: string }> }) => chapter.scenes.map((scene) => scene.text))).toEqual([["The fox woke.", "She looked down."], ["The bell rang."]]);
    const image = played.json.story.chapters[0].scenes[0].image as { key: string; url: string };
    expect(image.key.startsWith(`worlds/${forkId}/`)).toBe(true); // the fork's own copy of the file
    expect((await call("GET", image.url, { cookie: stranger.cookie })).status).toBe(200);

    const forkedFox = await env.DB.prepare("select id from elements where world_id = ? and name = 'Fox'").bind(forkId).first<{ id: string }>();
    const scene = await env.DB.prepare("select pov_id from story_scenes where story_id = ? and id = ?").bind(copy.id, id("s", 1)).first<{ pov_id: string }>();
    expect(scene?.pov_id).toBe(forkedFox?.id);
    const voices = await env.DB.prepare("select character_voices from stories where id = ?").bind(copy.id).first<{ character_voices: string }>();
    expect(JSON.parse(voices!.character_voices)).toEqual({ [forkedFox!.id]: "Matthew" });

    // The owner's own fork takes the drafts too; the source keeps its stories.
    const ownFork = (await call("POST", `/api/worlds/${world.id}/fork`, { cookie: owner.cookie, body: {} })).json.world.id as string;
    const ownCopies = await call("GET", `/api/worlds/${ownFork}/stories`, { cookie: owner.cookie });
    expect(ownCopies.json.stories.map((story: { title: string }) => story.title).sort()).toEqual(["Out now", "Secret draft"]);
    expect(await count("stories", "world_id = ?", world.id)).toBe(2);
  });
});
