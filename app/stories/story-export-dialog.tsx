import { useState } from "react";
import { api } from "../editor/api";
import { Dialog } from "../editor/dialogs";
import { ExportList, useExports } from "../editor/export-dialog";
import type { ExportView } from "../../workers/domain/exports";
import { NeedsConnectionButton } from "../components/needs-connection";

type StoryFormat = Exclude<ExportView["format"], "world">;

const FORMATS: Array<{ format: StoryFormat; label: string; detail: string }> = [
  { format: "epub", label: "EPUB", detail: "An e-book for any reader app: a cover, a contents page, a file per chapter, the pictures." },
  { format: "docx", label: "Word (DOCX)", detail: "A document for Word, LibreOffice or Google Docs: a heading per chapter, the pictures." },
  { format: "markdown", label: "Markdown", detail: "One text file; pictures are links to Loreloom." },
  { format: "markdown-zip", label: "Markdown + pictures (ZIP)", detail: "The Markdown file with the pictures beside it." },
];

/**
 * Export a story (issue 18, point 6): pick a format (and, for an EPUB or ZIP, the narration), then
 * follow the export until its download link is ready. Exports are kept for a day; links are signed.
 */
export function StoryExportDialog({ open, worldId, storyId, onClose }: { open: boolean; worldId: string; storyId: string; onClose: () => void }) {
  const { exports, now, error, setError, add, download } = useExports(open, `/api/worlds/${worldId}/stories/${storyId}/exports`);
  const [format, setFormat] = useState<StoryFormat>("epub");
  const [audio, setAudio] = useState(false);
  const [starting, setStarting] = useState(false);
  const audioPossible = format === "epub" || format === "markdown-zip";

  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      const body = audioPossible && audio ? { format, audio: true } : { format };
      const { export: created } = await api<{ export: ExportView }>("POST", `/api/worlds/${worldId}/stories/${storyId}/export`, body);
      add(created);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setStarting(false);
    }
  };

  return (
    <Dialog title="Export story" open={open} onClose={onClose} wide>
      <fieldset>
        <legend className="text-sm text-stone-600">Take this story away as a file. Secrets and share links are never part of it.</legend>
        <div className="mt-3 grid gap-2 sm:grid-cols-2">
          {FORMATS.map((option) => (
            <label
              key={option.format}
              className={`flex cursor-pointer items-start gap-2 rounded-xl border px-3 py-2 text-sm ${format === option.format ? "border-indigo-400 bg-indigo-50" : "border-stone-200 hover:bg-stone-50"}`}
            >
              <input type="radio" name="story-export-format" value={option.format} checked={format === option.format} onChange={() => setFormat(option.format)} className="mt-1" />
              <span className="min-w-0">
                <span className="font-medium text-stone-800">{option.label}</span>
                <span className="block text-xs text-stone-500">{option.detail}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="mt-4 flex flex-wrap items-center justify-between gap-3">
        {audioPossible ? (
          <label className="flex items-start gap-2 text-sm text-stone-700">
            <input type="checkbox" checked={audio} onChange={(e) => setAudio(e.target.checked)} className="mt-1" />
            <span>
              Include the narration
              <span className="block text-xs text-stone-500">
                {format === "epub" ? "Reader apps that support it read aloud and highlight the words (MP3 narration)." : "The audio files go beside the text."}
              </span>
            </span>
          </label>
        ) : (
          <span />
        )}
        <NeedsConnectionButton
          type="button"
          onClick={() => void start()}
          disabled={starting}
          className="rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white shadow-sm hover:bg-indigo-800 disabled:opacity-60"
        >
          {starting ? "Starting…" : "Export"}
        </NeedsConnectionButton>
      </div>
      {error ? (
        <p role="alert" className="mt-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 [overflow-wrap:anywhere]">
          {error}
        </p>
      ) : null}
      <h3 className="mt-6 text-sm font-semibold uppercase tracking-wide text-stone-500">Your recent exports of this story</h3>
      <ExportList exports={exports} now={now} onDownload={(id) => void download(id)} empty="None yet. Exports are kept for a day." />
    </Dialog>
  );
}
