import type { DiffPart } from "./text-diff";

/** A word diff as read everywhere (versions, scene revisions, refine): removed struck in red, added in green. */
export function DiffParts({ parts }: { parts: DiffPart[] }) {
  return (
    <>
      {parts.map((part, i) =>
        part.kind === "added" ? (
          <ins key={i} className="bg-emerald-100 text-emerald-900 no-underline">
            {part.text}
          </ins>
        ) : part.kind === "removed" ? (
          <del key={i} className="bg-red-100 text-red-900">
            {part.text}
          </del>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </>
  );
}
