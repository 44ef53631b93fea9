import { useEffect, useState } from "react";
import type { Role } from "../../drizzle/schema/constants";
import { api, timeAgo } from "./api";
import { Dialog } from "./dialogs";
import type { ExportView } from "../../workers/domain/exports";
import { NeedsConnectionButton } from "../components/needs-connection";

const POLL_MS = 1000;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function expiresIn(iso: string, now = Date.now()): string {
  const hours = Math.round((Date.parse(iso) - now) / 3_600_000);
  return hours >= 1 ? `expires in ${hours} h` : "expires within the hour";
}

const STATUS: Record<ExportView["status"], { label: string; className: string }> = {
  queued: { label: "Queued", className: "bg-stone-100 text-stone-700" },
  running: { label: "Building…", className: "bg-amber-50 text-amber-800" },
  succeeded: { label: "Ready", className: "bg-emerald-50 text-emerald-800" },
  failed: { label: "Failed", className: "bg-red-50 text-red-800" },
};

/** What a story export is, as its row says it (a world's archive needs no word). */
const FORMAT_LABEL: Record<ExportView["format"], string | null> = {
  world: null,
  markdown: "Markdown",
  "markdown-zip": "Markdown + pictures (ZIP)",
  epub: "EPUB",
  docx: "Word (DOCX)",
};

/**
 * A person's recent exports from `listPath`, followed while they are built (a finished one comes
 * back with its download link); `add` puts a new one at the top. Shared by the world's export
 * dialog and the story's.
 */
