// What a live update may write (durable-objects/world-room/update-rules.ts), checked the way the
// room checks it: against its document, directly or with updates relayed but not applied yet.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  allElements,
  allRelationships,
  elementsOf,
  insertElement,
  insertRelationship,
  readElementChecked,
  relationshipsOf,
  type ElementState,
} from "./graph-doc";
import { LOCAL, undoRedo, connect, createElement, deleteElements, deleteRelationships, moveElements, updateElement, updateRelationship } from "../../app/editor/graph-model";
import { readUpdate } from "../live-room/update-check";
import { checkUpdate, type Verdict } from "./update-rules";
import { RelayedIndex, roomView } from "./room-view";

const WORLD = "world00000000001";
const RUNS = Number(env.FUZZ_RUNS) || 1;

const element = (id: string, overrides: Partial<ElementState> = {}): ElementState => ({
  id, type: "character", name: `Name ${id}`, aliases: [], description: "The stag walks at dusk.", x: 0, y: 0, tags: ["t"],
  assets: { image: `worlds/${WORLD}/jobs/j1/0-image.svg` }, metadata: { provider: "local" }, version: 1, createdBy: null, createdAt: 1, updatedAt: 1, ...overrides,
});

/** A room's document with two elements and a relationship, and what the room does with updates. */
function setup(initial?: Uint8Array) {
  const doc = new Y.Doc();
  if (initial) Y.applyUpdate(doc, initial);
  else
    doc.transact(() => {
      insertElement(doc, element("aaa"));
      insertElement(doc, element("bbb"));
      insertRelationship(doc, { id: "rel", from: "aaa", to: "bbb", kind: "owns", label: "", createdAt: 1, updatedAt: 1 });
    });
  const owners = new Map<number, string>();
  const relayed = new RelayedIndex();
  const waiting: Uint8Array[] = [];
  const view = () => roomView(doc, relayed, (client) => owners.get(client) ?? null);

  /** Checks an update as the room does; applies it (or, relaying, keeps it for catchUp). */
  function send(update: Uint8Array, userId = "alice", relay = false): Verdict | { ok: false; code: "malformed" } {
    const decoded = readUpdate(update);
    if (!decoded) return { ok: false, code: "malformed" };
    let verdict = checkUpdate(decoded, view(), { id: userId }, WORLD);
    // As the room does: a check that needs the document applied catches it up first.
    if (!verdict.ok && verdict.uncertain && relayed.size > 0) {
      catchUp();
      verdict = checkUpdate(decoded, view(), { id: userId }, WORLD);
    }
    if (!verdict.ok) return verdict;
    for (const client of verdict.clients) owners.set(client, userId);
    if (relay) {
      relayed.add(verdict);
      waiting.push(update);
    } else {
      catchUp();
      Y.applyUpdate(doc, update);
    }
    return verdict;
  }
  function catchUp() {
    doc.transact(() => {
      for (const update of waiting.splice(0)) Y.applyUpdate(doc, update);
    });
    relayed.clear();
  }
  function client(clientID?: number) {
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    // Set after syncing: Yjs picks a new id when a remote update already uses its own.
    if (clientID !== undefined) copy.clientID = clientID;
    return copy;
  }
  return { doc, send, catchUp, client, owners };
}

/** The update a change on `doc` produces. */
function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  const updates: Uint8Array[] = [];
  const capture = (update: Uint8Array) => updates.push(update);
  doc.on("update", capture);
  change();
  doc.off("update", capture);
  return updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
}

const map = (doc: Y.Doc, id: string) => elementsOf(doc).get(id)!;
const text = (doc: Y.Doc, id: string) => map(doc, id).get("description") as Y.Text;

/** Every element reads without repair, and the document has nothing Yjs is keeping pending. */
function expectValid(doc: Y.Doc) {
  for (const [id, value] of elementsOf(doc).entries()) {
    expect(value, `elements.${id}`).toBeInstanceOf(Y.Map);
    expect(readElementChecked(id, value).repaired, `elements.${id}`).toEqual([]);
  }
  expect(allRelationships(doc)).toHaveLength(relationshipsOf(doc).size);
  expect(doc.store.pendingStructs).toBeNull();
  expect(doc.store.pendingDs).toBeNull();
}

