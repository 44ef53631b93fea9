// The offline provider listens: what a prompt names becomes an element with that name and a
// fitting type, no sentence is said twice in a world, titles are whole phrases, and a refine
// applies its instruction to the text that is there without breaking a sentence. Each case is a
// prompt a person typed (or could type) that the keyword-list writer got wrong.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ElementType } from "../../../drizzle/schema/constants";
import { localProviders } from "./index";
import { sentenceProblem, sentencesOf, plain } from "./prose";
import type { CallContext, ElementDraft, ElementSummary } from "../types";
import { titleFromPrompt } from "../../domain/jobs";

const { text } = localProviders();

function context(seed = "seed-1", style = "fantasy", title = ""): CallContext {
  return { seed, world: { title, description: "", style, tags: [] } };
}

const world = async (prompt: string, seed = "seed-1", style = "steampunk", count = 9) => (await text.world({ prompt, count }, context(seed, style))).value;
const element = async (prompt: string, type?: ElementType, seed = "seed-1") => (await text.element({ prompt, type }, context(seed, "steampunk"))).value;
const refine = async (existing: ElementSummary, prompt: string, seed = "seed-1") => (await text.element({ prompt, existing }, context(seed, "horror"))).value;

/** Every sentence whole: a capital first, punctuation last, no doubled word, no empty clause. */
function expectWellFormed(description: string, label = "") {
  for (const sentence of sentencesOf(description)) expect(sentenceProblem(sentence), `${label}: ${sentence}`).toBeUndefined();
}

function expectNoRepeatedSentence(drafts: ElementDraft[]) {
  const seen = new Map<string, string>();
  for (const draft of drafts) {
    for (const sentence of sentencesOf(draft.description)) {
      const key = plain(sentence).toLowerCase();
      expect(seen.get(key), `"${sentence}" in ${draft.name} repeats one of ${seen.get(key)}`).toBeUndefined();
      seen.set(key, draft.name);
    }
  }
}

const DANGLING = /\b(a|an|the|of|in|on|at|to|by|for|from|with|and|or|but|that|which|who|where|its|their|his|her)$/i;

/** A title or name is a whole phrase: not empty, not cut after a preposition, article or conjunction. */
function expectWhole(title: string, limit = 120) {
  expect(title.trim()).toBe(title);
  expect(title.length).toBeGreaterThan(0);
  expect(title.length).toBeLessThanOrEqual(limit);
  expect(title, title).not.toMatch(DANGLING);
  expect(title, title).not.toMatch(/[,;:\-–—]$/);
}

function expectWorldWellMade(drafts: ElementDraft[], label: string) {
  expect(drafts.length).toBeGreaterThanOrEqual(8);
  expect(drafts.length).toBeLessThanOrEqual(15);
  const names = new Set(drafts.map((d) => d.name));
  expect(names.size, label).toBe(drafts.length);
  for (const draft of drafts) {
    expectWhole(draft.name, 80);
    expect(draft.description.toLowerCase(), label).toContain(`**${draft.name.toLowerCase()}**`);
    expectWellFormed(draft.description, `${label} / ${draft.name}`);
    for (const rel of draft.relationships) expect(names, `${draft.name} → ${rel.to}`).toContain(rel.to);
  }
  expectNoRepeatedSentence(drafts);
}

type Named = { name: string | RegExp; type: ElementType };

