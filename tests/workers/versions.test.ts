// Versions people can use (issue 15): a person's edits of an element are one version per editing
// session, live or through the API, while D1 still follows every change; a new version when the
// session has been quiet for minutes, when someone else edits, or on Save version; what the AI or
// a restore writes is a version of its own; the history names fields as people know them.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getElement, patchElement } from "../../durable-objects/world-room/graph-doc";
import { SESSION_QUIET_MS } from "../../durable-objects/world-room/edit-sessions";
import { runGenerationJob } from "../../workers/jobs/pipeline";
import { addMember, call, createWorld, signUp, type Person } from "./helpers";
import { RoomClient, projectOnceQuiet } from "./room-client";

type Version = { version: number; action: string; userId: string | null; element: { description: string; name: string } };

async function versionsOf(person: Person, worldId: string, elementId: string): Promise<Version[]> {
  const response = await call("GET", `/api/worlds/${worldId}/elements/${elementId}/versions`, { cookie: person.cookie });
  expect(response.status).toBe(200);
  return response.json.versions;
}

async function d1Element(id: string) {
  return env.DB.prepare("select description, version from elements where id = ?").bind(id).first<{ description: string; version: number }>();
}

async function historyOf(person: Person, worldId: string) {
  const response = await call("GET", `/api/worlds/${worldId}/history?limit=50`, { cookie: person.cookie });
  return response.json.entries as Array<{ id: string; action: string; summary: string; userId: string }>;
}

/** Mira, made by the owner and saved (her creation is version 1), with the owner and an editor in the room. */
async function savedElementAndTwoPeople() {
  const owner = await signUp("Ana");
  const editor = await signUp("Ben");
  const world = await createWorld(owner);
  await addMember(world.id, editor, "editor");
  const element = (await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "character", name: "Mira", description: "A ranger." } }))
    .json.element as { id: string };
  expect((await call("POST", `/api/worlds/${world.id}/elements/${element.id}/versions`, { cookie: owner.cookie })).status).toBe(201);
  const a = (await RoomClient.connect(world.id, owner.cookie)).client!;
  const b = (await RoomClient.connect(world.id, editor.cookie)).client!;
  return { owner, editor, world, element, a, b };
}

/** Types into the description as a person does, pausing long enough each time for the room to project it. */
async function typeAndPause(client: RoomClient, worldId: string, elementId: string, description: string) {
  client.doc.transact(() => patchElement(client.doc, elementId, { description }));
  await client.flushed();
  await projectOnceQuiet(worldId);
  // The projection follows every pause: D1 (lists, search, public pages) has the text at once.
  expect((await d1Element(elementId))?.description).toBe(description);
}

/** Moves the room's session clock on, as if that long had passed with nobody editing. */
async function letTimePass(worldId: string, ms: number) {
  await runInDurableObject(env.WORLD_ROOM.getByName(worldId), (room) => {
    const clocked = room as unknown as { clock: () => number };
    const before = clocked.clock;
    clocked.clock = () => before() + ms;
  });
}

