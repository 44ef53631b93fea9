// Continuity rules about time: the dead do not act, nobody acts before their birth, and an event
// is not spoken of as past before its year.
import { isPerson, issue, type Check, type ContinuityIssue, type StoryElement } from "./continuity-types";
import type { NameIndex } from "./name-index";
import { scan, type Scan } from "./text-scan";

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

export function deaths({ input, reading, elements, index, earlier, yearAt, datesOf }: Check): ContinuityIssue[] {
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

export function dated({ input, reading, elements, yearAt, datesOf }: Check): ContinuityIssue[] {
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