const WORLD_CASES: { prompt: string; named: Named[]; absent?: RegExp[]; title: string | RegExp }[] = [
  {
    prompt: "a drowned clockwork city ruled by tide-priests",
    named: [
      { name: "The Drowned Clockwork City", type: "location" },
      { name: "The Tide-Priests", type: "faction" },
    ],
    title: "The Drowned Clockwork City",
  },
  {
    prompt: "the Sky-Whales of Nareth",
    named: [
      { name: "The Sky-Whales of Nareth", type: "creature" },
      { name: "Nareth", type: "location" },
    ],
    title: "The Sky-Whales of Nareth",
  },
  {
    prompt: "Captain Mira Vale's stolen compass",
    named: [
      { name: "Captain Mira Vale", type: "character" },
      { name: "Captain Mira Vale's Stolen Compass", type: "item" },
    ],
    title: "Captain Mira Vale's Stolen Compass",
  },
  {
    prompt: "a guild of thieves who trade in stolen memories",
    named: [{ name: "The Guild of Thieves", type: "faction" }],
    absent: [/^The Thieves$/],
    title: "The Guild of Thieves",
  },
  {
    prompt: "a lighthouse keeper named Mirelle Dunn",
    named: [{ name: "Mirelle Dunn", type: "character" }],
    title: "The Lighthouse Keeper",
  },
  {
    prompt: 'a tavern called "The Drowned Rat" on the edge of the Saltmarsh',
    named: [
      { name: "The Drowned Rat", type: "location" },
      { name: "The Saltmarsh", type: "location" },
    ],
    title: "The Drowned Rat",
  },
  {
    prompt: "the great flood that drowned the lowlands",
    named: [
      { name: "The Great Flood", type: "event" },
      { name: "The Lowlands", type: "location" },
    ],
    title: "The Great Flood",
  },
  {
    prompt: "The Sword of the First Queen",
    named: [
      { name: "The Sword of the First Queen", type: "item" },
      { name: "The First Queen", type: "character" },
    ],
    title: "The Sword of the First Queen",
  },
  {
    prompt: "a world where the sea has swallowed the sun, and the Ninefold Choir sings to the drowned",
    named: [
      { name: "The Ninefold Choir", type: "faction" },
      { name: "The Sea", type: "location" },
    ],
    absent: [/^The World$/],
    title: "The World Where the Sea Has Swallowed the Sun",
  },
  {
    prompt: "the ever-burning forge of the salt-witches",
    named: [
      { name: "The Ever-Burning Forge of the Salt-Witches", type: "location" },
      { name: "The Salt-Witches", type: "faction" },
    ],
    title: "The Ever-Burning Forge of the Salt-Witches",
  },
  {
    prompt: "Tide-priests rule the drowned city. Their rival, the Brass Parliament, meets in secret.",
    named: [
      { name: "The Tide-Priests", type: "faction" },
      { name: "The Drowned City", type: "location" },
      { name: "The Brass Parliament", type: "faction" },
    ],
    title: "The Tide-Priests",
  },
];

describe("a world from a prompt", () => {
  it.each(WORLD_CASES)("has the elements $prompt names, a whole title and no repeated sentence", async ({ prompt, named, absent, title }) => {
    const drafts = await world(prompt);
    expectWorldWellMade(drafts, prompt);
    for (const want of named) {
      const found = drafts.find((d) => (typeof want.name === "string" ? d.name === want.name : want.name.test(d.name)));
      expect(found, `${prompt}: no element named ${want.name} in ${drafts.map((d) => d.name).join(" | ")}`).toBeDefined();
      expect(found!.type, `${prompt}: ${found!.name}`).toBe(want.type);
    }
    for (const pattern of absent ?? []) expect(drafts.map((d) => d.name).filter((name) => pattern.test(name))).toEqual([]);
    const worldTitle = await titleFromPrompt(prompt);
    expectWhole(worldTitle);
    if (typeof title === "string") expect(worldTitle).toBe(title);
    else expect(worldTitle).toMatch(title);
  });

  it("writes the drowned city the way it was asked, with its rulers, and uses the title only as a title", async () => {
    const prompt = "a drowned clockwork city ruled by tide-priests";
    const title = await titleFromPrompt(prompt);
    const drafts = (await text.world({ prompt, count: 9 }, context("seed-1", "steampunk", title))).value;
    const city = drafts[0]!;
    expect(city.name).toBe("The Drowned Clockwork City");
    expect(city.description).toMatch(/ruled by the Tide-Priests/);
    const priests = drafts.find((d) => d.name === "The Tide-Priests")!;
    // The prompt's relation is an edge of the graph.
    expect(priests.relationships).toContainEqual({ to: "The Drowned Clockwork City", kind: "located_in" });
    // Members of the tide-priests are tide-priests.
    const members = drafts.filter((d) => d.relationships.some((r) => r.to === "The Tide-Priests" && r.kind === "member_of"));
    expect(members.length).toBeGreaterThan(0);
    for (const member of members) expect(member.description).toMatch(/tide-priest/);
    // The old writer cut the title mid-phrase and then quoted the cut title in the prose.
    expect(drafts.map((d) => d.description).join("\n")).not.toMatch(/ruled by\s*(\.|,|\*\*)/);
  });

  it("reads a world with nothing named in it, and odd, empty-ish, foreign and very long prompts", async () => {
    const colours = ["Amber", "Iron", "Glass", "Salt", "Ash", "Bone", "Copper", "Ivory", "Jade", "Onyx", "Pearl", "Rust", "Silver", "Tin", "Umber"];
    const long = colours.map((colour) => `the ${colour} Tower, which leans over a river of ink and is older than anyone remembers`).join(", and ");
    expect(long.length).toBeGreaterThan(1000);
    for (const prompt of ["something strange and beautiful", "東京 and Ωμέγα!!", "!!!", "zzz qqq xxyyzz", "   ", "a", "the the the", "Make it good.", long]) {
      const drafts = await world(prompt, "odd");
      expectWorldWellMade(drafts, JSON.stringify(prompt.slice(0, 40)));
      expectWhole(await titleFromPrompt(prompt));
    }
    // A long prompt fills the world with what it names, up to its size, and the title stays whole.
    const drafts = await world(long, "odd");
    expect(drafts.length).toBe(15);
    expect(drafts.filter((d) => /Tower/.test(d.name)).length).toBeGreaterThanOrEqual(10);
    expect(await titleFromPrompt(long)).toBe("The Amber Tower");
  });

  it("is the same world for the same seed, another for another seed", async () => {
    const prompt = "a drowned clockwork city ruled by tide-priests";
    expect(await world(prompt, "a")).toEqual(await world(prompt, "a"));
    const other = await world(prompt, "b");
    expect(other).not.toEqual(await world(prompt, "a"));
    // The named things do not depend on the seed.
    expect(other.slice(0, 2).map((d) => d.name)).toEqual(["The Drowned Clockwork City", "The Tide-Priests"]);
  });
});

