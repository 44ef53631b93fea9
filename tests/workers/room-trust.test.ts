// Issue 14, the room: an editor's socket is an attacker's socket. Every test here sends what a
// careless or hostile client can send over a real WebSocket to the real room (workerd, D1, R2,
// queue) and then checks that the world still works for everyone: REST writes, fork, export, a
// fresh client's copy and D1 agreeing with each other.
import { env, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import * as encoding from "lib0/encoding";
import { describe, expect, it, vi } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { allElements, allRelationships, elementsOf, getElement, patchElement, relationshipsOf } from "../../durable-objects/world-room/graph-doc";
import type { WorldRoom } from "../../durable-objects/world-room/world-room";
import { connect, createElement, deleteElements, moveElements, updateElement } from "../../app/editor/graph-model";
import { addMember, call, createWorld, signUp, type Person } from "./helpers";
import { RoomClient, projectOnceQuiet } from "./room-client";

const RUNS = Number(env.FUZZ_RUNS) || 1;
// These tests wait on state (the room's answers), never on the clock; one generous limit per test
// keeps a slow machine from failing them, and scales with the fuzz runs.
vi.setConfig({ testTimeout: 120_000 * RUNS });

type ErrorMessage = { type: "error"; code: string; message: string; field?: string; resync?: boolean };

/** `[messageSync, kind, varUint8Array(update)]`: kind 2 is a live update, 1 a sync answer. */
function syncFrame(update: Uint8Array, kind = 2) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, kind);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** The update a change on `doc` produces, without sending it anywhere. */
function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  const updates: Uint8Array[] = [];
  const capture = (update: Uint8Array) => updates.push(update);
  doc.on("update", capture);
  doc.transact(change);
  doc.off("update", capture);
  return updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
}

/** A copy of what a client holds, that sends nothing by itself. */
function detachedCopy(client: RoomClient) {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(client.doc));
  return copy;
}

/** Waits for an error that arrived after `before` messages. */
function nextError(client: RoomClient, before: number) {
  return client.waitFor<ErrorMessage>((m) => m.type === "error" && client.messages.indexOf(m) >= before);
}

type Seen = { id: string; type: string; name: string; description: string; x?: number; y?: number; position?: { x: number; y: number }; tags: string[] };
const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
// The API gives a position, the document x and y.
const seen = (e: Seen) => ({ id: e.id, type: e.type, name: e.name, description: e.description, x: e.position?.x ?? e.x, y: e.position?.y ?? e.y, tags: e.tags });

/** The graph as the API reads it from D1, and as a client's copy of the live document holds it. */
async function apiGraph(worldId: string, person: Person) {
  const graph = await call("GET", `/api/worlds/${worldId}`, { cookie: person.cookie });
  expect(graph.status, graph.text).toBe(200);
  return {
    elements: (graph.json.elements as Seen[]).map(seen).sort(byId),
    relationships: (graph.json.relationships as Array<{ id: string; from: string; to: string; kind: string }>).map(({ id, from, to, kind }) => ({ id, from, to, kind })).sort(byId),
  };
}
function docGraph(doc: Y.Doc) {
  return {
    elements: allElements(doc).map(seen).sort(byId),
    relationships: allRelationships(doc).map(({ id, from, to, kind }) => ({ id, from, to, kind })).sort(byId),
  };
}

/**
 * The world works for everyone: a fresh client's copy, the room's document and D1 agree; REST
 * create and edit, fork and export succeed; and what REST wrote reaches a new client.
 */
