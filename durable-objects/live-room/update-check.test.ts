import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { isWellFormedUpdate } from "./update-check";
import { insertElement } from "../world-room/graph-doc";

/** Updates of every kind Yjs writes: the world's own shapes, text, deletions and the rarer types. */
function sampleUpdates(): Uint8Array[] {
  const updates: Uint8Array[] = [];
  const doc = new Y.Doc();
  doc.on("update", (update: Uint8Array) => updates.push(update));
  insertElement(doc, {
    id: "el00000000000001",
    type: "character",
    name: "Ysolde — “the Thorn Queen” 🌹",
    aliases: [],
    description: "Rules from Thornwall.",
    x: 12.5,
    y: -40,
    tags: ["queen", "ruler"],
    assets: { image: "worlds/w/a.png" },
    metadata: { provider: "local", model: "m-1" },
    version: 1,
    createdBy: null,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
  });
  const element = doc.getMap<Y.Map<unknown>>("elements").get("el00000000000001")!;
  doc.transact(() => (element.get("description") as Y.Text).insert(5, " mostly, ✨ and"));
  doc.transact(() => (element.get("description") as Y.Text).delete(0, 3));
  doc.transact(() => element.set("pos", { x: 1, y: 2 }));
  doc.transact(() => doc.getMap("relationships").set("r1", { from: "a", to: "b", kind: "allied_with", label: "" }));
  doc.transact(() => doc.getMap("relationships").delete("r1"));
  // Rarer content: formatted text with an embed, binary, arrays, XML and a subdocument.
  const text = doc.getText("notes");
  doc.transact(() => {
    text.insert(0, "bold", { bold: true });
    text.insertEmbed(4, { image: "x.png" });
  });
  doc.transact(() => doc.getArray("list").insert(0, [new Uint8Array([1, 2, 3]), 1.5, -7, 2 ** 40, "s", { k: [], nested: { list: [1, null, true, false, "x"] } }, null]));
  doc.transact(() => {
    const fragment = doc.getXmlFragment("xml");
    const node = new Y.XmlElement("p");
    node.insert(0, [new Y.XmlText("hi")]);
    fragment.insert(0, [node, new Y.XmlHook("hook") as unknown as Y.XmlElement]);
  });
  doc.transact(() => doc.getMap("docs").set("sub", new Y.Doc({ guid: "sub-doc" })));
  updates.push(Y.encodeStateAsUpdate(doc));
  return updates;
}

function appliesCleanly(update: Uint8Array): boolean {
  try {
    Y.applyUpdate(new Y.Doc(), update);
    return true;
  } catch {
    return false;
  }
}

describe("isWellFormedUpdate", () => {
  const updates = sampleUpdates();

  it("accepts every update Yjs writes", () => {
    expect(updates.length).toBeGreaterThan(8);
    for (const update of updates) expect(isWellFormedUpdate(update)).toBe(true);
    expect(isWellFormedUpdate(new Uint8Array([0, 0]))).toBe(true); // the empty update
  });

  it("refuses what is not an update", () => {
    for (const bytes of [new Uint8Array(), new Uint8Array([1]), new TextEncoder().encode("hello"), new Uint8Array(64).fill(255)]) {
      expect(isWellFormedUpdate(bytes)).toBe(false);
    }
    // Extra bytes after the delete set.
    expect(isWellFormedUpdate(new Uint8Array([...updates[0]!, 0]))).toBe(false);
  });

  it("never accepts bytes that Yjs then fails to apply: every truncation and thousands of corruptions", () => {
    let refused = 0;
    let random = 12345;
    const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31);
    for (const update of updates) {
      for (let length = 0; length < update.length; length += 1) {
        const cut = update.subarray(0, length);
        if (isWellFormedUpdate(cut)) expect(appliesCleanly(cut), `a truncation to ${length} bytes`).toBe(true);
        else refused += 1;
      }
      for (let trial = 0; trial < 300; trial += 1) {
        const bytes = update.slice();
        for (let flips = 1 + (next() % 3); flips > 0; flips -= 1) bytes[next() % bytes.length] = next() % 256;
        if (isWellFormedUpdate(bytes)) expect(appliesCleanly(bytes), `corrupted bytes ${Array.from(bytes).join(",")}`).toBe(true);
        else refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(1000);
  });

  it("refuses strings that are not UTF-8, as Yjs's decoder does", () => {
    const doc = new Y.Doc();
    let update: Uint8Array = new Uint8Array();
    doc.on("update", (u: Uint8Array) => (update = u));
    doc.getMap("elements").set("ab", 1);
    // The key "ab" is stored as its two bytes: make the second a lone continuation byte.
    const at = update.findIndex((byte, i) => byte === 0x61 && update[i + 1] === 0x62);
    const broken = update.slice();
    broken[at + 1] = 0x80;
    expect(appliesCleanly(broken)).toBe(false);
    expect(isWellFormedUpdate(broken)).toBe(false);
  });
});
