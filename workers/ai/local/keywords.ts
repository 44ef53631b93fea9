// Reads a prompt the way a quick human reader would: what thing it is about (the first noun
// phrase), what is said about it (the clause that follows), which other words matter, and which
// kind of element it asks for. Heuristics only: the offline provider has no language model.
import { ELEMENT_TYPES, type ElementType } from "../../../drizzle/schema/constants";
import { KNOWN_ADJECTIVES, STOPWORDS, TYPE_KEYWORDS } from "./words";

export type PromptReading = {
  /** Salient words in prompt order, lower case, without repeats. */
  keywords: string[];
  adjectives: string[];
  nouns: string[];
  /** The first noun phrase, e.g. "mystical forest kingdom". */
  subject?: string;
  /** The subject without its adjectives, e.g. "forest kingdom". */
  core?: string;
  /** The head noun of the subject, e.g. "kingdom". */
  head?: string;
  /** What the prompt says about its subject, e.g. "hidden in ancient woods". */
  clause?: string;
  /** Noun phrases after the subject, e.g. "ancient woods". */
  phrases: string[];
  /** The element type the prompt names, if any. */
  type?: ElementType;
  /** A proper name the prompt gives ("named Mirelle", "called 'The Hollow'"). */
  givenName?: string;
};

const ADJECTIVE_SUFFIXES = ["ous", "ful", "ic", "ical", "ish", "less", "ive", "able", "ible", "ern", "ese", "ian"];
/** Words that may start a clause describing the subject: "hidden in…", "where…", "ruled by…". */
const CLAUSE_STARTERS = new Set(["in", "on", "at", "beneath", "under", "above", "near", "beyond", "among", "inside", "within", "across", "where", "that", "who", "which", "with", "ruled", "built", "hidden", "lost", "guarded", "haunted", "made", "forged", "found", "born", "known", "feared", "from", "of"]);

function isAdjective(word: string): boolean {
  if (KNOWN_ADJECTIVES.has(word)) return true;
  if (word.length > 4 && word.endsWith("ed")) return true;
  return word.length > 5 && ADJECTIVE_SUFFIXES.some((suffix) => word.endsWith(suffix));
}

/** "grumpy", "misty": -y words read as adjectives when another word follows them in a phrase. */
function isAttributive(word: string): boolean {
  return word.length > 4 && word.endsWith("y") && !/(ity|ry|ey|ay|oy|ny)$/.test(word);
}

const PARTICIPLES = new Set(
  "hidden forgotten fallen broken frozen sunken stolen chosen forsaken woven written driven given taken born lost built made known found bound held kept left".split(" "),
);

/** Participles that follow a noun start a describing clause: "kingdom hidden in…". */
function isParticiple(word: string): boolean {
  return PARTICIPLES.has(word) || (word.length > 4 && word.endsWith("ed"));
}

function singular(word: string): string {
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith("s") && !word.endsWith("ss") && word.length > 3) return word.slice(0, -1);
  return word;
}

/** The element type a word names, if it names one ("guilds" → faction). */
export function typeOfWord(word: string): ElementType | undefined {
  const forms = [word, singular(word)];
  for (const type of ELEMENT_TYPES) {
    const list: readonly string[] = TYPE_KEYWORDS[type];
    if (forms.some((form) => list.includes(form))) return type;
  }
  return undefined;
}

function findGivenName(prompt: string): string | undefined {
  const quoted = /["“'‘]([^"”'’]{2,40})["”'’]/.exec(prompt);
  if (quoted?.[1] && /[A-Za-z]/.test(quoted[1])) return quoted[1].trim();
  const named = /\b(?:named|called|rename(?:d)?(?: it| her| him| them)? to)\s+((?:[A-Z][\w'-]*)(?:\s+(?:of|the|[A-Z][\w'-]*))*)/.exec(prompt);
  return named?.[1]?.replace(/\s+(?:of|the)$/, "").trim();
}