async function expectWorldWorks(worldId: string, owner: Person) {
  await projectOnceQuiet(worldId);
  const fresh = (await RoomClient.connect(worldId, owner.cookie)).client!;
  const api = await apiGraph(worldId, owner);
  await fresh.until(() => allElements(fresh.doc).length === api.elements.length);
  expect(docGraph(fresh.doc)).toEqual(api);
  const roomHealthy = await runInDurableObject(env.WORLD_ROOM.getByName(worldId), (room: WorldRoom) => {
    const doc = (room as unknown as { document: Y.Doc }).document;
    return { pending: doc.store.pendingStructs === null && doc.store.pendingDs === null, graph: docGraph(doc) };
  });
  expect(roomHealthy.pending, "the room's document holds nothing Yjs could not place").toBe(true);
  expect(roomHealthy.graph).toEqual(api);

  const created = await call("POST", `/api/worlds/${worldId}/elements`, { cookie: owner.cookie, body: { type: "item", name: "Proof of life" } });
  expect(created.status, created.text).toBe(201);
  const id = created.json.element.id as string;
  const edited = await call("PATCH", `/api/worlds/${worldId}/elements/${id}`, { cookie: owner.cookie, body: { name: "Proof of life, edited" } });
  expect(edited.status, edited.text).toBe(200);
  await fresh.until(() => getElement(fresh.doc, id)?.name === "Proof of life, edited");
  const forked = await call("POST", `/api/worlds/${worldId}/fork`, { cookie: owner.cookie });
  expect(forked.status, forked.text).toBe(201);
  // The export job reads the room's graph: it must finish, not only be accepted. (A new member
  // asks for it each time: exports are limited per person and minute.)
  const exporter = await signUp("Exporter");
  await addMember(worldId, exporter, "editor");
  const exported = await call("POST", `/api/worlds/${worldId}/export`, { cookie: exporter.cookie });
  expect(exported.status, exported.text).toBe(202);
  let view = exported.json.export as { id: string; status: string; error?: string };
  while (view.status !== "succeeded" && view.status !== "failed") {
    await new Promise((resolve) => setTimeout(resolve, 50));
    view = (await call("GET", `/api/exports/${view.id}`, { cookie: exporter.cookie })).json.export;
  }
  expect(view.status, view.error ?? "").toBe("succeeded");
  fresh.close();
}

/** A world with an element, its owner watching in the room, and an editor's connection. */
async function worldUnderAttack() {
  const owner = await signUp("Owner");
  const world = await createWorld(owner);
  const created = await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "character", name: "Mira", description: "A ranger." } });
  const second = await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "location", name: "Thornwall" } });
  const element = created.json.element as { id: string };
  const editor = await signUp("Mallory");
  await addMember(world.id, editor, "editor");
  const watcher = (await RoomClient.connect(world.id, owner.cookie)).client!;
  await watcher.until(() => getElement(watcher.doc, element.id) !== null);
  return { owner, editor, world, element, otherId: second.json.element.id as string, watcher };
}

