// Years, for the timeline rule: when the world dates its characters and events, and when the story
// says it is. Only explicit years count — "born in 1190", a tag "year:1205", "in the spring of
// 1203" — so a number that is not a year ("a force of 1200 men") never moves the story's clock.

export type Dated = { born?: number; died?: number; year?: number };

const TAG = /^(born|birth|died|death|year|date)\s*[:=]?\s*(\d{3,4})$/iu;
const BORN = /\bborn\b[^.!?\d]{0,20}?(\d{3,4})\b/iu;
const DIED = /\b(?:died|was killed|was slain|perished)\b[^.!?\d]{0,20}?(\d{3,4})\b/iu;
/** "In 1203," "in the year 1203", "the spring of 1203", "by 1203." — a year the story stands in. */
const STORY_YEAR = /\b(?:(?:[Ii]n|[Bb]y|[Uu]ntil|[Oo]f)\s+(?:the\s+year\s+)?|[Tt]he\s+year\s+)(\d{3,4})(?=\s*[,.;:!?]|\s+(?:the|a|an|when|as|and|[A-Z]\p{Ll}+)\b)/gu;

/** Dates an element carries in its tags or its description. */
export function datesOf(element: { type: string; description: string; tags: readonly string[] }): Dated {
  const dated: Dated = {};
  for (const tag of element.tags) {
    const match = TAG.exec(tag.trim());
    if (!match) continue;
    const [kind, year] = [match[1]?.toLowerCase(), Number(match[2])];
    if (kind === "born" || kind === "birth") dated.born = year;
    else if (kind === "died" || kind === "death") dated.died = year;
    else dated.year = year;
  }
  const born = BORN.exec(element.description);
  if (born && dated.born === undefined) dated.born = Number(born[1]);
  const died = DIED.exec(element.description);
  if (died && dated.died === undefined) dated.died = Number(died[1]);
  if (element.type === "event" && dated.year === undefined) {
    const year = [...element.description.matchAll(STORY_YEAR)][0];
    if (year) dated.year = Number(year[1]);
  }
  return dated;
}

/** The years a text puts the story in, with where each is said. */
export function storyYears(text: string): Array<{ year: number; at: number }> {
  return [...text.matchAll(STORY_YEAR)].map((match) => ({ year: Number(match[1]), at: match.index }));
}