export function readPrompt(prompt: string): PromptReading {
  const tokens = prompt
    .toLowerCase()
    .replace(/[^a-z0-9'\-\s]+/g, " ")
    .split(/\s+/)
    .map((token) => token.replace(/^['-]+|['-]+$/g, ""))
    .filter(Boolean);

  // Runs of content words form noun phrases; an adjective right after a noun ("kingdom hidden")
  // starts the describing clause instead of joining the phrase.
  const runs: { words: string[]; start: number; end: number }[] = [];
  let current: { words: string[]; start: number; end: number } | undefined;
  tokens.forEach((token, index) => {
    // The word after "who"/"that"/"which" is almost always a verb ("who forges blades").
    const afterRelative = ["who", "that", "which"].includes(tokens[index - 1] ?? "");
    const content = !STOPWORDS.has(token) && token.length > 2 && !/^\d+$/.test(token) && !afterRelative;
    const last = current?.words.at(-1);
    const breaksRun = content && current && last && !isAdjective(last) && !isAttributive(last) && isParticiple(token);
    if (!content || breaksRun) {
      if (current) runs.push(current);
      current = undefined;
    }
    if (content) {
      current ??= { words: [], start: index, end: index };
      current.words.push(token);
      current.end = index;
    }
  });
  if (current) runs.push(current);

  const modifiers = new Set(runs.flatMap((run) => run.words.filter((word, i) => isAdjective(word) || (i < run.words.length - 1 && isAttributive(word)))));
  const isModifier = (word: string) => modifiers.has(word);
  const keywords = [...new Set(runs.flatMap((run) => run.words))];
  const adjectives = keywords.filter(isModifier);
  const nouns = keywords.filter((word) => !isModifier(word));

  const subjectRun = runs.find((run) => run.words.some((word) => !isModifier(word)));
  const subjectWords = subjectRun?.words ?? [];
  const coreWords = subjectWords.filter((word) => !isModifier(word));
  const head = coreWords.at(-1);

  let clause: string | undefined;
  if (subjectRun) {
    const rest = tokens.slice(subjectRun.end + 1);
    if (rest[0] && CLAUSE_STARTERS.has(rest[0])) clause = rest.slice(0, 12).join(" ");
  }

  const headType = head ? typeOfWord(head) : undefined;
  const type = headType ?? nouns.map(typeOfWord).find((found) => found !== undefined);

  return {
    keywords,
    adjectives,
    nouns,
    subject: subjectWords.length ? subjectWords.join(" ") : undefined,
    core: coreWords.length ? coreWords.slice(-3).join(" ") : undefined,
    head,
    clause,
    phrases: runs
      .filter((run) => run !== subjectRun && run.words.some((word) => !isModifier(word)))
      .map((run) => run.words.join(" ")),
    type,
    givenName: findGivenName(prompt),
  };
}

/** The words of a text that carry meaning, for comparing prompts. */
export function contentWords(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .replace(/[^a-z0-9'\-\s]+/g, " ")
      .split(/\s+/)
      .filter((word) => word.length > 2 && !STOPWORDS.has(word))
      .map(singular),
  );
}

export function titleCase(phrase: string): string {
  const small = new Set(["of", "the", "and", "in", "on", "a", "an", "to", "at"]);
  return phrase
    .split(/\s+/)
    .filter(Boolean)
    .map((word, index) =>
      index > 0 && small.has(word.toLowerCase())
        ? word.toLowerCase()
        : word.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase()),
    )
    .join(" ");
}

/** "a" or "an" before a phrase, judged by its first letter. */
export function withArticle(phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) && !/^(uni|eu|one|use)/i.test(phrase) ? "an" : "a"} ${phrase}`;
}

/**
 * Joins a describing clause to the phrase before it: participles and "where" take a comma ("a
 * kingdom, hidden in…"), restrictive clauses do not ("a smith who forges…", "a guild of thieves").
 */
export function joinClause(clause: string | undefined): string {
  if (!clause) return "";
  const first = clause.split(" ")[0] ?? "";
  return isParticiple(first) || first === "where" ? `, ${clause}` : ` ${clause}`;
}
