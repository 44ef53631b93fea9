import { useRef, useState } from "react";
import { useNavigate } from "react-router";

/** The largest archive the server accepts (IMPORT_MAX_MB); checked here first to fail fast. */
const MAX_ARCHIVE_BYTES = 50 * 1024 * 1024;

/**
 * "Import world" on the dashboard (catalogue F4): uploads a Loreloom export (.zip), then opens
 * the new world. The server checks everything; its message is shown as it is.
 */
export function ImportWorldButton() {
  const input = useRef<HTMLInputElement>(null);
  const navigate = useNavigate();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const upload = async (file: File) => {
    setError(null);
    if (!/\.zip$/i.test(file.name)) return setError("Choose a .zip file exported from Loreloom.");
    if (file.size > MAX_ARCHIVE_BYTES) return setError("That archive is larger than 50 MB, the most an import accepts.");
    setBusy(file.name);
    try {
      const form = new FormData();
      form.append("file", file);
      const response = await fetch("/api/worlds/import", { method: "POST", body: form, credentials: "same-origin" });
      const json = (await response.json().catch(() => null)) as { world?: { id: string }; error?: { message?: string; details?: { issues?: Array<{ path: string; message: string }> } } } | null;
      if (!response.ok || !json?.world) {
        const issues = json?.error?.details?.issues ?? [];
        const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
        throw new Error(`${json?.error?.message ?? `The server answered ${response.status}.`}${more}`);
      }
      navigate(`/worlds/${json.world.id}`);
    } catch (e) {
      setError(e instanceof TypeError ? "You seem to be offline. Try again when you are connected." : (e as Error).message);
      setBusy(null);
    } finally {
      if (input.current) input.current.value = "";
    }
  };

  return (
    <div className="flex flex-col items-end gap-2">
      <label
        className={`inline-flex cursor-pointer items-center gap-2 rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm font-medium text-stone-800 shadow-sm hover:bg-stone-50 focus-within:ring-2 focus-within:ring-indigo-200 ${busy ? "pointer-events-none opacity-60" : ""}`}
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4 fill-current">
          <path d="M10 13a1 1 0 0 1-1-1V5.4L6.7 7.7a1 1 0 0 1-1.4-1.4l4-4a1 1 0 0 1 1.4 0l4 4a1 1 0 1 1-1.4 1.4L11 5.4V12a1 1 0 0 1-1 1ZM3 15a1 1 0 0 1 1 1v1h12v-1a1 1 0 1 1 2 0v2a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1v-2a1 1 0 0 1 1-1Z" />
        </svg>
        {busy ? "Importing…" : "Import world"}
        <input
          ref={input}
          type="file"
          accept=".zip,application/zip"
          className="sr-only"
          aria-label="Import a world from a Loreloom export (.zip)"
          disabled={busy !== null}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void upload(file);
          }}
        />
      </label>
      {busy ? <p className="text-xs text-stone-500" role="status">Rebuilding the world from {busy}…</p> : null}
      {error ? (
        <p role="alert" className="max-w-md rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
    </div>
  );
}
