// replaceText (graph-doc.ts) is how a REST edit, a generation result or a restored version reaches
// a description that people may be typing in: it must change only what differs, so their typing
// elsewhere in the text survives where they put it, and never write half of a surrogate pair.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { replaceText } from "./graph-doc";

function textDoc(value: string) {
  const doc = new Y.Doc();
  doc.getText("t").insert(0, value);
  return doc;
}

describe("replaceText", () => {
  it("keeps what someone typed at the same time between two changed spots where they typed it", () => {
    const server = textDoc("aaa MIDDLE bbb");
    const typist = new Y.Doc();
    Y.applyUpdate(typist, Y.encodeStateAsUpdate(server));
    typist.getText("t").insert(7, "Z"); // "aaa MID|Z|DLE bbb"
    replaceText(server.getText("t"), "aaA MIDDLE bbB");
    Y.applyUpdate(server, Y.encodeStateAsUpdate(typist));
    Y.applyUpdate(typist, Y.encodeStateAsUpdate(server));
    expect(server.getText("t").toString()).toBe("aaA MIDZDLE bbB");
    expect(typist.getText("t").toString()).toBe("aaA MIDZDLE bbB");
  });

  it("makes any text read any other, through an update another copy applies the same way (emoji included)", () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom("a", "b", " ", "\n", "é", "🙂", "👩‍🚀"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), maxLength: 60 });
    fc.assert(
      fc.property(text, text, (before, after) => {
        const doc = textDoc(before);
        const copy = new Y.Doc();
        Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
        const updates: Uint8Array[] = [];
        doc.on("update", (update: Uint8Array) => updates.push(update));
        doc.transact(() => replaceText(doc.getText("t"), after));
        for (const update of updates) Y.applyUpdate(copy, update);
        expect(doc.getText("t").toString()).toBe(after);
        expect(copy.getText("t").toString()).toBe(after);
      }),
      { numRuns: 500, seed: 15 },
    );
  });
});