describe("a live update of the wrong shape (finding 1)", () => {
  // The shapes the issue lists, and the foreign file of finding 3: each is one update from an
  // editor's own socket, made directly on their copy of the document.
  const cases: Array<[string, (doc: Y.Doc, id: string, otherWorld: string) => void, string]> = [
    ["makes an element a plain string", (d, id) => elementsOf(d).set(id, "hello" as never), ""],
    ["drops its type", (d, id) => elementsOf(d).get(id)!.delete("type"), ".type"],
    ["gives it a type outside the catalogue", (d, id) => elementsOf(d).get(id)!.set("type", "spaceship"), ".type"],
    ["gives it a non-numeric position", (d, id) => elementsOf(d).get(id)!.set("pos", { x: "left", y: 2 }), ".pos.x"],
    ["gives it tags that are not a list", (d, id) => elementsOf(d).get(id)!.set("tags", "a,b"), ".tags"],
    ["gives it a number as its name", (d, id) => elementsOf(d).get(id)!.set("name", 42), ".name"],
    ["gives it a 1.2 MB name", (d, id) => elementsOf(d).get(id)!.set("name", "n".repeat(1_200_000)), ".name"],
    ["gives it another world's file as its image", (d, id, other) => elementsOf(d).get(id)!.set("media", { assets: { image: `worlds/${other}/jobs/j1/0-image.png` }, metadata: {} }), ".media.assets.image"],
    ["links it to an element that does not exist", (d, id) => relationshipsOf(d).set("ghostlink", { from: id, to: "ghost", kind: "owns", label: "", createdAt: 1, updatedAt: 1 }), ""],
  ];

  it("is refused with an error naming the field; nothing reaches anyone, storage or D1; the world keeps working", async () => {
    const { owner, editor, world, element, watcher } = await worldUnderAttack();
    const elsewhere = await createWorld(await signUp("Victim"), { visibility: "private" });
    const before = docGraph(watcher.doc);
    const stored = await apiGraph(world.id, owner);
    for (const [what, change, field] of cases) {
      const mallory = (await RoomClient.connect(world.id, editor.cookie)).client!;
      await mallory.until(() => getElement(mallory.doc, element.id) !== null);
      const copy = detachedCopy(mallory);
      const update = updateOf(copy, () => change(copy, element.id, elsewhere.id));
      const count = mallory.messages.length;
      mallory.socket.send(syncFrame(update));
      const error = await nextError(mallory, count);
      expect(error, what).toMatchObject({ code: "invalid_element", resync: true });
      expect(error.field, what).toMatch(field ? `${field}` : /^(elements|relationships)\./);
      mallory.close();
    }
    // A good edit after all of them reaches the watcher, so nothing refused was relayed before it.
    const honest = (await RoomClient.connect(world.id, editor.cookie)).client!;
    honest.doc.transact(() => patchElement(honest.doc, element.id, { description: "Still a ranger." }));
    await watcher.until(() => getElement(watcher.doc, element.id)?.description === "Still a ranger.");
    expect({ ...docGraph(watcher.doc), elements: docGraph(watcher.doc).elements.map((e) => (e.id === element.id ? { ...e, description: "A ranger." } : e)) }).toEqual(before);
    honest.close();
    await projectOnceQuiet(world.id);
    const after = await apiGraph(world.id, owner);
    expect(after.elements.map((e) => (e.id === element.id ? { ...e, description: "A ranger." } : e))).toEqual(stored.elements);
    await expectWorldWorks(world.id, owner);
    watcher.close();
  });

  it("is refused as a sync answer (offline changes) too, and from a client that claims another's Yjs id", async () => {
    const { owner, editor, world, element, watcher } = await worldUnderAttack();
    const mallory = (await RoomClient.connect(world.id, editor.cookie)).client!;
    const copy = detachedCopy(mallory);
    let count = mallory.messages.length;
    mallory.socket.send(syncFrame(updateOf(copy, () => elementsOf(copy).get(element.id)!.set("type", "spaceship")), 1));
    expect(await nextError(mallory, count)).toMatchObject({ code: "invalid_element", field: `elements.${element.id}.type` });
    // The watcher's Yjs client id, once the room has seen it write, is the watcher's alone.
    watcher.doc.transact(() => patchElement(watcher.doc, element.id, { name: "Mira of the watch" }));
    await mallory.until(() => getElement(mallory.doc, element.id)?.name === "Mira of the watch");
    const impostor = detachedCopy(mallory);
    impostor.clientID = watcher.doc.clientID;
    count = mallory.messages.length;
    mallory.socket.send(syncFrame(updateOf(impostor, () => elementsOf(impostor).get(element.id)!.set("name", "Forged"))));
    expect(await nextError(mallory, count)).toMatchObject({ code: "invalid_update" });
    mallory.close();
    await expectWorldWorks(world.id, owner);
    expect(getElement(watcher.doc, element.id)?.name).toBe("Mira of the watch");
    watcher.close();
  });
});

describe("updates that arrive out of order", () => {
  it("holds one that comes ahead of what it continues, applies both once the other arrives, and refuses it if that never comes", async () => {
    const { owner, editor, world, watcher } = await worldUnderAttack();
    const sender = (await RoomClient.connect(world.id, editor.cookie)).client!;
    const copy = detachedCopy(sender);
    const first = updateOf(copy, () => createElement(copy, { type: "lore", name: "First", x: 0, y: 0, userId: null }));
    const second = updateOf(copy, () => createElement(copy, { type: "lore", name: "Second", x: 9, y: 0, userId: null }));
    const count = sender.messages.length;
    sender.socket.send(syncFrame(second));
    sender.socket.send(syncFrame(first));
    await watcher.until(() => allElements(watcher.doc).some((e) => e.name === "Second") && allElements(watcher.doc).some((e) => e.name === "First"));
    await sender.flushed();
    expect(sender.messages.slice(count).filter((m) => m.type === "error")).toEqual([]);
    await expectWorldWorks(world.id, owner);

    // One whose predecessor never comes: refused (error, resync) once it has waited, and nobody got it.
    const never = updateOf(copy, () => createElement(copy, { type: "lore", name: "Lost", x: 0, y: 9, userId: null }));
    const orphan = updateOf(copy, () => createElement(copy, { type: "lore", name: "Orphan", x: 9, y: 9, userId: null }));
    expect(never.length).toBeGreaterThan(2);
    const before = sender.messages.length;
    sender.socket.send(syncFrame(orphan));
    const refused = await nextError(sender, before);
    expect(refused).toMatchObject({ code: "invalid_update", resync: true });
    expect(allElements(watcher.doc).some((e) => e.name === "Orphan")).toBe(false);
    await expectWorldWorks(world.id, owner);
    sender.close();
    watcher.close();
  });
});

