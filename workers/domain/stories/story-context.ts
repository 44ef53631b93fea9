// Context for story generation (issue 17, point 4): what the model is told about the world and the
// story, assembled within a token budget that does not grow with the world. The world is reached
// only through ports — look an element up, its neighbours in the graph, full-text search, and a
// name index built once per world — each asked a bounded number of times, so a world of 5,000
// elements costs what a world of 50 does. The record of what was sent lets a person see why the
// AI knew something.
import type { NameIndex } from "./name-index";

/**
 * Tokens are estimated as one per four characters, rounded up: the usual rule of thumb for English
 * with BPE tokenisers, close enough to budget by and the same for every provider.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

type Awaitable<T> = T | Promise<T>;

export type ContextElement = { id: string; type: string; name: string; description: string; tags?: readonly string[] };
export type Why = "pov" | "location" | "mentioned" | "neighbour" | "search";

export type StoryContextInput = {
  /** The text just before where the AI writes (the current scene so far). */
  recentText: string;
  scene: { pov: string | null; location: string | null };
  /** The person's direction for this passage, searched for in the world. */
  direction?: string | null;
  /** The elements of these ids that the world still has (one batch: `WHERE id IN (…)` in D1). */
  lookup(ids: readonly string[]): Awaitable<readonly ContextElement[]>;
  /** Built once per world from names and aliases (buildNameIndex). */
  nameIndex: NameIndex;
  neighbours(id: string): Awaitable<ReadonlyArray<{ id: string; kind: string }>>;
  /** Full-text search over the world (D1 FTS in the Worker), best first. */
  search(query: string): Awaitable<readonly string[]>;
  summaries: { story: string; chapters: readonly string[]; scenes: readonly string[] };
  /** The scenes before this one, oldest first; the last ones are sent verbatim as far as they fit. */
  lastScenes: ReadonlyArray<{ title: string; text: string }>;
  budget?: number;
};

export const SECTION_NAMES = ["story-summary", "chapter-summaries", "scene-summaries", "elements", "last-scenes", "recent-text"] as const;
export type SectionName = (typeof SECTION_NAMES)[number];
export type Section = { name: SectionName; text: string; tokens: number };

export type SentElement = { id: string; name: string; why: Why; via?: { id: string; kind: string }; tokens: number };
export type StoryContext = {
  /** In prompt order; empty sections are left out. */
  sections: Section[];
  sent: { elements: SentElement[]; tokens: Partial<Record<SectionName, number>>; total: number; budget: number };
};

export const DEFAULT_BUDGET = 3000;
/** Shares of the budget kept for the story itself, whatever the world holds. */
export const RECENT_SHARE = 0.35;
export const SUMMARY_SHARE = 0.15;
/** No element's entry may take more than this many tokens: one long description cannot crowd out the rest. */
export const ELEMENT_CAP = 120;
/** How many mentioned elements have their neighbours considered, and how many candidates are looked up at most. */
const NEIGHBOUR_SOURCES = 6;
const MAX_CANDIDATES = 60;
/** Mentions are looked for in this much of the text before the cursor. */
const MENTION_WINDOW = 6000;

/** The start of `text` within `tokens`, cut at a word, with "…" if anything was cut. */
export function headWithin(text: string, tokens: number): string {
  if (estimateTokens(text) <= tokens) return text;
  if (tokens < 1) return "";
  const cut = text.slice(0, tokens * 4 - 1);
  const atWord = cut.replace(/\s+\S*$/u, "");
  return `${atWord.length > 0 ? atWord : cut}…`;
}

/** The end of `text` within `tokens`, cut at a word, with "…" before it if anything was cut. */
export function tailWithin(text: string, tokens: number): string {
  if (estimateTokens(text) <= tokens) return text;
  if (tokens < 1) return "";
  const cut = text.slice(text.length - (tokens * 4 - 1));
  const atWord = cut.replace(/^\S*\s+/u, "");
  return `…${atWord.length > 0 ? atWord : cut}`;
}

type Candidate = { id: string; why: Why; via?: { id: string; kind: string } };

async function candidates(input: StoryContextInput): Promise<Candidate[]> {
  const list: Candidate[] = [];
  const seen = new Set<string>();
  const add = (candidate: Candidate) => {
    if (seen.has(candidate.id) || list.length >= MAX_CANDIDATES) return;
    seen.add(candidate.id);
    list.push(candidate);
  };
  if (input.scene.pov) add({ id: input.scene.pov, why: "pov" });
  if (input.scene.location) add({ id: input.scene.location, why: "location" });
  // The latest mention first: what the text is about now matters more than what it began with.
  const mentions = input.nameIndex.find(input.recentText.slice(-MENTION_WINDOW)).reverse();
  for (const mention of mentions) add({ id: mention.elementId, why: "mentioned" });
  const sources = list.slice(0, 2 + NEIGHBOUR_SOURCES);
  const neighbours = await Promise.all(sources.map((source) => input.neighbours(source.id)));
  sources.forEach((source, i) => {
    for (const next of neighbours[i] ?? []) add({ id: next.id, why: "neighbour", via: { id: source.id, kind: next.kind } });
  });
  const direction = input.direction?.trim();
  if (direction) for (const id of await input.search(direction)) add({ id, why: "search" });
  return list;
}

