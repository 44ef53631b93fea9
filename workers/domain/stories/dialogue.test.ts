import { describe, expect, it } from "vitest";
import { speechSpans } from "./dialogue";
import { buildNameIndex } from "./name-index";

const index = buildNameIndex([
  { id: "mira", name: "Mira Vale", aliases: ["Mira"] },
  { id: "tobin", name: "Tobin", aliases: [] },
]);
const spoken = (text: string) => speechSpans(text, index.find(text)).map((span) => [span.speaker, text.slice(span.start, span.end)]);

describe("who speaks each quotation", () => {
  it("the character named after the quotation, or before it; the rest is the narrator's, and the spans cover the text", () => {
    const text = "The bell rang. “Come quickly,” said Mira. Tobin said, “Not tonight.” Snow fell.";
    expect(spoken(text)).toEqual([
      [null, "The bell rang. “"],
      ["mira", "Come quickly,"],
      [null, "” said Mira. Tobin said, “"],
      ["tobin", "Not tonight."],
      [null, "” Snow fell."],
    ]);
    const spans = speechSpans(text, index.find(text));
    expect(spans[0]!.start).toBe(0);
    expect(spans.at(-1)!.end).toBe(text.length);
    spans.slice(1).forEach((span, i) => expect(span.start).toBe(spans[i]!.end));
  });

  it("straight quotes too; a quotation with nobody named near it is the narrator's", () => {
    expect(spoken('"Who goes there?" The wind answered.')).toEqual([[null, '"Who goes there?" The wind answered.']]);
    expect(spoken('Tobin frowned. "Who goes there?"')).toEqual([
      [null, 'Tobin frowned. "'],
      ["tobin", "Who goes there?"],
      [null, '"'],
    ]);
  });

  it("a name inside another quotation is not its speaker", () => {
    const text = "“Mira is late,” said Tobin.";
    expect(spoken(text)).toContainEqual(["tobin", "Mira is late,"]);
  });
});
