// What a live update may write to a story (story-rules.ts), checked as the story room checks it:
// against its document. Random edits made the way the editor makes them are all accepted and
// converge; random bytes and random mutations of real updates never throw, and whatever is
// accepted Yjs applies without throwing and leaves only the story's shapes behind.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { readUpdate } from "../live-room/update-check";
import { chaptersOf, readScene, sceneTextOf, scenesOf } from "./story-doc";
import { checkStoryUpdate } from "./story-rules";

const RUNS = Number(env.FUZZ_RUNS) || 1;
const CHAPTER = "c000000000000001";
const SCENE = "s000000000000001";

/** A room's document holding one chapter and one scene with a paragraph. */
function room(): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    chaptersOf(doc).set(CHAPTER, new Y.Map<unknown>(Object.entries({ title: "One", summary: "", order: "a0" })));
    scenesOf(doc).set(SCENE, new Y.Map<unknown>(Object.entries({ chapter: CHAPTER, order: "a0", title: "Start", summary: "", pov: null, location: null })));
    const paragraph = new Y.XmlElement("paragraph");
    paragraph.insert(0, [new Y.XmlText("Once upon a time.")]);
    sceneTextOf(doc, SCENE).insert(0, [paragraph]);
  });
  return doc;
}

/** What the room does with an update from `user`: checks it, and applies it when accepted. */
function offer(doc: Y.Doc, update: Uint8Array, user = "alice") {
  const decoded = readUpdate(update);
  if (!decoded) return { ok: false as const, code: "malformed" };
  const verdict = checkStoryUpdate(decoded, doc, { id: user }, () => null);
  if (verdict.ok) Y.applyUpdate(doc, update);
  return verdict;
}

type Edit =
  | { kind: "type"; at: number; text: string }
  | { kind: "delete"; at: number; length: number }
  | { kind: "bold"; at: number; length: number }
  | { kind: "title"; title: string }
  | { kind: "paragraph"; text: string }
  | { kind: "heading"; level: 1 | 2 | 3; text: string };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("type" as const), at: fc.nat(200), text: fc.string({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(200), length: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant("bold" as const), at: fc.nat(200), length: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant("title" as const), title: fc.string({ maxLength: 200 }) }),
  fc.record({ kind: fc.constant("paragraph" as const), text: fc.string({ maxLength: 20 }) }),
  fc.record({ kind: fc.constant("heading" as const), level: fc.constantFrom(1 as const, 2 as const, 3 as const), text: fc.string({ maxLength: 20 }) }),
);

/** An edit as TipTap would make it on a person's copy of the story. */
function apply(doc: Y.Doc, edit: Edit) {
  const fragment = sceneTextOf(doc, SCENE);
  const text = (fragment.toArray().find((node) => node instanceof Y.XmlElement && node.nodeName === "paragraph") as Y.XmlElement | undefined)?.get(0);
  switch (edit.kind) {
    case "type":
      if (text instanceof Y.XmlText) text.insert(Math.min(edit.at, text.length), edit.text);
      return;
    case "delete":
      if (text instanceof Y.XmlText && text.length > 0) text.delete(Math.min(edit.at, text.length - 1), Math.min(edit.length, text.length - Math.min(edit.at, text.length - 1)));
      return;
    case "bold":
      if (text instanceof Y.XmlText && text.length > 0) text.format(Math.min(edit.at, text.length - 1), edit.length, { bold: {} });
      return;
    case "title":
      return (scenesOf(doc).get(SCENE) as Y.Map<unknown>).set("title", edit.title);
    case "paragraph":
    case "heading": {
      const node = new Y.XmlElement(edit.kind);
      if (edit.kind === "heading") node.setAttribute("level", edit.level as never);
      node.insert(0, [new Y.XmlText(edit.text)]);
      return fragment.insert(fragment.length, [node]);
    }
  }
}

describe("story update rules", () => {
  it("accepts every edit two writers make the editor's way, and their copies converge with the room's", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), editArb), { maxLength: 25 }), (edits) => {
        const server = room();
        const alice = new Y.Doc();
        const bob = new Y.Doc();
        Y.applyUpdate(alice, Y.encodeStateAsUpdate(server));
        Y.applyUpdate(bob, Y.encodeStateAsUpdate(server));
        const sent: Array<[string, Uint8Array]> = [];
        alice.on("update", (u: Uint8Array, origin: unknown) => origin !== "room" && sent.push(["alice", u]));
        bob.on("update", (u: Uint8Array, origin: unknown) => origin !== "room" && sent.push(["bob", u]));
        for (const [byAlice, edit] of edits) {
          apply(byAlice ? alice : bob, edit);
          for (const [user, update] of sent.splice(0)) {
            expect(offer(server, update, user)).toMatchObject({ ok: true });
            Y.applyUpdate(user === "alice" ? bob : alice, update, "room");
          }
        }
        const text = (doc: Y.Doc) => readScene(doc, SCENE)?.text;
        expect(text(alice)).toBe(text(server));
        expect(text(bob)).toBe(text(server));
      }),
      { numRuns: 60 * RUNS },
    );
  });

  it("never throws on random bytes or mutated updates, and what it accepts Yjs applies, leaving only the story's shapes", () => {
    const samples: Uint8Array[] = [];
    const writer = new Y.Doc();
    Y.applyUpdate(writer, Y.encodeStateAsUpdate(room()));
    writer.on("update", (u: Uint8Array) => samples.push(u));
    for (const edit of fc.sample(editArb, { numRuns: 30, seed: 7 })) apply(writer, edit);
    const mutated = fc.tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([update, flips]) => {
      const copy = update.slice();
      for (const [at, value] of flips) copy[at % copy.length] = value;
      return copy;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => {
        const server = room();
        const verdict = offer(server, bytes);
        if (!verdict.ok) return;
        expect([...server.share.keys()].every((name) => name === "chapters" || name === "scenes" || name.startsWith("scene:"))).toBe(true);
      }),
      { numRuns: 300 * RUNS },
    );
  });
});
