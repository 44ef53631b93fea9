import { describe, expect, it } from "vitest";
import { billedLength, estimatedTimings, mp3DurationMs, narrationChunks, placeMarks } from "./narration";

describe("narration requests", () => {
  it("packs whole sentences under the limit, counts escaped characters, and cuts an overlong sentence at a space", () => {
    const text = "One & two. Three four five. Six seven eight nine ten eleven twelve.";
    const chunks = narrationChunks({ text, spans: [{ start: 0, end: text.length, voice: "A" }] }, 30);
    const pieces = chunks.map((c) => text.slice(c.start, c.end));
    for (const piece of pieces) expect(billedLength(piece)).toBeLessThanOrEqual(30);
    expect(pieces.slice(0, 2)).toEqual(["One & two.", "Three four five."]);
    expect(pieces.slice(2).join(" ")).toBe("Six seven eight nine ten eleven twelve.");
    expect(chunks.every((c) => c.voice === "A")).toBe(true);
  });

  it("leaves out pieces with no word in them", () => {
    const text = "“Hi,” ”";
    expect(narrationChunks({ text, spans: [{ start: 0, end: 1, voice: undefined }, { start: 1, end: 4, voice: "B" }, { start: 4, end: text.length, voice: undefined }] }, 100)).toEqual([{ start: 1, end: 4, voice: "B" }]);
  });

  it("places speech marks by their words in the scene's offsets, after the earlier audio", () => {
    const text = "Before. It is late, Mira.";
    const timings = placeMarks(text, { start: 8, end: text.length }, [
      { time: 0, type: "word", start: 7, end: 9, value: "It" },
      { time: 200, type: "word", start: 10, end: 12, value: "is" },
      { time: 300, type: "sentence", start: 7, end: 30, value: "It is late, Mira." },
      { time: 500, type: "word", start: 20, end: 24, value: "Mira" },
    ], 1000);
    expect(timings.map((t) => [text.slice(t.start, t.end), t.time])).toEqual([["It", 1000], ["is", 1200], ["Mira", 1500]]);
  });

  it("reads an MP3's length from its frames, and estimates word times in order within a duration", () => {
    const frame = new Uint8Array(417);
    frame.set([0xff, 0xfb, 0x90, 0x64]);
    const mp3 = new Uint8Array(417 * 10);
    for (let i = 0; i < 10; i++) mp3.set(frame, i * 417);
    expect(mp3DurationMs(mp3)).toBe(261);
    expect(mp3DurationMs(new Uint8Array(100))).toBeNull();
    const timings = estimatedTimings("Hello there, world.", { start: 0, end: 19 }, 100, 900);
    expect(timings.map((t) => t.start)).toEqual([0, 6, 13]);
    expect(timings.map((t) => t.end)).toEqual([5, 11, 18]);
    expect(timings[0]!.time).toBe(100);
    expect(timings[2]!.time).toBeLessThan(1000);
  });
});