describe("frames the room cannot use (finding 9)", () => {
  it("answers non-sync binary frames, bad sync requests and bad awareness with an error, and keeps the socket", async () => {
    const { owner, world, watcher } = await worldUnderAttack();
    const frames: Array<[string, Uint8Array, string]> = [
      ["an unknown message type", new Uint8Array([7, 1, 2, 3]), "invalid_message"],
      ["a one-byte frame", new Uint8Array([0]), "invalid_message"],
      ["a sync request that is not a state vector", new Uint8Array([0, 0, 5, 1, 2]), "invalid_message"],
      ["an unknown sync step", new Uint8Array([0, 9, 0]), "invalid_message"],
      ["awareness that is not awareness", new Uint8Array([1, 3, 1, 2, 3]), "invalid_awareness"],
    ];
    for (const [what, frame, code] of frames) {
      const count = watcher.messages.length;
      watcher.socket.send(frame);
      expect((await nextError(watcher, count)).code, what).toBe(code);
    }
    expect(watcher.closed).toBeNull();
    await expectWorldWorks(world.id, owner);
    watcher.close();
  });

  it("bounds awareness by size, rate and speaker, for guests of a public world too", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner, { visibility: "public" });
    const guest = (await RoomClient.connect(world.id)).client!;
    const listener = (await RoomClient.connect(world.id, owner.cookie)).client!;
    const awarenessFrame = (clientID: number, state: unknown, clock = 1) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0); // count, patched below
      const update = encoding.createEncoder();
      encoding.writeVarUint(update, 1);
      encoding.writeVarUint(update, clientID);
      encoding.writeVarUint(update, clock);
      encoding.writeVarString(update, JSON.stringify(state));
      const frame = encoding.createEncoder();
      encoding.writeVarUint(frame, 1);
      encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
      return encoding.toUint8Array(frame);
    };
    // 200 KB of state: refused, and never reaches the listener.
    let count = guest.messages.length;
    guest.socket.send(awarenessFrame(4242, { user: { name: "x".repeat(200_000) } }));
    expect((await nextError(guest, count)).code).toBe("awareness_too_large");
    // Speaking for someone else's awareness id: the listener's, once it has spoken.
    const mine = new awarenessProtocol.Awareness(listener.doc);
    mine.setLocalState({ user: { name: "Owner" } });
    listener.socket.send((() => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(mine, [listener.doc.clientID]));
      return encoding.toUint8Array(e);
    })());
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Clients echo others' states, so the forged entry is dropped quietly, and the guest's own
    // entry in the same message still goes out: the listener sees the guest, never the forgery.
    const echo = (() => {
      const update = encoding.createEncoder();
      encoding.writeVarUint(update, 2);
      for (const [clientID, state] of [[listener.doc.clientID, { user: { name: "Owner (forged)" } }], [4240, { user: { name: "Guest" } }]] as const) {
        encoding.writeVarUint(update, clientID);
        encoding.writeVarUint(update, 99);
        encoding.writeVarString(update, JSON.stringify(state));
      }
      const frame = encoding.createEncoder();
      encoding.writeVarUint(frame, 1);
      encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
      return encoding.toUint8Array(frame);
    })();
    count = guest.messages.length;
    guest.socket.send(echo);
    guest.socket.send(awarenessFrame(listener.doc.clientID, { user: { name: "Owner (forged again)" } }, 100));
    const text = (frames: Uint8Array[]) => frames.map((frame) => new TextDecoder().decode(frame)).join("\n");
    await listener.until(() => text(listener.awareness).includes('"name":"Guest"'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(text(listener.awareness)).not.toContain("forged");
    expect(guest.messages.slice(count).filter((m) => m.type === "error")).toEqual([]);
    // A flood: past the burst the room answers rate_limited instead of relaying.
    count = guest.messages.length;
    for (let i = 0; i < 150; i += 1) guest.socket.send(awarenessFrame(4243, { cursor: { x: i, y: i } }, i + 1));
    expect((await nextError(guest, count)).code).toBe("rate_limited");
    expect(guest.closed).toBeNull();
    mine.destroy();
    guest.close();
    listener.close();
  });
});

