import { useState } from "react";
import { templateLabel, updateStory, type StorySummary } from "./story-api";
import { StoryExportDialog } from "./story-export-dialog";
import { NeedsConnectionButton } from "../components/needs-connection";

/**
 * The story's title, template and status; owners and editors publish it or take it back to draft,
 * and anyone signed in who reads it may export it (`canExport`).
 */
export function StoryHeader({
  worldId,
  story,
  canEdit,
  canExport = false,
  onChange,
}: {
  worldId: string;
  story: StorySummary | null;
  canEdit: boolean;
  canExport?: boolean;
  onChange: (story: StorySummary) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!story) return <h1 className="px-1 pb-2 font-display text-xl font-semibold text-stone-400 sm:text-2xl">Story</h1>;
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      onChange(await updateStory(worldId, story.id, { status: story.status === "published" ? "draft" : "published" }));
    } catch (e) {
      setError(e instanceof Error ? e.message : "The story could not be changed.");
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-1 pb-2">
      <h1 className="min-w-0 break-words font-display text-xl font-semibold sm:text-2xl">{story.title}</h1>
      <span className="rounded-full bg-indigo-50 px-2 py-0.5 text-xs text-indigo-800">{templateLabel(story.template)}</span>
      <span className={`rounded-full px-2 py-0.5 text-xs ${story.status === "published" ? "bg-emerald-50 text-emerald-800" : "bg-stone-100 text-stone-700"}`}>{story.status}</span>
      {canEdit ? (
        <NeedsConnectionButton type="button" disabled={busy} onClick={() => void toggle()} className="min-h-11 rounded-lg border border-stone-300 bg-white px-3 py-0.5 text-sm hover:bg-stone-50 disabled:opacity-50 sm:min-h-0 sm:px-2 sm:text-xs">
          {story.status === "published" ? "Back to draft" : "Publish"}
        </NeedsConnectionButton>
      ) : null}
      {canExport ? (
        <NeedsConnectionButton type="button" onClick={() => setExporting(true)} className="min-h-11 rounded-lg border border-stone-300 bg-white px-3 py-0.5 text-sm hover:bg-stone-50 sm:min-h-0 sm:px-2 sm:text-xs">
          Export
        </NeedsConnectionButton>
      ) : null}
      {error ? <span role="alert" className="text-xs text-red-700">{error}</span> : null}
      {canExport ? <StoryExportDialog open={exporting} worldId={worldId} storyId={story.id} onClose={() => setExporting(false)} /> : null}
    </div>
  );
}
