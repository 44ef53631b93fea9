// Rolling summaries for the story bible (issue 17, point 4): a scene's own summary when a person
// wrote one, otherwise one drawn from its text as it now stands (kept up to date by the story
// room's projection), a chapter's from its scenes, the story's from its premise and chapters. Drawn
// from the text, not written by a model: the opening sentence and the latest one, which carry where
// a scene starts and where it has got to.

/** The sentences of plain text, in order. */
function sentences(text: string): string[] {
  return text
    .replace(/\s+/g, " ")
    .trim()
    .match(/[^.!?…]+(?:[.!?…]+["'”’)\]]*|$)/g)
    ?.map((s) => s.trim())
    .filter(Boolean) ?? [];
}

/** At most `words` words of `text`, cut at a word, with "…" if anything was cut. */
export function clipWords(text: string, words: number): string {
  const all = text.split(/\s+/).filter(Boolean);
  return all.length <= words ? all.join(" ") : `${all.slice(0, words).join(" ")}…`;
}

/** A scene's summary drawn from its text: its first sentence and its last, within `words`. */
export function sceneSummaryOf(text: string, words = 60): string {
  const all = sentences(text);
  if (all.length === 0) return "";
  const picked = all.length === 1 ? [all[0]!] : [all[0]!, all.at(-1)!];
  return clipWords(picked.join(" "), words);
}

/** A chapter's summary: the person's, or its scenes' in order, within `words`. */
export function chapterSummaryOf(own: string, sceneSummaries: readonly string[], words = 80): string {
  return own.trim() || clipWords(sceneSummaries.filter(Boolean).join(" "), words);
}
