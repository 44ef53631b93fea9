// The continuity rule about character: behaviour against the traits an element is described with.
import { isPerson, issue, negated, type Check, type ContinuityIssue, type StoryElement } from "./continuity-types";
import type { Mention } from "./name-index";
import { scan } from "./text-scan";
import { TRAIT_WORDS, type Trait } from "./traits";

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

export function personality({ input, reading, elements }: Check): ContinuityIssue[] {
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
