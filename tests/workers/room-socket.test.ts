import { env, runInDurableObject } from "cloudflare:test";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { getElement, insertElement, patchElement } from "../../durable-objects/world-room/graph-doc";
import { MAX_CHAT_LENGTH } from "../../durable-objects/world-room/protocol";
import { addMember, call, createWorld, signUp } from "./helpers";
import { RoomClient, projectOnceQuiet } from "./room-client";

async function worldWithElement() {
  const owner = await signUp("Owner");
  const world = await createWorld(owner);
  const created = await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "character", name: "Mira", description: "A ranger." } });
  return { owner, world, element: created.json.element as { id: string } };
}

/** A world with one element, and its owner (a) and an editor (b) in its room, both synced. */
async function ownerAndEditorInRoom() {
  const { owner, world, element } = await worldWithElement();
  const editor = await signUp("Editor");
  await addMember(world.id, editor, "editor");
  const a = (await RoomClient.connect(world.id, owner.cookie)).client!;
  const b = (await RoomClient.connect(world.id, editor.cookie)).client!;
  await b.until(() => getElement(b.doc, element.id) !== null);
  return { owner, editor, world, element, a, b };
}

const fresh = (id: string) => ({ id, type: "lore" as const, name: id, aliases: [], description: "", x: 0, y: 0, tags: [], assets: {}, metadata: {}, version: 0, createdBy: null, createdAt: 1, updatedAt: 1 });


describe("joining a room", () => {
  it("refuses strangers to a private world before the upgrade, and plain requests", async () => {
    const { owner, world } = await worldWithElement();
    const stranger = await signUp("Stranger");
    const { response, client } = await RoomClient.connect(world.id, stranger.cookie);
    expect(client).toBeNull();
    expect(response.status).toBe(404);
    expect((await RoomClient.connect(world.id)).response.status).toBe(404);
    // A plain request is refused the same way: 404 to a stranger, 426 to someone who may join.
    expect((await call("GET", `/api/worlds/${world.id}/room`)).status).toBe(404);
    expect((await call("GET", `/api/worlds/${world.id}/room`, { cookie: owner.cookie })).status).toBe(426);
    const foreign = await RoomClient.connect(world.id, stranger.cookie, { origin: "https://evil.example" });
    expect(foreign.response.status).toBe(403);
  });

  it("ignores an identity header sent by the client", async () => {
    const { owner, world } = await worldWithElement();
    const viewer = await signUp("Viewer");
    await addMember(world.id, viewer, "viewer");
    const forged = JSON.stringify({ id: owner.id, name: "Owner", role: "owner", color: "red" });
    const { client } = await RoomClient.connect(world.id, viewer.cookie, { "x-loreloom-identity": forged });
    const welcome = await client!.waitFor<{ type: "welcome"; you: { id: string; role: string } }>((m) => m.type === "welcome");
    expect(welcome.you).toMatchObject({ id: viewer.id, role: "viewer" });
    client!.close();
  });
});