describe("locks and history over REST (finding 9)", () => {
  it("refuses a REST edit, move and delete of an element someone else holds a lock on", async () => {
    const { owner, editor, world, element, watcher } = await worldUnderAttack();
    const holder = (await RoomClient.connect(world.id, editor.cookie)).client!;
    holder.sendJson({ type: "lock", elementId: element.id });
    await watcher.waitFor((m) => m.type === "locked");
    const edit = await call("PATCH", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: owner.cookie, body: { name: "Overwritten" } });
    expect(edit.status, edit.text).toBe(409);
    expect(edit.json.error.code).toBe("locked");
    const move = await call("POST", `/api/worlds/${world.id}/positions`, { cookie: owner.cookie, body: { positions: [{ id: element.id, x: 9, y: 9 }] } });
    expect(move.status, move.text).toBe(409);
    const removal = await call("DELETE", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: owner.cookie });
    expect(removal.status, removal.text).toBe(409);
    expect((await call("GET", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: owner.cookie })).json.element.name).toBe("Mira");
    // The holder's own REST edit goes through.
    const own = await call("PATCH", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: editor.cookie, body: { name: "Mira, by the holder" } });
    expect(own.status, own.text).toBe(200);
    holder.close();
    watcher.close();
  });

  it("credits each of 20 acknowledged concurrent renames by two people to the person who made it", async () => {
    const { owner, editor, world, element, watcher } = await worldUnderAttack();
    // A person's changes within one editing session share a version (issue 15); another person's
    // change always starts a new one, so no one's rename can end up in someone else's version.
    const renames = Array.from({ length: 20 }, (_, i) => ({ person: i % 2 ? editor : owner, name: `Rename ${i + 1}` }));
    const answers = await Promise.all(renames.map(({ person, name }) => call("PATCH", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: person.cookie, body: { name } })));
    expect(answers.map((a) => a.status)).toEqual(renames.map(() => 200));
    const versions = (await call("GET", `/api/worlds/${world.id}/elements/${element.id}/versions`, { cookie: owner.cookie })).json.versions as Array<{
      version: number;
      userId: string;
      element: { name: string };
    }>;
    const namesBy = new Map([owner.id, editor.id].map((id) => [id, renames.filter((r) => r.person.id === id).map((r) => r.name)]));
    for (const version of versions.filter((v) => v.element.name.startsWith("Rename"))) {
      expect(namesBy.get(version.userId), `v${version.version} ${version.element.name}`).toContain(version.element.name);
    }
    expect(new Set(versions.filter((v) => v.element.name.startsWith("Rename")).map((v) => v.userId))).toEqual(new Set([owner.id, editor.id]));
    // The last acknowledged rename is the element's name and its newest version.
    const final = (await call("GET", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: owner.cookie })).json.element;
    expect(versions[0]!.element.name).toBe(final.name);
    watcher.close();
  });
});

