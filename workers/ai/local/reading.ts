// Reads a prompt with the tagger (language.ts): the things it names as noun phrases ("a drowned
// clockwork city", "the Tide Clock", "tide-priests", "Queen Isolde's crown"), what it says about
// each ("ruled by tide-priests"), the describing words it uses ("more sinister and underwater"),
// and what kind of element each thing is. The writer turns these into elements and prose.
import { ELEMENT_TYPES, type ElementType } from "../../../drizzle/schema/constants";
import type { Language, Token } from "./language";
import { KIND_NOUNS } from "./words";

/** Longest name the writer gives an element; longer phrases lose their describing words first. */
export const NAME_LIMIT = 60;
export const TITLE_LIMIT = 120;

/** A clause as written, with the things it mentions kept as references so they can be named. */
export type ClausePart = string | { thing: number };

export type Thing = {
  /** The noun phrase as written, without its article: "drowned clockwork city", "Tide Clock". */
  phrase: string;
  /** The head noun, singular and lower case: "city", "clock", "tide-priest". */
  head: string;
  /** The nouns of the phrase, as written ("clockwork city"), and the describing words before them. */
  core: string;
  modifiers: string[];
  plural: boolean;
  /** Written with capitals (a proper name) or in quotes. */
  proper: boolean;
  /** Written with "the". */
  definite: boolean;
  /** The determiner it was written with, lower case ("the", "a", "their"), said again with its phrase. */
  determiner?: string;
  /** "of thieves", "of the First Queen": the index of the thing after "of", part of this one's name. */
  of?: number;
  /** "Queen Isolde's crown": the index of the owner. */
  owner?: number;
  /** What the prompt says about the thing ("ruled by tide-priests"), and whether it takes a comma. */
  clause?: { parts: ClausePart[]; comma: boolean };
  /** "a keeper named Mirelle Dunn", 'a tavern called "The Drowned Rat"'. */
  givenName?: string;
  /**
   * A thing that is part of another's name: "of" for "thieves" in "a guild of thieves" (or
   * "Nareth" in "the Sky-Whales of Nareth"), "name" for "Mirelle Dunn" in "a keeper named Mirelle Dunn".
   */
  part?: "of" | "name";
  /** A group named by its people ("tide-priests"): a faction whose members share that calling. */
  people?: boolean;
  /** The thing owns the next one ("Queen Isolde" in "Queen Isolde's crown"). */
  possessor: boolean;
  /** The kind of element it is, when the words say so. */
  type?: ElementType;
};

export type PromptReading = {
  things: Thing[];
  /** Describing words in prompt order, lower case ("sinister", "underwater"), with "more"/"less" when asked. */
  qualities: { word: string; degree?: "more" | "less" }[];
  /** Salient words, lower case, without repeats: head nouns, describing words. */
  keywords: string[];
  /** The verbs of the prompt, lower case, as written ("remove", "rename", "add"). */
  verbs: string[];
};

type Role = "det" | "poss" | "adj" | "noun" | "of" | "rel" | "prep" | "conj" | "verb" | "adv" | "pron" | "other";

type Word = Token & { role: Role; quoted: boolean; breakAfter: boolean };

