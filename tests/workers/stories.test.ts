// Stories (issue 17): the routes and their roles, and the story's room — the second document kind
// on the room machinery — converging, surviving a restart, refusing viewers and every write the
// story's shape does not allow, and projecting chapters and scenes into D1.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addMember, call, count, createWorld, expectErrorShape, signUp, waitForJobsToSettle, waitUntil, type Person } from "./helpers";
import { RoomClient } from "./room-client";
import { chaptersOf, sceneTextOf, scenesOf } from "../../durable-objects/story-room/story-doc";
import { checkScene } from "../../workers/jobs/story-check";
import { getDb } from "../../workers/lib/db";

const id = (n: number) => `p${String(n).padStart(15, "0")}`;

async function newStory(person: Person, worldId: string, body: Record<string, unknown> = {}) {
  const response = await call("POST", `/api/worlds/${worldId}/stories`, { cookie: person.cookie, body: { title: "The Fox and the Bell", template: "fairy-tale", ...body } });
  expect(response.status, response.text).toBe(201);
  return response.json.story as { id: string; status: string; audience: string };
}

const roomPath = (worldId: string, storyId: string) => `/api/worlds/${worldId}/stories/${storyId}/room`;

async function join(person: Person | null, worldId: string, storyId: string) {
  const { client, response } = await RoomClient.connectTo(roomPath(worldId, storyId), person?.cookie);
  if (!client) throw new Error(`could not join: ${response.status}`);
  return client;
}

/** A chapter and a scene in it, as the story editor makes them (one transaction). */
function addChapterAndScene(doc: Y.Doc, chapter: string, scene: string, text = "") {
  doc.transact(() => {
    chaptersOf(doc).set(chapter, new Y.Map<unknown>(Object.entries({ title: "Chapter one", summary: "", order: "a0" })));
    scenesOf(doc).set(scene, new Y.Map<unknown>(Object.entries({ chapter, order: "a0", title: "At the well", summary: "", pov: null, location: null })));
    const paragraph = new Y.XmlElement("paragraph");
    paragraph.insert(0, [new Y.XmlText(text)]);
    sceneTextOf(doc, scene).insert(0, [paragraph]);
  });
}

/** The first paragraph's text node of a scene. */
const firstText = (doc: Y.Doc, scene: string) => (sceneTextOf(doc, scene).get(0) as Y.XmlElement).get(0) as Y.XmlText;

