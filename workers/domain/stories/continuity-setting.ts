// Continuity rules about place: the text puts the scene somewhere else, or describes its place
// against the place's element.
import { issue, negated, type Check, type ContinuityIssue, type StoryElement } from "./continuity-types";
import { scan } from "./text-scan";
import { CLIMATE_OPPOSITES, NOT_A_PLACE, type Climate } from "./traits";

const PRESENCE = new Set(["in", "at", "inside", "within"]);

export function settings({ input, reading, elements }: Check): ContinuityIssue[] {
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