const ARTICLES = new Set(["a", "an", "the"]);
const DETERMINERS = new Set(["a", "an", "the", "this", "these", "those", "that", "some", "every", "each", "its", "their", "his", "her", "our", "my", "your"]);
const RELATIVES = new Set(["who", "whom", "whose", "which", "that", "where", "when"]);
const DEGREE = new Set(["more", "less", "most", "least", "very", "much", "so", "too"]);
/** Words that never end a title or a name ("…ruled by", "…of the"). */
const DANGLING = new Set([
  ..."a an the of in on at to by for from with without into onto over under and or but nor as than that which who whose where when while if so its their his her our my your this these those".split(" "),
]);
/** Words that never end a name: those, and the verbs a sentence puts after it ("B is" reads "B is is"). */
const NAME_DANGLING = new Set([...DANGLING, ..."is are was were be been being am has have had".split(" ")]);
const HANGING = [...NAME_DANGLING].join("|");
/** A hanging word at the end of a name, after a space or inside a word ("B&A", "Tide-the"). */
const HANGING_END = new RegExp(`(?<=[\\p{L}\\p{N}])[\\s&'’-]+(?:${HANGING})$`, "iu");
/** Marks that part the words of a name: all but apostrophes, hyphens and "&". */
const MARKS = /[^\p{L}\p{M}\p{N}'’&\- ]+/gu;
/** A little word at the start of a word run together with marks, read apart ("BY D", "aN A0"). */
const HANGING_START = new RegExp(`^(?:${HANGING})\\s+(?=[\\p{L}\\p{N}])`, "iu");
const QUOTE_OPEN = /["“'‘«]/;
const QUOTE_CLOSE = /["”'’»]/;

const KIND_OF = new Map<string, ElementType>();
for (const type of ELEMENT_TYPES) for (const word of KIND_NOUNS[type]) if (!KIND_OF.has(word)) KIND_OF.set(word, type);

/** Characters that would break Markdown or HTML around a name. */
export function cleanText(text: string): string {
  return text
    .replace(/\p{Cc}+/gu, " ")
    .replace(/[*_`#<>[\]|~\\{}]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * "the the city" → "the city": a doubled word is a slip, and prose built from it would repeat it too.
 * Whole words only: "Tide tide-priests" is two words, not "tide" twice.
 */
export function undouble(text: string): string {
  return text.replace(/(?<![\p{L}\p{N}'-])([\p{L}\p{N}'-]+)(?:\s+\1)+(?![\p{L}\p{N}'-])/giu, "$1");
}

/** A word that names a kind of element ("priests", "tide-priests"), whatever the tagger made of it. */
function namesAKind(word: string, language: Language): boolean {
  const single = language.singular(word.toLowerCase());
  return KIND_OF.has(single) || KIND_OF.has(single.split("-").at(-1) ?? "");
}

function isNounTag(tags: Set<string>): boolean {
  return tags.has("Noun") && !tags.has("Pronoun");
}

/** Joins "tide-" + "priests" (the tagger splits hyphenated words) back into one word. */
function joinHyphens(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (const token of tokens) {
    const last = out.at(-1);
    if (last && /^-$/.test(last.post.trim()) && !/\s/.test(last.post) && token.pre === "") {
      out[out.length - 1] = {
        text: `${last.text}-${token.text}`,
        normal: `${last.normal}-${token.normal}`,
        pre: last.pre,
        post: token.post,
        tags: new Set([...token.tags, ...(last.tags.has("ProperNoun") ? ["ProperNoun"] : [])]),
      };
    } else {
      out.push(token);
    }
  }
  return out;
}

/** Roles from the tagger's tags, with the few repairs noun phrases need (see each rule). */
function assignRoles(tokens: Token[], language: Language): Word[] {
  const words: Word[] = tokens.map((token) => ({ ...token, role: "other", quoted: false, breakAfter: /[,;:.!?()]|—|–/.test(token.post) }));
  // Quoted spans are names: 'a tavern called "The Drowned Rat"'.
  for (let i = 0; i < words.length; i++) {
    if (!QUOTE_OPEN.test(words[i]!.pre)) continue;
    const end = words.findIndex((word, j) => j >= i && QUOTE_CLOSE.test(word.post));
    if (end < 0 || end - i > 8) continue;
    for (let j = i; j <= end; j++) words[j]!.quoted = true;
    i = end;
  }
  const raw = (i: number) => words[i];
  const looksNominal = (i: number) => {
    const word = raw(i);
    if (!word) return false;
    return isNounTag(word.tags) || word.tags.has("Adjective") || word.tags.has("Value") || word.quoted;
  };

  words.forEach((word, i) => {
    const { tags, normal } = word;
    const previous = words[i - 1];
    const next = raw(i + 1);
    if (word.quoted) word.role = "noun";
    else if (normal === "of") word.role = "of";
    else if (DEGREE.has(normal)) word.role = "adv";
    else if (RELATIVES.has(normal) && !(normal === "that" && next && looksNominal(i + 1) && !next.tags.has("Verb"))) word.role = "rel";
    else if (tags.has("QuestionWord")) word.role = "rel";
    else if (DETERMINERS.has(normal) && next && (looksNominal(i + 1) || next.tags.has("Verb"))) word.role = tags.has("Pronoun") || !ARTICLES.has(normal) && tags.has("Possessive") ? "poss" : "det";
    else if (tags.has("Pronoun")) word.role = "pron";
    else if (tags.has("Determiner")) word.role = "det";
    else if (tags.has("Preposition") || tags.has("Particle")) word.role = "prep";
    else if (tags.has("Conjunction")) word.role = "conj";
    else if (tags.has("Adverb")) word.role = "adv";
    else if (tags.has("Adjective") || tags.has("Value")) word.role = "adj";
    else if (tags.has("Verb")) word.role = "verb";
    else if (isNounTag(tags)) word.role = "noun";
    // "darker" unknown to the lexicon reads as a noun; its root "dark" is a known adjective.
    if (word.role === "noun" && !word.quoted && !tags.has("ProperNoun") && !language.lexiconTag(normal) && language.adjectiveOfComparative(normal)) word.role = "adj";
    // "sleeping" after a noun starts a describing clause ("a dragon sleeping under the glacier").
    if (word.role === "noun" && !word.quoted && previous?.role === "noun" && language.lexiconTag(normal) === "Gerund") word.role = "verb";
  });

  // "a kraken", "the ever-burning forge": a word that names a kind of element, after an article or
  // a describing word, is a noun whatever the tagger guessed ("kraken" looks like a participle).
  words.forEach((word, i) => {
    if (word.role === "noun" || word.quoted) return;
    const single = language.singular(word.normal);
    if (!KIND_OF.has(word.normal) && !KIND_OF.has(single) && !KIND_OF.has(single.split("-").at(-1) ?? "")) return;
    const previous = words[i - 1];
    const beforeThat = words[i - 2];
    const describedVerb = previous?.role === "verb" && (previous.tags.has("Gerund") || previous.tags.has("Participle") || previous.tags.has("PastTense")) && ["det", "poss"].includes(beforeThat?.role ?? "");
    if (previous && (["det", "poss", "adj"].includes(previous.role) || describedVerb)) word.role = "noun";
  });

  // "a kraken that sleeps beneath…": right after a relative word, a word the tagger took for a
  // plural noun is the verb, unless a verb follows it ("a city that priests rule").
  words.forEach((word, i) => {
    const previous = words[i - 1];
    const next = words[i + 1];
    const relative = previous?.role === "rel" || (previous?.normal === "that" && previous.role === "det");
    if (word.role === "noun" && !word.quoted && word.tags.has("Plural") && relative && words[i - 2]?.role === "noun" && next?.role !== "verb" && next?.role !== "noun") {
      word.role = "verb";
      previous.role = "rel";
    }
  });

  // "the sleeping giant": the tagger reads "sleeping" as the noun and "giant" as its adjective.
  words.forEach((word, i) => {
    const next = words[i + 1];
    if (word.role === "noun" && language.lexiconTag(word.normal) === "Gerund" && next?.role === "adj" && !["noun", "adj"].includes(words[i + 2]?.role ?? "")) {
      word.role = "adj";
      next.role = "noun";
    }
  });

  // A lone mark (" , " typed with spaces) is punctuation, not a word: it ends what came before.
  words.forEach((word, i) => {
    if (/[\p{L}\p{N}]/u.test(word.text) || word.quoted) return;
    word.role = "other";
    word.breakAfter = true;
    if (words[i - 1]) words[i - 1]!.breakAfter = true;
  });

  // Second pass, left to right, with the roles before each word settled.
  words.forEach((word, i) => {
    const previous = words[i - 1];
    const next = words[i + 1];
    const nextNominal = next !== undefined && (next.role === "noun" || next.role === "adj");
    const opensPhrase = !previous || previous.breakAfter || ["det", "poss", "adj", "of", "prep", "conj", "verb", "rel"].includes(previous.role);
    // "a drowned clockwork city", "the sleeping giant": a participle before a noun describes it.
    if (word.role === "verb" && nextNominal && opensPhrase && (word.tags.has("PastTense") || word.tags.has("Participle") || word.tags.has("Gerund")) && (!previous || ["det", "poss", "adj", "prep", "of", "conj"].includes(previous.role) || previous.breakAfter)) {
      word.role = "adj";
    }
    // "a rooftop garden filled with bees": an infinitive right after a singular noun of a phrase is a noun.
    if (
      word.role === "verb" &&
      word.tags.has("Infinitive") &&
      previous?.role === "noun" &&
      previous.tags.has("Singular") &&
      !previous.breakAfter &&
      ["det", "adj", "poss"].includes(words[i - 2]?.role ?? "") &&
      !(next && ["det", "poss", "pron"].includes(next.role))
    ) {
      word.role = "noun";
    }
    // "older and cursed": a word coordinated with an adjective, with no noun after it, is one too.
    if (word.role === "noun" && !word.tags.has("ProperNoun") && !word.quoted && previous?.role === "conj" && words[i - 2]?.role === "adj" && !(next && next.role === "noun")) {
      word.role = "adj";
    }
    // Ordinals and numbers only describe when a noun follows ("the first queen").
    if (word.role === "adj" && word.tags.has("Value") && !nextNominal) word.role = "other";
  });
  return words;
}

type Span = { start: number; head: number; end: number; det?: Word; possessive: boolean };

/** Noun phrases: [article] describing words* nouns+, ending at the last noun. */
function findSpans(words: Word[]): Span[] {
  const spans: Span[] = [];
  let i = 0;
  while (i < words.length) {
    const first = words[i]!;
    if (!["det", "poss", "adj", "noun"].includes(first.role) || !/[\p{L}\p{N}]/u.test(first.text)) {
      i++;
      continue;
    }
    const start = i;
    const det = first.role === "det" || first.role === "poss" ? first : undefined;
    let j = det ? i + 1 : i;
    let lastNoun = -1;
    while (j < words.length) {
      const word = words[j]!;
      if (word.role !== "adj" && word.role !== "noun") break;
      // A quoted name is a phrase of its own.
      if (j > start && word.quoted !== words[j - 1]!.quoted && !(det && j === start + 1)) break;
      if (word.role === "noun") lastNoun = j;
      // Past the head, a describing word belongs to the sentence ("make the castle darker").
      if (word.role === "adj" && lastNoun >= 0 && !word.quoted) break;
      const possessive = word.tags.has("Possessive") && word.role === "noun";
      if (possessive || word.breakAfter) {
        // "a dark, sinister castle": a comma between describing words keeps the phrase going.
        const carryOn = !possessive && word.role === "adj" && lastNoun < 0 && /,/.test(word.post) && words[j + 1]?.role === "adj";
        if (!carryOn) {
          j++;
          break;
        }
      }
      j++;
    }
    let head = lastNoun;
    // "the deep", "the giant of Mount Orrin": with an article and no noun, the last word is the head.
    if (head < 0 && det && j - 1 > start && words[j - 1]!.role === "adj" && !(words[j]?.role === "noun")) head = j - 1;
    if (head < 0) {
      i = Math.max(j, i + 1);
      continue;
    }
    const headWord = words[head]!;
    // "!!!", "0" and a stray "A" (or "A!A") are not things.
    const headText = spanText(words, head, head);
    if (!/\p{L}/u.test(headText) || NAME_DANGLING.has(headText.toLowerCase())) {
      i = head + 1;
      continue;
    }
    spans.push({ start, head, end: head, det, possessive: headWord.tags.has("Possessive") && !headWord.quoted });
    i = head + 1;
  }
  return spans;
}

/**
 * A word of a clause as it can stand in a sentence: quotes and marks inside it ("0.H", "B!A")
 * would split the sentence, so they part it; a number's point or comma stays ("3.5 miles").
 */
function clauseWord(text: string): string {
  const kept = text.replace(MARKS, (mark, at: number) => (/^[.,]$/.test(mark) && /\p{N}/u.test(text[at - 1] ?? "") && /\p{N}/u.test(text[at + 1] ?? "") ? mark : " "));
  return cleanText(kept);
}

/** The words of a span as written, without the article and quotes, possessive "'s" dropped. */
function spanText(words: Word[], from: number, to: number): string {
  const parts: string[] = [];
  for (let k = from; k <= to; k++) {
    const word = words[k]!;
    let text = word.text.replace(/^["“'‘«]+|["”'’»]+$/g, "");
    // The tagger reads a last "'s" as a possessive or as "is" (an empty word after it): a name has neither.
    if (k === to && !word.quoted && (word.tags.has("Possessive") || words[k + 1]?.text === "")) text = text.replace(/['’]s$|['’]$/i, "");
    // Words run together with marks ("BY!D", "aN!A0") are read apart, and the little words at their
    // start are not part of a name: "BY D" reads "shaped by BY D". A quoted name keeps its "The".
    if (k === from && !word.quoted) {
      text = text.replace(MARKS, " ").trim();
      while (HANGING_START.test(text)) text = text.replace(HANGING_START, "");
    }
    parts.push(text);
  }
  return nameText(parts.join(" "));
}

/**
 * Only letters, numbers, apostrophes, hyphens and "&" make a name: "A.0" or "B!,0" would split or
 * break the sentences it stands in, so other marks part the words. No stray punctuation at either
 * end (", Mira" is "Mira"), and no word that leaves the name hanging at its end ("B!A" reads "B A":
 * the name is "B"; "B&A" is "B").
 */
function nameText(text: string): string {
  // Bare ends first: "@'f f" is "f f" before it is "f".
  const tidy = (phrase: string) => undouble(phrase.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ""));
  let out = tidy(cleanText(text.replace(MARKS, " ")));
  for (let end = HANGING_END.exec(out); end; end = HANGING_END.exec(out)) out = tidy(out.slice(0, end.index));
  return out;
}

export function titleCase(phrase: string): string {
  const small = new Set(["of", "the", "and", "in", "on", "a", "an", "to", "at", "by", "for", "from", "with"]);
  return phrase
    .split(/\s+/)
    .filter(Boolean)
    .map((word, index) =>
      index > 0 && small.has(word.toLowerCase())
        ? word.toLowerCase()
        : word.replace(/(^|-)(\p{Ll})/gu, (_match, dash: string, letter: string) => dash + letter.toUpperCase()),
    )
    .join(" ");
}

/** "a" or "an" before a phrase, judged by its first sound as well as it can be from the letters. */
export function withArticle(phrase: string): string {
  if (startsWithArticle(phrase)) return phrase;
  return `${/^[aeiou]/i.test(phrase) && !/^(uni|eu|one|use|ur[aeiou])/i.test(phrase) || /^(hour|honest|honou?r|heir)/i.test(phrase) ? "an" : "a"} ${phrase}`;
}

/** A name used inside a sentence: "The Tide-Priests" reads "the Tide-Priests" there. */
export function mention(name: string): string {
  return name.replace(/^The\s+(?=\S)/, "the ");
}

/** Drops words that would leave a title hanging ("Drowned clockwork city ruled by" → "…ruled"). */
export function wholePhrase(words: string[]): string[] {
  const out = [...words];
  while (out.length > 1 && DANGLING.has(out.at(-1)!.toLowerCase())) out.pop();
  return out;
}

/** Cuts a phrase to at most `limit` characters at a word boundary, never leaving a dangling word. */
export function clampPhrase(phrase: string, limit: number): string {
  if (phrase.length <= limit) return phrase;
  const words = phrase.split(/\s+/);
  const kept: string[] = [];
  for (const word of words) {
    if ([...kept, word].join(" ").length > limit) break;
    kept.push(word);
  }
  if (kept.length === 0) return [...phrase].slice(0, limit).join("");
  return wholePhrase(kept).join(" ");
}

function kindOf(thing: Thing, language: Language, tags: Set<string>, afterPlace: boolean): ElementType | undefined {
  const last = thing.head.split("-").at(-1) ?? thing.head;
  const known = KIND_OF.get(thing.head) ?? KIND_OF.get(last);
  const personTag = ["Person", "FirstName", "LastName", "MaleName", "FemaleName", "Honorific"].some((tag) => tags.has(tag));
  const group = (type: ElementType | undefined) => (type === "character" && thing.plural ? "faction" : type);
  if (known) return group(known);
  if (tags.has("Actor") || language.lexiconTag(last) === "Actor") return group("character");
  if (personTag) return group("character");
  if (["Place", "City", "Country", "Region", "Address"].some((tag) => tags.has(tag))) return "location";
  if (tags.has("Organization")) return "faction";
  if (thing.proper) {
    if (afterPlace) return "location";
    return thing.phrase.split(/\s+/).length >= 2 ? "character" : "location";
  }
  return undefined;
}

const PLACE_PREPOSITIONS = new Set(["in", "at", "from", "of", "to", "across", "beyond", "near", "beneath", "under", "above", "inside", "within", "into", "through", "over"]);

export function readPrompt(prompt: string, language: Language): PromptReading {
  const text = undouble(cleanText(prompt.normalize("NFC"))).slice(0, 4000);
  const things: Thing[] = [];
  const qualities: PromptReading["qualities"] = [];
  const keywords: string[] = [];
  const verbs: string[] = [];

  for (const sentence of language.tag(text)) {
    const words = assignRoles(joinHyphens(sentence), language);
    const spans = findSpans(words);
    const base = things.length;
    const indexOfSpanAt = (position: number) => spans.findIndex((span) => span.start === position);
    /** Where a span ends with its "of" part: "the edge of the world". */
    const fullEnd = (index: number): number => {
      const span = spans[index]!;
      const inner = words[span.head + 1]?.role === "of" && !words[span.head]!.breakAfter ? indexOfSpanAt(span.head + 2) : -1;
      return inner > index ? fullEnd(inner) : span.head;
    };

    // Phrases made only of little words ("A!A" reads "A A") name nothing.
    const named = (span: Span) => spanText(words, span.det ? span.start + 1 : span.start, span.head).split(/[^\p{L}\p{N}]+/u).some((word) => word !== "" && !DANGLING.has(word.toLowerCase()));
    spans.splice(0, spans.length, ...spans.filter(named));
    spans.forEach((span) => {
      const head = words[span.head]!;
      const from = span.det ? span.start + 1 : span.start;
      const phrase = spanText(words, from, span.head);
      const nounStart = (() => {
        let k = span.head;
        while (k - 1 >= from && words[k - 1]!.role === "noun") k--;
        return k;
      })();
      const modifiers = words
        .slice(from, nounStart)
        .filter((word) => word.role === "adj" && !word.quoted && !word.tags.has("ProperNoun") && !word.tags.has("Value"))
        .map((word) => word.normal.replace(/[^\p{L}\p{N}'-]+/gu, ""))
        // "tide-priests" tagged as describing "drowned tide-priests" names a kind, not a quality.
        .filter((word) => /\p{L}/u.test(word) && !namesAKind(word, language));
      // The head is one word: the last of "BY!D" read apart.
      const headText = spanText(words, span.head, span.head).replace(/['’]s?$/i, "").split(" ").at(-1) || head.text;
      const singular = language.singular(headText.toLowerCase());
      // A capitalised word the lexicon does not know, even first in a sentence ("Emberfall"), is a name.
      const unknownName = (word: Word) =>
        /^\p{Lu}/u.test(word.text) && !language.lexiconTag(word.normal) && !KIND_OF.has(language.singular(word.normal).split("-").at(-1) ?? "");
      const proper = words.slice(from, span.head + 1).some((word) => word.quoted || (/^\p{Lu}/u.test(word.text) && (word.tags.has("ProperNoun") || unknownName(word))));
      const thing: Thing = {
        phrase,
        head: singular,
        core: spanText(words, nounStart, span.head),
        modifiers,
        plural: head.tags.has("Plural") || singular !== headText.toLowerCase(),
        proper,
        definite: span.det?.normal === "the",
        determiner: span.det?.normal.replace(/[^\p{L}]/gu, "") || undefined,
        possessor: span.possessive,
      };
      const before = words[span.start - 1];
      const tags = new Set(words.slice(from, span.head + 1).flatMap((word) => [...word.tags]));
      thing.type = kindOf(thing, language, tags, Boolean(before && PLACE_PREPOSITIONS.has(before.normal)));
      const headKind = KIND_OF.get(thing.head) ?? KIND_OF.get(thing.head.split("-").at(-1) ?? "");
      if (thing.type === "faction" && thing.plural && headKind !== "faction") thing.people = true;
      things.push(thing);
    });

    spans.forEach((span, index) => {
      const thing = things[base + index]!;
      if (thing.part) return;
      let after = span.head + 1;
      // "a guild of thieves", "the Sword of the First Queen": the "of" part completes the name.
      if (words[after]?.role === "of" && !words[span.head]!.breakAfter) {
        const inner = indexOfSpanAt(after + 1);
        if (inner >= 0) {
          thing.of = base + inner;
          things[base + inner]!.part = "of";
          after = spans[inner]!.head + 1;
        }
      }
      // "Queen Isolde's crown": the possessor owns the next thing.
      if (span.possessive) {
        const owned = indexOfSpanAt(span.head + 1);
        if (owned >= 0) things[base + owned]!.owner = base + index;
      }
      // "a keeper named Mirelle Dunn", 'a tavern called "The Drowned Rat"'.
      const naming = words[after];
      if (naming && (naming.normal === "named" || naming.normal === "called") && !words[after - 1]!.breakAfter) {
        const named = indexOfSpanAt(after + 1);
        if (named >= 0) {
          const nameThing = things[base + named]!;
          thing.givenName = clampPhrase(nameThing.definite && !/^the\s/i.test(nameThing.phrase) ? `The ${nameThing.phrase}` : nameThing.phrase, NAME_LIMIT);
          nameThing.part = "name";
          after = spans[named]!.head + 1;
          if (thing.of === undefined && words[after]?.role === "of") after = (spans[indexOfSpanAt(after + 1)]?.head ?? after - 1) + 1;
        }
      }
      if (words[after - 1]?.breakAfter && !/,/.test(words[after - 1]!.post)) return;
      // What the prompt says about the thing: a participle, a relative clause or a place phrase.
      const opener = words[after];
      if (!opener || !["verb", "rel", "prep"].includes(opener.role) || opener.role === "verb" && !(opener.tags.has("PastTense") || opener.tags.has("Participle") || opener.tags.has("Gerund"))) return;
      if (words[after - 1]?.breakAfter && opener.role !== "verb" && opener.role !== "rel") return;
      const parts: ClausePart[] = [];
      let k = after;
      let count = 0;
      while (k < words.length && count < 16) {
        const spanIndex = indexOfSpanAt(k);
        if (spanIndex >= 0 && spanIndex !== index) {
          const end = fullEnd(spanIndex);
          parts.push({ thing: base + spanIndex });
          count += end - k + 1;
          const stop = words[end]!.breakAfter;
          k = end + 1;
          if (stop) break;
          continue;
        }
        const word = words[k]!;
        parts.push(clauseWord(word.text));
        count++;
        k++;
        if (word.breakAfter) break;
      }
      // Never end on "by", "and", "the": a clause cut short ends at its last whole word.
      // A word read apart ("B!A" is "B A") ends at its last whole word too.
      while (parts.length > 0) {
        const last = parts.at(-1)!;
        if (typeof last !== "string") break;
        const whole = wholePhrase(last.split(" ")).join(" ");
        if (DANGLING.has(whole.toLowerCase()) || !/[\p{L}\p{N}]/u.test(whole)) parts.pop();
        else if (whole !== last) parts[parts.length - 1] = whole;
        else break;
      }
      if (parts.length > 1 || (parts.length === 1 && typeof parts[0] !== "string")) {
        thing.clause = { parts, comma: opener.role === "verb" || opener.normal === "where" };
      }
    });

    // Describing words, with "more"/"less" when the prompt asks for a degree.
    words.forEach((word, i) => {
      if (word.role !== "adj" || word.quoted || word.tags.has("Value")) return;
      const previous = words[i - 1];
      const degree = previous?.normal === "more" || previous?.normal === "less" ? previous.normal : undefined;
      // "more sinister and underwater": the degree carries over a coordination.
      const carried = !degree && previous?.role === "conj" ? qualities.at(-1)?.degree : undefined;
      const word_ = word.normal.replace(/[^\p{L}\p{N}'-]+/gu, "");
      // A word that names a kind of thing ("tide-priests" tagged oddly) is not a describing word.
      const kind = namesAKind(word_, language);
      if (word_ && !kind && !qualities.some((q) => q.word === word_)) qualities.push({ word: word_, degree: degree ?? carried });
    });
    for (const word of words) if (word.role === "verb") verbs.push(word.normal);
  }

  for (const thing of things) {
    for (const word of [...thing.modifiers, thing.head]) {
      const keyword = word.toLowerCase().replace(/[^\p{L}\p{N}'-]+/gu, "");
      if (keyword.length > 1 && !keywords.includes(keyword)) keywords.push(keyword);
    }
  }
  for (const quality of qualities) if (!keywords.includes(quality.word)) keywords.push(quality.word);
  return { things, qualities, keywords, verbs };
}

/** Nouns that say only that there is somewhere: "a world where…" names no place of its own. */
const GENERIC_HEADS = new Set(["world", "place", "land", "location", "somewhere", "setting", "thing", "element"]);

export function isGeneric(thing: Thing): boolean {
  return GENERIC_HEADS.has(thing.head) && !thing.proper && thing.modifiers.length === 0 && thing.of === undefined;
}

/**
 * The element name a thing brings, or undefined when it needs one made up: a character from "a
 * smith", a place from "a world where…".
 */
export function nameOfThing(thing: Thing, reading: PromptReading): string | undefined {
  if (thing.givenName) return upperFirst(cleanText(thing.givenName));
  if (thing.type === "character" && !thing.proper && !thing.plural) return undefined;
  if (isGeneric(thing)) return undefined;
  return phraseName(thing, reading, NAME_LIMIT);
}

/** A thing's phrase as a title: "The Drowned Clockwork City", "The Tide Clock", "Queen Isolde's Crown". */
export function phraseName(thing: Thing, reading: PromptReading, limit: number): string {
  const owner = thing.owner !== undefined ? reading.things[thing.owner] : undefined;
  const inner = thing.of !== undefined ? reading.things[thing.of] : undefined;
  const the = (phrase: string, definite: boolean) => (definite && !startsWithArticle(phrase) ? "the " : "");
  const ofPart = inner ? ` of ${the(inner.phrase, inner.definite)}${inner.proper ? inner.phrase : titleCase(inner.phrase)}` : "";
  // "The" before names in Latin letters only: "The Tide Clock", but "東京" as it is.
  const ownerName = owner ? (owner.givenName ?? (owner.proper ? owner.phrase : `The ${titleCase(owner.phrase)}`)) : "";
  const lead = owner ? `${ownerName}'s ` : (thing.proper && !thing.definite) || startsWithArticle(thing.phrase) || !/^\p{Script=Latin}/u.test(thing.phrase) ? "" : "The ";
  const own = (words: string) => (thing.proper ? words.charAt(0).toUpperCase() + words.slice(1) : titleCase(words));
  for (const candidate of [`${lead}${own(thing.phrase)}${ofPart}`, `${lead}${own(thing.core)}${ofPart}`, `${lead}${own(thing.core)}`]) {
    if (candidate.length <= limit) return upperFirst(candidate);
  }
  return upperFirst(clampPhrase(`${lead}${own(thing.core)}`, limit));
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A world's title from its prompt: the first thing it names, whole; never a phrase cut mid-way. */
export function titleOfReading(reading: PromptReading): string | undefined {
  const main = reading.things.filter((thing) => !thing.part && !thing.possessor);
  const first = main.find((thing) => thing.type) ?? main[0];
  if (first) {
    let name = first.givenName && first.type !== "character" ? first.givenName : phraseName(first, reading, TITLE_LIMIT);
    // "a world where the sea has swallowed the sun": the clause is what the title is about.
    if (isGeneric(first) && first.clause) {
      name = titleCase(`${name} ${clauseText(first, reading).replace(/^,/, "").trim()}`);
    }
    return clampPhrase(cleanText(name), TITLE_LIMIT) || undefined;
  }
  const words = reading.qualities.map((quality) => quality.word).slice(0, 3);
  if (words.length === 0) return undefined;
  const joined = words.length === 1 ? words[0]! : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
  return titleCase(`the ${joined} world`);
}

/** A thing as the prompt wrote it, with its article and "of" part: "the edge of the world". */
export function phraseOf(thing: Thing, reading: PromptReading): string {
  const inner = thing.of !== undefined ? reading.things[thing.of] : undefined;
  const phrase = `${thing.phrase}${inner ? ` of ${phraseOf(inner, reading)}` : ""}`;
  // "ruled by a tyrant", not "ruled by tyrant": the determiner is said with the phrase ("a" or "an"
  // as the phrase needs), unless the phrase has an article of its own ('the "The Drowned Rat"').
  if (!thing.determiner || startsWithArticle(phrase)) return phrase;
  return thing.determiner === "a" || thing.determiner === "an" ? withArticle(phrase) : `${thing.determiner} ${phrase}`;
}

/** "The Drowned Rat", "a moat": the phrase already has its article. */
export function startsWithArticle(phrase: string): boolean {
  return /^(?:a|an|the)\s/i.test(phrase);
}

/**
 * What the prompt says about a thing, with the things it mentions said by `say` (their element
 * names) or as the prompt wrote them; with its leading comma when it takes one.
 */
export function clauseText(thing: Thing, reading: PromptReading, say: (other: Thing) => string | undefined = () => undefined): string {
  if (!thing.clause) return "";
  const parts = thing.clause.parts;
  const out: string[] = [];
  parts.forEach((part, i) => {
    if (typeof part === "string") {
      if (part) out.push(part);
      return;
    }
    const other = reading.things[part.thing]!;
    const next = parts[i + 1];
    const owned = next && typeof next !== "string" && reading.things[next.thing]?.owner === part.thing ? reading.things[next.thing] : undefined;
    // "Nareth's clock" is named "Nareth's Clock": the owner is said once, in the name, or else here.
    if (owned && say(owned)) return;
    // Called by its element name, unless that name starts with the word before it ("to Clock Mira
    // Mira" for "to clock Mira a Mira"): then as the prompt wrote it.
    const named = say(other);
    const firstWord = (phrase: string) => phrase.split(/[^\p{L}\p{N}'-]/u)[0]!.toLowerCase();
    const pick = () => (named !== undefined && firstWord(named) !== out.at(-1)?.split(" ").at(-1)?.toLowerCase() ? named : phraseOf(other, reading));
    let text = pick();
    // "under the a clock", "a the a city" were slips: the thing is said with its own article.
    if (DETERMINERS.has(firstWord(text)) && out.length && DETERMINERS.has(out.at(-1)!.toLowerCase())) {
      while (out.length && DETERMINERS.has(out.at(-1)!.toLowerCase())) out.pop();
      text = pick();
    }
    out.push(owned ? `${text}${other.plural && /s$/i.test(text) ? "'" : "'s"}` : text);
  });
  const text = out.join(" ").replace(/\s+([,;:])/g, "$1");
  if (!text) return "";
  return thing.clause.comma ? `, ${text}` : ` ${text}`;
}

/** The words of a text that carry meaning, for comparing prompts: head nouns and describing words. */
export function contentWords(text: string, language: Language): Set<string> {
  const reading = readPrompt(text, language);
  return new Set([...reading.keywords, ...reading.verbs.filter((verb) => verb.length > 2)]);
}