describe("story routes", () => {
  it("lets owners and editors write stories, viewers read them, and nobody else see them", async () => {
    const owner = await signUp("Owner");
    const editor = await signUp("Editor");
    const viewer = await signUp("Viewer");
    const stranger = await signUp("Stranger");
    const world = await createWorld(owner);
    await addMember(world.id, editor, "editor");
    await addMember(world.id, viewer, "viewer");

    const story = await newStory(owner, world.id, { template: "bedtime" });
    expect(story.status).toBe("draft");
    expect(story.audience).toBe("children"); // a bedtime story is for children unless said otherwise
    await newStory(editor, world.id);

    const byViewer = await call("POST", `/api/worlds/${world.id}/stories`, { cookie: viewer.cookie, body: { title: "Mine", template: "mystery" } });
    expect(byViewer.status).toBe(403);
    expectErrorShape(byViewer.json, "forbidden");
    const byStranger = await call("GET", `/api/worlds/${world.id}/stories`, { cookie: stranger.cookie });
    expect(byStranger.status).toBe(404);
    expect((await call("GET", `/api/worlds/${world.id}/stories/${story.id}`, { cookie: stranger.cookie })).status).toBe(404);

    const listed = await call("GET", `/api/worlds/${world.id}/stories`, { cookie: viewer.cookie });
    expect(listed.status).toBe(200);
    expect(listed.json.stories).toHaveLength(2); // members read drafts too

    const patchByViewer = await call("PATCH", `/api/worlds/${world.id}/stories/${story.id}`, { cookie: viewer.cookie, body: { title: "Taken" } });
    expect(patchByViewer.status).toBe(403);
    const deleteByViewer = await call("DELETE", `/api/worlds/${world.id}/stories/${story.id}`, { cookie: viewer.cookie });
    expect(deleteByViewer.status).toBe(403);
    expect(await count("stories", "id = ?", story.id)).toBe(1);
  });

  it("refuses bad bodies and ids with a clear 400 and creates nothing", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner);
    for (const body of [
      { title: "", template: "adventure" },
      { title: "Fine", template: "epic-poem" },
      { title: "Fine", template: "adventure", audience: "everyone" },
      { title: "Fine", template: "adventure", extra: 1 },
      { title: "x".repeat(201), template: "adventure" },
      "not json",
    ]) {
      const response = await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(response.json);
    }
    expect(await count("stories", "world_id = ?", world.id)).toBe(0);
    const story = await newStory(owner, world.id);
    expect((await call("PATCH", `/api/worlds/${world.id}/stories/${story.id}`, { cookie: owner.cookie, body: {} })).status).toBe(400);
    expect((await call("PATCH", `/api/worlds/${world.id}/stories/${story.id}`, { cookie: owner.cookie, body: { status: "archived" } })).status).toBe(400);
    expect((await call("GET", `/api/worlds/${world.id}/stories/..%2Fetc`, { cookie: owner.cookie })).status).toBe(400);
    // A story of another world is not this world's.
    const other = await createWorld(owner);
    expect((await call("GET", `/api/worlds/${other.id}/stories/${story.id}`, { cookie: owner.cookie })).status).toBe(404);
    expect((await call("DELETE", `/api/worlds/${other.id}/stories/${story.id}`, { cookie: owner.cookie })).status).toBe(404);
  });

  it("shows a public world's published stories to anyone, and its drafts to nobody outside", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner, { visibility: "public" });
    const draft = await newStory(owner, world.id, { title: "Draft" });
    const published = await newStory(owner, world.id, { title: "Out now" });
    const patched = await call("PATCH", `/api/worlds/${world.id}/stories/${published.id}`, { cookie: owner.cookie, body: { status: "published" } });
    expect(patched.status).toBe(200);
    expect(patched.json.story.status).toBe("published");

    const anonymous = await call("GET", `/api/worlds/${world.id}/stories`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.json.stories.map((s: { id: string }) => s.id)).toEqual([published.id]);
    expect((await call("GET", `/api/worlds/${world.id}/stories/${draft.id}`)).status).toBe(404);
    expect((await call("GET", `/api/worlds/${world.id}/stories/${published.id}`)).status).toBe(200);
    // Reading is not writing: a visitor joins the published story's room as a viewer only.
    const visitor = await join(null, world.id, published.id);
    expect(visitor.messages.find((m) => m.type === "welcome")).toMatchObject({ you: { role: "viewer" } });
    visitor.close();
    const draftRoom = await RoomClient.connectTo(roomPath(world.id, draft.id));
    expect(draftRoom.client).toBeNull();
    expect(draftRoom.response.status).toBe(404);
  });

  it("deletes a story with its room's storage", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner);
    const story = await newStory(owner, world.id);
    const client = await join(owner, world.id, story.id);
    addChapterAndScene(client.doc, id(1), id(2), "Once.");
    await client.flushed();
    client.close();
    expect((await call("DELETE", `/api/worlds/${world.id}/stories/${story.id}`, { cookie: owner.cookie })).status).toBe(204);
    expect((await call("GET", `/api/worlds/${world.id}/stories/${story.id}`, { cookie: owner.cookie })).status).toBe(404);
    const tables = await runInDurableObject(env.STORY_ROOM.getByName(story.id), (_room, state) => state.storage.sql.exec("select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\'").toArray());
    expect(tables).toEqual([]);
  });
});

