import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addChapter, addScene, deleteChapter, moveScene, readOutline, sceneField, scenesOf, stepChapter, stepScene } from "./outline-model";

const titles = (doc: Y.Doc) => readOutline(doc).map((c) => [c.title, c.scenes.map((s) => s.title)]);

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
}

describe("the story outline", () => {
  it("keeps chapters and scenes in the order they were added and moved", () => {
    const doc = new Y.Doc();
    const one = addChapter(doc, "One");
    const two = addChapter(doc, "Two");
    const a = addScene(doc, one, "a");
    addScene(doc, one, "b");
    addScene(doc, two, "c");
    expect(titles(doc)).toEqual([["One", ["a", "b"]], ["Two", ["c"]]]);
    stepScene(doc, a, 1);
    expect(titles(doc)).toEqual([["One", ["b", "a"]], ["Two", ["c"]]]);
    // Past the end of its chapter, a scene steps into the first place of the next one.
    stepScene(doc, a, 1);
    expect(titles(doc)).toEqual([["One", ["b"]], ["Two", ["a", "c"]]]);
    stepChapter(doc, two, -1);
    expect(titles(doc)).toEqual([["Two", ["a", "c"]], ["One", ["b"]]]);
    // The first chapter cannot go further up: nothing changes.
    stepChapter(doc, two, -1);
    expect(titles(doc)).toEqual([["Two", ["a", "c"]], ["One", ["b"]]]);
  });

  it("deletes a chapter's scenes and their text with it, so no scene is left pointing at nothing", () => {
    const doc = new Y.Doc();
    const one = addChapter(doc, "One");
    const s = addScene(doc, one, "a");
    doc.getXmlFragment(sceneField(s)).insert(0, [new Y.XmlElement("paragraph")]);
    deleteChapter(doc, one);
    expect(scenesOf(doc).size).toBe(0);
    expect(doc.getXmlFragment(sceneField(s)).length).toBe(0);
  });

  it("converges when two people reorder the same scenes at once, even onto the same key", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 6 }),
        (movesA, movesB) => {
          const a = new Y.Doc();
          const chapter = addChapter(a, "One");
          const ids = ["s0", "s1", "s2", "s3", "s4", "s5"].map((t) => addScene(a, chapter, t));
          const b = new Y.Doc();
          sync(a, b);
          for (const [scene, to] of movesA) moveScene(a, ids[scene]!, chapter, to);
          for (const [scene, to] of movesB) moveScene(b, ids[scene]!, chapter, to);
          sync(a, b);
          expect(titles(a)).toEqual(titles(b));
          expect(readOutline(a)[0]!.scenes).toHaveLength(6);
          // Still room between any two neighbours: moving one more scene always lands where asked.
          moveScene(a, ids[0]!, chapter, 3);
          expect(readOutline(a)[0]!.scenes[3]!.id).toBe(ids[0]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
