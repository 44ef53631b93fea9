// The `local` provider's continuity checker (issue 17, point 5): rules, deterministic and offline,
// that read a scene against the world and the story so far. Each finding names the exact span of
// text it is about. The rules lean towards silence: a check that cries wolf on clean prose is
// worse than one that misses a subtle slip, so each rule has its reasons not to fire.
import { editDistance } from "./edit-distance";
import { buildNameIndex, type Mention, type NameIndex } from "./name-index";
import { readScene, type Lexicon, type SceneReading } from "./scene-reading";
import { datesOf, storyYears, type Dated } from "./story-years";
import { scan, type Scan, type Word } from "./text-scan";
import { CLIMATE_OPPOSITES, NEGATIONS, NOT_A_PLACE, TRAIT_WORDS, type Climate, type Trait } from "./traits";

export type { Lexicon } from "./scene-reading";

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

export const ISSUE_TYPES = ["name_drift", "personality_contradiction", "timeline_error", "setting_mismatch", "new_character"] as const;
export type IssueType = (typeof ISSUE_TYPES)[number];

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

type Check = {
  input: ContinuityInput;
  reading: SceneReading;
  elements: ReadonlyMap<string, StoryElement>;
  index: NameIndex;
  earlier: ReadonlyArray<{ scene: EarlierScene; scan: Scan }>;
  /** The year the story stands in at an offset of the text, if the story has said so. */
  yearAt(offset: number): number | undefined;
  datesOf(id: string): Dated;
};

export function checkContinuity(input: ContinuityInput, lexicon: Lexicon): ContinuityIssue[] {
  const index = input.nameIndex ?? buildNameIndex(input.elements);
  const earlier = input.storySoFar.map((scene) => ({ scene, scan: scan(scene.text) }));
  const reading = readScene(input.text, index, lexicon, earlier.map((each) => each.scan));
  const elements = new Map(input.elements.map((element) => [element.id, element]));
  const check: Check = { input, reading, elements, index, earlier, yearAt: yearsOf(input), datesOf: cached((id) => datesOf(elements.get(id) ?? { type: "", description: "", tags: [] })) };
  const drift = nameDrift(check);
  const drifted = new Set(drift.map((issue) => issue.start));
  const issues = [...drift, ...newCharacters(check, drifted), ...personality(check), ...deaths(check), ...dated(check), ...settings(check)];
  return issues.sort((a, b) => a.start - b.start || a.end - b.end || a.type.localeCompare(b.type));
}

function cached<T>(compute: (id: string) => T): (id: string) => T {
  const known = new Map<string, T>();
  return (id) => {
    if (!known.has(id)) known.set(id, compute(id));
    return known.get(id) as T;
  };
}

/** The story's clock: the last year the earlier scenes state, then each year this text states. */
function yearsOf(input: ContinuityInput): (offset: number) => number | undefined {
  const before = input.storySoFar.flatMap((scene) => storyYears(scene.text)).at(-1)?.year;
  const inScene = storyYears(input.text);
  return (offset) => inScene.filter((each) => each.at <= offset).at(-1)?.year ?? before;
}

function issue(text: string, start: number, end: number, rest: Omit<ContinuityIssue, "start" | "end" | "quote">): ContinuityIssue {
  return { start, end, quote: text.slice(start, end), ...rest };
}

const isPerson = (element: StoryElement | undefined) => element?.type === "character" || element?.type === "creature";

// ── Name drift ──────────────────────────────────────────────────────────────────────────────

/** How many slips a word of this length may carry and still be read as a misspelt name. */
export function driftAllowance(length: number): number {
  return length < 4 ? 0 : length < 8 ? 1 : 2;
}

type NameWord = { lower: string; elementId: string; word: string };
/** The words of a world's names by first letter, built once per name index. */
const namesByInitial = new WeakMap<NameIndex, Map<string, NameWord[]>>();

function byInitialOf(index: NameIndex): Map<string, NameWord[]> {
  let found = namesByInitial.get(index);
  if (found) return found;
  found = new Map();
  for (const [lower, owners] of index.nameWords()) {
    const list = found.get(lower.charAt(0)) ?? [];
    for (const owner of owners) list.push({ lower, ...owner });
    found.set(lower.charAt(0), list);
  }
  namesByInitial.set(index, found);
  return found;
}