const ELEMENT_CASES: { prompt: string; type?: ElementType; name: string | RegExp; expected: ElementType; words?: RegExp }[] = [
  { prompt: "the Tide Clock", name: "The Tide Clock", expected: "item" },
  { prompt: "Generate the Tide Clock", name: "The Tide Clock", expected: "item" },
  { prompt: "Queen Isolde", name: "Queen Isolde", expected: "character" },
  { prompt: "the Order of the Brass Lantern", name: "The Order of the Brass Lantern", expected: "faction" },
  { prompt: "a kraken that sleeps beneath the harbour", name: "The Kraken", expected: "creature", words: /that sleeps beneath the harbour/ },
  { prompt: "the Siege of Emberfall", name: "The Siege of Emberfall", expected: "event" },
  { prompt: "the Prophecy of the Ninth Moon", name: "The Prophecy of the Ninth Moon", expected: "lore" },
  { prompt: "Emberfall", name: "Emberfall", expected: "location" },
  { prompt: "a grumpy dwarven smith who forges cursed blades", name: /^\S+ \S+/, expected: "character", words: /a grumpy dwarven smith who forges cursed blades/ },
  { prompt: "Captain Mira Vale's stolen compass", name: "Captain Mira Vale's Stolen Compass", expected: "item", words: /belongs to Captain Mira Vale/ },
  { prompt: "the ever-burning forge of the salt-witches", name: "The Ever-Burning Forge of the Salt-Witches", expected: "location" },
  // The type someone picks wins; the name they gave stays.
  { prompt: "the Tide Clock", type: "character", name: "The Tide Clock", expected: "character" },
  { prompt: "a lighthouse keeper named Mirelle Dunn", name: "Mirelle Dunn", expected: "character", words: /lighthouse keeper/ },
];

describe("one element from a prompt", () => {
  it.each(ELEMENT_CASES)("$prompt → $name ($expected)", async ({ prompt, type, name, expected, words }) => {
    const draft = await element(prompt, type);
    if (typeof name === "string") expect(draft.name).toBe(name);
    else expect(draft.name).toMatch(name);
    expect(draft.type).toBe(expected);
    expectWhole(draft.name, 80);
    expect(draft.description.toLowerCase()).toContain(`**${draft.name.toLowerCase()}**`);
    if (words) expect(draft.description).toMatch(words);
    expectWellFormed(draft.description, prompt);
    expect(sentencesOf(draft.description).length).toBe(new Set(sentencesOf(draft.description)).size);
  });
});