const content = (doc: Y.Doc) => JSON.stringify({ elements: allElements(doc).sort((a, b) => a.id.localeCompare(b.id)), relationships: allRelationships(doc).sort((a, b) => a.id.localeCompare(b.id)) });

describe("what the editor writes", () => {
  for (const relay of [false, true]) {
    it(`is accepted, undo and redo included (${relay ? "relayed, applied later" : "applied at once"})`, () => {
      const room = setup();
      const alice = room.client();
      const undo = new Y.UndoManager([elementsOf(alice), relationshipsOf(alice)], { trackedOrigins: new Set([LOCAL]), captureTimeout: 0 });
      const steps: Array<() => void> = [
        () => createElement(alice, { type: "location", name: "Thornwall", x: 10.4, y: -3, userId: "alice" }),
        () => updateElement(alice, "aaa", { name: "Ysolde", tags: ["queen", "thorn"], type: "faction" }),
        () => updateElement(alice, "aaa", { aliases: ["the Thorn Queen", "Ysa"] }),
        () => updateElement(alice, "aaa", { description: "The great stag walks at dusk, mostly." }),
        () => alice.transact(() => text(alice, "bbb").insert(3, " quick ✨"), LOCAL),
        () => alice.transact(() => text(alice, "bbb").delete(0, 4), LOCAL),
        () => moveElements(alice, [{ id: "aaa", x: 300, y: 40 }, { id: "bbb", x: -20, y: 7 }]),
        () => connect(alice, { from: "aaa", to: "bbb", kind: "allied_with", label: "sworn" }),
        () => updateRelationship(alice, "rel", { kind: "enemy_of", label: "feud" }),
        () => deleteRelationships(alice, ["rel"]),
        () => deleteElements(alice, ["bbb"]),
        () => undoRedo(undo, "undo"),
        () => undoRedo(undo, "undo"),
        () => undoRedo(undo, "redo"),
        () => undoRedo(undo, "undo"),
        () => undoRedo(undo, "undo"),
        () => undoRedo(undo, "undo"),
        () => undoRedo(undo, "redo"),
      ];
      for (const [index, step] of steps.entries()) {
        const update = updateOf(alice, step);
        const verdict = room.send(update, "alice", relay);
        expect(verdict, `step ${index}: ${JSON.stringify(verdict)}`).toMatchObject({ ok: true });
      }
      room.catchUp();
      expect(content(room.doc)).toBe(content(alice));
      expectValid(room.doc);
    });
  }

  it("is accepted from an offline copy as one sync message, and says when nothing is new", () => {
    const room = setup();
    const alice = room.client();
    const before = Y.encodeStateVector(room.doc);
    createElement(alice, { type: "item", name: "Lantern", x: 1, y: 2, userId: "alice" });
    updateElement(alice, "aaa", { description: "Rewritten offline." });
    deleteElements(alice, ["bbb"]);
    const offline = Y.encodeStateAsUpdate(alice, before);
    expect(room.send(offline)).toMatchObject({ ok: true, changes: true });
    // The whole state again (as a client answers the room's sync request): nothing new.
    expect(room.send(Y.encodeStateAsUpdate(alice))).toMatchObject({ ok: true, changes: false });
    expect(content(room.doc)).toBe(content(alice));
  });
});

