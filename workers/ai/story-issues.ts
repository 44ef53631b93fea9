// What a continuity issue is, as both the providers' checks (continuity-prompting.ts) and the
// story domain's rule-based checker (workers/domain/stories/) name it: the types, and where a
// quoted passage stands in a text. Here, below both, so that each layer imports downward (ADR 16).

export const ISSUE_TYPES = ["name_drift", "personality_contradiction", "timeline_error", "setting_mismatch", "new_character"] as const;
export type IssueType = (typeof ISSUE_TYPES)[number];

/**
 * Where a quote stands in the text: verbatim first, then allowing for whitespace the model
 * collapsed or re-flowed (a line break quoted as a space). Undefined when it is not there.
 */
export function anchorQuote(text: string, quote: string): { start: number; end: number } | undefined {
  const trimmed = quote.trim();
  if (!trimmed) return undefined;
  const exact = text.indexOf(trimmed);
  if (exact >= 0) return { start: exact, end: exact + trimmed.length };
  const pattern = trimmed
    .split(/\s+/)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("\\s+");
  const match = new RegExp(pattern).exec(text);
  return match ? { start: match.index, end: match.index + match[0].length } : undefined;
}