describe("refine", () => {
  const clock: ElementSummary = {
    name: "The Tide Clock",
    type: "item",
    description:
      "**The Tide Clock** is a brass clock that counts the tides. Its hands move only when the sea does.\n\nThe tide-priests wind it at dawn, and the moat around its tower is never dry.",
    tags: ["clock"],
  };

  it("applies 'more sinister and underwater' to the text that is there, in whole sentences", async () => {
    const refined = await refine(clock, "more sinister and underwater");
    expect(refined.name).toBe("The Tide Clock");
    expect(refined.type).toBe("item");
    const [opening] = sentencesOf(refined.description);
    expect(opening).toBe("**The Tide Clock** is a sinister, underwater brass clock that counts the tides.");
    expect(refined.description).toMatch(/grown more sinister and underwater/);
    // The rest of what people wrote is still there, word for word.
    for (const sentence of sentencesOf(clock.description).slice(1)) expect(refined.description).toContain(sentence);
    expectWellFormed(refined.description);
    expect(refined.tags).toEqual(expect.arrayContaining(["clock", "sinister", "underwater"]));
  });

  it("renames everywhere, removes what it is told to, adds what it is given, turns one kind into another", async () => {
    const renamed = await refine(clock, "rename it to the Moon Dial");
    expect(renamed.name).toBe("The Moon Dial");
    expect(renamed.description).toContain("**The Moon Dial** is a brass clock");
    expect(renamed.description).not.toMatch(/Tide Clock\*\*/);
    expectWellFormed(renamed.description);

    const moatless = await refine(clock, "remove the moat");
    expect(moatless.description).not.toMatch(/moat/);
    expect(moatless.description).toContain("Its hands move only when the sea does.");
    expectWellFormed(moatless.description);

    const castle: ElementSummary = { name: "Castle Grey", type: "location", description: "**Castle Grey** is a cheerful castle on the hill.", tags: [] };
    const darker = await refine(castle, "make the castle darker and add a moat");
    expect(darker.description).toMatch(/^\*\*Castle Grey\*\* is a dark, cheerful castle on the hill\./);
    expect(darker.description).toMatch(/has grown darker/);
    expect(darker.description).toMatch(/a moat/);
    expectWellFormed(darker.description);

    const gloomier = await refine(castle, "less cheerful");
    expect(gloomier.description).toMatch(/^\*\*Castle Grey\*\* is a castle on the hill\./);
    expect(gloomier.description).toMatch(/less cheerful/);
    expectWellFormed(gloomier.description);

    const mira: ElementSummary = { name: "Mira Vale", type: "character", description: "**Mira Vale** keeps the lighthouse.", tags: ["keeper"] };
    const secretive = await refine(mira, "make her more sinister and give her a secret");
    expect(secretive.description.startsWith("**Mira Vale** keeps the lighthouse.")).toBe(true);
    expect(secretive.description).toMatch(/more sinister/);
    expect(secretive.description).toMatch(/keeping a secret: /);
    expectWellFormed(secretive.description);

    const creature = await refine(mira, "turn her into a creature of the deep");
    expect(creature.type).toBe("creature");
    expect(creature.description).toMatch(/has become a creature of the deep/);
    expectWellFormed(creature.description);
  });

  it("writes an opening for an element that has no text yet, and still changes something for an instruction it cannot read", async () => {
    const empty = await refine({ name: "Clock key", type: "item", description: "", tags: [] }, "make it older and cursed");
    expect(empty.description).toMatch(/\*\*Clock key\*\*/);
    expect(empty.description).toMatch(/older and cursed/);
    expectWellFormed(empty.description);

    const foreign = await refine(clock, "改善してください");
    expect(foreign.description.length).toBeGreaterThan(clock.description.length);
    expect(foreign.description.startsWith(clock.description)).toBe(true);
    expectWellFormed(foreign.description);
  });
});

/** Instructions that may take every sentence after the opening away. */
const RENAME_OR_REMOVE = /remove|without|rename|call|named?\b|less/i;

