// Words and sentences of a scene with their offsets, so that every finding points at the exact
// characters it is about. Plain regular expressions rather than the tagger's tokens: the tagger
// normalises text and does not report offsets.

export type Word = {
  /** The word without a trailing possessive: "Mira" for "Mira's". */
  text: string;
  start: number;
  /** End of `text` (exclusive); the possessive, if any, follows it. */
  end: number;
  lower: string;
  capitalised: boolean;
  possessive: boolean;
  /** First word of its sentence, or of a quotation: capitalised by grammar, not because it is a name. */
  sentenceStart: boolean;
  /** Index of its sentence in `scan(text).sentences`. */
  sentence: number;
};

export type Sentence = { start: number; end: number; words: number[] };

export type Scan = { text: string; words: Word[]; sentences: Sentence[] };

const WORD = /\p{L}[\p{L}\p{M}\p{N}]*(?:['’-]\p{L}[\p{L}\p{M}\p{N}]*)*/gu;
const POSSESSIVE = /['’]s$/u;
/** Where a sentence ends: terminal punctuation (with closing quotes) before a space, or a blank line. */
const SENTENCE_END = /[.!?…]+["'”’)\]]*(?=\s|$)|\n\s*\n/gu;
/** A gap that ends in an opening quote: a curly one, or a straight one after a space ("said, 'Go'"). */
const OPENING_QUOTE = /(?:[“‘]|(?:^|\s)["'(])\s*$/u;

export function scan(text: string): Scan {
  const sentences: Sentence[] = [];
  let from = 0;
  for (const match of text.matchAll(SENTENCE_END)) {
    const end = match.index + match[0].length;
    sentences.push({ start: from, end, words: [] });
    from = end;
  }
  if (from < text.length) sentences.push({ start: from, end: text.length, words: [] });

  const words: Word[] = [];
  let sentence = 0;
  for (const match of text.matchAll(WORD)) {
    const start = match.index;
    while (sentence < sentences.length - 1 && start >= sentences[sentence]!.end) sentence++;
    const raw = match[0];
    const possessive = POSSESSIVE.test(raw) && raw.length > 2;
    const word = possessive ? raw.slice(0, -2) : raw;
    const current = sentences[sentence]!;
    const first = current.words.length === 0 || OPENING_QUOTE.test(text.slice(words[current.words.at(-1) ?? 0]!.end, start));
    current.words.push(words.length);
    words.push({
      text: word,
      start,
      end: start + word.length,
      lower: word.toLowerCase(),
      capitalised: /^\p{Lu}/u.test(word),
      possessive,
      sentenceStart: first,
      sentence,
    });
  }
  return { text, words, sentences };
}