function nameDrift({ input, reading, index }: Check): ContinuityIssue[] {
  const byInitial = byInitialOf(index);
  const issues: ContinuityIssue[] = [];
  reading.scan.words.forEach((word, i) => {
    const allowance = driftAllowance(word.text.length);
    if (!word.capitalised || allowance === 0 || reading.mentionAt.has(i)) return;
    if (index.nameWords().has(word.lower) || reading.isCommon(word.lower)) return;
    // Typing slips rarely hit the first letter; "Kira" beside "Mira" is more often someone else.
    let best: { distance: number; elementId: string; word: string } | undefined;
    for (const candidate of byInitial.get(word.lower.charAt(0)) ?? []) {
      const distance = editDistance(word.lower, candidate.lower, allowance);
      if (distance <= allowance && (!best || distance < best.distance)) best = { distance, ...candidate };
    }
    if (!best) return;
    issues.push(
      issue(input.text, word.start, word.end, {
        type: "name_drift",
        severity: "warning",
        explanation: `"${word.text}" looks like a misspelling of ${best.word}, a name the world knows.`,
        suggestion: best.word,
        elementId: best.elementId,
      }),
    );
  });
  return issues;
}

// ── New characters ──────────────────────────────────────────────────────────────────────────

const ARTICLES = new Set(["the", "a", "an", "this", "that", "every", "each", "no", "our", "their", "his", "her", "its", "my", "your"]);

function newCharacters({ input, reading, index }: Check, drifted: ReadonlySet<number>): ContinuityIssue[] {
  const { words } = reading.scan;
  const unknown = (word: Word | undefined, i: number): word is Word =>
    !!word &&
    word.capitalised &&
    word.text.length > 1 &&
    !reading.mentionAt.has(i) &&
    !drifted.has(word.start) &&
    !index.nameWords().has(word.lower) &&
    !reading.isCommon(word.lower) &&
    !reading.isPlaceName(word.lower);
  /** Do the words at `i` and `i + 1` belong to one name ("Jory Vance")? */
  const joined = (i: number) => {
    const [a, b] = [words[i], words[i + 1]];
    return unknown(a, i) && unknown(b, i + 1) && a.sentence === b.sentence && !a.possessive && /^\s+$/u.test(input.text.slice(a.end, b.start));
  };
  const capitalisedMidSentence = new Set(words.filter((word) => word.capitalised && !word.sentenceStart).map((word) => word.lower));
  const capitalisedElsewhere = (lower: string) => capitalisedMidSentence.has(lower);
  const reported = new Set<string>();
  const issues: ContinuityIssue[] = [];
  words.forEach((word, last) => {
    if (!unknown(word, last) || joined(last)) return;
    let first = last;
    while (first > 0 && joined(first - 1)) first--;
    const start = words[first] ?? word;
    // "the Council voted", "a Watchman nodded": an article makes it a thing or a title, not a name.
    const article = words[first - 1];
    if (article && article.sentence === start.sentence && ARTICLES.has(article.lower)) return;
    if (!reading.actsAt(first, last) && !(reading.isPersonName(start.lower) && !start.sentenceStart)) return;
    // A sentence may begin with any noun the lexicon lacks ("Breath smoked"): there, one word
    // acting is not enough; it must be a name the lexicon knows, speak, or be named elsewhere.
    if (start.sentenceStart && first === last && !reading.isPersonName(start.lower) && !reading.speaksAt(first) && !capitalisedElsewhere(start.lower)) return;
    const name = input.text.slice(start.start, word.end);
    if (reported.has(name.toLowerCase())) return;
    reported.add(name.toLowerCase());
    issues.push(
      issue(input.text, start.start, word.end, {
        type: "new_character",
        severity: "warning",
        explanation: `${name} acts here, but the world has no character of that name.`,
        suggestion: null,
        elementId: null,
      }),
    );
  });
  return issues;
}

// ── Personality contradictions ──────────────────────────────────────────────────────────────

/** Is the word at `i` cancelled by a negation among the three words before it? */
function negated(words: readonly Word[], i: number): boolean {
  return words.slice(Math.max(0, i - 3), i).some((before) => before.sentence === words[i]?.sentence && (NEGATIONS.has(before.lower) || before.lower.endsWith("n't")));
}

