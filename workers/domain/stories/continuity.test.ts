import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { loadLanguage, type Language } from "../../ai/local/language";
import { autoCorrect, checkContinuity, correctIfBetter, type ContinuityInput, type ContinuityIssue } from "./continuity";
import { CLEAN_PASSAGES, STATION, STATION_PASSAGES, STORY_SO_FAR, WORLD } from "./story-fixtures";

const RUNS = Number(env.FUZZ_RUNS) || 1;
let language: Language;
beforeAll(async () => {
  language = await loadLanguage();
});

const input = (text: string, over: Partial<ContinuityInput> = {}): ContinuityInput => ({
  text,
  pov: "mira",
  location: "frosthold",
  elements: WORLD,
  storySoFar: STORY_SO_FAR,
  ...over,
});
const check = (text: string, over: Partial<ContinuityInput> = {}) => checkContinuity(input(text, over), language);
const brief = (issues: ContinuityIssue[]) => issues.map(({ type, quote, suggestion, elementId }) => ({ type, quote, suggestion, elementId }));
/** The offsets of the n-th occurrence of `quote` in `text`. */
const spanOf = (text: string, quote: string, nth = 0) => {
  let start = -1;
  for (let i = 0; i <= nth; i++) start = text.indexOf(quote, start + 1);
  return { start, end: start + quote.length, quote };
};

describe("clean text", () => {
  it.each(CLEAN_PASSAGES.map((text, i) => [i, text]))("passage %i raises no issue", (_, text) => {
    expect(brief(check(text))).toEqual([]);
  });

  it.each(STATION_PASSAGES.map((text, i) => [i, text]))("station passage %i raises no issue", (_, text) => {
    const station = { elements: STATION, storySoFar: [], pov: "hope", location: "meridian" };
    expect(brief(check(text, station))).toEqual([]);
    // Read as one scene, and each passage with the others as the story before it.
    expect(brief(check(STATION_PASSAGES.join("\n\n"), station))).toEqual([]);
  });

  it("raises none on the earlier scenes either, read as scenes of their own", () => {
    for (const scene of STORY_SO_FAR) expect(brief(check(scene.text, { storySoFar: [] }))).toEqual([]);
  });
});

describe("name drift", () => {
  it("finds a misspelt name at its exact span, with the right name as the fix", () => {
    const text = "Mria drew her sword. Behind her, Kaell laughed.";
    const issues = check(text);
    expect(brief(issues)).toEqual([
      { type: "name_drift", quote: "Mria", suggestion: "Mira", elementId: "mira" },
      { type: "name_drift", quote: "Kaell", suggestion: "Kael", elementId: "kael" },
    ]);
    expect(issues[0]).toMatchObject(spanOf(text, "Mria"));
    expect(issues[1]).toMatchObject(spanOf(text, "Kaell"));
  });

  it("keeps the possessive outside the span and finds slips inside a full name", () => {
    const text = "She took Mria's hand. Isolde Ardant had died long ago.";
    expect(brief(check(text))).toEqual([
      { type: "name_drift", quote: "Mria", suggestion: "Mira", elementId: "mira" },
      { type: "name_drift", quote: "Ardant", suggestion: "Ardent", elementId: expect.stringMatching(/kael|isolde/) },
    ]);
  });

  it("leaves common words alone however close they are to a name", () => {
    // "Miry" is one step from "Mira", but nobody capitalises a common word into a name by mistake.
    const world = [...WORLD, { id: "then", type: "character" as const, name: "Thena", aliases: [], description: "", tags: [] }];
    expect(brief(check("Then the bells rang. There was no answer.", { elements: world }))).toEqual([]);
  });
});

describe("new characters", () => {
  it("finds a stranger who speaks or acts, once, at the exact span of the full name", () => {
    const text = "Jory Vance said nothing. Later, Jory Vance walked to the gate.";
    const issues = check(text);
    expect(brief(issues)).toEqual([{ type: "new_character", quote: "Jory Vance", suggestion: null, elementId: null }]);
    expect(issues[0]).toMatchObject(spanOf(text, "Jory Vance"));
  });

  it("finds one after a speech verb and one with a possessive", () => {
    const text = `"Hold the line," said Hesper. Mira took Corwin's lantern and went down.`;
    expect(brief(check(text)).map((issue) => issue.quote)).toEqual(["Hesper", "Corwin"]);
  });

  it("does not take titles, places, sentence-initial words or known names for strangers", () => {
    const text = `The Captain said nothing. Suddenly the Iron Lord spoke. In London, rain fell. Kael's guards nodded. The Council voted; a Watchman shrugged.`;
    expect(brief(check(text))).toEqual([]);
  });
});