describe("one version per person per editing session", () => {
  it("gathers many pauses of one person's typing into one version, and starts another when someone else edits", async () => {
    const { owner, editor, world, element, a, b } = await savedElementAndTwoPeople();
    const drafts = ["A ranger", "A ranger of the", "A ranger of the north", "A ranger of the north who maps.", "A ranger of the north who maps rivers."];
    for (const draft of drafts) await typeAndPause(a, world.id, element.id, draft);

    let versions = await versionsOf(owner, world.id, element.id);
    expect(versions.map((v) => [v.version, v.action, v.userId])).toEqual([
      [2, "edited", owner.id],
      [1, "created", owner.id],
    ]);
    expect(versions[0]!.element.description).toBe(drafts.at(-1));
    // The number people see in the panel is the version they are in.
    await b.until(() => getElement(b.doc, element.id)?.version === 2);
    // One history entry for the session, saying what changed in words people use.
    const sessionEntries = (await historyOf(owner, world.id)).filter((e) => e.action === "edited");
    expect(sessionEntries).toHaveLength(1);
    expect(sessionEntries[0]!.summary).toBe("Edited “Mira” (description)");

    // Ben takes over: a version of his own; Ana coming back is a new one again.
    await typeAndPause(b, world.id, element.id, "A ranger of the north who maps rivers and roads.");
    await typeAndPause(b, world.id, element.id, "A ranger of the north who maps rivers, roads and ruins.");
    await typeAndPause(a, world.id, element.id, "A ranger of the north who maps rivers, roads and ruins. She never sleeps.");
    versions = await versionsOf(owner, world.id, element.id);
    expect(versions.map((v) => [v.version, v.userId])).toEqual([
      [4, owner.id],
      [3, editor.id],
      [2, owner.id],
      [1, owner.id],
    ]);
    expect(versions[1]!.element.description).toBe("A ranger of the north who maps rivers, roads and ruins.");
    // Each person's history entry is still one per session (Ana's session goes on across Ben's turn).
    const entries = (await historyOf(owner, world.id)).filter((e) => e.action === "edited");
    expect(entries.map((e) => e.userId).sort()).toEqual([owner.id, editor.id].sort());
    a.close();
    b.close();
  });

  it("starts a new version once the session has been quiet for minutes, and on Save version", async () => {
    const { owner, world, element, a, b } = await savedElementAndTwoPeople();
    await typeAndPause(a, world.id, element.id, "A ranger who maps.");
    await letTimePass(world.id, SESSION_QUIET_MS - 60_000);
    await typeAndPause(a, world.id, element.id, "A ranger who maps rivers.");
    expect((await versionsOf(owner, world.id, element.id)).map((v) => v.version)).toEqual([2, 1]);

    // Five minutes without an edit: the session is over, the next edit is version 3.
    await letTimePass(world.id, SESSION_QUIET_MS);
    await typeAndPause(a, world.id, element.id, "A ranger who maps rivers at night.");
    const afterQuiet = await versionsOf(owner, world.id, element.id);
    expect(afterQuiet.map((v) => [v.version, v.element.description])).toEqual([
      [3, "A ranger who maps rivers at night."],
      [2, "A ranger who maps rivers."],
      [1, "A ranger."],
    ]);
    // A new session is a new history entry too.
    expect((await historyOf(owner, world.id)).filter((e) => e.action === "edited")).toHaveLength(2);

    // Save version keeps version 3 as it is; the next edit is version 4.
    const saved = await call("POST", `/api/worlds/${world.id}/elements/${element.id}/versions`, { cookie: owner.cookie });
    expect(saved.status).toBe(201);
    expect(saved.json).toEqual({ version: 3, alreadySaved: false });
    await typeAndPause(a, world.id, element.id, "A ranger who maps rivers at night, alone.");
    expect((await versionsOf(owner, world.id, element.id)).map((v) => v.version)).toEqual([4, 3, 2, 1]);
    a.close();
    b.close();
  });

  it("counts API edits as the person's own: they join the session, and the history names the fields", async () => {
    const { owner, editor, world, element, a, b } = await savedElementAndTwoPeople();
    await typeAndPause(a, world.id, element.id, "A ranger who keeps a secret.");
    // Ana's secret (saved through the API, as the panel does) joins her session's version.
    const patched = await call("PATCH", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: owner.cookie, body: { secret: "She is the lost heir.", tags: ["ranger"] } });
    expect(patched.json.element.version).toBe(2);
    let versions = await versionsOf(owner, world.id, element.id);
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions[0]!.element).toMatchObject({ description: "A ranger who keeps a secret.", secret: "She is the lost heir.", tags: ["ranger"] });
    const entries = (await historyOf(owner, world.id)).filter((e) => e.action === "edited");
    expect(entries).toHaveLength(1);
    expect(entries[0]!.summary).toBe("Edited “Mira” (description, tags and secret notes)");
    expect(entries[0]!.summary).not.toMatch(/\bsecret\b(?! notes)/);

    // Ben's edit through the API is his: a version of its own.
    const bens = await call("PATCH", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: editor.cookie, body: { name: "Mira of the North" } });
    expect(bens.json.element.version).toBe(3);
    versions = await versionsOf(owner, world.id, element.id);
    expect(versions[0]).toMatchObject({ version: 3, userId: editor.id, element: { name: "Mira of the North" } });
    // The world's own history says "cover image" and "AI images", never the field's name in code.
    const world2 = await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { title: "Northmarch", settings: { aiImages: false } } });
    expect(world2.status).toBe(200);
    expect((await historyOf(owner, world.id))[0]!.summary).toBe("Changed the world's AI images and title");
    a.close();
    b.close();
  });

  it("keeps what the AI and a restore write as versions of their own", async () => {
    const { owner, world, element, a, b } = await savedElementAndTwoPeople();
    await typeAndPause(a, world.id, element.id, "A ranger who maps.");
    await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input, element_id) values ('versionsrefine01', ?, ?, 'element_refine', 'queued', ?, ?)")
      .bind(world.id, owner.id, JSON.stringify({ prompt: "make her older", elementId: element.id, modalities: ["text"] }), element.id)
      .run();
    expect(await runGenerationJob("versionsrefine01", env)).toBe("finished");
    // Ana goes on typing: not into the AI's version.
    await a.until(() => getElement(a.doc, element.id)?.version === 3);
    await typeAndPause(a, world.id, element.id, `${getElement(a.doc, element.id)!.description} Her maps are old.`);
    const restored = await call("POST", `/api/worlds/${world.id}/elements/${element.id}/versions/2/restore`, { cookie: owner.cookie });
    expect(restored.json.element).toMatchObject({ version: 5, description: "A ranger who maps." });
    await a.until(() => getElement(a.doc, element.id)?.version === 5);
    await typeAndPause(a, world.id, element.id, "A ranger who maps, again.");
    const versions = await versionsOf(owner, world.id, element.id);
    expect(versions.map((v) => [v.version, v.action])).toEqual([
      [6, "edited"],
      [5, "restored"],
      [4, "edited"],
      [3, "refined"],
      [2, "edited"],
      [1, "created"],
    ]);
    a.close();
    b.close();
  });

  it("continues the session after the room restarts mid-session, with nothing of it lost", async () => {
    const { owner, world, element, a, b } = await savedElementAndTwoPeople();
    await typeAndPause(a, world.id, element.id, "A ranger who maps.");
    // Typed, relayed, not yet projected when the room stops.
    a.doc.transact(() => patchElement(a.doc, element.id, { description: "A ranger who maps the drowned roads." }));
    await a.flushed();
    await runInDurableObject(env.WORLD_ROOM.getByName(world.id), (_room, state) => state.abort("restart")).catch(() => undefined);
    a.close();
    b.close();

    const again = (await RoomClient.connect(world.id, owner.cookie)).client!;
    await again.until(() => getElement(again.doc, element.id)?.description === "A ranger who maps the drowned roads.");
    await projectOnceQuiet(world.id);
    expect(await d1Element(element.id)).toEqual({ description: "A ranger who maps the drowned roads.", version: 2 });
    await typeAndPause(again, world.id, element.id, "A ranger who maps the drowned roads by night.");
    const versions = await versionsOf(owner, world.id, element.id);
    expect(versions.map((v) => [v.version, v.element.description])).toEqual([
      [2, "A ranger who maps the drowned roads by night."],
      [1, "A ranger."],
    ]);
    again.close();
  });
});

