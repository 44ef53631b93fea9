// Sentence-level rules every text the offline writer makes obeys: no sentence twice in a world,
// and each sentence whole (a capital first, end punctuation last, no doubled or dangling words).

/** A sentence reduced to what a reader would call "the same sentence". */
function key(sentence: string): string {
  return plain(sentence).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/** The sentences already written in one world (or one description); `take` refuses a repeat. */
export class Ledger {
  private readonly used = new Set<string>();
  private readonly words: Set<string>[] = [];

  /**
   * `similarity`, when given, also refuses a sentence that shares that share of its words with one
   * written before (for a description that is being extended rather than a world being written).
   */
  constructor(
    existing: string[] = [],
    private readonly similarity?: number,
  ) {
    for (const text of existing) for (const sentence of sentencesOf(text)) this.record(key(sentence));
  }

  private record(k: string) {
    this.used.add(k);
    this.words.push(new Set(k.split(" ")));
  }

  has(sentence: string): boolean {
    const k = key(sentence);
    if (this.used.has(k)) return true;
    if (this.similarity === undefined) return false;
    const words = new Set(k.split(" "));
    return this.words.some((other) => {
      const shared = [...words].filter((word) => other.has(word)).length;
      return shared / new Set([...words, ...other]).size >= this.similarity!;
    });
  }

  /** Records the sentence and says true, or says false when it was written before. */
  take(sentence: string | undefined): sentence is string {
    if (!sentence) return false;
    const k = key(sentence);
    if (!k || this.has(sentence)) return false;
    this.record(k);
    return true;
  }

  /** The first candidate not written before (in the order given), recorded; undefined if all were. */
  first(candidates: Iterable<string>): string | undefined {
    for (const candidate of candidates) if (this.take(candidate)) return candidate;
    return undefined;
  }
}

/**
 * Whether a name stands right after a word it starts with: "returns, sooner or later, to TO&2",
 * "shaped by By the Sea". The name is right, and so is the sentence around it, but together they
 * read as a doubled word; the writer picks another sentence.
 */
export function stumblesOnName(sentence: string, names: string[]): boolean {
  const text = plain(sentence).toLowerCase();
  return names.some((name) => {
    const lower = name.toLowerCase();
    const first = /^[\p{L}\p{N}'-]+/u.exec(lower)?.[0];
    if (!first) return false;
    for (let at = text.indexOf(lower); at >= 0; at = text.indexOf(lower, at + 1)) {
      // The name itself, not the start of a longer word ("Tide" in "Tide-Priests").
      if (/[\p{L}\p{N}'-]/u.test(text.charAt(at + lower.length))) continue;
      if (/([\p{L}\p{N}'-]+)\s+$/u.exec(text.slice(0, at))?.[1] === first) return true;
    }
    return false;
  });
}

/** Markdown to one line of plain text, for narration and prompts. */
export function plain(markdown: string): string {
  return markdown.replace(/\*\*|__|[*_`#>]/g, "").replace(/\s+/g, " ").trim();
}

/** The sentences of a text, in order (Markdown kept). Abbreviations are rare in this prose. */
export function sentencesOf(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .flatMap((paragraph) => paragraph.replace(/\s+/g, " ").trim().match(/[^.!?]+(?:[.!?]+["'”’)\]*_]*|$)/g) ?? [])
    .map((sentence) => sentence.trim())
    .filter(Boolean);
}

/** Whole sentences up to `limit` characters, so narration never stops mid-word. */
export function clampSentences(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let out = "";
  for (const sentence of sentencesOf(text)) {
    if (`${out} ${sentence}`.trim().length > limit) break;
    out = `${out} ${sentence}`.trim();
  }
  return out || `${text.slice(0, limit - 1).replace(/\s+\S*$/, "")}…`;
}

export function capitalise(text: string): string {
  // "**the Tide-Priests** …": the first letter, past any Markdown.
  return text.replace(/^([*_"“‘'(]*)(\p{Ll})/u, (_match, lead: string, letter: string) => lead + letter.toUpperCase());
}

export function joinAnd(items: string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** Words no sentence ends on ("…ruled by.", "…of the."); "where it came from." is fine English. */
const DANGLING_END = /(?:^|\s)(?:a|an|the|of|by|and|or|but|nor|its|their|my|your|our)\s*[.!?]$/i;

/** What is wrong with a sentence, if anything: the checks the tests hold every written sentence to. */
export function sentenceProblem(sentence: string): string | undefined {
  const text = plain(sentence);
  if (!text) return "empty";
  if (/^\p{Ll}/u.test(text)) return "starts in lower case";
  if (!/[.!?…]["'”’)\]]*$/.test(text)) return "does not end with punctuation";
  // Whole words: "the Tide tide-priests" says two different words.
  if (/(?<![\p{L}\p{N}'-])([\p{L}\p{N}'-]+)\s+\1(?![\p{L}\p{N}'-])/iu.test(text)) return "doubles a word";
  if (/\s[,;:.!?]|,\s*[,.;:!?]|\(\s*\)|^[,;:]/.test(text)) return "has an empty clause";
  if (DANGLING_END.test(text)) return "ends on a dangling word";
  if (/\b(?:undefined|null|NaN)\b|\[object|[{}]/.test(text)) return "holds a placeholder";
  return undefined;
}
