// What the continuity rules need to know about a scene, read once: its words and sentences, the
// elements it names, which words are ordinary English, which stand where a person acts, and which
// lie inside dialogue. The English lexicon is compromise's (workers/ai/local/language.ts), passed
// in so that this module stays synchronous and pure.
import type { Language } from "../../ai/local/language";
import type { Mention, NameIndex } from "./name-index";
import { scan, type Scan, type Word } from "./text-scan";

export type Lexicon = Pick<Language, "lexiconTag">;

/** Lexicon tags of names and places: a word tagged so is not an "ordinary" English word. */
const PERSON_TAGS = new Set(["FirstName", "MaleName", "FemaleName", "LastName", "Person"]);
const PLACE_TAGS = new Set(["City", "Country", "Region", "Place"]);
const PROPER_TAGS = new Set([...PERSON_TAGS, ...PLACE_TAGS, "ProperNoun", "Organization", "SportsTeam"]);

/** Verbs of speech, whose subject may follow them ("said Mira"). */
export const SPEECH_VERBS: ReadonlySet<string> = new Set([
  "said", "says", "say", "asked", "asks", "replied", "replies", "answered", "whispered", "shouted", "called", "cried",
  "muttered", "murmured", "snapped", "added", "sighed", "laughed", "told", "tells", "yelled", "growled", "hissed",
  "breathed", "continued", "insisted", "admitted", "agreed", "declared", "began", "demanded", "explained", "promised",
]);

/** Verbs that do not make their subject act: being, having, and the ways of dying. */
const NOT_ACTING = new Set(["was", "is", "were", "are", "be", "been", "had", "has", "have", "died", "dies", "perished", "lay", "lies", "fell"]);

/** A sentence with one of these words looks back or elsewhere: memories, ghosts, news, cutaways. */
export const ELSEWHERE_WORDS: ReadonlySet<string> = new Set([
  "remembered", "remember", "remembers", "recalled", "recall", "memory", "memories", "ghost", "ghosts", "spirit",
  "dreamed", "dreamt", "dream", "dreams", "once", "grave", "tomb", "funeral", "mourned", "mourn", "corpse", "body",
  "buried", "portrait", "statue", "ago", "before", "used", "meanwhile", "news", "letter", "rumour", "rumor", "story",
  "tale", "legend", "far", "away", "distant", "miles", "from", "back", "returned", "left", "toward", "towards",
]);

export type SceneReading = {
  scan: Scan;
  /** Elements named in the scene, in order. */
  mentions: Mention[];
  /** Word index → the mention covering it. */
  mentionAt: Map<number, Mention>;
  lexicon: Lexicon;
  /** Ordinary English (by the lexicon, by form, or written in lower case somewhere in the story). */
  isCommon(lower: string): boolean;
  isPersonName(lower: string): boolean;
  isPlaceName(lower: string): boolean;
  /** Do the words `first`…`last` act or speak, as the subject of the words around them? */
  actsAt(first: number, last: number): boolean;
  /** Does the word at `index` speak ("Mira said", "said Mira")? */
  speaksAt(index: number): boolean;
  /** Is the offset inside quoted dialogue? */
  quoted(offset: number): boolean;
  /** Does the sentence look back in time or away to another place? */
  elsewhere(sentence: number): boolean;
};

const QUOTED = /“[^”]*”?|"[^"\n]*"?/gu;
const PREPOSITIONS = new Set(["in", "at", "to", "from", "of", "into", "inside", "within", "behind", "beyond", "near", "across", "through", "toward", "towards", "under", "over", "above", "below", "past", "by", "around", "on", "upon", "beneath", "outside"]);

export function isActionVerb(word: Word, lexicon: Lexicon): boolean {
  if (NOT_ACTING.has(word.lower)) return false;
  if (SPEECH_VERBS.has(word.lower)) return true;
  const tag = lexicon.lexiconTag(word.lower);
  return tag === "PastTense" || tag === "PresentTense" || /\p{L}{3}ed$/u.test(word.lower);
}

export function readScene(text: string, index: NameIndex, lexicon: Lexicon, earlier: readonly Scan[]): SceneReading {
  const scanned = scan(text);
  const mentions = index.find(scanned);
  const mentionAt = new Map<number, Mention>();
  for (const mention of mentions) for (let i = mention.words[0]; i <= mention.words[1]; i++) mentionAt.set(i, mention);

  const lowerSeen = new Set<string>();
  for (const each of [scanned, ...earlier]) for (const word of each.words) if (!word.capitalised) lowerSeen.add(word.lower);

  const tagOf = (lower: string) => lexicon.lexiconTag(lower);
  const quotes = [...text.matchAll(QUOTED)].map((match) => [match.index, match.index + match[0].length] as const);
  const { words, sentences } = scanned;
  /** The word at `j`, if it is in the same sentence as the word at `i`. */
  const near = (i: number, j: number): Word | undefined => (words[j]?.sentence === words[i]?.sentence ? words[j] : undefined);
  const onlySpaceBetween = (a: Word, b: Word) => /^\s+$/u.test(text.slice(a.end, b.start));
  const elsewhereCache = new Map<number, boolean>();

  return {
    scan: scanned,
    mentions,
    mentionAt,
    lexicon,
    isCommon(lower) {
      const tag = tagOf(lower);
      if (tag !== undefined) return !PROPER_TAGS.has(tag);
      return (lower.length > 4 && lower.endsWith("ly")) || lowerSeen.has(lower);
    },
    isPersonName: (lower) => PERSON_TAGS.has(tagOf(lower) ?? ""),
    isPlaceName: (lower) => PLACE_TAGS.has(tagOf(lower) ?? ""),
    actsAt(first, last) {
      const name = words[last];
      if (!name || name.possessive) return true;
      const previous = near(first, first - 1);
      const before = previous && words[first] && onlySpaceBetween(previous, words[first]) ? previous : undefined;
      if (before && SPEECH_VERBS.has(before.lower)) return true;
      if (before && PREPOSITIONS.has(before.lower)) return false;
      const next = near(last, last + 1);
      // One adverb may stand between a subject and its verb: "Mira quickly said".
      if (next && next.lower.endsWith("ly") && onlySpaceBetween(name, next)) {
        const after = near(last, last + 2);
        return !!after && onlySpaceBetween(next, after) && isActionVerb(after, lexicon);
      }
      return !!next && onlySpaceBetween(name, next) && isActionVerb(next, lexicon);
    },
    speaksAt(index) {
      const [before, after] = [near(index, index - 1), near(index, index + 1)];
      return SPEECH_VERBS.has(before?.lower ?? "") || SPEECH_VERBS.has(after?.lower ?? "");
    },
    quoted: (offset) => quotes.some(([start, end]) => offset >= start && offset < end),
    elsewhere(sentence) {
      let found = elsewhereCache.get(sentence);
      if (found === undefined) {
        found = (sentences[sentence]?.words ?? []).some((i) => ELSEWHERE_WORDS.has(words[i]?.lower ?? ""));
        elsewhereCache.set(sentence, found);
      }
      return found;
    },
  };
}
