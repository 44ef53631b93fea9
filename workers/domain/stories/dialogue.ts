// Who speaks each quotation of a scene (issue 18, point 2), so that narration reads it in that
// character's voice: the character named in its attribution (“…,” said Mira / Mira said, “…”),
// else the nearest character named in the same paragraph; a quotation nobody can be found for is
// the narrator's. The scene is cut into spans that cover its plain text in order.
import type { Mention } from "./name-index";

export type SpeechSpan = { start: number; end: number; speaker: string | null };

/** Quotations: curly pairs, or straight double quotes in pairs. */
const QUOTE = /“([^”]*)”|"([^"\n]*)"/gu;
/** How far from a quotation its attribution may be, in characters. */
const ATTRIBUTION_REACH = 60;

export function speechSpans(text: string, speakers: Mention[]): SpeechSpan[] {
  const quotes = [...text.matchAll(QUOTE)].map((match) => ({ outer: [match.index, match.index + match[0].length] as const, inner: [match.index + 1, match.index + match[0].length - 1] as const }));
  const paragraphOf = (at: number) => {
    const start = text.lastIndexOf("\n", at - 1) + 1;
    const next = text.indexOf("\n", at);
    return [start, next < 0 ? text.length : next] as const;
  };
  const spans: SpeechSpan[] = [];
  let cursor = 0;
  quotes.forEach((quote, index) => {
    const [paraStart, paraEnd] = paragraphOf(quote.outer[0]);
    const nextQuote = quotes[index + 1]?.outer[0] ?? text.length;
    const previousQuote = quotes[index - 1]?.outer[1] ?? 0;
    // After: up to the next quotation or the paragraph's end, within reach.
    const afterEnd = Math.min(nextQuote, paraEnd, quote.outer[1] + ATTRIBUTION_REACH);
    const after = speakers.find((m) => m.start >= quote.outer[1] && m.end <= afterEnd);
    // Before: from the last quotation or the paragraph's start, within reach; the closest one.
    const beforeStart = Math.max(previousQuote, paraStart, quote.outer[0] - ATTRIBUTION_REACH);
    const before = speakers.filter((m) => m.start >= beforeStart && m.end <= quote.outer[0]).at(-1);
    // Else the nearest named in the paragraph, outside quotations.
    const inParagraph = speakers.filter((m) => m.start >= paraStart && m.end <= paraEnd && !quotes.some((q) => m.start >= q.inner[0] && m.end <= q.inner[1]));
    const nearest = inParagraph.sort((a, b) => distance(a, quote.outer) - distance(b, quote.outer))[0];
    const speaker = (after ?? before ?? nearest)?.elementId ?? null;
    if (quote.inner[0] > cursor) spans.push({ start: cursor, end: quote.inner[0], speaker: null });
    spans.push({ start: quote.inner[0], end: quote.inner[1], speaker });
    cursor = quote.inner[1];
  });
  if (cursor < text.length) spans.push({ start: cursor, end: text.length, speaker: null });
  // Neighbouring spans of one voice are one span.
  return spans.reduce<SpeechSpan[]>((joined, span) => {
    const last = joined.at(-1);
    if (last && last.speaker === span.speaker && last.end === span.start) last.end = span.end;
    else if (span.end > span.start) joined.push({ ...span });
    return joined;
  }, []);
}

const distance = (mention: Mention, [start, end]: readonly [number, number]) => (mention.end <= start ? start - mention.end : mention.start - end);