describe("properties", () => {
  // FUZZ_RUNS=50 runs the properties fifty times as long; the time limit grows with them.
  const runs = Number(env.FUZZ_RUNS) || 1;

  // What the properties found, kept as fixed examples so it stays fixed: each prompt, and what the
  // writer made of it before (or, marked "mid-fix", what a half-done fix made of it).
  it.each([
    { prompt: "B&A", was: 'a world titled "B&A", ending on "A"' },
    { prompt: "A0&A", was: 'a world titled "A0&A", ending on "A"' },
    { prompt: "BY!D", was: 'an element named "BY D", so "shaped by BY D"' },
    { prompt: "TO&2", was: 'mid-fix, "returns, sooner or later, to TO&2": a name after its own first word' },
    { prompt: "@'f f", was: 'mid-fix, a place named "The F F": the doubled word was looked for before the "\'" went' },
    { prompt: "B?is", was: 'an element named "B is", so "B is is storied is"' },
    { prompt: "the Tide under the a clock", was: '"under the the Clock"' },
    { prompt: "city by Tide a Tide", was: '"by Tide Tide": the article of "a Tide" was dropped' },
    { prompt: "clock drowned remove a remove", was: '"drowned remove remove"' },
    { prompt: "guild drowned a the a 東京", was: 'mid-fix, "drowned a a 東京": one stray article of two taken out' },
    { prompt: "guild ruled Tide tide-priests tide-priests", was: '"ruled Tide-priests tide-priests": "Tide tide" read as a doubled word' },
    { prompt: "who tide-priests drowned tide-priests the the", was: '"Outsiders call the Tide-Priests Drowned Tide-Priests tide-priests"' },
    { prompt: '"Rat" to clock Mira a Mira', was: '"to Clock Mira Mira": the element name "Mira" said for "a Mira"' },
  ])("a world from $prompt is well made (it was $was)", async ({ prompt }) => {
    expectWorldWellMade(await world(prompt, "prop", "fantasy", 8), JSON.stringify(prompt));
    expectWhole(await titleFromPrompt(prompt));
  });

  it.each([
    { prompt: "0.H B", instruction: "", was: 'a character "quietly 0.h." whose sentence broke at the point' },
    { prompt: "0 A!A", instruction: "", was: '"a brass-bound a"' },
    { prompt: "C?is ", instruction: "", was: '"C is is hiding something"' },
    { prompt: "", instruction: "aN!A0", was: '"now has an aN A0"' },
    { prompt: '"Rat" the "Rat"', instruction: "rename the Tide", was: '"mention the The Tide"' },
    { prompt: "Vale the Mira Vale", instruction: "rename Mira", was: '"mention the Mira Mira": the rename of Vale reached into "Mira Vale"' },
    { prompt: "Tide tide-priests forges Tide", instruction: "", was: 'mid-fix, one sentence: "Tide" in "Tide Tide-Priests" taken for the name "Tide" after "Tide"' },
    { prompt: "Vale the Vale priests", instruction: "rename Vale priests", was: '"shaped by Vale priests priests": the rename reached into "the Vale priests"' },
    { prompt: "of Nareth's the Nareth's the", instruction: "", was: "a place named \"Nareth's Nareth's\", the second \"'s\" read as \"is\"" },
  ])("an element from $prompt refined by $instruction is well made (it was $was)", async ({ prompt, instruction }) => {
    const draft = await element(prompt);
    expectWellFormed(draft.description, JSON.stringify(prompt));
    const refined = await refine(draft, instruction);
    expectWellFormed(refined.description, `${JSON.stringify(prompt)} / ${JSON.stringify(instruction)}`);
    if (!RENAME_OR_REMOVE.test(instruction)) expect(sentencesOf(draft.description).slice(1).filter((sentence) => refined.description.includes(sentence)).length).toBeGreaterThan(0);
  });

  it("says the article a prompt wrote and leaves no word hanging from a name", async () => {
    expect(await titleFromPrompt("B&A")).toBe("B");
    expect(await titleFromPrompt("BY!D")).toBe("D");
    const kraken = await element("a kraken that sleeps beneath a harbour");
    expect(kraken.description).toMatch(/that sleeps beneath a harbour/);
    const renamed = await refine({ name: "Rat", type: "creature", description: "**Rat** is a grey rat. Ask about the Rat and someone will mention the Rat before long.", tags: [] }, "rename it to the Tide");
    expect(renamed.description).toContain("Ask about the Tide and someone will mention the Tide before long.");
  });

  const vocabulary = ["the", "a", "of", "and", "drowned", "Tide", "clock", "priests", "tide-priests", "city", "ruled", "by", "Nareth's", "sinister", "more", "less", "under", "who", "forges", "\"Rat\"", ",", ".", "東京", "guild", "remove", "rename", "it", "to", "Mira", "Vale"];
  const prompts = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.array(fc.constantFrom(...vocabulary), { maxLength: 14 }).map((words) => words.join(" ")),
  );

  it("any prompt gives a well-made world and a whole title, without throwing", async () => {
    await fc.assert(
      fc.asyncProperty(prompts, fc.constantFrom("fantasy", "horror", "cyberpunk"), async (prompt, style) => {
        const drafts = await world(prompt, "prop", style, 8);
        expectWorldWellMade(drafts, JSON.stringify(prompt));
        expectWhole(await titleFromPrompt(prompt));
      }),
      { numRuns: 150 * runs },
    );
  }, 60_000 * runs);

  it("any prompt gives a well-made element, and any instruction refines it into whole sentences", async () => {
    await fc.assert(
      fc.asyncProperty(prompts, prompts, async (prompt, instruction) => {
        const draft = await element(prompt);
        expectWellFormed(draft.description, JSON.stringify(prompt));
        const refined = await refine(draft, instruction);
        expectWellFormed(refined.description, `${JSON.stringify(prompt)} / ${JSON.stringify(instruction)}`);
        // What was there stays, apart from what the instruction asked to change.
        const kept = sentencesOf(draft.description).slice(1).filter((sentence) => refined.description.includes(sentence));
        if (!RENAME_OR_REMOVE.test(instruction)) expect(kept.length).toBeGreaterThan(0);
      }),
      { numRuns: 150 * runs },
    );
  }, 60_000 * runs);
});
