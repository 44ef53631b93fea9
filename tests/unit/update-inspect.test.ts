import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { elementsOf, insertElement, insertRelationship, patchElement, patchRelationship, removeElement, type ElementState } from "../../durable-objects/world-room/graph-doc";
import { elementsTouchedBy } from "../../durable-objects/world-room/update-inspect";

const element = (id: string, description = ""): ElementState => ({
  id, type: "character", name: id, description, x: 0, y: 0, tags: [], assets: {}, metadata: {}, version: 1, createdBy: null, createdAt: 1, updatedAt: 1,
});

/** A room document and a client that has synced it; returns the update of `change` on the client. */
function setup() {
  const room = new Y.Doc();
  room.transact(() => {
    insertElement(room, element("aaa", "The stag walks at dusk."));
    insertElement(room, element("bbb"));
    insertRelationship(room, { id: "rel", from: "aaa", to: "bbb", kind: "owns", label: "", createdAt: 1, updatedAt: 1 });
  });
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(room));
  // What a client sends: the update its transaction produced (apply to the room as the room would).
  const updateOf = (change: (doc: Y.Doc) => void) => {
    let update: Uint8Array | null = null;
    const capture = (u: Uint8Array) => (update = u);
    client.once("update", capture);
    client.transact(() => change(client));
    return update!;
  };
  // The room inspects an update, then (here, always) accepts it.
  const inspect = (update: Uint8Array) => {
    const ids = [...elementsTouchedBy(room, update)].sort();
    Y.applyUpdate(room, update);
    return ids;
  };
  return { room, updateOf, inspect };
}

describe("elementsTouchedBy", () => {
  it("finds the element behind a description edit in the middle of its text", () => {
    const { room, updateOf } = setup();
    const update = updateOf((doc) => patchElement(doc, "aaa", { description: "The great stag walks at dusk." }));
    expect([...elementsTouchedBy(room, update)]).toEqual(["aaa"]);
  });

  it("finds moves, renames, deletions and relationship edits, and new elements", () => {
    const { updateOf, inspect } = setup();
    expect(inspect(updateOf((doc) => patchElement(doc, "bbb", { x: 5, name: "B" })))).toEqual(["bbb"]);
    expect(inspect(updateOf((doc) => patchRelationship(doc, "rel", { label: "x" }, 2)))).toEqual(["rel"]);
    expect(inspect(updateOf((doc) => insertElement(doc, element("ccc", "new"))))).toEqual(["ccc"]);
    expect(inspect(updateOf((doc) => patchElement(doc, "ccc", { description: "newer" })))).toEqual(["ccc"]);
    expect(inspect(updateOf((doc) => removeElement(doc, "aaa")))).toEqual(["aaa", "rel"]);
  });

  it("finds deletions inside a description", () => {
    const { room, updateOf } = setup();
    const update = updateOf((doc) => (elementsOf(doc).get("aaa")!.get("description") as Y.Text).delete(4, 6));
    expect([...elementsTouchedBy(room, update)]).toEqual(["aaa"]);
  });
});