describe("personality contradictions", () => {
  it("finds behaviour against a described trait, with the trait as the fix", () => {
    const text = "Mira fled in cowardice. Kael smiled kindly at the child.";
    const issues = check(text);
    expect(brief(issues)).toEqual([
      { type: "personality_contradiction", quote: "cowardice", suggestion: "bravery", elementId: "mira" },
      { type: "personality_contradiction", quote: "kindly", suggestion: "cruelly", elementId: "kael" },
    ]);
    expect(issues[0]).toMatchObject(spanOf(text, "cowardice"));
  });

  it("reads negations and dialogue as not contradicting", () => {
    const text = `Mira was not afraid, and she was never cowardly. "You coward," Kael told her.`;
    expect(brief(check(text))).toEqual([]);
  });

  it("attributes the trait word to the nearest character in the sentence", () => {
    // Kael is cruel by description; the gentle one here is Tomas's memory, not Kael.
    expect(brief(check("Kael watched as Mira gently bandaged the boy's arm."))).toEqual([]);
  });
});

describe("timeline errors", () => {
  it("finds a character acting after an earlier scene killed them", () => {
    const text = "The hall was quiet. Tomas walked in and sat by the fire.";
    const issues = check(text);
    expect(brief(issues)).toEqual([{ type: "timeline_error", quote: "Tomas", suggestion: null, elementId: "tomas" }]);
    expect(issues[0]).toMatchObject({ ...spanOf(text, "Tomas"), severity: "error" });
    expect(issues[0]?.explanation).toContain("The Gate");
  });

  it("knows the dead from their tags and from their own description", () => {
    expect(brief(check("Brann said the gate would hold.")).map((issue) => [issue.type, issue.quote])).toEqual([["timeline_error", "Brann"]]);
    expect(brief(check("Isolde smiled at her brother.")).map((issue) => [issue.type, issue.quote])).toEqual([["timeline_error", "Isolde"]]);
  });

  it("finds a death and a later action within the same scene, and not the action before it", () => {
    const text = "Kael drew his sword. An arrow struck him and Kael fell dead. At dawn, Kael laughed.";
    const issues = check(text);
    expect(brief(issues).map((issue) => [issue.type, issue.quote])).toEqual([["timeline_error", "Kael"]]);
    expect(issues[0]).toMatchObject(spanOf(text, "Kael", 2));
  });

  it("does not read a death in someone else's description as the character's own", () => {
    // Kael's description says his sister died; Kael is alive.
    expect(brief(check("Kael said nothing."))).toEqual([]);
  });
});

describe("timeline errors against dates", () => {
  const chronicle = [
    { id: "aldric", type: "character" as const, name: "Aldric", aliases: [], description: "Born in 1190, the heir of Redmere. He died in 1230.", tags: [] },
    { id: "battle", type: "event" as const, name: "Battle of Redmere", aliases: [], description: "The rout of the river lords.", tags: ["year:1205"] },
    { id: "redmere", type: "location" as const, name: "Redmere", aliases: [], description: "A river town.", tags: [] },
  ];
  const dateCheck = (text: string, storySoFar: ContinuityInput["storySoFar"] = []) => checkContinuity({ text, pov: null, location: "redmere", elements: chronicle, storySoFar }, language);

  it("finds a character acting before their birth and an event spoken of before it happens", () => {
    const text = "In the year 1185, Aldric rode north. In 1201, the survivors of the Battle of Redmere came home.";
    const issues = dateCheck(text);
    expect(brief(issues)).toEqual([
      { type: "timeline_error", quote: "Aldric", suggestion: null, elementId: "aldric" },
      { type: "timeline_error", quote: "Battle of Redmere", suggestion: null, elementId: "battle" },
    ]);
    expect(issues[1]).toMatchObject({ ...spanOf(text, "Battle of Redmere"), severity: "warning" });
  });

  it("takes the story's year from earlier scenes, and lets the living act before their dated death", () => {
    const earlier = [{ id: "a", title: "Spring", text: "It was the spring of 1200, and the river was high." }];
    expect(brief(dateCheck("Aldric laughed at the rain.", earlier))).toEqual([]);
    expect(brief(dateCheck("In 1240, Aldric laughed at the rain.")).map((each) => each.quote)).toEqual(["Aldric"]);
  });

  it("lets the future be foretold, and leaves numbers that are not years alone", () => {
    expect(brief(dateCheck("In 1201 the priests foretold the Battle of Redmere."))).toEqual([]);
    expect(brief(dateCheck("A force of 1185 men marched past Redmere. Aldric rode with them. In 1210, the Battle of Redmere was a memory."))).toEqual([]);
  });
});

describe("setting mismatches", () => {
  it("finds the text placing the scene in another known place", () => {
    const text = "They sat in Sunspire, waiting for word.";
    const issues = check(text);
    expect(brief(issues)).toEqual([{ type: "setting_mismatch", quote: "Sunspire", suggestion: "Frosthold", elementId: "frosthold" }]);
    expect(issues[0]).toMatchObject(spanOf(text, "Sunspire"));
  });

  it("finds the place described against its element, once per sentence", () => {
    const text = "Sand blew through the courtyard under a scorching sun. The sentries squinted against the glare.";
    expect(brief(check(text))).toEqual([{ type: "setting_mismatch", quote: "Sand", suggestion: null, elementId: "frosthold" }]);
  });

  it("allows a place that contains the scene's, and talk of elsewhere", () => {
    const text = `Frosthold stood alone in the Northern Wastes. Mira dreamed of the dunes in Sunspire. "Have you been to Sunspire?" Kael asked.`;
    expect(brief(check(text))).toEqual([]);
  });
});