function entry(element: ContextElement, candidate: Candidate, names: ReadonlyMap<string, string>): string {
  const via = candidate.via ? `; linked to ${names.get(candidate.via.id) ?? "an element above"}: ${candidate.via.kind}` : "";
  const tags = element.tags && element.tags.length > 0 ? ` [${element.tags.join(", ")}]` : "";
  return headWithin(`- ${element.name} (${element.type}${via}): ${element.description.replace(/\s+/gu, " ").trim()}${tags}`, ELEMENT_CAP);
}

/** Summaries, latest chapter and scene first, within `tokens`. */
function summarySections(summaries: StoryContextInput["summaries"], tokens: number): Section[] {
  const sections: Section[] = [];
  let left = tokens;
  const take = (name: SectionName, parts: readonly string[], label: string) => {
    const kept: string[] = [];
    for (const part of [...parts].reverse()) {
      const text = headWithin(part.trim(), left - estimateTokens(`${label}\n`) - estimateTokens(kept.join("\n")) - 1);
      if (!text || estimateTokens(`${label}\n${[text, ...kept].join("\n")}`) > left) break;
      kept.unshift(text);
    }
    if (kept.length === 0) return;
    const text = `${label}\n${kept.join("\n")}`;
    sections.push({ name, text, tokens: estimateTokens(text) });
    left -= estimateTokens(text);
  };
  take("story-summary", summaries.story.trim() ? [summaries.story] : [], "The story so far:");
  take("chapter-summaries", summaries.chapters.filter((text) => text.trim()), "Chapters:");
  take("scene-summaries", summaries.scenes.filter((text) => text.trim()), "Recent scenes, in brief:");
  return sections;
}

/** The last scenes verbatim, newest kept first, then the text before the cursor, within `tokens`. */
function recentSections(input: StoryContextInput, tokens: number): Section[] {
  const sections: Section[] = [];
  const recentLabel = "Continue from here:\n";
  const recent = input.recentText.trim() ? `${recentLabel}${tailWithin(input.recentText, tokens - estimateTokens(recentLabel) - 1)}` : "";
  if (recent && estimateTokens(recent) <= tokens) sections.push({ name: "recent-text", text: recent, tokens: estimateTokens(recent) });
  let left = tokens - (sections[0]?.tokens ?? 0);
  const scenes: string[] = [];
  const label = "Previous scenes:\n";
  for (const scene of [...input.lastScenes].reverse()) {
    const room = left - estimateTokens(label) - estimateTokens(scenes.join("\n\n")) - 2;
    const text = tailWithin(`${scene.title}\n${scene.text.trim()}`, room);
    if (!text || estimateTokens(`${label}${[text, ...scenes].join("\n\n")}`) > left) break;
    scenes.unshift(text);
  }
  if (scenes.length > 0) {
    const text = `${label}${scenes.join("\n\n")}`;
    sections.unshift({ name: "last-scenes", text, tokens: estimateTokens(text) });
    left -= estimateTokens(text);
  }
  return sections;
}

export async function assembleStoryContext(input: StoryContextInput): Promise<StoryContext> {
  const budget = Math.max(0, Math.floor(input.budget ?? DEFAULT_BUDGET));
  const summaries = summarySections(input.summaries, Math.floor(budget * SUMMARY_SHARE));
  const summaryTokens = summaries.reduce((sum, section) => sum + section.tokens, 0);
  const recentReserve = Math.floor(budget * RECENT_SHARE);

  // Elements take what the summaries and the reserved recent share leave, in priority order.
  const label = "From the world:\n";
  let left = budget - summaryTokens - recentReserve - estimateTokens(label);
  const lines: string[] = [];
  const sent: SentElement[] = [];
  const names = new Map<string, string>();
  const chosen = await candidates(input);
  const found = new Map((await input.lookup(chosen.map((candidate) => candidate.id))).map((element) => [element.id, element]));
  for (const candidate of chosen) {
    if (left < 1) break;
    const element = found.get(candidate.id);
    if (!element) continue;
    names.set(element.id, element.name);
    const line = entry(element, candidate, names);
    // "+ 1" for the line break that joins entries.
    const cost = estimateTokens(`${line}\n`);
    if (cost > left) continue;
    lines.push(line);
    left -= cost;
    sent.push({ id: element.id, name: element.name, why: candidate.why, ...(candidate.via ? { via: candidate.via } : {}), tokens: cost });
  }
  const elements: Section[] = [];
  if (lines.length > 0) {
    const text = `${label}${lines.join("\n")}`;
    elements.push({ name: "elements", text, tokens: estimateTokens(text) });
  }
  const elementTokens = elements[0]?.tokens ?? 0;
  // What the elements did not use goes to the story's own recent text.
  const recent = recentSections(input, budget - summaryTokens - elementTokens);

  const sections = [...summaries, ...elements, ...recent];
  const tokens: Partial<Record<SectionName, number>> = {};
  for (const section of sections) tokens[section.name] = section.tokens;
  return { sections, sent: { elements: sent, tokens, total: sections.reduce((sum, section) => sum + section.tokens, 0), budget } };
}