describe("live co-editing", () => {
  it("syncs the graph to a joining client and carries edits between clients, projected into D1", async () => {
    const { owner, editor, world, element, a, b } = await ownerAndEditorInRoom();
    await a.until(() => getElement(a.doc, element.id)?.name === "Mira");
    await a.waitFor((m) => m.type === "joined");

    b.doc.transact(() => patchElement(b.doc, element.id, { description: "A ranger of the north." }));
    a.doc.transact(() => insertElement(a.doc, fresh("livecreated00001")));
    await a.until(() => getElement(a.doc, element.id)?.description === "A ranger of the north.");
    await b.until(() => getElement(b.doc, "livecreated00001") !== null);

    await projectOnceQuiet(world.id);
    const graph = await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie });
    expect(graph.json.elements.find((e: { id: string }) => e.id === element.id)).toMatchObject({ description: "A ranger of the north.", version: 2 });
    expect(graph.json.elements.map((e: { id: string }) => e.id)).toContain("livecreated00001");
    // Each version names who made it and how: an element made live starts as "created"; another
    // person's edit of the owner's new element is a version of its own.
    const made = await call("GET", `/api/worlds/${world.id}/elements/livecreated00001/versions`, { cookie: owner.cookie });
    expect(made.json.versions).toEqual([expect.objectContaining({ version: 1, action: "created", userId: owner.id })]);
    const edited = await call("GET", `/api/worlds/${world.id}/elements/${element.id}/versions`, { cookie: owner.cookie });
    expect(edited.json.versions[0]).toMatchObject({ version: 2, action: "edited", userId: editor.id });
    const history = await call("GET", `/api/worlds/${world.id}/history?limit=5`, { cookie: owner.cookie });
    expect(history.json.entries.map((e: { userId: string }) => e.userId)).toEqual(expect.arrayContaining([owner.id, editor.id]));
    a.close();
    b.close();
  });

  it("relays live edits before applying them, and a room stopped before it applies them loses none", async () => {
    const { owner, world, element, a, b } = await ownerAndEditorInRoom();

    b.doc.transact(() => insertElement(b.doc, fresh("relayed000000001")));
    b.doc.transact(() => patchElement(b.doc, element.id, { description: "Relayed, then applied." }));
    await a.until(() => getElement(a.doc, element.id)?.description === "Relayed, then applied.");
    const room = env.WORLD_ROOM.getByName(world.id);
    // Delivered and stored, not applied: the log says where the unapplied part starts.
    const before = await runInDurableObject(room, (instance, state) => {
      const doc = (instance as unknown as { document: Y.Doc }).document;
      return {
        applied: getElement(doc, "relayed000000001") !== null,
        unapplied: state.storage.sql.exec("select from_seq from unapplied").toArray().length,
      };
    });
    expect(before).toEqual({ applied: false, unapplied: 1 });

    // The room stops (its sockets drop) before it has applied them, and starts again.
    await runInDurableObject(room, (_instance, state) => state.abort("restart")).catch(() => undefined);
    a.close();
    b.close();
    const status = await call("GET", `/api/worlds/${world.id}/room/status`, { cookie: owner.cookie });
    expect(status.json.room).toMatchObject({ loadedFrom: "storage", elements: 2 });
    await projectOnceQuiet(world.id);
    const graph = await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie });
    expect(graph.json.elements.map((e: { id: string }) => e.id)).toContain("relayed000000001");
    expect(graph.json.elements.find((e: { id: string }) => e.id === element.id)).toMatchObject({ description: "Relayed, then applied." });
    const after = await runInDurableObject(env.WORLD_ROOM.getByName(world.id), (_instance, state) => state.storage.sql.exec("select from_seq from unapplied").toArray().length);
    expect(after).toBe(0);
  });

  it("keeps the log of a room stored before its seq lost AUTOINCREMENT, unapplied updates included", async () => {
    const { owner, world, element, a, b } = await ownerAndEditorInRoom();
    b.doc.transact(() => insertElement(b.doc, fresh("oldlogrelayed001")));
    b.doc.transact(() => patchElement(b.doc, element.id, { description: "Logged the old way." }));
    await a.until(() => getElement(a.doc, element.id)?.description === "Logged the old way.");
    const room = env.WORLD_ROOM.getByName(world.id);
    // The log as rooms stored it before: the same rows in a table whose seq is AUTOINCREMENT.
    await runInDurableObject(room, (_instance, state) => {
      state.storage.sql.exec(`
        create table updates_old (seq integer primary key autoincrement, data blob not null);
        insert into updates_old (seq, data) select seq, data from updates;
        drop table updates;
        alter table updates_old rename to updates;
      `);
    });
    await runInDurableObject(room, (_instance, state) => state.abort("restart")).catch(() => undefined);
    a.close();
    b.close();
    const status = await call("GET", `/api/worlds/${world.id}/room/status`, { cookie: owner.cookie });
    expect(status.json.room).toMatchObject({ loadedFrom: "storage", elements: 2 });
    const schema = await runInDurableObject(env.WORLD_ROOM.getByName(world.id), (_instance, state) =>
      state.storage.sql.exec<{ sql: string }>("select sql from sqlite_master where type = 'table' and name = 'updates'").one().sql,
    );
    expect(schema).not.toMatch(/autoincrement/i);
    await projectOnceQuiet(world.id);
    const graph = await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie });
    expect(graph.json.elements.map((e: { id: string }) => e.id)).toContain("oldlogrelayed001");
    expect(graph.json.elements.find((e: { id: string }) => e.id === element.id)).toMatchObject({ description: "Logged the old way." });
  });

  it("keeps ids to their world: an element id another world uses is a new element here, live or through REST", async () => {
    const { owner, world, element } = await worldWithElement();
    const other = await signUp("Other");
    const otherWorld = await createWorld(other);
    // Through REST with a chosen id (as an undo does), and live, through the room.
    const chosen = await call("POST", `/api/worlds/${otherWorld.id}/elements`, { cookie: other.cookie, body: { id: element.id, type: "item", name: "Namesake" } });
    expect(chosen.status).toBe(201);
    const a = (await RoomClient.connect(world.id, owner.cookie)).client!;
    const b = (await RoomClient.connect(otherWorld.id, other.cookie)).client!;
    a.doc.transact(() => insertElement(a.doc, { ...fresh("sharedlive000001"), name: "Here" }));
    b.doc.transact(() => insertElement(b.doc, { ...fresh("sharedlive000001"), name: "There" }));
    b.doc.transact(() => insertElement(b.doc, { ...fresh("otherside0000001"), name: "Other side" }));
    await a.flushed();
    await b.flushed();
    await projectOnceQuiet(world.id);
    await projectOnceQuiet(otherWorld.id);
    const rows = async (worldId: string) =>
      (await env.DB.prepare("select id, name from elements where world_id = ? order by id").bind(worldId).all<{ id: string; name: string }>()).results;
    expect(await rows(world.id)).toEqual([
      { id: element.id, name: "Mira" },
      { id: "sharedlive000001", name: "Here" },
    ].sort((x, y) => x.id.localeCompare(y.id)));
    expect(await rows(otherWorld.id)).toEqual([
      { id: element.id, name: "Namesake" },
      { id: "otherside0000001", name: "Other side" },
      { id: "sharedlive000001", name: "There" },
    ].sort((x, y) => x.id.localeCompare(y.id)));

    // Relationships and versions are the world's own too; deleting here leaves there alone.
    const linked = await call("POST", `/api/worlds/${otherWorld.id}/relationships`, { cookie: other.cookie, body: { from: element.id, to: "otherside0000001", kind: "owns" } });
    expect(linked.status).toBe(201);
    const versions = await call("GET", `/api/worlds/${world.id}/elements/${element.id}/versions`, { cookie: owner.cookie });
    expect(versions.json.versions.map((v: { element: { name: string } }) => v.element.name)).toEqual(["Mira"]);
    expect((await call("DELETE", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: owner.cookie })).status).toBe(200);
    expect((await rows(otherWorld.id)).map((r) => r.name)).toContain("Namesake");
    const otherGraph = await call("GET", `/api/worlds/${otherWorld.id}`, { cookie: other.cookie });
    expect(otherGraph.json.relationships).toHaveLength(1);
    a.close();
    b.close();
  });

  it("sends each change made through the API to a client once, not once by the room and again by y-partyserver", async () => {
    const { owner, world, element, a } = await ownerAndEditorInRoom();
    const edited = await call("PATCH", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: owner.cookie, body: { description: "Sent once." } });
    expect(edited.status, edited.text).toBe(200);
    const version = edited.json.element.version as number;
    // The change, then the version the projection stamps on it; a sync round trip after them.
    await a.until(() => getElement(a.doc, element.id)?.description === "Sent once." && getElement(a.doc, element.id)?.version === version);
    await a.synced();
    const frames = a.updates.map((frame) => frame.join(","));
    expect(frames.length).toBeGreaterThan(0);
    expect(new Set(frames).size, "no update frame came twice").toBe(frames.length);
  });

  it("refuses a viewer's document updates with an error and keeps the socket open", async () => {
    const { owner, world, element } = await worldWithElement();
    const viewer = await signUp("Viewer");
    await addMember(world.id, viewer, "viewer");
    const v = (await RoomClient.connect(world.id, viewer.cookie)).client!;
    await v.until(() => getElement(v.doc, element.id) !== null);
    v.doc.transact(() => patchElement(v.doc, element.id, { name: "Vandalised" }));
    const error = await v.waitFor<{ type: "error"; code: string }>((m) => m.type === "error");
    expect(error.code).toBe("read_only");
    v.sendJson({ type: "chat", text: "viewers may still talk" });
    await v.waitFor((m) => m.type === "chat");
    const graph = await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie });
    expect(graph.json.elements[0].name).toBe("Mira");
    v.close();
  });
});