/** The traits a description gives, by name ("brave", "cruel"), ignoring negated ones. */
export function describedTraits(element: Pick<StoryElement, "description" | "tags">): Set<Trait> {
  const traits = new Set<Trait>();
  const described = scan(element.description);
  described.words.forEach((word, i) => {
    const found = TRAIT_WORDS.get(word.lower);
    if (found && !negated(described.words, i) && !(word.lower === "kind" && described.words[i + 1]?.lower === "of")) traits.add(found.trait);
  });
  for (const tag of element.tags) {
    const found = TRAIT_WORDS.get(tag.toLowerCase());
    if (found) traits.add(found.trait);
  }
  return traits;
}

function personality({ input, reading, elements }: Check): ContinuityIssue[] {
  const { words, sentences } = reading.scan;
  const traitsOf = new Map<string, Set<Trait>>();
  const traits = (id: string) => {
    let found = traitsOf.get(id);
    if (!found) traitsOf.set(id, (found = describedTraits(elements.get(id) ?? { description: "", tags: [] })));
    return found;
  };
  const issues: ContinuityIssue[] = [];
  words.forEach((word, i) => {
    const found = TRAIT_WORDS.get(word.lower);
    if (!found || reading.mentionAt.has(i) || negated(words, i) || reading.quoted(word.start)) return;
    if (word.lower === "kind" && words[i + 1]?.lower === "of") return;
    // The trait word is about the nearest character named in its sentence.
    let about: Mention | undefined;
    let distance = Infinity;
    for (const k of sentences[word.sentence]?.words ?? []) {
      const mention = reading.mentionAt.get(k);
      if (!mention || !isPerson(elements.get(mention.elementId))) continue;
      const gap = k < i ? i - mention.words[1] : mention.words[0] - i;
      if (gap < distance) [about, distance] = [mention, gap];
    }
    if (!about) return;
    const described = traits(about.elementId);
    if (!described.has(found.opposite) || described.has(found.trait)) return;
    const element = elements.get(about.elementId);
    const replacement = found.opposite.words[found.wordClass][0] ?? found.opposite.words.adjective[0] ?? found.opposite.name;
    issues.push(
      issue(input.text, word.start, word.end, {
        type: "personality_contradiction",
        severity: "warning",
        explanation: `${element?.name ?? about.name} is described as ${found.opposite.name}, but here is "${word.text}".`,
        suggestion: word.capitalised ? replacement.charAt(0).toUpperCase() + replacement.slice(1) : replacement,
        elementId: about.elementId,
      }),
    );
  });
  return issues;
}

// ── Timeline: the dead do not act ───────────────────────────────────────────────────────────

const DEAD_TAGS = new Set(["dead", "deceased", "died", "killed", "slain", "late", "murdered", "executed"]);
const DEATH_AFTER = /^(?:\s+\p{L}+ly)?\s+(?:died|perished|(?:was|had been)\s+(?:killed|slain|murdered|executed|beheaded|hanged)|(?:fell|lay|was|is)\s+dead)\b/iu;
const DEATH_BEFORE = /\b(?:killed|slew|murdered|executed|beheaded)\s+$/iu;
const SUBJECT_PRONOUNS = new Set(["he", "she", "they", "it"]);

type Death = { elementId: string; offset: number };

