// The `local` provider's continuity checker (issue 17, point 5): rules, deterministic and offline,
// that read a scene against the world and the story so far. Each finding names the exact span of
// text it is about. The rules lean towards silence: a check that cries wolf on clean prose is
// worse than one that misses a subtle slip, so each rule has its reasons not to fire.
import { newCharacters, nameDrift } from "./continuity-names";
import { personality } from "./continuity-personality";
import { settings } from "./continuity-setting";
import { dated, deaths } from "./continuity-timeline";
import { MINOR_TYPES, type Check, type ContinuityInput, type ContinuityIssue } from "./continuity-types";
import { buildNameIndex } from "./name-index";
import { readScene, type Lexicon } from "./scene-reading";
import { datesOf, storyYears } from "./story-years";
import { scan } from "./text-scan";

export { ELEMENT_TYPES, ISSUE_TYPES, MINOR_TYPES, type ContinuityInput, type ContinuityIssue, type EarlierScene, type IssueType, type StoryElement } from "./continuity-types";
export { driftAllowance } from "./continuity-names";
export { describedTraits } from "./continuity-personality";
export type { Lexicon } from "./scene-reading";

export function checkContinuity(input: ContinuityInput, lexicon: Lexicon): ContinuityIssue[] {
  const index = input.nameIndex ?? buildNameIndex(input.elements);
  const earlier = input.storySoFar.map((scene) => ({ scene, scan: scan(scene.text) }));
  const reading = readScene(input.text, index, lexicon, earlier.map((each) => each.scan));
  const elements = new Map(input.elements.map((element) => [element.id, element]));
  const check: Check = { input, reading, elements, index, earlier, yearAt: yearsOf(input), datesOf: cached((id) => datesOf(elements.get(id) ?? { type: "", description: "", tags: [] })) };
  const drift = nameDrift(check);
  const drifted = new Set(drift.map((issue) => issue.start));
  const issues = [...drift, ...newCharacters(check, drifted), ...personality(check), ...deaths(check), ...dated(check), ...settings(check)];
  return issues.sort((a, b) => a.start - b.start || a.end - b.end || a.type.localeCompare(b.type));
}

function cached<T extends object>(compute: (id: string) => T): (id: string) => T {
  const known = new Map<string, T>();
  return (id) => {
    let value = known.get(id);
    if (value === undefined) known.set(id, (value = compute(id)));
    return value;
  };
}

/** The story's clock: the last year the earlier scenes state, then each year this text states. */
function yearsOf(input: ContinuityInput): (offset: number) => number | undefined {
  const before = input.storySoFar.flatMap((scene) => storyYears(scene.text)).at(-1)?.year;
  const inScene = storyYears(input.text);
  return (offset) => inScene.filter((each) => each.at <= offset).at(-1)?.year ?? before;
}

// ── Automatic correction ────────────────────────────────────────────────────────────────────

/** Applies the suggestions of minor issues (name drift), right to left so offsets hold. */
export function autoCorrect(text: string, issues: readonly ContinuityIssue[]): { text: string; applied: ContinuityIssue[] } {
  const minor = issues.filter((each) => MINOR_TYPES.has(each.type) && each.suggestion !== null && text.slice(each.start, each.end) === each.quote);
  const applied: ContinuityIssue[] = [];
  let result = text;
  let limit = Infinity;
  for (const each of [...minor].sort((a, b) => b.start - a.start)) {
    if (each.end > limit) continue;
    result = result.slice(0, each.start) + (each.suggestion ?? "") + result.slice(each.end);
    applied.push(each);
    limit = each.start;
  }
  return { text: result, applied: applied.reverse() };
}

/**
 * Corrects minor issues and keeps the correction only if a recheck finds fewer issues than
 * before; otherwise the text comes back unchanged. Nothing here blocks writing.
 */
export function correctIfBetter(input: ContinuityInput, lexicon: Lexicon): { text: string; issues: ContinuityIssue[]; applied: ContinuityIssue[] } {
  const issues = checkContinuity(input, lexicon);
  const corrected = autoCorrect(input.text, issues);
  if (corrected.applied.length === 0) return { text: input.text, issues, applied: [] };
  const recheck = checkContinuity({ ...input, text: corrected.text }, lexicon);
  return recheck.length < issues.length ? { text: corrected.text, issues: recheck, applied: corrected.applied } : { text: input.text, issues, applied: [] };
}
