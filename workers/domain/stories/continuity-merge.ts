// A model's continuity issues beside the rule-based checker's (issue 17, point 5): the model reports
// by quoting, so its issues are anchored to exact spans of the text as it stands; one the rules
// already found (same type, overlapping span) is left out, the rules' own reading being the one
// that knows which element it is about.
import { anchorQuote, type IssueType } from "../../ai/story-issues";
import type { ContinuityIssue, StoryElement } from "./continuity-types";

export { anchorQuote };

/** An issue as a provider reports it, before it is anchored in the scene's text as it now stands. */
export type QuotedIssue = {
  type: IssueType;
  severity: "error" | "warning";
  quote: string;
  explanation: string;
  suggestion: string | null;
};

/**
 * The rules' issues and the model's, in text order. The model's are anchored in `text` (dropped if
 * their quote is gone) and linked to the element a name-drift suggestion names.
 */
export function mergeIssues(text: string, rules: readonly ContinuityIssue[], model: readonly QuotedIssue[], elements: readonly StoryElement[]): ContinuityIssue[] {
  const byName = new Map<string, string>();
  for (const element of elements) for (const name of [element.name, ...element.aliases]) byName.set(name.toLowerCase(), element.id);
  const merged = [...rules];
  for (const issue of model) {
    const span = anchorQuote(text, issue.quote);
    if (!span) continue;
    const overlaps = (other: ContinuityIssue) => other.type === issue.type && other.start < span.end && span.start < other.end;
    if (merged.some(overlaps)) continue;
    const elementId = issue.type === "name_drift" && issue.suggestion ? (byName.get(issue.suggestion.trim().toLowerCase()) ?? null) : null;
    merged.push({ ...issue, ...span, quote: text.slice(span.start, span.end), elementId });
  }
  return merged.sort((a, b) => a.start - b.start || a.end - b.end || a.type.localeCompare(b.type));
}