/** Deaths a text narrates: "<Name> died", "<Name> was killed", "killed <Name>". */
function deathsIn(text: string, scanned: Scan, index: NameIndex, elements: ReadonlyMap<string, StoryElement>): Death[] {
  const found: Death[] = [];
  for (const mention of index.find(scanned)) {
    if (!isPerson(elements.get(mention.elementId))) continue;
    const before = text.slice(Math.max(0, mention.start - 20), mention.start);
    if (DEATH_AFTER.test(text.slice(mention.end, mention.end + 40).replace(/^['’]s\b/u, "")) || DEATH_BEFORE.test(before)) {
      found.push({ elementId: mention.elementId, offset: mention.start });
    }
  }
  return found;
}

/** Is the element dead by its tags or its own description ("She died in the siege")? */
function deadByWorld(element: StoryElement, index: NameIndex, elements: ReadonlyMap<string, StoryElement>): boolean {
  if (element.tags.some((tag) => DEAD_TAGS.has(tag.toLowerCase()))) return true;
  const described = scan(element.description);
  if (deathsIn(element.description, described, index, elements).some((death) => death.elementId === element.id)) return true;
  return described.words.some((word) => word.sentenceStart && SUBJECT_PRONOUNS.has(word.lower) && DEATH_AFTER.test(element.description.slice(word.end, word.end + 40)));
}

function deaths({ input, reading, elements, index, earlier, yearAt, datesOf }: Check): ContinuityIssue[] {
  const dead = new Map<string, { where: string; offset: number; byWorld?: boolean }>();
  // Only the characters this scene names can act in it.
  for (const id of new Set(reading.mentions.map((mention) => mention.elementId))) {
    const element = elements.get(id);
    if (element && isPerson(element) && deadByWorld(element, index, elements)) dead.set(id, { where: "the world says so", offset: -1, byWorld: true });
  }
  for (const { scene, scan: scanned } of earlier) {
    for (const death of deathsIn(scene.text, scanned, index, elements)) if (!dead.has(death.elementId)) dead.set(death.elementId, { where: `in "${scene.title}"`, offset: -1 });
  }
  for (const death of deathsIn(input.text, reading.scan, index, elements)) if (!dead.has(death.elementId)) dead.set(death.elementId, { where: "earlier in this scene", offset: death.offset });

  const issues: ContinuityIssue[] = [];
  for (const mention of reading.mentions) {
    const death = dead.get(mention.elementId);
    if (!death || mention.start <= death.offset || reading.quoted(mention.start)) continue;
    // A death the world dates has not happened yet in a story set before it, nor, as far as
    // anyone can tell, in a story that has not said when it is.
    const [now, died] = [yearAt(mention.start), datesOf(mention.elementId).died];
    if (death.byWorld && died !== undefined && (now === undefined || now <= died)) continue;
    if (mention.possessive || !reading.actsAt(mention.words[0], mention.words[1]) || reading.elsewhere(mention.sentence)) continue;
    const name = elements.get(mention.elementId)?.name ?? mention.name;
    issues.push(
      issue(input.text, mention.start, mention.end, {
        type: "timeline_error",
        severity: "error",
        explanation: `${name} is dead (${death.where}), but acts here.`,
        suggestion: null,
        elementId: mention.elementId,
      }),
    );
  }
  return issues;
}

// ── Timeline: dates ─────────────────────────────────────────────────────────────────────────

/** A sentence with one of these looks ahead: an event it names may lie in the future. */
const FUTURE_WORDS = new Set(["will", "would", "shall", "foretold", "prophecy", "prophesied", "coming", "soon", "plan", "planned", "plans", "tomorrow", "next", "predicted", "feared", "dreaded", "await", "awaited", "approaching", "imminent", "yet", "before", "until"]);

function dated({ input, reading, elements, yearAt, datesOf }: Check): ContinuityIssue[] {
  const { words, sentences } = reading.scan;
  const issues: ContinuityIssue[] = [];
  for (const mention of reading.mentions) {
    const element = elements.get(mention.elementId);
    const now = yearAt(mention.start);
    if (!element || now === undefined || reading.quoted(mention.start)) continue;
    const dates = datesOf(element.id);
    const at = { start: mention.start, end: mention.end };
    if (isPerson(element) && dates.born !== undefined && now < dates.born && !mention.possessive && reading.actsAt(mention.words[0], mention.words[1]) && !reading.elsewhere(mention.sentence)) {
      issues.push(issue(input.text, at.start, at.end, { type: "timeline_error", severity: "error", explanation: `${element.name} acts here in ${now}, before being born in ${dates.born}.`, suggestion: null, elementId: element.id }));
    }
    const looksAhead = (sentences[mention.sentence]?.words ?? []).some((i) => FUTURE_WORDS.has(words[i]?.lower ?? ""));
    if (element.type === "event" && dates.year !== undefined && now < dates.year && !looksAhead) {
      issues.push(issue(input.text, at.start, at.end, { type: "timeline_error", severity: "warning", explanation: `${element.name} happens in ${dates.year}, but the story is in ${now} and speaks of it as past.`, suggestion: null, elementId: element.id }));
    }
  }
  return issues;
}

// ── Setting ─────────────────────────────────────────────────────────────────────────────────

const PRESENCE = new Set(["in", "at", "inside", "within"]);

function settings({ input, reading, elements }: Check): ContinuityIssue[] {
  const place = input.location ? elements.get(input.location) : undefined;
  if (!place) return [];
  const { words } = reading.scan;
  const issues: ContinuityIssue[] = [];
  const mentionsOf = (text: string, other: StoryElement) => [other.name, ...other.aliases].some((name) => name.length > 0 && text.toLowerCase().includes(name.toLowerCase()));

  for (const mention of reading.mentions) {
    const other = elements.get(mention.elementId);
    if (!other || other.type !== "location" || other.id === place.id) continue;
    const article = words[mention.words[0] - 1]?.lower === "the" ? 1 : 0;
    const before = words[mention.words[0] - 1 - article];
    if (!before || before.sentence !== mention.sentence || !PRESENCE.has(before.lower)) continue;
    if (reading.quoted(mention.start) || reading.elsewhere(mention.sentence)) continue;
    // One place inside the other ("the keep in the Northern Wastes") is no contradiction.
    if (mentionsOf(place.description, other) || mentionsOf(other.description, place)) continue;
    issues.push(
      issue(input.text, mention.start, mention.end, {
        type: "setting_mismatch",
        severity: "warning",
        explanation: `The scene takes place in ${place.name}, but the text puts it in ${other.name}.`,
        suggestion: place.name,
        elementId: place.id,
      }),
    );
  }

  const placeWords = new Set(scan(place.description + " " + place.tags.join(" ")).words.map((word) => word.lower));
  const has = (climate: Climate) => [...climate.words].some((word) => placeWords.has(word));
  for (const [a, b] of CLIMATE_OPPOSITES) {
    for (const [described, against] of [[a, b], [b, a]] as const) {
      if (!has(described) || has(against)) continue;
      const flagged = new Set<number>();
      words.forEach((word, i) => {
        if (!against.words.has(word.lower) || flagged.has(word.sentence) || reading.quoted(word.start) || negated(words, i)) return;
        if (NOT_A_PLACE.has(words[i + 1]?.lower ?? "") || reading.elsewhere(word.sentence)) return;
        flagged.add(word.sentence);
        issues.push(
          issue(input.text, word.start, word.end, {
            type: "setting_mismatch",
            severity: "warning",
            explanation: `${place.name} is described as ${described.name}, but here the text calls it "${word.text}".`,
            suggestion: null,
            elementId: place.id,
          }),
        );
      });
    }
  }
  return issues;
}

// ── Automatic correction ────────────────────────────────────────────────────────────────────

/** Applies the suggestions of minor issues (name drift), right to left so offsets hold. */
export function autoCorrect(text: string, issues: readonly ContinuityIssue[]): { text: string; applied: ContinuityIssue[] } {
  const minor = issues.filter((each) => MINOR_TYPES.has(each.type) && each.suggestion !== null && text.slice(each.start, each.end) === each.quote);
  const applied: ContinuityIssue[] = [];
  let result = text;
  let limit = Infinity;
  for (const each of [...minor].sort((a, b) => b.start - a.start)) {
    if (each.end > limit) continue;
    result = result.slice(0, each.start) + (each.suggestion ?? "") + result.slice(each.end);
    applied.push(each);
    limit = each.start;
  }
  return { text: result, applied: applied.reverse() };
}

/**
 * Corrects minor issues and keeps the correction only if a recheck finds fewer issues than
 * before; otherwise the text comes back unchanged. Nothing here blocks writing.
 */
export function correctIfBetter(input: ContinuityInput, lexicon: Lexicon): { text: string; issues: ContinuityIssue[]; applied: ContinuityIssue[] } {
  const issues = checkContinuity(input, lexicon);
  const corrected = autoCorrect(input.text, issues);
  if (corrected.applied.length === 0) return { text: input.text, issues, applied: [] };
  const recheck = checkContinuity({ ...input, text: corrected.text }, lexicon);
  return recheck.length < issues.length ? { text: corrected.text, issues: recheck, applied: corrected.applied } : { text: input.text, issues, applied: [] };
}