describe("chapter and scene routes", () => {
  it("writes chapters and scenes through the story's room, in order, live for everyone in it", async () => {
    const owner = await signUp("Owner");
    const editor = await signUp("Editor");
    const viewer = await signUp("Viewer");
    const world = await createWorld(owner);
    await addMember(world.id, editor, "editor");
    await addMember(world.id, viewer, "viewer");
    const story = await newStory(owner, world.id);
    const base = `/api/worlds/${world.id}/stories/${story.id}`;
    const watcher = await join(owner, world.id, story.id);

    const second = await call("POST", `${base}/chapters`, { cookie: editor.cookie, body: { title: "Two" } });
    expect(second.status, second.text).toBe(201);
    const first = await call("POST", `${base}/chapters`, { cookie: editor.cookie, body: { title: "One", after: null } });
    expect(first.status).toBe(201);
    const one = first.json.chapter.id as string;
    const two = second.json.chapter.id as string;
    const scene = await call("POST", `${base}/chapters/${one}/scenes`, { cookie: editor.cookie, body: { title: "Dusk", text: "The bell rang.\n\nThe fox listened." } });
    expect(scene.status, scene.text).toBe(201);
    const sceneId = scene.json.scene.id as string;
    expect(scene.json.scene).toMatchObject({ chapter: one, title: "Dusk", text: "The bell rang.\n\nThe fox listened.", wordCount: 6 });
    await watcher.until(() => sceneTextOf(watcher.doc, sceneId).length === 2);

    // Replacing the text keeps the paragraphs that did not change (the watcher's first node stays).
    const kept = sceneTextOf(watcher.doc, sceneId).get(0);
    const patched = await call("PATCH", `${base}/scenes/${sceneId}`, { cookie: editor.cookie, body: { text: "The bell rang.\n\nThe fox ran." } });
    expect(patched.status, patched.text).toBe(200);
    await watcher.until(() => (sceneTextOf(watcher.doc, sceneId).get(1) as Y.XmlElement | undefined)?.toString() === "<paragraph>The fox ran.</paragraph>");
    expect(sceneTextOf(watcher.doc, sceneId).get(0)).toBe(kept);
    expect((await call("GET", `${base}/scenes/${sceneId}`, { cookie: viewer.cookie })).json.scene.text).toBe("The bell rang.\n\nThe fox ran.");

    // Move the scene to chapter two; the outline follows.
    expect((await call("PATCH", `${base}/scenes/${sceneId}`, { cookie: owner.cookie, body: { chapter: two } })).status).toBe(200);
    const outline = await call("GET", base, { cookie: viewer.cookie });
    expect(outline.json.story.chapters.map((c: { title: string; scenes: unknown[] }) => [c.title, c.scenes.length])).toEqual([["One", 0], ["Two", 1]]);

    // Viewers write nothing; unknown places, chapters and elements are refused clearly.
    for (const [method, path, body] of [
      ["POST", `${base}/chapters`, { title: "Mine" }],
      ["PATCH", `${base}/chapters/${one}`, { title: "Mine" }],
      ["DELETE", `${base}/chapters/${one}`, undefined],
      ["POST", `${base}/chapters/${one}/scenes`, { title: "Mine" }],
      ["PATCH", `${base}/scenes/${sceneId}`, { text: "Mine" }],
      ["DELETE", `${base}/scenes/${sceneId}`, undefined],
    ] as const) {
      expect((await call(method, path, { cookie: viewer.cookie, body })).status, `${method} ${path}`).toBe(403);
    }
    const refusedCalls: Array<[string, string, unknown, number]> = [
      ["POST", `${base}/chapters`, { title: "X", after: "nosuchchapter000" }, 400],
      ["POST", `${base}/chapters/nosuchchapter000/scenes`, { title: "X" }, 404],
      ["PATCH", `${base}/scenes/${sceneId}`, { pov: "nosuchelement000" }, 400],
      ["PATCH", `${base}/scenes/${sceneId}`, { chapter: "nosuchchapter000" }, 400],
      ["PATCH", `${base}/scenes/${sceneId}`, { text: 5 }, 400],
      ["GET", `${base}/scenes/nosuchscene00000`, undefined, 404],
    ];
    for (const [method, path, body, status] of refusedCalls) {
      const response = await call(method, path, { cookie: owner.cookie, body });
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expectErrorShape(response.json);
    }

    // Deleting a chapter takes its scenes with it.
    expect((await call("DELETE", `${base}/chapters/${two}`, { cookie: owner.cookie })).status).toBe(204);
    await watcher.until(() => !scenesOf(watcher.doc).has(sceneId) && !chaptersOf(watcher.doc).has(two));
    expect(await count("story_scenes", "story_id = ?", story.id)).toBe(0);
    expect(watcher.messages.filter((m) => m.type === "error")).toEqual([]);
    watcher.close();
  });
});

