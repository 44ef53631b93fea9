import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chapterStep, paragraphsOf, segmentsOf, stepSpeed, stopsOf, wordAt, type PlayerStory, type WordTiming } from "./player-model";

const scene = (id: string) => ({ id, title: id, text: "", image: null, clip: null, narration: null });
const story: PlayerStory = {
  id: "s",
  worldId: "w",
  worldTitle: "W",
  title: "T",
  premise: "",
  wordCount: 0,
  chapters: [
    { id: "c1", title: "One", scenes: [scene("a"), scene("b")] },
    { id: "c2", title: "Empty", scenes: [] },
    { id: "c3", title: "Three", scenes: [scene("c"), scene("d")] },
  ],
};

describe("the player's run of scenes", () => {
  it("goes chapter by chapter, skipping chapters with no scenes, and back to a chapter's start first", () => {
    const stops = stopsOf(story);
    expect(stops.map((stop) => stop.scene.id)).toEqual(["a", "b", "c", "d"]);
    expect(chapterStep(stops, 0, 1)).toBe(2);
    expect(chapterStep(stops, 2, 1)).toBeNull();
    expect(chapterStep(stops, 3, -1)).toBe(2); // to the start of the chapter
    expect(chapterStep(stops, 2, -1)).toBe(0); // then to the one before
    expect(chapterStep(stops, 0, -1)).toBeNull();
  });

  it("steps speed within the list", () => {
    expect(stepSpeed(1, 1)).toBe(1.25);
    expect(stepSpeed(2, 1)).toBe(2);
    expect(stepSpeed(0.75, -1)).toBe(0.75);
  });
});

describe("words as they are spoken", () => {
  it("cuts the text at the timed words and finds the word at a moment", () => {
    const text = "The fox woke.\nShe ran.";
    const timings: WordTiming[] = [
      { start: 0, end: 3, time: 0 },
      { start: 4, end: 7, time: 300 },
      { start: 8, end: 12, time: 600 },
      { start: 14, end: 17, time: 1200 },
      { start: 18, end: 21, time: 1500 },
    ];
    const segments = segmentsOf(text, timings);
    expect(segments.map((segment) => segment.text).join("")).toBe(text);
    expect(segments.filter((segment) => segment.word !== null).map((segment) => segment.text)).toEqual(["The", "fox", "woke", "She", "ran"]);
    expect(paragraphsOf(segments).map((paragraph) => paragraph.map((segment) => segment.text).join(""))).toEqual(["The fox woke.", "She ran."]);
    expect(wordAt(timings, -1)).toBe(-1);
    expect(wordAt(timings, 0)).toBe(0);
    expect(wordAt(timings, 599)).toBe(1);
    expect(wordAt(timings, 5000)).toBe(4);
  });

  it("always gives back the whole text, whatever timings arrive", () => {
    const timing = fc.record({ start: fc.integer({ min: -5, max: 60 }), end: fc.integer({ min: -5, max: 60 }), time: fc.nat() });
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), fc.array(timing, { maxLength: 20 }), (text, timings) => {
        const segments = segmentsOf(text, timings);
        expect(segments.map((segment) => segment.text).join("")).toBe(text);
        const words = segments.filter((segment) => segment.word !== null).map((segment) => segment.word!);
        expect(words).toEqual([...words].sort((a, b) => a - b));
      }),
    );
  });
});
