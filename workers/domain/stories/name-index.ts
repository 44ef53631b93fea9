// Which elements a text names, found in time proportional to the text rather than to the world:
// every name and alias is split into words and stored under its lower-cased words in a Map, built
// once per world; a text is then read word by word, looking up the phrases of 1 to `longest`
// words that start at each word. A world of 5,000 elements costs the same per word as one of 5.
import { scan, type Scan, type Word } from "./text-scan";

export type NamedElement = { id: string; name: string; aliases: readonly string[] };

type Entry = {
  elementId: string;
  /** The name or alias as the world writes it. */
  name: string;
  /** For each word of the name: must the text capitalise it? ("the Iron Queen": no, yes, yes). */
  capitals: boolean[];
};

export type Mention = {
  elementId: string;
  /** The name or alias that matched, as the world writes it. */
  name: string;
  start: number;
  end: number;
  /** The words of the scan that the mention covers: [first, last]. */
  words: [number, number];
  sentence: number;
  /** Followed by "'s". */
  possessive: boolean;
};

export type NameIndex = {
  /** Mentions in the text, longest name first where names overlap; each word belongs to one mention. */
  find(text: string | Scan): Mention[];
  /** Elements whose name or alias is exactly this phrase (any case). */
  lookup(phrase: string): string[];
  /** Every single word of every name and alias, lower-cased, with the elements and names it belongs to. */
  nameWords(): ReadonlyMap<string, ReadonlyArray<{ elementId: string; word: string }>>;
  size: number;
};

/** Names longer than this many words are matched on their first words only. */
export const MAX_NAME_WORDS = 6;

export function buildNameIndex(elements: Iterable<NamedElement>): NameIndex {
  const phrases = new Map<string, Entry[]>();
  const words = new Map<string, Array<{ elementId: string; word: string }>>();
  let longest = 1;
  let size = 0;
  for (const element of elements) {
    size++;
    for (const name of new Set([element.name, ...element.aliases])) {
      const parts = scan(name).words.slice(0, MAX_NAME_WORDS);
      if (parts.length === 0) continue;
      longest = Math.max(longest, parts.length);
      const key = parts.map((part) => part.lower).join(" ");
      const list = phrases.get(key) ?? [];
      if (!list.some((entry) => entry.elementId === element.id)) {
        list.push({ elementId: element.id, name, capitals: parts.map((part) => part.capitalised) });
        phrases.set(key, list);
      }
      for (const part of parts) {
        if (!part.capitalised) continue;
        const owners = words.get(part.lower) ?? [];
        if (!owners.some((owner) => owner.elementId === element.id && owner.word === part.text)) owners.push({ elementId: element.id, word: part.text });
        words.set(part.lower, owners);
      }
    }
  }

  function matchAt(all: Word[], i: number, length: number): Entry[] {
    const span = all.slice(i, i + length);
    if (span.length < length || span.some((word) => word.sentence !== span[0]!.sentence)) return [];
    // Inside a multi-word name only the last word may carry a possessive ("the Iron Queen's").
    if (span.slice(0, -1).some((word) => word.possessive)) return [];
    const entries = phrases.get(span.map((word) => word.lower).join(" ")) ?? [];
    return entries.filter((entry) => entry.capitals.every((capital, k) => !capital || span[k]!.capitalised));
  }

  return {
    size,
    find(text) {
      const all = typeof text === "string" ? scan(text).words : text.words;
      const mentions: Mention[] = [];
      for (let i = 0; i < all.length; ) {
        let matched = 0;
        for (let length = Math.min(longest, all.length - i); length >= 1 && !matched; length--) {
          for (const entry of matchAt(all, i, length)) {
            const [first, last] = [all[i]!, all[i + length - 1]!];
            mentions.push({ elementId: entry.elementId, name: entry.name, start: first.start, end: last.end, words: [i, i + length - 1], sentence: first.sentence, possessive: last.possessive });
            matched = length;
          }
        }
        i += Math.max(matched, 1);
      }
      return mentions;
    },
    lookup(phrase) {
      const key = scan(phrase).words.map((word) => word.lower).join(" ");
      return (phrases.get(key) ?? []).map((entry) => entry.elementId);
    },
    nameWords: () => words,
  };
}