describe("the story room", () => {
  it("merges two writers character by character and projects chapters and scenes into D1", async () => {
    const owner = await signUp("Owner");
    const editor = await signUp("Editor");
    const world = await createWorld(owner);
    await addMember(world.id, editor, "editor");
    const story = await newStory(owner, world.id);
    const a = await join(owner, world.id, story.id);
    const b = await join(editor, world.id, story.id);
    addChapterAndScene(a.doc, id(1), id(2), "The bell rang.");
    await b.until(() => scenesOf(b.doc).has(id(2)) && sceneTextOf(b.doc, id(2)).length === 1);
    // Both type at once: one at the start, one at the end.
    firstText(a.doc, id(2)).insert(0, "At dusk, ");
    firstText(b.doc, id(2)).insert(firstText(b.doc, id(2)).length, " The fox listened.");
    const expected = "At dusk, The bell rang. The fox listened.";
    await a.until(() => firstText(a.doc, id(2)).toString() === expected);
    await b.until(() => firstText(b.doc, id(2)).toString() === expected);
    expect(a.messages.filter((m) => m.type === "error")).toEqual([]);
    expect(b.messages.filter((m) => m.type === "error")).toEqual([]);

    const read = await call("GET", `/api/worlds/${world.id}/stories/${story.id}`, { cookie: owner.cookie });
    expect(read.status).toBe(200);
    expect(read.json.story.chapters).toEqual([
      { id: id(1), title: "Chapter one", summary: "", scenes: [{ id: id(2), title: "At the well", summary: "", pov: null, location: null, wordCount: 8 }] },
    ]);
    expect(read.json.story).toMatchObject({ chapterCount: 1, sceneCount: 1, wordCount: 8 });
    const listed = await call("GET", `/api/worlds/${world.id}/stories`, { cookie: editor.cookie });
    expect(listed.json.stories).toEqual([expect.objectContaining({ id: story.id, chapterCount: 1, sceneCount: 1, wordCount: 8 })]);
    const row = await env.DB.prepare("select text, auto_summary from story_scenes where story_id = ? and id = ?").bind(story.id, id(2)).first<{ text: string; auto_summary: string }>();
    expect(row?.text).toBe(expected);
    // The rolling summary the story bible uses when nobody wrote one: kept with the text.
    expect(row?.auto_summary).toBe("At dusk, The bell rang. The fox listened.");
    a.close();
    b.close();
  });

  it("keeps every acknowledged edit across a restart of the room", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner);
    const story = await newStory(owner, world.id);
    const a = await join(owner, world.id, story.id);
    addChapterAndScene(a.doc, id(1), id(2), "Kept.");
    firstText(a.doc, id(2)).insert(5, " Still kept.");
    await a.flushed();
    a.close();
    await runInDurableObject(env.STORY_ROOM.getByName(story.id), (_room, state) => state.abort("restart")).catch(() => undefined);
    const again = await join(owner, world.id, story.id);
    expect(firstText(again.doc, id(2)).toString()).toBe("Kept. Still kept.");
    again.close();
  });

  it("refuses a viewer's edit and changes nothing", async () => {
    const owner = await signUp("Owner");
    const viewer = await signUp("Viewer");
    const world = await createWorld(owner);
    await addMember(world.id, viewer, "viewer");
    const story = await newStory(owner, world.id);
    const writer = await join(owner, world.id, story.id);
    addChapterAndScene(writer.doc, id(1), id(2), "Mine.");
    await writer.flushed();
    const reader = await join(viewer, world.id, story.id);
    expect(firstText(reader.doc, id(2)).toString()).toBe("Mine.");
    firstText(reader.doc, id(2)).insert(0, "Not ");
    await reader.waitFor((m) => m.type === "error" && m.code === "read_only");
    const outline = await env.STORY_ROOM.getByName(story.id).outline();
    expect(outline.ok && outline.value.scenes[0]?.text).toBe("Mine.");
    writer.close();
    reader.close();
  });

  it("refuses every write the story's shape does not allow, naming where, and keeps the story whole", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner);
    const story = await newStory(owner, world.id);
    const base = await join(owner, world.id, story.id);
    addChapterAndScene(base.doc, id(1), id(2), "Whole.");
    await base.flushed();
    base.close();

    const attacks: Array<[string, (doc: Y.Doc) => void]> = [
      ["a root the story does not have", (doc) => doc.getMap("elements").set("x", 1)],
      ["a chapter that is not a map", (doc) => chaptersOf(doc).set(id(9), "chapter" as never)],
      ["a chapter id that is not ours", (doc) => chaptersOf(doc).set("../../x", new Y.Map())],
      ["a title too long", (doc) => (chaptersOf(doc).get(id(1)) as Y.Map<unknown>).set("title", "x".repeat(201))],
      ["a field a chapter does not have", (doc) => (chaptersOf(doc).get(id(1)) as Y.Map<unknown>).set("secret", "x")],
      ["a point of view that is not an id", (doc) => (scenesOf(doc).get(id(2)) as Y.Map<unknown>).set("pov", { $ne: 1 })],
      ["a script node in the text", (doc) => sceneTextOf(doc, id(2)).insert(0, [new Y.XmlElement("script")])],
      ["text straight in the scene", (doc) => sceneTextOf(doc, id(2)).insert(0, [new Y.XmlText("loose")])],
      ["an attribute a paragraph does not have", (doc) => (sceneTextOf(doc, id(2)).get(0) as Y.XmlElement).setAttribute("onclick", "x")],
      ["a heading of level 9", (doc) => {
        const heading = new Y.XmlElement("heading");
        heading.setAttribute("level", 9 as never);
        sceneTextOf(doc, id(2)).insert(0, [heading]);
      }],
      ["a link mark", (doc) => firstText(doc, id(2)).format(0, 3, { link: { href: "javascript:alert(1)" } })],
      ["an embed in the text", (doc) => firstText(doc, id(2)).insertEmbed(0, { image: "x" })],
      ["a scene text past its limit", (doc) => firstText(doc, id(2)).insert(0, "x".repeat(200_001))],
    ];
    for (const [what, attack] of attacks) {
      const client = await join(owner, world.id, story.id);
      attack(client.doc);
      const error = await client.waitFor((m) => m.type === "error");
      expect(error, what).toMatchObject({ type: "error" });
      expect(["invalid_story", "invalid_update"], `${what}: ${JSON.stringify(error)}`).toContain((error as { code: string }).code);
      client.close();
    }
    // Nothing of it reached the story, and others can still join and read it.
    const after = await join(owner, world.id, story.id);
    expect(firstText(after.doc, id(2)).toString()).toBe("Whole.");
    expect([...after.doc.share.keys()].sort()).toEqual(["chapters", `scene:${id(2)}`, "scenes"].sort());
    expect((chaptersOf(after.doc).get(id(1)) as Y.Map<unknown>).toJSON()).toEqual({ title: "Chapter one", summary: "", order: "a0" });
    after.close();
  });

  it("takes bold, italic, headings, quotes and the AI's mark", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner);
    const story = await newStory(owner, world.id);
    const a = await join(owner, world.id, story.id);
    addChapterAndScene(a.doc, id(1), id(2), "Plain words here.");
    a.doc.transact(() => {
      firstText(a.doc, id(2)).format(0, 5, { bold: {} });
      firstText(a.doc, id(2)).format(6, 5, { italic: {} });
      firstText(a.doc, id(2)).insert(17, " The AI wrote this.", { ai: { job: "job1" } });
      const heading = new Y.XmlElement("heading");
      heading.setAttribute("level", 2 as never);
      heading.insert(0, [new Y.XmlText("Part one")]);
      const quote = new Y.XmlElement("blockquote");
      const inner = new Y.XmlElement("paragraph");
      inner.insert(0, [new Y.XmlText("Said the owl.")]);
      quote.insert(0, [inner]);
      sceneTextOf(a.doc, id(2)).insert(0, [heading]);
      sceneTextOf(a.doc, id(2)).insert(2, [quote]);
    });
    await a.flushed();
    expect(a.messages.filter((m) => m.type === "error")).toEqual([]);
    const outline = await env.STORY_ROOM.getByName(story.id).outline();
    expect(outline.ok && outline.value.scenes[0]?.text).toBe("Part one\n\nPlain words here. The AI wrote this.\n\nSaid the owl.");
    a.close();
  });

  it("merges an editor's offline edits when they come back", async () => {
    const owner = await signUp("Owner");
    const editor = await signUp("Editor");
    const world = await createWorld(owner);
    await addMember(world.id, editor, "editor");
    const story = await newStory(owner, world.id);
    const a = await join(owner, world.id, story.id);
    addChapterAndScene(a.doc, id(1), id(2), "Middle.");
    await a.flushed();
    // The editor has the story, goes offline and writes; meanwhile the owner writes too.
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(a.doc));
    firstText(offline, id(2)).insert(0, "Start. ");
    firstText(a.doc, id(2)).insert(firstText(a.doc, id(2)).length, " End.");
    await a.flushed();
    const back = await join(editor, world.id, story.id);
    Y.applyUpdate(back.doc, Y.encodeStateAsUpdate(offline));
    await back.flushed();
    await a.until(() => firstText(a.doc, id(2)).toString() === "Start. Middle. End.");
    await back.until(() => firstText(back.doc, id(2)).toString() === "Start. Middle. End.");
    await waitUntil("the projection", async () => {
      const row = await env.DB.prepare("select text from story_scenes where story_id = ? and id = ?").bind(story.id, id(2)).first<{ text: string }>();
      return row?.text === "Start. Middle. End." || (await env.STORY_ROOM.getByName(story.id).project(), false);
    });
    a.close();
    back.close();
  });
});

