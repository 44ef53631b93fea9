import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  contentKey,
  contentKeyHasName,
  elementsOf,
  getElement,
  insertElement,
  insertRelationship,
  patchElement,
  relationshipsOf,
  removeElement,
  replaceText,
  touchedIds,
  type ElementState,
} from "./graph-doc";

const element = (id: string, overrides: Partial<ElementState> = {}): ElementState => ({
  id,
  type: "character",
  name: id,
  aliases: [],
  description: "",
  x: 0,
  y: 0,
  tags: [],
  assets: {},
  metadata: {},
  version: 1,
  createdBy: null,
  createdAt: 1,
  updatedAt: 1,
  ...overrides,
});

describe("the world document", () => {
  it("round-trips an element and patches it", () => {
    const doc = new Y.Doc();
    doc.transact(() => insertElement(doc, element("a", { description: "Hello", tags: ["x"] })));
    expect(getElement(doc, "a")).toMatchObject({ description: "Hello", tags: ["x"] });
    doc.transact(() => patchElement(doc, "a", { name: "Ada", x: 5, description: "Hello there" }));
    expect(getElement(doc, "a")).toMatchObject({ name: "Ada", x: 5, description: "Hello there" });
    expect(patchElement(doc, "missing", { name: "x" })).toBe(false);
  });

  it("replaces descriptions by the smallest edit, so concurrent edits elsewhere merge", () => {
    const one = new Y.Doc();
    one.transact(() => insertElement(one, element("a", { description: "The stag walks at dusk." })));
    const two = new Y.Doc();
    Y.applyUpdate(two, Y.encodeStateAsUpdate(one));
    const text = (doc: Y.Doc) => elementsOf(doc).get("a")!.get("description") as Y.Text;
    one.transact(() => replaceText(text(one), "The great stag walks at dusk."));
    two.transact(() => replaceText(text(two), "The stag walks at dusk and dawn."));
    Y.applyUpdate(one, Y.encodeStateAsUpdate(two));
    Y.applyUpdate(two, Y.encodeStateAsUpdate(one));
    expect(text(one).toString()).toBe("The great stag walks at dusk and dawn.");
    expect(text(two).toString()).toBe(text(one).toString());
  });

  it("removes an element with every relationship that touches it", () => {
    const doc = new Y.Doc();
    doc.transact(() => {
      for (const id of ["a", "b", "c"]) insertElement(doc, element(id));
      insertRelationship(doc, { id: "ab", from: "a", to: "b", kind: "allied_with", label: "", createdAt: 1, updatedAt: 1 });
      insertRelationship(doc, { id: "cb", from: "c", to: "b", kind: "enemy_of", label: "", createdAt: 1, updatedAt: 1 });
      insertRelationship(doc, { id: "ac", from: "a", to: "c", kind: "owns", label: "", createdAt: 1, updatedAt: 1 });
    });
    const removed = doc.transact(() => removeElement(doc, "b"));
    expect(removed?.relationships.map((r) => r.id).sort()).toEqual(["ab", "cb"]);
    expect([...relationshipsOf(doc).keys()]).toEqual(["ac"]);
    expect(removeElement(doc, "b")).toBeNull();
  });

  it("reports which ids a transaction touched, at any depth", () => {
    const doc = new Y.Doc();
    doc.transact(() => {
      insertElement(doc, element("a", { description: "x" }));
      insertElement(doc, element("b"));
    });
    const seen: string[][] = [];
    elementsOf(doc).observeDeep((events) => seen.push(touchedIds(events).sort()));
    doc.transact(() => patchElement(doc, "a", { description: "xy" }));
    doc.transact(() => {
      patchElement(doc, "b", { x: 3 });
      insertElement(doc, element("c"));
    });
    expect(seen).toEqual([["a"], ["b", "c"]]);
  });

  it("tells content changes from moves", () => {
    const base = element("a", { description: "d" });
    expect(contentKey({ ...base, x: 99, y: -4 }, null)).toBe(contentKey(base, null));
    expect(contentKey({ ...base, description: "e" }, null)).not.toBe(contentKey(base, null));
    expect(contentKey(base, "secret")).not.toBe(contentKey(base, null));
  });

  it("tells from a content key whether the element was renamed", () => {
    const base = element("a", { description: "d" });
    const key = contentKey({ ...base, name: 'Ada "the" Bold' }, "s");
    expect(contentKeyHasName(key, { type: base.type, name: 'Ada "the" Bold' })).toBe(true);
    expect(contentKeyHasName(key, { type: base.type, name: "Ada" })).toBe(false);
    expect(contentKeyHasName(contentKey({ ...base, name: "Ada" }, null), { type: base.type, name: "Ada Lovelace" })).toBe(false);
  });
});
