import { Suspense, lazy, useState } from "react";
import { Link } from "react-router";

// The export dialog (EPUB, Word, Markdown) is loaded only when asked for: the reading page and the
// embed stay within their JavaScript budget.
const StoryExportDialog = lazy(() => import("../stories/story-export-dialog").then((module) => ({ default: module.StoryExportDialog })));

/** *Download* a story to read elsewhere: an EPUB (with its narration where it can), Word or Markdown. */
export function TakeAway({ worldId, storyId, signedIn, next }: { worldId: string; storyId: string; signedIn: boolean; next: string }) {
  const [open, setOpen] = useState(false);
  if (!signedIn) {
    return (
      <Link to={`/?next=${encodeURIComponent(next)}#sign-in`} className="min-h-11 rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm font-medium text-stone-800 hover:bg-stone-100">
        Sign in to download (EPUB, Word)
      </Link>
    );
  }
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} className="min-h-11 rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm font-medium text-stone-800 hover:bg-stone-100">
        Download (EPUB, Word…)
      </button>
      {open ? (
        <Suspense fallback={null}>
          <StoryExportDialog open={open} worldId={worldId} storyId={storyId} onClose={() => setOpen(false)} />
        </Suspense>
      ) : null}
    </>
  );
}