describe("continuing a scene", () => {
  it("streams the AI's passage into the scene for everyone in the story, marked with its provenance, and records what it was told", async () => {
    const owner = await signUp("Owner");
    const viewer = await signUp("Viewer");
    const world = await createWorld(owner);
    await addMember(world.id, viewer, "viewer");
    const element = async (type: string, name: string, description: string) =>
      (await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type, name, description } })).json.element.id as string;
    const mira = await element("character", "Mira Vale", "A brave young bell-ringer who never lies.");
    // Known by another name: the story mentions her uncle only by it.
    const uncle = await element("character", "Aldous Vale", "Mira's uncle, the old clockmaker.");
    expect((await call("PATCH", `/api/worlds/${world.id}/elements/${uncle}`, { cookie: owner.cookie, body: { aliases: ["the Clockmaker"] } })).status).toBe(200);
    const well = await element("location", "The Old Well", "A mossy well at the edge of the village.");
    await element("character", "Tobin", "Mira's cousin, who keeps the goats.");
    const story = await newStory(owner, world.id, { template: "fairy-tale" });
    const base = `/api/worlds/${world.id}/stories/${story.id}`;
    const chapter = (await call("POST", `${base}/chapters`, { cookie: owner.cookie, body: { title: "One" } })).json.chapter.id as string;
    const scene = (await call("POST", `${base}/chapters/${chapter}/scenes`, { cookie: owner.cookie, body: { title: "Dusk", text: "Mira Vale climbed down to the well, thinking of the Clockmaker.", pov: mira, location: well } })).json.scene.id as string;
    const watcher = await join(viewer, world.id, story.id);

    expect((await call("POST", `${base}/scenes/${scene}/continue`, { cookie: viewer.cookie, body: {} })).status).toBe(403);
    expect((await call("POST", `${base}/scenes/${scene}/continue`, { cookie: owner.cookie, body: { words: 5 } })).status).toBe(400);
    expect((await call("POST", `${base}/scenes/nosuchscene00000/continue`, { cookie: owner.cookie, body: {} })).status).toBe(404);
    const asked = await call("POST", `${base}/scenes/${scene}/continue`, { cookie: owner.cookie, body: { direction: "Tobin finds a silver key", words: 120 } });
    expect(asked.status, asked.text).toBe(202);
    const jobId = asked.json.job.id as string;
    await waitForJobsToSettle([jobId]);
    const job = (await call("GET", `/api/jobs/${jobId}`, { cookie: owner.cookie })).json.job;
    expect(job.status, JSON.stringify(job)).toBe("succeeded");

    // The watcher saw the passage arrive: new paragraphs after the person's, every AI word marked.
    await watcher.until(() => sceneTextOf(watcher.doc, scene).length > 1);
    const paragraphs = sceneTextOf(watcher.doc, scene).toArray() as Y.XmlElement[];
    expect((paragraphs[0]!.get(0) as Y.XmlText).toDelta()).toEqual([{ insert: "Mira Vale climbed down to the well, thinking of the Clockmaker." }]);
    const aiRuns = paragraphs.slice(1).flatMap((p) => (p.get(0) as Y.XmlText).toDelta() as Array<{ insert: string; attributes?: { ai?: unknown } }>);
    expect(aiRuns.length).toBeGreaterThan(0);
    for (const run of aiRuns) expect(run.attributes?.ai).toEqual({ job: jobId, provider: "local", model: expect.any(String), offline: true });
    const passage = aiRuns.map((run) => run.insert).join(" ");
    expect(passage.split(/\s+/).length).toBeGreaterThan(60);
    expect(passage).toContain("Tobin finds a silver key");
    expect(watcher.messages.some((m) => m.type === "job" && m.jobId === jobId && m.status === "succeeded")).toBe(true);

    // What it was told: the scene's point of view and place first, within the budget.
    const row = await env.DB.prepare("select result from jobs where id = ?").bind(jobId).first<{ result: string }>();
    const result = JSON.parse(row!.result);
    expect(result).toMatchObject({ provider: "local", offline: true, sceneId: scene });
    expect(result.sent.elements.slice(0, 2)).toEqual([expect.objectContaining({ id: mira, why: "pov" }), expect.objectContaining({ id: well, why: "location" })]);
    expect(result.sent.total).toBeLessThanOrEqual(result.sent.budget);
    expect(result.sent.elements).toContainEqual(expect.objectContaining({ id: uncle, why: "mentioned" }));
    watcher.close();
  });
});