describe("an update of the wrong shape", () => {
  /** The verdict on a change an editor makes directly on their copy of the document. */
  function attempt(change: (doc: Y.Doc) => void, relay = false) {
    const room = setup();
    const mallory = room.client();
    const before = content(room.doc);
    const verdict = room.send(updateOf(mallory, () => mallory.transact(() => change(mallory))), "mallory", relay);
    room.catchUp();
    expect(content(room.doc), "a refused update changes nothing").toBe(before);
    return verdict;
  }
  const cases: Array<[string, (doc: Y.Doc) => void, string, string]> = [
    ["makes an element a plain string", (d) => elementsOf(d).set("aaa", "hello" as never), "invalid_element", "elements.aaa"],
    ["drops an element's type", (d) => map(d, "aaa").delete("type"), "invalid_element", "elements.aaa.type"],
    ["gives a type outside the catalogue", (d) => map(d, "aaa").set("type", "spaceship"), "invalid_element", "elements.aaa.type"],
    ["gives a non-numeric position", (d) => map(d, "aaa").set("pos", { x: "left", y: 1 }), "invalid_element", "elements.aaa.pos.x"],
    ["gives an infinite position", (d) => map(d, "aaa").set("pos", { x: Infinity, y: 1 }), "invalid_element", "elements.aaa.pos.x"],
    ["gives tags that are not a list", (d) => map(d, "aaa").set("tags", "a,b"), "invalid_element", "elements.aaa.tags"],
    ["gives the same other name twice", (d) => map(d, "aaa").set("aliases", ["the Iron Lord", "THE IRON LORD"]), "invalid_element", "elements.aaa.aliases"],
    ["gives thirteen other names", (d) => map(d, "aaa").set("aliases", Array.from({ length: 13 }, (_, i) => `Name ${i}`)), "invalid_element", "elements.aaa.aliases"],
    ["gives an empty other name", (d) => map(d, "aaa").set("aliases", ["  "]), "invalid_element", "elements.aaa.aliases.0"],
    ["gives a number as the name", (d) => map(d, "aaa").set("name", 42), "invalid_element", "elements.aaa.name"],
    ["gives a 1.2 MB name", (d) => map(d, "aaa").set("name", "x".repeat(1_200_000)), "invalid_element", "elements.aaa.name"],
    ["gives an empty name", (d) => map(d, "aaa").set("name", "   "), "invalid_element", "elements.aaa.name"],
    ["points at another world's file", (d) => map(d, "aaa").set("media", { assets: { image: "worlds/otherworld000001/jobs/j/0-image.png" }, metadata: {} }), "invalid_element", "elements.aaa.media.assets.image"],
    ["points at a path that is not a key", (d) => map(d, "aaa").set("media", { assets: { image: `worlds/${WORLD}/../x` }, metadata: {} }), "invalid_element", "elements.aaa.media.assets.image"],
    ["adds a field elements do not have", (d) => map(d, "aaa").set("script", "<b>"), "invalid_element", "elements.aaa.script"],
    ["nests a map where a value goes", (d) => map(d, "aaa").set("pos", new Y.Map()), "invalid_element", "elements.aaa.pos"],
    ["replaces the description with a plain string", (d) => map(d, "aaa").set("description", "flat"), "invalid_element", "elements.aaa.description"],
    ["formats the description", (d) => text(d, "aaa").format(0, 3, { bold: true }), "invalid_element", "elements.aaa.description"],
    ["makes a description longer than 20,000 characters", (d) => text(d, "aaa").insert(0, "y".repeat(20_000)), "invalid_element", "elements.aaa.description"],
    ["writes a version as a string", (d) => map(d, "aaa").set("meta", { version: "1", createdBy: null, createdAt: 1, updatedAt: 1 }), "invalid_element", "elements.aaa.meta.version"],
    ["creates an element without a name", (d) => {
      const m = new Y.Map<unknown>();
      m.set("type", "item");
      m.set("description", new Y.Text());
      m.set("pos", { x: 0, y: 0 });
      elementsOf(d).set("nameless", m as never);
    }, "invalid_element", "elements.nameless.name"],
    ["creates an element whose id is not one of ours", (d) => insertElement(d, element("Not An Id!")), "invalid_element", "elements"],
    ["links to an element that never existed", (d) => relationshipsOf(d).set("r2", { from: "aaa", to: "ghost", kind: "owns", label: "", createdAt: 1, updatedAt: 1 }), "invalid_element", "relationships.r2.to"],
    ["links with a kind outside the catalogue", (d) => relationshipsOf(d).set("r2", { from: "aaa", to: "bbb", kind: "marries" as never, label: "", createdAt: 1, updatedAt: 1 }), "invalid_element", "relationships.r2.kind"],
    ["links an element to itself", (d) => relationshipsOf(d).set("r2", { from: "aaa", to: "aaa", kind: "owns", label: "", createdAt: 1, updatedAt: 1 }), "invalid_element", "relationships.r2.to"],
    ["writes a relationship that is not an object", (d) => relationshipsOf(d).set("r2", 7 as never), "invalid_element", "relationships.r2"],
    ["writes another root type", (d) => d.getMap("settings").set("owner", "mallory"), "invalid_update", "document"],
    ["writes text at the top level", (d) => d.getText("notes").insert(0, "hi"), "invalid_update", "document"],
  ];
  for (const relay of [false, true]) {
    for (const [what, change, code, field] of cases) {
      it(`is refused when it ${what}${relay ? " (relay path)" : ""}`, () => {
        expect(attempt(change, relay)).toMatchObject({ ok: false, code, field });
      });
    }
  }

  it("is refused when it removes a field that another update replaced meanwhile", () => {
    const room = setup();
    const alice = room.client();
    const mallory = room.client();
    room.send(updateOf(alice, () => updateElement(alice, "aaa", { name: "Renamed" })), "alice", true);
    // Mallory's copy has not seen the rename; her update deletes the old name without a new one.
    const verdict = room.send(updateOf(mallory, () => map(mallory, "aaa").delete("name")), "mallory", true);
    expect(verdict).toMatchObject({ ok: false, code: "invalid_element", field: "elements.aaa.name" });
  });

  it("may still rename an element someone deleted meanwhile (the rename goes with it)", () => {
    const room = setup();
    const alice = room.client();
    const bob = room.client();
    expect(room.send(updateOf(alice, () => deleteElements(alice, ["aaa"])), "alice", true)).toMatchObject({ ok: true });
    expect(room.send(updateOf(bob, () => updateElement(bob, "aaa", { name: "Too late" })), "bob", true)).toMatchObject({ ok: true });
    expect(room.send(updateOf(bob, () => connect(bob, { from: "aaa", to: "bbb", kind: "owns", label: "" })), "bob", true)).toMatchObject({ ok: true });
    room.catchUp();
    expect(elementsOf(room.doc).has("aaa")).toBe(false);
    expectValid(room.doc);
  });
});

