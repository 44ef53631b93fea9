// A selection in the scene editor as offsets into the scene's plain text (issue-highlights.ts
// `plainRange`, what *Refine* sends): the inverse of `issueRange`, across paragraphs too.
import { getSchema } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import { describe, expect, it } from "vitest";
import { issueRange, plainRange } from "./issue-highlights";

const schema = getSchema([StarterKit]);
const paragraph = (text: string) => schema.node("paragraph", null, text ? [schema.text(text)] : []);
const doc = schema.node("doc", null, [paragraph("Hello world"), schema.node("heading", { level: 2 }, [schema.text("Second line")]), paragraph("Third")]);
const plain = "Hello world\n\nSecond line\n\nThird";

describe("plainRange", () => {
  it("maps a selection inside one block, and across blocks, to the plain text's offsets", () => {
    const world = plainRange(doc, 7, 12)!;
    expect(plain.slice(world.start, world.end)).toBe("world");
    // From "world" in the first paragraph to "Second" in the heading.
    const across = plainRange(doc, 7, 20)!;
    expect(plain.slice(across.start, across.end)).toBe("world\n\nSecond");
    // The whole document.
    expect(plainRange(doc, 0, doc.content.size)).toEqual({ start: 0, end: plain.length });
  });

  it("is the inverse of issueRange", () => {
    for (const [start, end] of [[0, 5], [13, 24], [26, 31]] as const) {
      const range = issueRange(doc, { id: "x", start, end, quote: plain.slice(start, end), severity: "warning" })!;
      expect(plainRange(doc, range.from, range.to)).toEqual({ start, end });
    }
  });

  it("is null for an empty selection", () => {
    expect(plainRange(doc, 5, 5)).toBeNull();
  });
});