describe("property: mutated real updates (finding 2)", () => {
  it("never leave a fresh client, the room and D1 disagreeing, and never break REST, fork or export", async () => {
    const { owner, editor, world, element, otherId, watcher } = await worldUnderAttack();
    let accepted = 0;
    let sent = 0;
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("splice" as const), at: fc.nat(), other: fc.nat() }),
      fc.record({ kind: fc.constant("intact" as const) }),
    );
    const edit = fc.oneof(
      fc.record({ kind: fc.constant("create" as const), name: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0) }),
      fc.record({ kind: fc.constant("rename" as const), name: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0) }),
      fc.record({ kind: fc.constant("type" as const), text: fc.string({ maxLength: 10 }) }),
      fc.record({ kind: fc.constant("move" as const), x: fc.integer({ min: -900, max: 900 }) }),
      fc.record({ kind: fc.constant("link" as const) }),
      fc.record({ kind: fc.constant("delete" as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(edit, mutation, fc.nat()), { minLength: 60, maxLength: 120 }), async (steps) => {
        // Real updates: edits made on a copy of what a newly joined editor holds (sent by hand).
        const sender = (await RoomClient.connect(world.id, editor.cookie)).client!;
        await sender.until(() => getElement(sender.doc, element.id) !== null);
        const copy = detachedCopy(sender);
        const updates: Uint8Array[] = [];
        for (const [change, , pick] of steps) {
          const ids = [...elementsOf(copy).keys()].sort();
          const id = ids[pick % ids.length] ?? element.id;
          updates.push(
            updateOf(copy, () => {
              if (change.kind === "create") createElement(copy, { type: "lore", name: change.name, x: pick % 300, y: 0, userId: null });
              else if (change.kind === "rename") updateElement(copy, id, { name: change.name });
              else if (change.kind === "type") (elementsOf(copy).get(id)?.get("description") as Y.Text | undefined)?.insert(0, change.text);
              else if (change.kind === "move") moveElements(copy, [{ id, x: change.x, y: 1 }]);
              else if (change.kind === "link" && ids.length > 1) connect(copy, { from: id, to: ids[(pick + 1) % ids.length]!, kind: "related_to", label: "" });
              else if (change.kind === "delete" && id !== element.id && id !== otherId) deleteElements(copy, [id]);
            }),
          );
        }
        for (const [index, [, m]] of steps.entries()) {
          const original = updates[index]!;
          if (original.length <= 2) continue;
          let bytes = original.slice();
          if (m.kind === "truncate") bytes = bytes.subarray(0, m.at % bytes.length);
          else if (m.kind === "flip") bytes[m.at % bytes.length]! ^= 1 << m.bit;
          else if (m.kind === "byte") bytes[m.at % bytes.length] = m.value;
          else if (m.kind === "splice") {
            const other = updates[m.other % updates.length]!;
            const cut = m.at % bytes.length;
            bytes = new Uint8Array([...bytes.subarray(0, cut), ...other.subarray(cut)]);
          }
          sent += 1;
          const count = sender.messages.length;
          sender.socket.send(syncFrame(bytes));
          // Marker: a chat round trip says the room has dealt with the frame before it.
          sender.sendJson({ type: "chat", text: `mark ${sent}` });
          await sender.waitFor((msg) => msg.type === "chat" && msg.text === `mark ${sent}`);
          const refused = sender.messages.slice(count).some((msg) => msg.type === "error");
          if (!refused) accepted += 1;
        }
        sender.close();
        await expectWorldWorks(world.id, owner);
      }),
      { numRuns: 3 * RUNS, seed: 14, endOnFailure: true },
    );
    expect(sent).toBeGreaterThan(100);
    expect(accepted, "some mutated updates are still valid ones").toBeGreaterThan(0);
    watcher.close();
  });
});

describe("property: any text or binary frame (finding 9)", () => {
  it("gets an error or does its job, never closes the socket, and never breaks the world", async () => {
    const { owner, editor, world, element, watcher } = await worldUnderAttack();
    const types = ["chat", "presence", "lock", "unlock", "conflictChoice", "welcome", "error", "__proto__", "constructor"];
    const jsonFrame = fc.oneof(
      // Messages the room knows, with fields of any shape.
      fc.record({ type: fc.constantFrom(...types), text: fc.anything(), elementId: fc.oneof(fc.constant(element.id), fc.anything()), cursor: fc.anything(), activeElement: fc.anything(), conflictId: fc.anything(), choice: fc.anything() }, { requiredKeys: ["type"] }).map((m) => JSON.stringify(m)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
    );
    const binaryFrame = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 300 })).map(([type, kind, rest]) => new Uint8Array([type, kind, ...rest])),
      fc.uint8Array({ maxLength: 64 }),
    );
    let frames = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(jsonFrame, binaryFrame), { minLength: 20, maxLength: 60 }), fc.boolean(), async (batch, asGuest) => {
        // An editor's socket, or an anonymous guest's (the world is public for the guest's runs).
        await call("PATCH", `/api/worlds/${world.id}`, { cookie: owner.cookie, body: { visibility: asGuest ? "public" : "private" } });
        const sender = (await RoomClient.connect(world.id, asGuest ? undefined : editor.cookie)).client!;
        for (const frame of batch) sender.socket.send(frame);
        frames += batch.length;
        sender.sendJson({ type: "chat", text: `mark ${frames}` });
        await sender.waitFor((m) => m.type === "chat" && m.text === `mark ${frames}`);
        expect(sender.closed).toBeNull();
        sender.close();
        await expectWorldWorks(world.id, owner);
      }),
      { numRuns: 4 * RUNS, seed: 1409, endOnFailure: true },
    );
    expect(frames).toBeGreaterThan(60);
    watcher.close();
  });
});