describe("an update the room could not place", () => {
  it("is refused when it continues changes the room never got (a gap)", () => {
    const room = setup();
    const alice = room.client();
    const first = updateOf(alice, () => updateElement(alice, "aaa", { name: "One" }));
    const second = updateOf(alice, () => updateElement(alice, "aaa", { name: "Two" }));
    void first;
    expect(room.send(second)).toMatchObject({ ok: false, code: "invalid_update" });
  });

  it("is refused when it builds on another client's change the room does not have", () => {
    const room = setup();
    const alice = room.client();
    const bob = room.client();
    const hidden = updateOf(alice, () => createElement(alice, { type: "item", name: "Hidden", x: 0, y: 0, userId: "alice" }));
    Y.applyUpdate(bob, hidden); // reached Bob some other way, never the room
    const id = [...elementsOf(bob).keys()].find((k) => k !== "aaa" && k !== "bbb")!;
    expect(room.send(updateOf(bob, () => updateElement(bob, id, { name: "Found" })), "bob")).toMatchObject({ ok: false, code: "invalid_update" });
  });

  it("is refused when it deletes what the room does not have", () => {
    const room = setup();
    const alice = room.client();
    updateOf(alice, () => createElement(alice, { type: "item", name: "Brief", x: 0, y: 0, userId: "alice" }));
    const id = [...elementsOf(alice).keys()].find((k) => k !== "aaa" && k !== "bbb")!;
    const removal = updateOf(alice, () => deleteElements(alice, [id]));
    expect(room.send(removal)).toMatchObject({ ok: false, code: "invalid_update" });
  });

  it("is refused when it writes with someone else's Yjs client id, or the room's", () => {
    const room = setup();
    const alice = room.client(1001);
    expect(room.send(updateOf(alice, () => updateElement(alice, "aaa", { name: "Alice was here" })), "alice")).toMatchObject({ ok: true });
    const impostor = room.client(1001);
    expect(room.send(updateOf(impostor, () => updateElement(impostor, "bbb", { name: "Shadow" })), "mallory")).toMatchObject({ ok: false, code: "invalid_update" });
    const roomAsClient = room.client(room.doc.clientID);
    expect(room.send(updateOf(roomAsClient, () => updateElement(roomAsClient, "bbb", { name: "Shadow" })), "mallory")).toMatchObject({ ok: false, code: "invalid_update" });
  });
});