describe("world settings saved as they are typed", () => {
  it("are one history entry per person per editing session, naming every field changed in it", async () => {
    const owner = await signUp("Ana");
    const editor = await signUp("Ben");
    const world = await createWorld(owner);
    await addMember(world.id, editor, "editor");
    const settingsEntries = async () => (await historyOf(owner, world.id)).filter((e) => e.summary.startsWith("Changed the world's"));
    // Typing a title, then a description, saves a dozen times (one PATCH after each pause).
    for (const title of ["N", "No", "Nor", "North", "Northmarch"]) {
      expect((await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { title } })).status).toBe(200);
    }
    for (const description of ["Cold", "Cold hills."]) {
      expect((await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { description } })).status).toBe(200);
    }
    expect((await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { settings: { aiImages: false } } })).status).toBe(200);
    let entries = await settingsEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.summary).toBe("Changed the world's title, description and AI images");
    // Someone else's change is an entry of its own, and so is the owner's next one after it.
    expect((await call("PATCH", `/api/worlds/${world.id}`, { cookie: editor.cookie, body: { tags: ["cold"] } })).status).toBe(200);
    expect((await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { style: "mythic" } })).status).toBe(200);
    entries = await settingsEntries();
    expect(entries.map((e) => e.summary)).toEqual(["Changed the world's style", "Changed the world's tags", "Changed the world's title, description and AI images"]);
    // After a quiet spell (the entry is made older than a session), the next change starts anew.
    await env.DB.prepare("update history set created_at = created_at - ? where world_id = ?").bind(SESSION_QUIET_MS + 1000, world.id).run();
    expect((await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { style: "horror" } })).status).toBe(200);
    entries = await settingsEntries();
    expect(entries.map((e) => e.summary)).toEqual(["Changed the world's style", "Changed the world's style", "Changed the world's tags", "Changed the world's title, description and AI images"]);
  });
});