describe("the JSON protocol", () => {
  it("answers malformed and oversize messages with an error and keeps going", async () => {
    const { owner, world } = await worldWithElement();
    const c = (await RoomClient.connect(world.id, owner.cookie)).client!;
    const cases: Array<[unknown, string]> = [
      ["not json", "invalid_json"],
      [{ type: "dance" }, "invalid_message"],
      [{ type: "chat" }, "invalid_message"],
      [{ type: "chat", text: "x".repeat(MAX_CHAT_LENGTH + 1) }, "message_too_long"],
      [`__YPS:${JSON.stringify({ type: "chat", text: "prefixed" })}`, "invalid_json"],
      [{ type: "lock", elementId: "../../etc" }, "invalid_message"],
      ["x".repeat(20_000), "message_too_large"],
    ];
    for (const [message, code] of cases) {
      const before = c.messages.length;
      c.sendJson(message);
      const error = await c.waitFor<{ type: "error"; code: string }>((m) => m.type === "error" && c.messages.indexOf(m) >= before);
      expect(error.code, JSON.stringify(message).slice(0, 60)).toBe(code);
    }
    c.sendJson({ type: "chat", text: "**still** here" });
    const chat = await c.waitFor<{ type: "chat"; text: string; user: { name: string } }>((m) => m.type === "chat");
    expect(chat).toMatchObject({ text: "**still** here", user: { name: "Owner" } });
    expect(c.closed).toBeNull();
    const stored = await env.DB.prepare("select text, user_name from chat_messages where world_id = ?").bind(world.id).all();
    expect(stored.results).toEqual([{ text: "**still** here", user_name: "Owner" }]);
    c.close();
  });

  it("answers a malformed document update with an error, applies nothing, and keeps going", async () => {
    const { owner, world, element } = await worldWithElement();
    const c = (await RoomClient.connect(world.id, owner.cookie)).client!;
    await c.until(() => getElement(c.doc, element.id) !== null);
    // A real update (a new element) with its last bytes cut off, and a struct whose content
    // reference Yjs does not know (15): client 7, clock 0, in root "x" under key "k".
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on("update", (u: Uint8Array) => updates.push(u));
    insertElement(source, fresh("brokenelement001"));
    const good = updates[0]!;
    const frame = (bytes: Uint8Array) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0); // messageSync
      encoding.writeVarUint(encoder, 2); // update
      encoding.writeVarUint8Array(encoder, bytes);
      return encoding.toUint8Array(encoder);
    };
    const unknownContent = new Uint8Array([1, 1, 7, 0, 0b00101111, 1, 1, 120, 1, 107, 0]);
    for (const bad of [good.subarray(0, good.length - 3), unknownContent]) {
      const before = c.messages.length;
      c.socket.send(frame(bad));
      const error = await c.waitFor<{ type: "error"; code: string }>((m) => m.type === "error" && c.messages.indexOf(m) >= before);
      expect(error.code).toBe("invalid_update");
    }
    // Still open, and a well-formed update goes through to everyone.
    c.socket.send(frame(good));
    const other = (await RoomClient.connect(world.id, owner.cookie)).client!;
    await other.until(() => getElement(other.doc, "brokenelement001") !== null);
    expect(c.closed).toBeNull();
    c.close();
    other.close();
  });

  it("shows recent chat to people who join later", async () => {
    const { owner, world } = await worldWithElement();
    const first = (await RoomClient.connect(world.id, owner.cookie)).client!;
    first.sendJson({ type: "chat", text: "one" });
    first.sendJson({ type: "chat", text: "two" });
    await first.waitFor((m) => m.type === "chat" && m.text === "two");
    first.close();
    const later = (await RoomClient.connect(world.id, owner.cookie)).client!;
    await later.waitFor((m) => m.type === "chat" && m.text === "two");
    expect(later.messages.filter((m) => m.type === "chat").map((m) => (m as { text: string }).text)).toEqual(["one", "two"]);
    later.close();
  });
});