/** Random edits an editor makes (fast-check commands over a copy of the document). */
const editArbitrary = fc.oneof(
  fc.record({ kind: fc.constant("create" as const), name: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0), x: fc.integer({ min: -500, max: 500 }) }),
  fc.record({ kind: fc.constant("rename" as const), name: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0) }),
  fc.record({ kind: fc.constant("type" as const), at: fc.nat(), text: fc.string({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant("erase" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant("move" as const), x: fc.integer({ min: -1000, max: 1000 }), y: fc.integer({ min: -1000, max: 1000 }) }),
  fc.record({ kind: fc.constant("link" as const) }),
  fc.record({ kind: fc.constant("delete" as const) }),
  fc.record({ kind: fc.constant("undo" as const) }),
);
type Edit = typeof editArbitrary extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(doc: Y.Doc, undo: Y.UndoManager, edit: Edit, pick: number) {
  const ids = [...elementsOf(doc).keys()].sort();
  const id = ids.length ? ids[pick % ids.length]! : null;
  switch (edit.kind) {
    case "create":
      return createElement(doc, { type: "lore", name: edit.name, x: edit.x, y: 0, userId: null });
    case "rename":
      return id && updateElement(doc, id, { name: edit.name });
    case "type":
      return id && doc.transact(() => text(doc, id).insert(edit.at % (text(doc, id).length + 1), edit.text), LOCAL);
    case "erase": {
      if (!id || text(doc, id).length === 0) return;
      const at = edit.at % text(doc, id).length;
      return doc.transact(() => text(doc, id).delete(at, Math.min(edit.length, text(doc, id).length - at)), LOCAL);
    }
    case "move":
      return id && moveElements(doc, [{ id, x: edit.x, y: edit.y }]);
    case "link":
      return ids.length > 1 && connect(doc, { from: ids[pick % ids.length]!, to: ids[(pick + 1) % ids.length]!, kind: "related_to", label: "" });
    case "delete":
      return id && deleteElements(doc, [id]);
    case "undo":
      return undoRedo(undo, "undo");
  }
}

describe("property: two editors, any order of relaying and catching up", () => {
  it("accepts every edit they make, and the room ends where both of them are", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), editArbitrary, fc.nat(), fc.boolean(), fc.boolean()), { maxLength: 40 }), (steps) => {
        const room = setup();
        const editors = [room.client(), room.client()];
        const undos = editors.map((doc) => new Y.UndoManager([elementsOf(doc), relationshipsOf(doc)], { trackedOrigins: new Set([LOCAL]), captureTimeout: 0 }));
        // What each editor has not received yet (the room relays in order).
        const inbox: Uint8Array[][] = [[], []];
        for (const [who, edit, pick, relay, deliver] of steps) {
          const me = who ? 1 : 0;
          if (deliver) for (const update of inbox[me]!.splice(0)) Y.applyUpdate(editors[me]!, update);
          const update = updateOf(editors[me]!, () => applyEdit(editors[me]!, undos[me]!, edit, pick));
          if (update.length <= 2) continue;
          const verdict = room.send(update, `editor${me}`, relay);
          expect(verdict, JSON.stringify({ edit, verdict })).toMatchObject({ ok: true });
          inbox[1 - me]!.push(update);
        }
        for (const me of [0, 1]) for (const update of inbox[me]!.splice(0)) Y.applyUpdate(editors[me]!, update);
        room.catchUp();
        expect(content(editors[0]!)).toBe(content(room.doc));
        expect(content(editors[1]!)).toBe(content(room.doc));
        expectValid(room.doc);
      }),
      { seed: 20261206, numRuns: 60 * RUNS },
    );
  }, 20_000 * RUNS);
});

