// The stories scenario's in-process part (bench/scenarios/stories.mjs runs it with tsx): in worlds
// of 50, 500 and 5,000 elements, the time to assemble a passage's context and to check a
// 2,000-word scene with the offline checker, and the size of the context sent. Prints JSON.
import { loadLanguage } from "../../workers/ai/local/language";
import { checkContinuity, type StoryElement } from "../../workers/domain/stories/continuity";
import { buildNameIndex } from "../../workers/domain/stories/name-index";
import { assembleStoryContext } from "../../workers/domain/stories/story-context";

const RUNS = Number(process.env.BENCH_STORY_RUNS ?? 20);
const SYLLABLES = ["ar", "bel", "cor", "dun", "el", "fen", "gar", "hal", "ir", "jor", "kel", "lor", "mar", "nor", "or", "per", "quin", "ros", "sel", "tor", "ul", "var", "wen", "yor", "zan"];
const TYPES: StoryElement["type"][] = ["character", "location", "faction", "item", "creature", "event", "lore"];

const word = (n: number) => {
  const a = SYLLABLES[n % SYLLABLES.length]!;
  const b = SYLLABLES[Math.floor(n / SYLLABLES.length) % SYLLABLES.length]!;
  const c = SYLLABLES[Math.floor(n / SYLLABLES.length ** 2) % SYLLABLES.length]!;
  return (a + b + c).replace(/^./, (letter) => letter.toUpperCase());
};

/** A world of `size` elements with two-word names, every tenth with another name, three links each. */
function world(size: number): StoryElement[] {
  return Array.from({ length: size }, (_, n) => ({
    id: `e${n}`,
    type: TYPES[n % TYPES.length]!,
    name: `${word(n)} ${word(n * 7 + 3)}`,
    aliases: n % 10 === 0 ? [`the ${word(n)} One`] : [],
    description: `A ${TYPES[n % TYPES.length]} of the old country, ${"with a long and winding history ".repeat(1 + (n % 5))}`.trim(),
    tags: n % 50 === 0 ? ["deceased"] : [],
  }));
}

/** A 2,000-word scene that names a dozen of the world's characters and places, as prose does. */
function scene(elements: StoryElement[]): string {
  const people = elements.filter((e) => e.type === "character").slice(1, 13);
  const places = elements.filter((e) => e.type === "location").slice(0, 4);
  const sentences: string[] = [];
  for (let i = 0; sentences.join(" ").split(/\s+/).length < 2000; i += 1) {
    const who = people[i % people.length]!.name;
    const other = people[(i * 5 + 3) % people.length]!.name;
    const where = places[i % places.length]!.name;
    sentences.push(
      [
        `${who} walked the long road to ${where} as the light failed.`,
        `"We cannot wait for morning," said ${other}, and pulled the cloak tighter.`,
        `The wind came down from the hills and rattled the shutters of every house in ${where}.`,
        `${who} remembered the old songs and hummed one under the breath.`,
        `Nobody spoke for a while; the fire cracked and settled.`,
      ][i % 5]!,
    );
  }
  return sentences.join(" ");
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function measure(size: number, language: Awaited<ReturnType<typeof loadLanguage>>) {
  const elements = world(size);
  const byId = new Map(elements.map((e) => [e.id, e]));
  const nameIndex = buildNameIndex(elements);
  const text = scene(elements);
  const pov = elements.find((e) => e.type === "character")!.id;
  const location = elements.find((e) => e.type === "location")!.id;
  const contextMs: number[] = [];
  const checkMs: number[] = [];
  let tokens = 0;
  let issues = 0;
  for (let run = 0; run < RUNS; run += 1) {
    let started = performance.now();
    const context = await assembleStoryContext({
      recentText: text,
      scene: { pov, location },
      direction: "the storm reaches the valley",
      lookup: (ids) => ids.flatMap((id) => byId.get(id) ?? []),
      nameIndex,
      neighbours: (id) => [1, 2, 3].map((step) => ({ id: `e${(Number(id.slice(1)) * 31 + step * 977) % size}`, kind: "knows" })),
      search: () => elements.slice(0, 10).map((e) => e.id),
      summaries: { story: "A long story of the valley. ".repeat(40), chapters: ["A chapter. ".repeat(60)], scenes: ["A scene. ".repeat(30)] },
      lastScenes: [{ title: "Before", text: scene(elements) }],
    });
    contextMs.push(performance.now() - started);
    tokens = context.sent.total;
    started = performance.now();
    issues = checkContinuity({ text, pov, location, elements, storySoFar: [], nameIndex }, language).length;
    checkMs.push(performance.now() - started);
  }
  const total = contextMs.map((ms, i) => ms + checkMs[i]!);
  return {
    size,
    words: text.split(/\s+/).length,
    tokens,
    issues,
    contextMs: { p50: percentile(contextMs, 50), p95: percentile(contextMs, 95) },
    checkMs: { p50: percentile(checkMs, 50), p95: percentile(checkMs, 95) },
    totalMs: { p50: percentile(total, 50), p95: percentile(total, 95) },
  };
}

const language = await loadLanguage();
const results = [];
for (const size of [50, 500, 5000]) results.push(await measure(size, language));
process.stdout.write(JSON.stringify(results));
