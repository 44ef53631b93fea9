// Continuity rules about names: a near-miss spelling of a known name, and a stranger the world
// does not know, standing where people stand in a sentence.
import { issue, type Check, type ContinuityIssue } from "./continuity-types";
import { editDistance } from "./edit-distance";
import type { NameIndex } from "./name-index";
import type { Word } from "./text-scan";

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

export function nameDrift({ input, reading, index }: Check): ContinuityIssue[] {
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

export function newCharacters({ input, reading, index }: Check, drifted: ReadonlySet<number>): ContinuityIssue[] {
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
