// The offline rewriter behind *Refine* on `local` (scene-refine.ts, issue 18 point 5): each request
// it knows changes the text the way it says, deterministically, keeping the paragraphs apart, and
// any other request still changes something, so a proposal is never the text back.
import { describe, expect, it } from "vitest";
import type { SceneRefineRequest } from "../types";
import { refineSceneOffline } from "./scene-refine";

const TEXT =
  "The bright sun rose over the harbour. Mira smiled at the boats. The gulls sang above the warm water. The bells rang slowly for noon.\n\nThe fox watched them from the pier, very happy, and laughed at the sweet morning.";

function request(prompt: string, text = TEXT): SceneRefineRequest {
  return {
    prompt,
    text,
    before: "",
    after: "",
    whole: true,
    context: "",
    story: { title: "The Bell", premise: "", template: "fairy-tale", audience: "adults", tone: "", pointOfView: "third" },
    scene: { title: "Dawn", pov: { name: "the fox", type: "creature", description: "", tags: [] }, location: null },
    cast: [],
  };
}
const refine = (prompt: string, text?: string) => refineSceneOffline(request(prompt, text), { style: "fantasy", seed: "seed" });

describe("refining a scene offline", () => {
  it("makes it darker: the mood's words turn and a closing line joins the last paragraph", () => {
    const darker = refine("Make it darker");
    expect(darker).toContain("The dim sun rose");
    expect(darker).toContain("Mira frowned");
    expect(darker).toContain("cold water");
    expect(darker).not.toMatch(/\bbright\b|\bsmiled\b/);
    expect(darker.split("\n\n")).toHaveLength(2);
    expect(darker.split("\n\n")[1]!.length).toBeGreaterThan(TEXT.split("\n\n")[1]!.length);
  });

  it("makes it lighter the other way round", () => {
    expect(refine("lighter", "A cold wind. She frowned at the dim harbour.")).toContain("A warm wind. She smiled at the bright harbour.");
  });

  it("makes it shorter: middle sentences of long paragraphs and filler words go", () => {
    const shorter = refine("shorter please");
    expect(shorter.length).toBeLessThan(TEXT.length);
    expect(shorter).toContain("The bright sun rose over the harbour.");
    expect(shorter).toContain("The bells rang for noon.");
    expect(shorter).not.toContain("Mira smiled");
    expect(shorter).not.toMatch(/\bvery\b|\bslowly\b/);
    expect(shorter.split("\n\n")).toHaveLength(2);
  });

  it("makes it longer with a sensory sentence in each paragraph", () => {
    const longer = refine("longer, with more detail");
    expect(longer.length).toBeGreaterThan(TEXT.length);
    expect(longer.split("\n\n")).toHaveLength(2);
  });

  it("retells it from a character's point of view, as I", () => {
    const told = refine("from the fox's point of view");
    expect(told).toContain("I watched them from the pier");
    expect(told).not.toMatch(/\bthe fox\b/i);
    // The scene's own point of view, for "first person".
    expect(refine("in the first person")).toContain("I watched them");
    // Someone the text never names: the retelling says who tells it.
    expect(refine("from Tobin's perspective")).toMatch(/^I am Tobin, and this is how I saw it\./);
  });

  it("never gives the text back, and gives the same rewrite for the same request", () => {
    const odd = refine("more mysterious");
    expect(odd).not.toBe(TEXT);
    expect(odd).toContain("more mysterious");
    expect(refine("darker")).toBe(refine("darker"));
  });
});
