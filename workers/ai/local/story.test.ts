// The offline story writer (story.ts): whole, unrepeated sentences about the world's own people and
// places, as long as asked, the same for the same seed, and gentle when the story is a bedtime one.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PassageRequest } from "../types";
import { sentenceProblem, sentencesOf } from "./prose";
import { writePassage } from "./story";

const TEMPLATES = ["adventure", "mystery", "fairy-tale", "romance", "horror", "science-fiction", "bedtime"];

function request(overrides: Partial<PassageRequest> = {}): PassageRequest {
  return {
    context: "",
    story: { title: "The Bell", premise: "", template: "mystery", audience: "adults", tone: "", pointOfView: "third" },
    scene: { title: "Dusk", pov: { name: "Mira Vale", type: "character", description: "", tags: [] }, location: { name: "Harrowgate", type: "location", description: "", tags: [] } },
    recentText: "",
    cast: [
      { name: "Mira Vale", type: "character", description: "", tags: [] },
      { name: "Tobin", type: "character", description: "", tags: [] },
      { name: "Harrowgate", type: "location", description: "", tags: [] },
    ],
    words: 150,
    ...overrides,
  };
}

describe("the offline story writer", () => {
  it("writes whole sentences, none twice, about as long as asked, for every template and point of view", () => {
    for (const template of TEMPLATES) {
      for (const pointOfView of ["first", "second", "third"] as const) {
        const passage = writePassage(request({ story: { ...request().story, template, pointOfView } }), `seed-${template}`);
        const sentences = passage.flatMap((p) => sentencesOf(p));
        for (const sentence of sentences) expect(sentenceProblem(sentence), `${template}: ${sentence}`).toBeUndefined();
        expect(new Set(sentences).size).toBe(sentences.length);
        const words = passage.join(" ").split(/\s+/).length;
        expect(words, template).toBeGreaterThanOrEqual(120);
        expect(words, template).toBeLessThan(260);
      }
    }
  });

  it("takes its people and places from the cast, and puts the person's direction in their words", () => {
    const passage = writePassage(request({ direction: "The lamp reveals a hidden door." }), "s1").join(" ");
    expect(passage).toMatch(/Mira|Tobin/);
    expect(passage).toContain("the lamp reveals a hidden door.");
    const named = writePassage(request({ direction: "Tobin finds the key" }), "s1").join(" ");
    expect(named).toContain("that Tobin finds the key.");
  });

  it("writes the same passage for the same seed, and another for another", () => {
    expect(writePassage(request(), "same")).toEqual(writePassage(request(), "same"));
    expect(writePassage(request(), "one")).not.toEqual(writePassage(request(), "two"));
  });

  it("does not repeat sentences the scene already has", () => {
    const first = writePassage(request(), "a");
    const next = writePassage(request({ recentText: first.join("\n\n") }), "a");
    const before = new Set(first.flatMap((p) => sentencesOf(p)));
    for (const sentence of next.flatMap((p) => sentencesOf(p))) expect(before.has(sentence), sentence).toBe(false);
  });

  it("keeps a bedtime story gentle, whatever the seed", () => {
    const harsh = /\b(dread|blood|grave|scream|kill|dead|death|fear|knife|wet|dragged|run)\b/i;
    fc.assert(
      fc.property(fc.string(), (seed) => {
        const passage = writePassage(request({ story: { ...request().story, template: "bedtime", audience: "children" } }), seed).join(" ");
        expect(passage).not.toMatch(harsh);
      }),
      { numRuns: 50 },
    );
  });
});
