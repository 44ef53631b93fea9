import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chapterSummaryOf, clipWords, sceneSummaryOf } from "./summaries";

describe("rolling summaries", () => {
  it("draw a scene's from where it starts and where it has got to", () => {
    const text = "Mira climbed the stair. The wind howled. Kael waited at the top.\n\nAt last she reached the bell and rang it.";
    expect(sceneSummaryOf(text)).toBe("Mira climbed the stair. At last she reached the bell and rang it.");
    expect(sceneSummaryOf("Only one sentence here")).toBe("Only one sentence here");
    expect(sceneSummaryOf("   ")).toBe("");
  });

  it("keep a chapter's own summary, or build one from its scenes", () => {
    expect(chapterSummaryOf("The siege begins.", ["A.", "B."])).toBe("The siege begins.");
    expect(chapterSummaryOf("  ", ["Mira arrives.", "", "Kael refuses."])).toBe("Mira arrives. Kael refuses.");
  });

  it("never exceed their word limits, whatever the text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.integer({ min: 1, max: 80 }), (text, words) => {
        expect(sceneSummaryOf(text, words).split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(words);
        expect(clipWords(text, words).split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(words);
      }),
    );
  });
});
