import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { z } from "zod";
import { ImportViewSchema, type ImportView } from "../../workers/domain/import-view";

/** The largest archive the server accepts (IMPORT_MAX_MB); checked here first to fail fast. */
const MAX_ARCHIVE_BYTES = 50 * 1024 * 1024;
/** How often a running import is asked about. */
const POLL_MS = 500;

const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
const IssuesSchema = z.object({ issues: z.array(z.object({ path: z.string(), message: z.string() })) });

/** The server's reason, with how many more problems it found when it lists them. */
function reasonOf(error: { message: string; details?: unknown }): string {
  const issues = IssuesSchema.safeParse(error.details);
  const count = issues.success ? issues.data.issues.length : 0;
  return count > 1 ? `${error.message} (and ${count - 1} more problem${count > 2 ? "s" : ""})` : error.message;
}

/** A response read through its schema; anything else is the server's error, or a plain failure. */
async function read<T>(response: Response, schema: z.ZodType<T>): Promise<T> {
  const json: unknown = await response.json().catch(() => null);
  if (response.ok) {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
  }
  const error = ErrorBodySchema.safeParse(json);
  throw new Error(error.success ? reasonOf(error.data.error) : `The server answered ${response.status}.`);
}

const STAGE: Record<string, string> = { reading: "Reading the archive", writing: "Writing the world", done: "Opening the world" };

/**
 * "Import world" on the dashboard (catalogue F4): uploads a Loreloom export (.zip), then follows
 * the import, which the server runs in the background (ADR 13), and opens the new world when it
 * is done, or shows why it was refused.
 */
export function ImportWorldButton() {
  const input = useRef<HTMLInputElement>(null);
  const navigate = useNavigate();
  const [uploading, setUploading] = useState<string | null>(null);
  const [job, setJob] = useState<ImportView | null>(null);
  const [error, setError] = useState<string | null>(null);

  const pendingId = job && (job.status === "queued" || job.status === "running") ? job.id : null;
  useEffect(() => {
    if (!pendingId) return;
    let stopped = false;
    const timer = setInterval(() => {
      fetch(`/api/imports/${pendingId}`, { credentials: "same-origin" })
        .then((response) => read(response, z.object({ import: ImportViewSchema })))
        .then(({ import: next }) => {
          if (stopped) return;
          setJob(next);
          if (next.status === "done" && next.worldId) navigate(`/worlds/${next.worldId}`);
          if (next.status === "failed") setError(next.error ? reasonOf(next.error) : "The import failed.");
        })
        .catch((e: Error) => {
          if (stopped) return;
          // Offline for a moment: keep following; any other answer ends it.
          if (e instanceof TypeError) return;
          setError(e.message);
          setJob(null);
        });
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [pendingId, navigate]);

  const upload = async (file: File) => {
    setError(null);
    setJob(null);
    if (!/\.zip$/i.test(file.name)) return setError("Choose a .zip file exported from Loreloom.");
    if (file.size > MAX_ARCHIVE_BYTES) return setError("That archive is larger than 50 MB, the most an import accepts.");
    setUploading(file.name);
    try {
      const form = new FormData();
      form.append("file", file);
      const response = await fetch("/api/worlds/import", { method: "POST", body: form, credentials: "same-origin" });
      const { import: started } = await read(response, z.object({ import: ImportViewSchema }));
      setJob(started);
    } catch (e) {
      setError(e instanceof TypeError ? "You seem to be offline. Try again when you are connected." : (e as Error).message);
    } finally {
      setUploading(null);
      if (input.current) input.current.value = "";
    }
  };

  const busy = uploading !== null || pendingId !== null || job?.status === "done";
  const status = uploading
    ? `Uploading ${uploading}…`
    : job && job.status !== "failed"
      ? `${job.status === "queued" ? "Waiting to import" : (STAGE[job.stage ?? ""] ?? "Importing")} ${job.fileName}… ${job.progress}%`
      : null;

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
          disabled={busy}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void upload(file);
          }}
        />
      </label>
      {status ? (
        <div className="flex w-56 flex-col gap-1" role="status">
          <p className="text-xs text-stone-500">{status}</p>
          {job ? (
            <progress className="h-1.5 w-full overflow-hidden rounded accent-indigo-600" max={100} value={job.progress} aria-label="Import progress" />
          ) : null}
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="max-w-md rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
    </div>
  );
}