describe("locks", () => {
  it("lets one person lock an element, refuses others' edits to it, and releases it on disconnect", async () => {
    const { owner, world, element, a, b } = await ownerAndEditorInRoom();

    a.sendJson({ type: "lock", elementId: element.id });
    const locked = await b.waitFor<{ type: "locked"; by: { id: string }; until: string }>((m) => m.type === "locked");
    expect(locked.by.id).toBe(owner.id);
    expect(Date.parse(locked.until)).toBeGreaterThan(Date.now());

    b.sendJson({ type: "lock", elementId: element.id });
    expect((await b.waitFor<{ type: "error"; code: string }>((m) => m.type === "error")).code).toBe("locked");
    const errorsBefore = b.messages.filter((m) => m.type === "error").length;
    b.doc.transact(() => patchElement(b.doc, element.id, { description: "Overwritten while locked." }));
    await b.waitFor((m) => m.type === "error" && b.messages.filter((x) => x.type === "error").length > errorsBefore);
    const refused = b.messages.filter((m) => m.type === "error").at(-1) as { code: string; resync?: boolean };
    expect(refused).toMatchObject({ code: "locked", resync: true });

    // The holder can still edit it.
    a.doc.transact(() => patchElement(a.doc, element.id, { name: "Mira the Bold" }));
    // The other client sees it only once the room has taken it; then project it.
    await b.until(() => getElement(b.doc, element.id)?.name === "Mira the Bold");
    await projectOnceQuiet(world.id);
    const graph = await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie });
    expect(graph.json.elements[0]).toMatchObject({ name: "Mira the Bold", description: "A ranger." });

    a.close();
    await b.waitFor((m) => m.type === "unlocked");
    await b.waitFor((m) => m.type === "left");
    b.close();
  });
});