describe("every type in another world", () => {
  it("finds each slip in the station's story", () => {
    const text = "Hpoe checked the seals. Dax waited patiently by the airlock. Then Rook Adeyemi said the bay was parched and dusty.";
    const issues = checkContinuity({ text, pov: "hope", location: "hydro", elements: STATION, storySoFar: [] }, language);
    expect(brief(issues)).toEqual([
      { type: "name_drift", quote: "Hpoe", suggestion: "Hope", elementId: "hope" },
      { type: "personality_contradiction", quote: "patiently", suggestion: "impatiently", elementId: "dax" },
      { type: "new_character", quote: "Rook Adeyemi", suggestion: null, elementId: null },
      { type: "setting_mismatch", quote: "parched", suggestion: null, elementId: "hydro" },
    ]);
    for (const each of issues) expect(text.slice(each.start, each.end)).toBe(each.quote);
  });
});

describe("automatic correction", () => {
  it("applies name drift suggestions and keeps the result when it has fewer issues", () => {
    const result = correctIfBetter(input("Mria drew her sword. Jory Vance said nothing."), language);
    expect(result.text).toBe("Mira drew her sword. Jory Vance said nothing.");
    expect(brief(result.applied)).toEqual([{ type: "name_drift", quote: "Mria", suggestion: "Mira", elementId: "mira" }]);
    expect(brief(result.issues)).toEqual([{ type: "new_character", quote: "Jory Vance", suggestion: null, elementId: null }]);
  });

  it("does not correct what is not minor", () => {
    const text = "Tomas walked in. They sat in Sunspire.";
    const issues = check(text);
    expect(autoCorrect(text, issues)).toEqual({ text, applied: [] });
    expect(correctIfBetter(input(text), language).text).toBe(text);
  });

  it("keeps the text when the correction would not make it better", () => {
    // A stale issue whose quote no longer matches the text is never applied.
    const stale: ContinuityIssue = { type: "name_drift", severity: "warning", start: 0, end: 4, quote: "Mria", explanation: "", suggestion: "Mira", elementId: "mira" };
    expect(autoCorrect("Kael drew.", [stale])).toEqual({ text: "Kael drew.", applied: [] });
  });
});

describe("properties", () => {
  const words = ["the", "snow", "fell", "and", "she", "said", "walked", "into", "hall", "Then", "Mira", "Kael", "Frosthold", "Mria", "Jory", "brave", "cowardly", "in", "Sunspire", "Tomas", "died", "sand", "“", "”", ".", ",", "!", "'s", "\n\n"];
  const prose = fc.array(fc.constantFrom(...words), { maxLength: 60 }).map((parts) => parts.join(" "));
  const anything = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "grapheme", maxLength: 200 }), prose);

  it("never throws, and every span lies in the text and quotes it", () => {
    fc.assert(
      fc.property(anything, (text) => {
        for (const issue of check(text)) {
          expect(issue.start).toBeGreaterThanOrEqual(0);
          expect(issue.end).toBeLessThanOrEqual(text.length);
          expect(issue.start).toBeLessThan(issue.end);
          expect(issue.quote).toBe(text.slice(issue.start, issue.end));
        }
      }),
      { numRuns: 300 * RUNS },
    );
  });

  it("never reports drift on a known name written as the world writes it", () => {
    const names = WORLD.flatMap((element) => [element.name, ...element.aliases]);
    fc.assert(
      fc.property(prose, fc.constantFrom(...names), fc.nat(), (text, name, at) => {
        const cut = text.length === 0 ? 0 : at % text.length;
        const before = text.slice(0, cut).replace(/\S*$/u, "");
        const withName = `${before} ${name} ${text.slice(cut)}`;
        const start = before.length + 1;
        const drift = check(withName).filter((issue) => issue.type === "name_drift" && issue.start < start + name.length && issue.end > start);
        expect(drift).toEqual([]);
      }),
      { numRuns: 200 * RUNS },
    );
  });

  it.each([
    ["Frosthold", CLEAN_PASSAGES, {}],
    ["the station", STATION_PASSAGES, { elements: STATION, storySoFar: [], pov: "hope", location: "meridian" }],
  ] as const)("raises nothing on any sequence of sentences drawn from the clean passages of %s", (_, passages, world) => {
    const sentences = passages.flatMap((passage) => passage.match(/[^.!?]+[.!?]+["”]?\s*/gu) ?? []);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...sentences), { minLength: 1, maxLength: 12 }), (picked) => {
        expect(brief(check(picked.join(" "), world))).toEqual([]);
      }),
      { numRuns: 200 * RUNS },
    );
  });

  it("correction never leaves more issues than it found", () => {
    fc.assert(
      fc.property(prose, (text) => {
        const before = check(text);
        const after = correctIfBetter(input(text), language);
        expect(after.issues.length).toBeLessThanOrEqual(before.length);
        expect(after.text === text || after.applied.length > 0).toBe(true);
      }),
      { numRuns: 100 * RUNS },
    );
  });
});
