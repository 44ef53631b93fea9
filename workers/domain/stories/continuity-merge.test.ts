// The model's issues beside the rules' (continuity-merge.ts): anchored to exact spans of the text as
// it now stands, never repeating one the rules found, and linked to the element a fix names.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anchorQuote, mergeIssues, type QuotedIssue } from "./continuity-merge";
import type { ContinuityIssue, StoryElement } from "./continuity-types";

const mira: StoryElement = { id: "mira", type: "character", name: "Mira Vale", aliases: ["the ringer"], description: "", tags: [] };
const text = "Mira Vael climbed down.\nThere she met Captain Orrin\nBlackwood.";
const rule: ContinuityIssue = { type: "name_drift", severity: "warning", start: 5, end: 9, quote: "Vael", explanation: "Misspelt.", suggestion: "Vale", elementId: "mira" };
const quoted = (type: QuotedIssue["type"], quote: string, suggestion: string | null = null): QuotedIssue => ({ type, severity: "warning", quote, explanation: "Seen by the model.", suggestion });

describe("merging a model's issues with the rules'", () => {
  it("keeps the rules' issue over the model's on the same span and type, adds the rest in text order, and drops quotes the text no longer has", () => {
    const merged = mergeIssues(text, [rule], [quoted("new_character", "Captain Orrin Blackwood"), quoted("name_drift", "Mira Vael", "mira vale"), quoted("setting_mismatch", "Mira Vael climbed"), quoted("new_character", "Someone Gone")], [mira]);
    expect(merged.map(({ type, quote }) => [type, quote])).toEqual([
      ["setting_mismatch", "Mira Vael climbed"],
      ["name_drift", "Vael"],
      ["new_character", "Captain Orrin\nBlackwood"],
    ]);
    expect(merged[1]).toBe(rule);
  });

  it("links a model's name-drift fix to the element it names, by name or other name", () => {
    const [byAlias] = mergeIssues("The ringar rang.", [], [quoted("name_drift", "ringar", "the ringer")], [mira]);
    expect(byAlias).toMatchObject({ start: 4, end: 10, elementId: "mira" });
    const [unknown] = mergeIssues("The ringar rang.", [], [quoted("name_drift", "ringar", "the bell")], [mira]);
    expect(unknown?.elementId).toBeNull();
  });

  it("an anchored quote is always exactly the text it spans, and a quote of the text is always found", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "b", " ", "\n", ".", "(", "*") }), fc.string({ unit: fc.constantFrom("a", "b", " ", "\n", ".", "(", "*") }), (haystack, needle) => {
        const span = anchorQuote(haystack, needle);
        if (span) {
          expect(haystack.slice(span.start, span.end).replace(/\s+/g, " ")).toBe(needle.trim().replace(/\s+/g, " "));
        }
        if (needle.trim() && haystack.includes(needle.trim())) expect(span).toBeDefined();
      }),
    );
  });
});
