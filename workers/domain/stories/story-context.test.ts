import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { buildNameIndex } from "./name-index";
import { DEFAULT_BUDGET, assembleStoryContext, estimateTokens, headWithin, tailWithin, type ContextElement, type StoryContextInput } from "./story-context";
import { STORY_SO_FAR, WORLD } from "./story-fixtures";

const RUNS = Number(env.FUZZ_RUNS) || 1;

type World = { elements: ContextElement[]; aliases: Map<string, string[]>; links: Map<string, Array<{ id: string; kind: string }>> };

/** Ports over an in-memory world, counting how often each is asked. */
function ports(world: World, searchHits: Record<string, string[]> = {}) {
  const byId = new Map(world.elements.map((element) => [element.id, element]));
  const calls = { lookup: 0, looked: 0, neighbours: 0, search: 0 };
  return {
    calls,
    nameIndex: buildNameIndex(world.elements.map((element) => ({ id: element.id, name: element.name, aliases: world.aliases.get(element.id) ?? [] }))),
    lookup: async (ids: readonly string[]) => {
      calls.lookup++;
      calls.looked += ids.length;
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
    neighbours: async (id: string) => (calls.neighbours++, world.links.get(id) ?? []),
    search: async (query: string) => (calls.search++, searchHits[query] ?? []),
  };
}

const fixtureWorld: World = {
  elements: WORLD,
  aliases: new Map(WORLD.map((element) => [element.id, [...element.aliases]])),
  links: new Map([
    ["mira", [{ id: "order", kind: "member of" }]],
    ["frosthold", [{ id: "wastes", kind: "lies in" }]],
    ["kael", [{ id: "isolde", kind: "brother of" }, { id: "mira", kind: "commands" }]],
  ]),
};

const base = (over: Partial<StoryContextInput> = {}): StoryContextInput => ({
  recentText: "Mira found Tomas's old hammer by the forge. Behind her, the Iron Lord cleared his throat.",
  scene: { pov: "mira", location: "frosthold" },
  direction: "the sword that glows",
  ...ports(fixtureWorld, { "the sword that glows": ["dawnblade"] }),
  summaries: { story: "Frosthold is besieged; Tomas has fallen.", chapters: ["The raiders came."], scenes: ["Tomas died at the gate.", "Kael held council."] },
  lastScenes: STORY_SO_FAR,
  ...over,
});

const chosen = (context: Awaited<ReturnType<typeof assembleStoryContext>>) => context.sent.elements.map(({ id, why }) => [id, why]);

describe("what the context holds", () => {
  it("chooses the point of view, the place, what the text mentions (by alias too), neighbours and search hits, in that order", async () => {
    const context = await assembleStoryContext(base());
    expect(chosen(context)).toEqual([
      ["mira", "pov"],
      ["frosthold", "location"],
      ["kael", "mentioned"], // "the Iron Lord", an alias, is the latest mention
      ["tomas", "mentioned"],
      ["order", "neighbour"],
      ["wastes", "neighbour"],
      ["isolde", "neighbour"],
      ["dawnblade", "search"],
    ]);
    expect(context.sent.elements.find((element) => element.id === "isolde")?.via).toEqual({ id: "kael", kind: "brother of" });
    const elements = context.sections.find((section) => section.name === "elements")?.text ?? "";
    expect(elements).toContain("- Isolde Ardent (character; linked to Kael Ardent: brother of): Kael's sister.");
    expect(context.sections.map((section) => section.name)).toEqual(["story-summary", "chapter-summaries", "scene-summaries", "elements", "last-scenes", "recent-text"]);
    expect(context.sections.at(-1)?.text).toContain("Behind her, the Iron Lord cleared his throat.");
  });

  it("records the tokens of every section, and their sum", async () => {
    const context = await assembleStoryContext(base());
    for (const section of context.sections) expect(section.tokens).toBe(estimateTokens(section.text));
    expect(context.sent.total).toBe(context.sections.reduce((sum, section) => sum + section.tokens, 0));
    expect(context.sent.total).toBeLessThanOrEqual(DEFAULT_BUDGET);
    expect(context.sent.budget).toBe(DEFAULT_BUDGET);
  });

  it("drops the lowest priorities first when the budget is tight, and keeps the recent text", async () => {
    const context = await assembleStoryContext(base({ budget: 200 }));
    const reasons = chosen(context).map(([, why]) => why);
    expect(reasons[0]).toBe("pov");
    expect(reasons).not.toContain("search");
    expect(context.sent.tokens["recent-text"]).toBeGreaterThan(0);
    expect(context.sent.total).toBeLessThanOrEqual(200);
  });

  it("searches only for a direction, and leaves out elements the world no longer has", async () => {
    const world = ports(fixtureWorld, {});
    await assembleStoryContext({ ...base({ direction: null }), ...world });
    expect(world.calls.search).toBe(0);
    const context = await assembleStoryContext(base({ scene: { pov: "gone", location: null } }));
    expect(chosen(context)[0]).toEqual(["kael", "mentioned"]);
  });

  it("cuts long text at a word, within its tokens", () => {
    const text = "one two three four five six seven eight nine ten";
    expect(headWithin(text, 4)).toBe("one two three…");
    expect(tailWithin(text, 4)).toBe("…eight nine ten");
    expect(estimateTokens(tailWithin(text, 4))).toBeLessThanOrEqual(4);
    expect(estimateTokens(headWithin(text, 4))).toBeLessThanOrEqual(4);
    expect(headWithin(text, 100)).toBe(text);
  });
});

// ── Generated worlds ───────────────────────────────────────────────────────────────────────

const SYLLABLES = ["ka", "el", "mi", "ra", "to", "as", "vel", "dor", "thi", "an", "bri", "ne", "sol", "ur", "qe", "lin"];
/** A distinct invented name for each number: "Kael Mira", "Tovel Dor"… */
function nameOf(n: number): string {
  const word = (k: number) => {
    let s = "";
    for (let i = 0; i < 4; i++, k = Math.floor(k / SYLLABLES.length)) s += SYLLABLES[k % SYLLABLES.length];
    return s.charAt(0).toUpperCase() + s.slice(1);
  };
  return `${word(n)} ${word(n * 7 + 3)}`;
}

function generatedWorld(size: number): World {
  const types = ["character", "location", "faction", "item", "creature", "event", "lore"];
  const elements = Array.from({ length: size }, (_, n) => ({
    id: `e${n}`,
    type: types[n % types.length] ?? "lore",
    name: nameOf(n),
    description: `Element number ${n}, ${"with a long and winding history ".repeat(1 + (n % 9))}`,
    tags: n % 3 === 0 ? ["old"] : [],
  }));
  const aliases = new Map(elements.filter((_, n) => n % 10 === 0).map((element) => [element.id, [`the ${element.name.split(" ")[0]} One`]]));
  const links = new Map(elements.map((_, n) => [`e${n}`, [1, 2, 3].map((step) => ({ id: `e${(n * 31 + step * 977) % size}`, kind: "knows" }))]));
  return { elements, aliases, links };
}

describe("a world of 5,000 elements", () => {
  const big = generatedWorld(5000);
  // Mentions of elements the small world shares with the big one: e1, e2, e3, e4 and an alias of e0.
  const text = `${nameOf(1)} met ${nameOf(2)} at the gate. "Where is ${nameOf(3)}?" asked ${nameOf(4)}. Nobody answered but the One, the ${nameOf(0).split(" ")[0]} One.`;
  const input = (world: World, budget?: number): StoryContextInput & { calls: Record<string, number> } => ({
    recentText: text,
    scene: { pov: "e5", location: "e6" },
    direction: "the gate",
    ...ports(world, { "the gate": ["e7", "e8"] }),
    summaries: { story: "A long story. ".repeat(200), chapters: ["A chapter. ".repeat(100)], scenes: ["A scene. ".repeat(50)] },
    lastScenes: [{ title: "Before", text: "Long ago. ".repeat(2000) }],
    budget,
  });

  it("finds the mentions by name and by alias", () => {
    const mentions = ports(big).nameIndex.find(text).map((mention) => mention.elementId);
    expect(mentions).toEqual(["e1", "e2", "e3", "e4", "e0"]);
  });

  it("sends a context of the same size as a world of 50 does, within the budget, asking the ports a bounded number of times", async () => {
    const small = generatedWorld(50);
    const smallContext = await assembleStoryContext(input(small));
    const bigInput = input(big);
    const bigContext = await assembleStoryContext(bigInput);
    expect(bigContext.sent.total).toBeLessThanOrEqual(DEFAULT_BUDGET);
    expect(Math.abs(bigContext.sent.total - smallContext.sent.total)).toBeLessThanOrEqual(DEFAULT_BUDGET * 0.05);
    expect(chosen(bigContext).slice(0, 7)).toEqual([
      ["e5", "pov"],
      ["e6", "location"],
      ["e0", "mentioned"],
      ["e4", "mentioned"],
      ["e3", "mentioned"],
      ["e2", "mentioned"],
      ["e1", "mentioned"],
    ]);
    const { calls } = bigInput;
    expect(calls.lookup).toBe(1);
    expect(calls.looked).toBeLessThanOrEqual(60);
    expect(calls.neighbours).toBeLessThanOrEqual(8);
    expect(calls.search).toBe(1);
  });
});

describe("properties", () => {
  it("never goes over the budget, whatever the world, the text and the budget", async () => {
    const world = fc.integer({ min: 0, max: 300 }).map(generatedWorld);
    await fc.assert(
      fc.asyncProperty(
        world,
        fc.array(fc.oneof(fc.nat(400).map(nameOf), fc.string({ maxLength: 40 })), { maxLength: 40 }).map((parts) => parts.join(" ")),
        fc.integer({ min: 0, max: 6000 }),
        fc.array(fc.string({ maxLength: 3000 }), { maxLength: 5 }),
        fc.option(fc.nat(400).map((n) => `e${n}`)),
        async (world, recentText, budget, texts, pov) => {
          const context = await assembleStoryContext({
            recentText,
            scene: { pov, location: "e1" },
            direction: recentText.slice(0, 20),
            ...ports(world, { [recentText.slice(0, 20).trim()]: ["e2", "e3"] }),
            summaries: { story: texts[0] ?? "", chapters: texts, scenes: texts },
            lastScenes: texts.map((text, i) => ({ title: `Scene ${i}`, text })),
            budget,
          });
          expect(context.sent.total).toBeLessThanOrEqual(budget);
          for (const section of context.sections) expect(section.tokens).toBe(estimateTokens(section.text));
          expect(new Set(context.sent.elements.map((element) => element.id)).size).toBe(context.sent.elements.length);
        },
      ),
      { numRuns: 150 * RUNS },
    );
  });
});