describe("continuity", () => {
  it("catches a misspelled name, a dead character walking and a stranger, each with its fix one call away", async () => {
    const owner = await signUp("Owner");
    const editor = await signUp("Editor");
    const viewer = await signUp("Viewer");
    const world = await createWorld(owner);
    await addMember(world.id, editor, "editor");
    await addMember(world.id, viewer, "viewer");
    const element = async (type: string, name: string, description: string, tags: string[] = []) =>
      (await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type, name, description, tags } })).json.element.id as string;
    await element("character", "Mira Vell", "A brave and honest scout of the Northern Watch.");
    await element("character", "Old Brann", "The keeper of the northern gate.", ["deceased"]);
    const frosthold = await element("location", "Frosthold", "A frozen fortress of ice and snow.");
    const story = await newStory(owner, world.id, { template: "adventure" });
    const base = `/api/worlds/${world.id}/stories/${story.id}`;
    const chapter = (await call("POST", `${base}/chapters`, { cookie: owner.cookie, body: { title: "One" } })).json.chapter.id as string;
    const text = "Mria climbed the eastern stair of Frosthold. Old Brann said the gate would hold. Garrick laughed at them both.";
    const scene = (await call("POST", `${base}/chapters/${chapter}/scenes`, { cookie: owner.cookie, body: { title: "The stair", text, location: frosthold } })).json.scene.id as string;
    const watcher = await join(editor, world.id, story.id);

    expect((await call("POST", `${base}/scenes/${scene}/check`, { cookie: viewer.cookie })).status).toBe(403);
    const asked = await call("POST", `${base}/scenes/${scene}/check`, { cookie: editor.cookie });
    expect(asked.status, asked.text).toBe(202);
    await waitForJobsToSettle([asked.json.job.id]);
    const issues = (await call("GET", `${base}/scenes/${scene}/issues`, { cookie: viewer.cookie })).json.issues as Array<{ id: string; type: string; quote: string; suggestion: string | null; status: string; start: number; end: number }>;
    const byType = (type: string) => issues.find((issue) => issue.type === type)!;
    expect(issues.map((issue) => [issue.type, issue.quote])).toEqual([
      ["name_drift", "Mria"],
      ["timeline_error", "Old Brann"],
      ["new_character", "Garrick"],
    ]);
    for (const issue of issues) expect(text.slice(issue.start, issue.end)).toBe(issue.quote);
    expect(byType("name_drift").suggestion).toBe("Mira");

    // Apply the spelling fix: everyone in the story sees it; applying it again is refused.
    expect((await call("POST", `${base}/issues/${byType("name_drift").id}/apply`, { cookie: viewer.cookie })).status).toBe(403);
    const applied = await call("POST", `${base}/issues/${byType("name_drift").id}/apply`, { cookie: editor.cookie });
    expect(applied.status, applied.text).toBe(200);
    expect(applied.json.issue.status).toBe("applied");
    await watcher.until(() => (sceneTextOf(watcher.doc, scene).get(0) as Y.XmlElement).toString().includes("Mira climbed"));
    expect((await call("POST", `${base}/issues/${byType("name_drift").id}/apply`, { cookie: editor.cookie })).status).toBe(409);

    // The stranger joins the world through its room; the dead man's issue is dismissed and stays so.
    const added = await call("POST", `${base}/issues/${byType("new_character").id}/add-to-world`, { cookie: editor.cookie });
    expect(added.status, added.text).toBe(201);
    expect(added.json.element).toMatchObject({ name: "Garrick", type: "character" });
    const graph = await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie });
    expect(graph.json.elements.map((e: { name: string }) => e.name)).toContain("Garrick");
    expect((await call("POST", `${base}/issues/${byType("timeline_error").id}/add-to-world`, { cookie: editor.cookie })).status).toBe(409);
    expect((await call("POST", `${base}/issues/${byType("timeline_error").id}/dismiss`, { cookie: editor.cookie })).status).toBe(200);
    const again = await call("POST", `${base}/scenes/${scene}/check`, { cookie: editor.cookie });
    await waitForJobsToSettle([again.json.job.id]);
    const after = (await call("GET", `${base}/scenes/${scene}/issues`, { cookie: editor.cookie })).json.issues as typeof issues;
    expect(after.filter((issue) => issue.status === "open")).toEqual([]);
    expect(after.map((issue) => [issue.type, issue.status]).sort()).toEqual([["name_drift", "applied"], ["new_character", "applied"], ["timeline_error", "dismissed"]]);
    watcher.close();
  });

  it("corrects the AI's own slips of spelling after a passage, and only in the passage", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner);
    await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "character", name: "Mira Vell", description: "A scout." } });
    const story = await newStory(owner, world.id);
    const base = `/api/worlds/${world.id}/stories/${story.id}`;
    const chapter = (await call("POST", `${base}/chapters`, { cookie: owner.cookie, body: { title: "One" } })).json.chapter.id as string;
    const mine = "Mria waited at the gate.";
    const scene = (await call("POST", `${base}/chapters/${chapter}/scenes`, { cookie: owner.cookie, body: { title: "Gate", text: `${mine}\n\nThen Mria ran.` } })).json.scene.id as string;
    // As after a passage that starts at the second paragraph: the person's own "Mria" is reported, not changed.
    const found = await checkScene(env, getDb(env.DB), { worldId: world.id, storyId: story.id, sceneId: scene, jobId: "testjob", correctFrom: mine.length + 2 });
    expect(found.corrected).toBe(1);
    const now = (await call("GET", `${base}/scenes/${scene}`, { cookie: owner.cookie })).json.scene.text;
    expect(now).toBe(`${mine}\n\nThen Mira ran.`);
    const issues = (await call("GET", `${base}/scenes/${scene}/issues`, { cookie: owner.cookie })).json.issues;
    expect(issues.map((issue: { type: string; quote: string; start: number }) => [issue.type, issue.quote, issue.start])).toEqual([["name_drift", "Mria", 0]]);
  });
});