describe("property: mutated real updates", () => {
  it("are refused, or applied by the room and a client alike, leaving every element valid", () => {
    // Real updates of an editing session, to corrupt one at a time.
    const session = setup();
    const initial = Y.encodeStateAsUpdate(session.doc);
    const editor = session.client();
    const undo = new Y.UndoManager([elementsOf(editor), relationshipsOf(editor)], { trackedOrigins: new Set([LOCAL]), captureTimeout: 0 });
    const updates: Uint8Array[] = [];
    const edits: Edit[] = [
      { kind: "create", name: "Tide Clock", x: 3 }, { kind: "type", at: 4, text: "brass gears" }, { kind: "rename", name: "Tide Bell" },
      { kind: "move", x: 40, y: -9 }, { kind: "link" }, { kind: "erase", at: 2, length: 3 }, { kind: "delete" }, { kind: "undo" },
    ];
    edits.forEach((edit, index) => updates.push(updateOf(editor, () => applyEdit(editor, undo, edit, index))));
    const mutation = fc.record({
      which: fc.nat({ max: updates.length - 1 }),
      kind: fc.constantFrom("flip", "truncate", "splice"),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
    });
    let accepted = 0;
    fc.assert(
      fc.property(mutation, ({ which, kind, at, bytes }) => {
        const room = setup(initial);
        const client = room.client();
        for (const update of updates.slice(0, which)) {
          const prior = room.send(update, "editor");
          expect(prior, JSON.stringify(prior)).toMatchObject({ ok: true });
          Y.applyUpdate(client, update);
        }
        const original = updates[which]!;
        const position = at % original.length;
        const mutated =
          kind === "flip"
            ? original.map((byte, i) => (i === position ? byte ^ (bytes[0]! || 1) : byte))
            : kind === "truncate"
              ? original.slice(0, position)
              : new Uint8Array([...original.slice(0, position), ...bytes, ...original.slice(position)]);
        const verdict = room.send(mutated, "editor");
        if (!verdict.ok) return;
        accepted += 1;
        Y.applyUpdate(client, mutated);
        expect(content(client)).toBe(content(room.doc));
        expect(Y.encodeStateVector(client)).toEqual(Y.encodeStateVector(room.doc));
        expectValid(room.doc);
        // A newcomer who syncs from the room's document sees the same graph.
        const newcomer = new Y.Doc();
        Y.applyUpdate(newcomer, Y.encodeStateAsUpdate(room.doc));
        expect(content(newcomer)).toBe(content(room.doc));
      }),
      { seed: 61206, numRuns: 400 * RUNS },
    );
    expect(accepted).toBeGreaterThan(0);
  }, 20_000 * RUNS);
});

describe("what an update touches (locks are checked against it)", () => {
  it("names the element behind a field, a description edit, a deletion, and a relationship", () => {
    const room = setup();
    const alice = room.client();
    const touched = (change: () => void) => {
      const verdict = room.send(updateOf(alice, change), "alice", true);
      return verdict.ok && "touched" in verdict ? [...verdict.touched].sort() : verdict;
    };
    expect(touched(() => updateElement(alice, "bbb", { x: 5, name: "B" }))).toEqual(["bbb"]);
    expect(touched(() => alice.transact(() => text(alice, "aaa").delete(4, 6)))).toEqual(["aaa"]);
    expect(touched(() => updateElement(alice, "aaa", { description: "The great stag walks at dusk." }))).toEqual(["aaa"]);
    expect(touched(() => updateRelationship(alice, "rel", { label: "x" }))).toEqual(["rel"]);
    expect(touched(() => deleteElements(alice, ["aaa"]))).toEqual(["aaa", "rel"]);
  });
});
