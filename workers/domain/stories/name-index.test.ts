import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { editDistance } from "./edit-distance";
import { buildNameIndex } from "./name-index";
import { scan } from "./text-scan";

const index = buildNameIndex([
  { id: "kael", name: "Kael Ardent", aliases: ["Kael", "the Iron Lord"] },
  { id: "isolde", name: "Isolde Ardent", aliases: [] },
  { id: "frost", name: "Frosthold", aliases: [] },
  { id: "wastes", name: "Northern Wastes", aliases: ["the Wastes"] },
]);
const found = (text: string) => index.find(text).map((mention) => [mention.elementId, text.slice(mention.start, mention.end)]);

describe("finding names in a text", () => {
  it("finds names and aliases, the longest first, with their exact spans", () => {
    expect(found("Kael Ardent rode out. Kael returned; the Iron Lord was tired.")).toEqual([
      ["kael", "Kael Ardent"],
      ["kael", "Kael"],
      ["kael", "the Iron Lord"],
    ]);
  });

  it("asks for capitals where the world writes them, and not elsewhere", () => {
    expect(found("The Iron Lord spoke. The iron lord is a smith's joke. Frosthold, FROSTHOLD, frosthold.")).toEqual([
      ["kael", "The Iron Lord"],
      ["frost", "Frosthold"],
      ["frost", "FROSTHOLD"],
    ]);
  });

  it("reads through a possessive at the end of a name, and never across sentences", () => {
    expect(found("Isolde Ardent's ring. The Northern. Wastes lay silent. Kael's hand.")).toEqual([
      ["isolde", "Isolde Ardent"],
      ["kael", "Kael"],
    ]);
  });

  it("looks up a phrase exactly, in any case", () => {
    expect(index.lookup("the iron lord")).toEqual(["kael"]);
    expect(index.lookup("Ardent")).toEqual([]);
    expect(index.size).toBe(4);
  });

  it("finds every name placed in any text, whatever surrounds it", () => {
    const names = ["Kael Ardent", "Isolde Ardent", "Frosthold", "Northern Wastes"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom("and", "then", "the", "snow", ".", ",", "fell"), { maxLength: 20 }), fc.constantFrom(...names), fc.nat(), (words, name, at) => {
        const cut = words.length === 0 ? 0 : at % words.length;
        const text = [...words.slice(0, cut), name, ...words.slice(cut)].join(" ");
        expect(index.find(text).map((mention) => text.slice(mention.start, mention.end))).toContain(name);
      }),
      { numRuns: 300 },
    );
  });
});

describe("words and sentences", () => {
  it("marks sentence starts, dialogue starts and possessives", () => {
    const { words } = scan(`Mira's blade. "Then go," said Kael.`);
    expect(words.map((word) => [word.text, word.sentenceStart, word.possessive])).toEqual([
      ["Mira", true, true],
      ["blade", false, false],
      ["Then", true, false],
      ["go", false, false],
      ["said", false, false],
      ["Kael", false, false],
    ]);
  });
});

describe("edit distance", () => {
  it("counts a swap of neighbours as one slip", () => {
    expect(editDistance("mira", "mria")).toBe(1);
    expect(editDistance("kael", "kaell")).toBe(1);
    expect(editDistance("ardent", "ardant")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("is zero only for equal words, symmetric, and honest about its limit", () => {
    const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "d"), maxLength: 9 });
    fc.assert(
      fc.property(word, word, fc.nat(4), (a, b, limit) => {
        const full = editDistance(a, b);
        expect(full === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(full);
        expect(full).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(editDistance(a, b, limit)).toBe(full <= limit ? full : limit + 1);
      }),
      { numRuns: 500 },
    );
  });
});
