import { diffWordsWithSpace } from "diff";

export type DiffPart = { kind: "same" | "added" | "removed"; text: string };

/** A word-level diff from `before` to `after`, for showing what a version changed. */
export function wordDiff(before: string, after: string): DiffPart[] {
  return diffWordsWithSpace(before, after).map((part) => ({
    kind: part.added ? "added" : part.removed ? "removed" : "same",
    text: part.value,
  }));
}

/** The fields that differ between two versions of an element, each with its diff. */
export function versionChanges(
  older: Record<string, unknown>,
  newer: Record<string, unknown>,
  fields = ["name", "type", "description", "tags", "secret"],
): Array<{ field: string; parts: DiffPart[] }> {
  const text = (value: unknown) => (Array.isArray(value) ? value.join(", ") : value == null ? "" : String(value));
  return fields
    .filter((field) => text(older[field]) !== text(newer[field]))
    .map((field) => ({ field, parts: wordDiff(text(older[field]), text(newer[field])) }));
}