describe("a story from a prompt", () => {
  it("outlines chapters with scene beats from the world's people and places, writes the first chapter's scenes, and names the story", async () => {
    const owner = await signUp("Owner");
    const viewer = await signUp("Viewer");
    const world = await createWorld(owner);
    await addMember(world.id, viewer, "viewer");
    for (const [type, name] of [["character", "Mira Vale"], ["character", "Tobin"], ["location", "Harrowgate"], ["location", "The Old Well"]]) {
      await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type, name, description: `${name} of the valley.` } });
    }
    expect((await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { template: "mystery" } })).status).toBe(400);
    expect((await call("POST", `/api/worlds/${world.id}/stories`, { cookie: viewer.cookie, body: { prompt: "a stolen bell", template: "mystery" } })).status).toBe(403);
    const created = await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { prompt: "A story about a stolen bell in winter", template: "mystery", length: "medium" } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.story.title).toMatch(/^A story: /);
    await waitForJobsToSettle([created.json.job.id]);
    const job = (await call("GET", `/api/jobs/${created.json.job.id}`, { cookie: owner.cookie })).json.job;
    expect(job.status, JSON.stringify(job)).toBe("succeeded");

    const story = (await call("GET", `/api/worlds/${world.id}/stories/${created.json.story.id}`, { cookie: viewer.cookie })).json.story;
    expect(story.title).not.toMatch(/^A story: /); // the outline named it
    expect(story.chapters).toHaveLength(3);
    for (const chapter of story.chapters) expect(chapter.scenes).toHaveLength(3);
    // The first chapter is written out, each scene from its beat; the others wait with their beats as summaries.
    for (const scene of story.chapters[0].scenes) expect(scene.wordCount, scene.title).toBeGreaterThan(120);
    for (const scene of story.chapters[2].scenes) expect(scene.wordCount).toBe(0);
    expect(story.chapters.flatMap((c: { scenes: Array<{ summary: string }> }) => c.scenes.map((s) => s.summary)).join(" ")).toMatch(/stolen bell/);
    const first = (await call("GET", `/api/worlds/${world.id}/stories/${story.id}/scenes/${story.chapters[0].scenes[0].id}`, { cookie: viewer.cookie })).json.scene;
    expect(first.text).toMatch(/Mira|Tobin/);
    expect(first.pov).not.toBeNull();
    const row = await env.DB.prepare("select result from jobs where id = ?").bind(created.json.job.id).first<{ result: string }>();
    expect(JSON.parse(row!.result)).toMatchObject({ outline: { provider: "local", offline: true, chapters: 3, scenes: 9 }, written: [expect.objectContaining({ offline: true }), expect.anything(), expect.anything()] });
  });

  it("starts a story from a picture, described first", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner);
    const form = new FormData();
    const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFklEQVR4nGP8z8DAwMDAxMDAwMAAAB0ABwFkb7pzAAAAAElFTkSuQmCC"), (c) => c.charCodeAt(0));
    form.set("file", new File([png], "sketch.png", { type: "image/png" }));
    form.set("template", "bedtime");
    form.set("prompt", "a lighthouse keeper's cat");
    const created = await call("POST", `/api/worlds/${world.id}/stories/photo`, { cookie: owner.cookie, body: form });
    expect(created.status, created.text).toBe(201);
    await waitForJobsToSettle([created.json.job.id]);
    const row = await env.DB.prepare("select status, error, result from jobs where id = ?").bind(created.json.job.id).first<{ status: string; error: string | null; result: string }>();
    expect(row?.status, row?.error ?? "").toBe("succeeded");
    expect(JSON.parse(row!.result).picture).toEqual(expect.any(String));
    const notImage = new FormData();
    notImage.set("file", new File([new TextEncoder().encode("hello")], "x.png", { type: "image/png" }));
    notImage.set("template", "bedtime");
    expect((await call("POST", `/api/worlds/${world.id}/stories/photo`, { cookie: owner.cookie, body: notImage })).status).toBe(415);
  });
});
