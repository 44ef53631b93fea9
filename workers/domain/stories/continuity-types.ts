// The continuity checker's vocabulary: what it reads, what it reports, and the shared reading
// every rule receives. Split from continuity.ts so that each rule can live in a module of its own.
import type { NameIndex } from "./name-index";
import type { SceneReading } from "./scene-reading";
import type { Dated } from "./story-years";
import type { Scan, Word } from "./text-scan";
import { NEGATIONS } from "./traits";

export const ELEMENT_TYPES = ["character", "location", "faction", "item", "creature", "event", "lore"] as const;
export type StoryElement = {
  id: string;
  type: (typeof ELEMENT_TYPES)[number];
  name: string;
  aliases: readonly string[];
  description: string;
  tags: readonly string[];
};
export type EarlierScene = { id: string; title: string; text: string };

export type ContinuityInput = {
  text: string;
  pov: string | null;
  location: string | null;
  /** The world's elements relevant to the check (the caller may pass the whole world). */
  elements: readonly StoryElement[];
  /** Earlier scenes, in story order. */
  storySoFar: readonly EarlierScene[];
  /** A name index built from exactly `elements`, if the caller keeps one; built here otherwise. */
  nameIndex?: NameIndex;
};

import { ISSUE_TYPES, type IssueType } from "../../ai/story-issues";

export { ISSUE_TYPES, type IssueType };

export type ContinuityIssue = {
  type: IssueType;
  severity: "error" | "warning";
  /** Offsets into the text; `end` is exclusive and `quote === text.slice(start, end)`. */
  start: number;
  end: number;
  quote: string;
  explanation: string;
  /** Replacement text for the span, or null when the fix is not a rewording (e.g. *Add to world*). */
  suggestion: string | null;
  elementId: string | null;
};

/** The issue types corrected without asking: slips of spelling, whose fix cannot change the story. */
export const MINOR_TYPES: ReadonlySet<IssueType> = new Set(["name_drift"]);

/** What every rule receives: the input, the scene read once, and the world's lookups. */
export type Check = {
  input: ContinuityInput;
  reading: SceneReading;
  elements: ReadonlyMap<string, StoryElement>;
  index: NameIndex;
  earlier: ReadonlyArray<{ scene: EarlierScene; scan: Scan }>;
  /** The year the story stands in at an offset of the text, if the story has said so. */
  yearAt(offset: number): number | undefined;
  datesOf(id: string): Dated;
};

export function issue(text: string, start: number, end: number, rest: Omit<ContinuityIssue, "start" | "end" | "quote">): ContinuityIssue {
  return { start, end, quote: text.slice(start, end), ...rest };
}

export const isPerson = (element: StoryElement | undefined) => element?.type === "character" || element?.type === "creature";

/** Is the word at `i` cancelled by a negation among the three words before it? */
export function negated(words: readonly Word[], i: number): boolean {
  return words.slice(Math.max(0, i - 3), i).some((before) => before.sentence === words[i]?.sentence && (NEGATIONS.has(before.lower) || before.lower.endsWith("n't")));
}

