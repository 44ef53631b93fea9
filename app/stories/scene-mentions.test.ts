import { describe, expect, it } from "vitest";
import { mentionedIn } from "./scene-mentions";

const world = [
  { id: "e1", name: "Fennick Ashbough", type: "character" as const },
  { id: "e2", name: "Thornwall Citadel", type: "location" as const },
  { id: "e3", name: "Ash", type: "item" as const },
  { id: "e4", name: "Oak", type: "item" as const },
  { id: "e5", name: "Io", type: "character" as const },
];

describe("the elements a scene mentions", () => {
  it("finds whole names in any case, and not a name inside another word", () => {
    const text = "FENNICK ASHBOUGH rode to thornwall citadel. Ashes fell; the Oaken door held. Io";
    expect(mentionedIn(text, world).map((e) => e.id)).toEqual(["e1", "e2"]);
  });

  it("finds an element by a name it is also known as", () => {
    const known = [...world, { id: "e6", name: "Kael Ardent", aliases: ["the Iron Lord"], type: "character" as const }];
    expect(mentionedIn("Behind her, the Iron Lord cleared his throat.", known).map((e) => e.id)).toEqual(["e6"]);
  });

  it("finds a name met a second time after a first match inside a word", () => {
    expect(mentionedIn("Oaken beams, then an Oak.", world).map((e) => e.id)).toEqual(["e4"]);
  });
});