export function useExports(open: boolean, listPath: string) {
  const [exports, setExports] = useState<ExportView[]>([]);
  const [error, setError] = useState<string | null>(null);
  // When the list was last read: what counts as expired is judged against it, not during render.
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    api<{ exports: ExportView[] }>("GET", listPath)
      .then(({ exports: list }) => {
        if (cancelled) return;
        setExports(list);
        setNow(Date.now());
      })
      .catch((e: Error) => !cancelled && setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [open, listPath]);

  // Follow exports still being built; a finished one comes back with its download link.
  const pending = exports.filter((e) => e.status === "queued" || e.status === "running").map((e) => e.id).join(",");
  useEffect(() => {
    if (!open || !pending) return;
    const timer = setInterval(() => {
      for (const id of pending.split(",")) {
        api<{ export: ExportView }>("GET", `/api/exports/${id}`)
          .then(({ export: next }) => {
            setExports((list) => list.map((e) => (e.id === id ? next : e)));
            setNow(Date.now());
          })
          .catch((e: Error) => setError(e.message));
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [open, pending]);

  // Links are signed for an hour: an older export gets a fresh one when asked.
  const download = async (id: string) => {
    try {
      const { export: fresh } = await api<{ export: ExportView }>("GET", `/api/exports/${id}`);
      setExports((list) => list.map((e) => (e.id === id ? fresh : e)));
      if (fresh.url) window.location.assign(fresh.url);
      else setError("This export is no longer available; make a new one.");
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return { exports, now, error, setError, add: (created: ExportView) => setExports((list) => [created, ...list]), download };
}

/** The list of recent exports with their state and download links. */
export function ExportList({ exports, now, onDownload, empty }: { exports: ExportView[]; now: number; onDownload: (id: string) => void; empty: string }) {
  if (exports.length === 0) return <p className="mt-2 text-sm text-stone-500">{empty}</p>;
  return (
    <ul className="mt-2 divide-y divide-stone-100 rounded-xl border border-stone-200" aria-label="Recent exports">
      {exports.map((e) => {
        const expired = Date.parse(e.expiresAt) <= now;
        const status = STATUS[e.status];
        return (
          <li key={e.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2.5 text-sm" data-testid="export-row">
            <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${status.className}`} role="status">
              {status.label}
            </span>
            <span className="min-w-0 flex-1 text-stone-700">
              {/* Each fact stays on one line; lines break between them. */}
              {[
                FORMAT_LABEL[e.format],
                timeAgo(e.createdAt, now),
                e.size ? formatBytes(e.size) : null,
                e.includesSecrets ? "with secrets" : null,
                e.status === "succeeded" ? (expired ? "expired" : expiresIn(e.expiresAt, now)) : null,
              ]
                .filter((fact): fact is string => fact !== null)
                .map((fact) => fact.replace(/ /g, "\u00a0"))
                .join(" · ")}
              {e.status === "failed" && e.error ? <span className="block text-xs text-red-700">{e.error}</span> : null}
            </span>
            {e.status === "queued" || e.status === "running" ? (
              <span className="h-1.5 w-20 overflow-hidden rounded-full bg-stone-100" aria-hidden="true">
                <span className="block h-full w-1/2 animate-pulse rounded-full bg-indigo-400" />
              </span>
            ) : null}
            {e.status === "succeeded" && !expired ? (
              e.url ? (
                <a href={e.url} className="rounded-lg border border-indigo-200 bg-indigo-50 px-3 py-1 font-medium text-indigo-800 hover:bg-indigo-100">
                  Download
                </a>
              ) : (
                <button type="button" onClick={() => onDownload(e.id)} className="rounded-lg border border-stone-300 px-3 py-1 hover:bg-stone-50">
                  Download
                </button>
              )
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

/**
 * Export (catalogue F4): starts an export, follows it until the archive is ready, and lists the
 * person's recent exports of this world with download links (signed, valid for an hour).
 */
export function ExportDialog({ open, worldId, role, onClose }: { open: boolean; worldId: string; role: Role | null; onClose: () => void }) {
  const trusted = role === "owner" || role === "editor";
  const { exports, now, error, setError, add, download } = useExports(open, `/api/worlds/${worldId}/exports`);
  // Secrets leave only when someone ticks the box for this export: a file handed on cannot be recalled.
  const [includeSecrets, setIncludeSecrets] = useState(false);
  const [starting, setStarting] = useState(false);

  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      const { export: created } = await api<{ export: ExportView }>("POST", `/api/worlds/${worldId}/export`, trusted && includeSecrets ? { includeSecrets: true } : {});
      add(created);
      setIncludeSecrets(false);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setStarting(false);
    }
  };

  return (
    <Dialog
      title="Export world"
      open={open}
      onClose={() => {
        setIncludeSecrets(false);
        onClose();
      }}
      wide
    >
      <p className="text-sm text-stone-600">
        Download this world as a ZIP: <code className="rounded bg-stone-100 px-1">world.json</code>, a Markdown file per element, every image, clip
        and narration, and an offline viewer (<code className="rounded bg-stone-100 px-1">index.html</code>) that opens in any browser without
        a server. Any Loreloom account can import it again from the dashboard.
      </p>
      <div className="mt-4 flex flex-wrap items-center justify-between gap-3">
        {trusted ? (
          <label className="flex items-start gap-2 text-sm text-stone-700">
            <input type="checkbox" checked={includeSecrets} onChange={(e) => setIncludeSecrets(e.target.checked)} className="mt-1" />
            <span>
              Include secrets
              <span className="block text-xs text-stone-500">Left out unless you tick this. Anyone you give the file to can read them.</span>
            </span>
          </label>
        ) : (
          <p className="text-sm text-stone-500">Secrets are never part of a viewer&apos;s export.</p>
        )}
        <NeedsConnectionButton
          type="button"
          onClick={start}
          disabled={starting}
          className="rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white shadow-sm hover:bg-indigo-800 disabled:opacity-60"
        >
          {starting ? "Starting…" : "Export as ZIP"}
        </NeedsConnectionButton>
      </div>
      {error ? (
        <p role="alert" className="mt-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <h3 className="mt-6 text-sm font-semibold uppercase tracking-wide text-stone-500">Your recent exports</h3>
      <ExportList exports={exports} now={now} onDownload={(id) => void download(id)} empty="None yet. Archives are kept for a day." />
    </Dialog>
  );
}
