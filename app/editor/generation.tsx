// The AI side of the editor (catalogue C1–C4, C7, D3, D4): asking for an element or a refinement,
// turning a photo into an element, following jobs stage by stage, settling conflicts, and saying
// who made what.
import { useEffect, useState } from "react";
import { ELEMENT_TYPES, type ElementType } from "../../drizzle/schema/constants";
import type { ProvenanceRecord } from "../../drizzle/schema/worlds";
import { ELEMENT_LOOK } from "../lib/element-types";
import { ApiError, api, timeAgo } from "./api";
import { Dialog } from "./dialogs";
import type { ConflictState, JobState } from "./use-room";

export type StageView = { stage: string; status: string; attempts: number; durationMs: number | null; error: string | null; provider: string | null; model: string | null };
export type JobView = {
  id: string;
  kind: string;
  status: JobState["status"];
  stage: string | null;
  progress: number;
  error: string | null;
  elementId: string | null;
  prompt: string | null;
  stages: StageView[];
  result: { elementIds?: string[]; names?: string[] } | null;
  createdAt: string;
};
export type ConflictView = { id: string; elementId: string; options: { merged: string; a: string; b: string } };

const STAGE_LABEL: Record<string, string> = {
  refine_text: "Text",
  image: "Image",
  video: "Clip",
  audio: "Narration",
  graph_update: "Into the world",
  notify: "Done",
};
const KIND_LABEL: Record<string, string> = {
  world_seed: "Seeding the world",
  element_generate: "New element",
  element_refine: "Refining",
};
const MODALITY_LABEL = { image: "Image", video: "Clip", audio: "Narration" } as const;
type Modality = "text" | keyof typeof MODALITY_LABEL;

/** Starts a generation job with a fresh idempotency key per submit (a double click makes one job). */
async function startJob(path: string, body: unknown): Promise<{ job?: JobView; conflict?: ConflictView; error?: string }> {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  }).catch(() => null);
  if (!response) return { error: "You seem to be offline. Try again when you are connected." };
  const json = (await response.json().catch(() => null)) as { job?: JobView; conflict?: ConflictView; error?: { message?: string } } | null;
  if (response.status === 409 && json?.conflict) return { conflict: json.conflict };
  if (!response.ok || !json?.job) return { error: json?.error?.message ?? `The server answered ${response.status}.` };
  return { job: json.job };
}

function ModalityChoice({ value, onChange }: { value: Set<Modality>; onChange: (next: Set<Modality>) => void }) {
  return (
    <fieldset className="mt-3">
      <legend className="text-sm font-medium text-stone-700">Also make</legend>
      <div className="mt-1 flex flex-wrap gap-3">
        {(Object.keys(MODALITY_LABEL) as Array<keyof typeof MODALITY_LABEL>).map((m) => (
          <label key={m} className="flex items-center gap-1.5 text-sm">
            <input
              type="checkbox"
              checked={value.has(m)}
              onChange={(e) => {
                const next = new Set(value);
                if (e.target.checked) next.add(m);
                else next.delete(m);
                onChange(next);
              }}
            />
            {MODALITY_LABEL[m]}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** "Generate" (a new element from a prompt) and "From photo" (a new element from a picture). */
export function GenerateDialog({ open, mode, worldId, onClose, onStarted }: { open: boolean; mode: "prompt" | "photo"; worldId: string; onClose: () => void; onStarted: (job: JobView) => void }) {
  const [prompt, setPrompt] = useState("");
  const [type, setType] = useState<ElementType | "">("");
  const [modalities, setModalities] = useState<Set<Modality>>(new Set(["image", "video", "audio"]));
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setError(null);
    setBusy(true);
    try {
      if (mode === "photo") {
        if (!file) return setError("Choose or take a photo first.");
        if (file.size > 10 * 1024 * 1024) return setError("Photos are limited to 10 MB.");
        const form = new FormData();
        form.set("file", file);
        if (prompt.trim()) form.set("prompt", prompt.trim());
        const response = await fetch(`/api/worlds/${worldId}/photo`, { method: "POST", body: form, credentials: "same-origin", headers: { "idempotency-key": crypto.randomUUID() } }).catch(() => null);
        const json = (await response?.json().catch(() => null)) as { job?: JobView; error?: { message?: string } } | null;
        if (!response?.ok || !json?.job) return setError(json?.error?.message ?? "The photo could not be sent.");
        onStarted(json.job);
      } else {
        const started = await startJob(`/api/worlds/${worldId}/generate`, {
          prompt,
          ...(type ? { type } : {}),
          modalities: ["text", ...modalities],
        });
        if (started.error || !started.job) return setError(started.error ?? "The request failed.");
        onStarted(started.job);
      }
      setPrompt("");
      setFile(null);
      onClose();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={mode === "photo" ? "An element from a photo or sketch" : "Generate an element"} open={open} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {mode === "photo" ? (
          <label className="block text-sm font-medium text-stone-700">
            Photo or sketch (PNG, JPEG, GIF or WebP, up to 10 MB)
            <input
              type="file"
              accept="image/png,image/jpeg,image/gif,image/webp"
              capture="environment"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
              className="mt-1 block w-full text-sm"
              name="file"
            />
          </label>
        ) : null}
        <label className="mt-3 block text-sm font-medium text-stone-700">
          {mode === "photo" ? "What is it? (optional)" : "Describe it"}
          <textarea
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            rows={3}
            maxLength={2000}
            required={mode === "prompt"}
            name="prompt"
            placeholder={mode === "photo" ? "A compass my grandfather carried" : "A lighthouse keeper who talks to clockwork gulls"}
            className="mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 text-sm"
          />
        </label>
        {mode === "prompt" ? (
          <>
            <label className="mt-3 block text-sm font-medium text-stone-700">
              Type
              <select value={type} onChange={(e) => setType(e.target.value as ElementType | "")} className="mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 text-sm" name="type">
                <option value="">Let the AI decide</option>
                {ELEMENT_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {ELEMENT_LOOK[t].label}
                  </option>
                ))}
              </select>
            </label>
            <ModalityChoice value={modalities} onChange={setModalities} />
          </>
        ) : null}
        {error ? (
          <p className="mt-3 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">
            {error}
          </p>
        ) : null}
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" onClick={onClose} className="rounded-lg border border-stone-300 px-3 py-1.5 text-sm">
            Cancel
          </button>
          <button type="submit" disabled={busy} className="rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
            {busy ? "Sending…" : "Generate"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The job's detail, fetched again whenever the room reports it moved. */
function useJobDetail(job: JobState | undefined): JobView | null {
  const [detail, setDetail] = useState<JobView | null>(null);
  const key = job ? `${job.jobId}:${job.status}:${job.stage}:${job.progress}` : "";
  useEffect(() => {
    if (!key) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      api<{ job: JobView }>("GET", `/api/jobs/${key.split(":")[0]}`)
        .then((response) => {
          if (!cancelled) setDetail(response.job);
        })
        .catch(() => undefined);
    }, 120);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [key]);
  return job && detail?.id === job.jobId ? detail : null;
}

const STATUS_COLOUR: Record<string, string> = {
  queued: "bg-stone-300",
  running: "bg-indigo-500 animate-pulse",
  succeeded: "bg-emerald-500",
  failed: "bg-red-500",
  cancelled: "bg-stone-400",
};

/** One bar per stage: what is done, running, failed or still to come. */
export function JobStages({ job, detail }: { job: JobState; detail: JobView | null }) {
  const stages = detail?.stages ?? [];
  const planned = ["refine_text", "image", "video", "audio", "graph_update"].filter((s) => stages.some((x) => x.stage === s) || s === "refine_text" || s === "graph_update");
  return (
    <ol className="mt-2 space-y-1" aria-label="Stages">
      {planned.map((name) => {
        const stage = stages.find((s) => s.stage === name);
        const status = stage?.status ?? (job.status === "failed" || job.status === "cancelled" ? job.status : "queued");
        return (
          <li key={name} className="flex items-center gap-2 text-xs text-stone-700">
            <span className="w-24 shrink-0">{STAGE_LABEL[name] ?? name}</span>
            <span className="h-1.5 flex-1 overflow-hidden rounded-full bg-stone-200" role="progressbar" aria-label={`${STAGE_LABEL[name] ?? name}: ${status}`} aria-valuenow={status === "succeeded" ? 100 : status === "running" ? 50 : 0}>
              <span className={`block h-full ${STATUS_COLOUR[status] ?? "bg-stone-300"}`} style={{ width: status === "succeeded" || status === "failed" ? "100%" : status === "running" ? "55%" : "0%" }} />
            </span>
            <span className="w-16 shrink-0 text-right text-stone-500">{stage?.durationMs != null && status === "succeeded" ? `${(stage.durationMs / 1000).toFixed(1)} s` : status}</span>
          </li>
        );
      })}
    </ol>
  );
}

function JobCard({ job, canEdit, onOpen, onDismiss }: { job: JobState; canEdit: boolean; onOpen: (elementId: string) => void; onDismiss: () => void }) {
  const detail = useJobDetail(job);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const active = job.status === "queued" || job.status === "running";
  const names = detail?.result?.names ?? [];
  const firstElement = detail?.result?.elementIds?.[0] ?? job.elementId;
  return (
    <li className="rounded-xl border border-stone-200 bg-white p-3 shadow-lg" data-job-status={job.status}>
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="text-sm font-semibold">{KIND_LABEL[job.kind ?? ""] ?? "Generating"}</p>
          {detail?.prompt ? <p className="truncate text-xs text-stone-600" title={detail.prompt}>“{detail.prompt}”</p> : null}
        </div>
        {active && canEdit ? (
          <button
            type="button"
            className="shrink-0 rounded-md border border-stone-300 px-2 py-0.5 text-xs hover:bg-stone-50"
            onClick={() => api("POST", `/api/jobs/${job.jobId}/cancel`).catch((error: unknown) => setCancelError(error instanceof ApiError ? error.message : "Could not cancel."))}
          >
            Cancel
          </button>
        ) : !active ? (
          <button type="button" onClick={onDismiss} className="shrink-0 text-stone-400 hover:text-stone-700" aria-label="Dismiss">
            ✕
          </button>
        ) : null}
      </div>
      <JobStages job={job} detail={detail} />
      {job.status === "succeeded" ? (
        <p className="mt-2 flex items-center justify-between gap-2 text-sm text-emerald-800" role="status">
          <span className="truncate">{names.length ? `Generated ${names.length > 1 ? `${names.length} elements` : `“${names[0]}”`}` : "Done"}</span>
          {firstElement ? (
            <button type="button" className="shrink-0 font-semibold underline" onClick={() => onOpen(firstElement)}>
              Open
            </button>
          ) : null}
        </p>
      ) : null}
      {job.status === "failed" ? <p className="mt-2 text-sm text-red-800" role="alert">{detail?.error ?? job.error ?? "The job failed."}</p> : null}
      {job.status === "cancelled" ? <p className="mt-2 text-sm text-stone-600">Cancelled.</p> : null}
      {cancelError ? <p className="mt-1 text-xs text-red-800">{cancelError}</p> : null}
    </li>
  );
}

/** Jobs in this world: running ones, and finished ones until dismissed (newest first). */
export function JobsTray({ jobs, canEdit, onOpen }: { jobs: Map<string, JobState>; canEdit: boolean; onOpen: (elementId: string) => void }) {
  const [dismissed, setDismissed] = useState<Set<string>>(new Set());
  const shown = [...jobs.values()].filter((j) => !dismissed.has(j.jobId)).sort((a, b) => b.seenAt - a.seenAt).slice(0, 4);
  if (shown.length === 0) return null;
  return (
    <ul className="absolute top-2 left-2 z-20 w-[min(20rem,calc(100%-1rem))] space-y-2" aria-label="Generation jobs">
      {shown.map((job) => (
        <JobCard key={job.jobId} job={job} canEdit={canEdit} onOpen={onOpen} onDismiss={() => setDismissed((set) => new Set(set).add(job.jobId))} />
      ))}
    </ul>
  );
}

/** The first open conflict, for everyone who may choose; it closes for all once someone has. */
export function ConflictDialog({ conflicts, names, canChoose, onChoose }: { conflicts: Map<string, ConflictState>; names: Map<string, string>; canChoose: boolean; onChoose: (conflictId: string, choice: "merged" | "a" | "b") => void }) {
  const open = [...conflicts.values()].find((c) => c.choice === null);
  const [sent, setSent] = useState<string | null>(null);
  if (!open || !canChoose) return null;
  const options: Array<["merged" | "a" | "b", string, string]> = [
    ["merged", "Merged (recommended)", open.options.merged],
    ["a", "Request A", open.options.a],
    ["b", "Request B", open.options.b],
  ];
  return (
    <Dialog title="Two requests for the same element" open onClose={() => undefined} wide>
      <p className="text-sm text-stone-700">
        Two people asked the AI to change <strong>{names.get(open.elementId) ?? "this element"}</strong> at the same time. Pick the request to run; the first choice made by
        either of you wins.
      </p>
      <ul className="mt-4 space-y-2">
        {options.map(([choice, label, text]) => (
          <li key={choice} className="rounded-xl border border-stone-200 p-3">
            <p className="text-xs font-semibold uppercase tracking-wide text-stone-500">{label}</p>
            <p className="mt-1 text-sm">{text}</p>
            <button
              type="button"
              disabled={sent === open.conflictId}
              onClick={() => {
                setSent(open.conflictId);
                onChoose(open.conflictId, choice);
              }}
              className="mt-2 rounded-lg bg-indigo-700 px-3 py-1 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50"
            >
              Use {choice === "merged" ? "the merged request" : `request ${choice.toUpperCase()}`}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

/** The element panel's AI box: a refinement prompt, and the element's running job. */
export function RefineBox({ worldId, elementId, job, onStarted, onConflict }: { worldId: string; elementId: string; job: JobState | undefined; onStarted: (job: JobView) => void; onConflict: (conflict: ConflictView) => void }) {
  const [prompt, setPrompt] = useState("");
  const [modalities, setModalities] = useState<Set<Modality>>(new Set(["image", "audio"]));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const detail = useJobDetail(job);
  const active = job && (job.status === "queued" || job.status === "running");
  return (
    <section className="mt-4 rounded-xl border border-indigo-100 bg-indigo-50/40 p-3" aria-label="Ask the AI">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setBusy(true);
          const started = await startJob(`/api/worlds/${worldId}/elements/${elementId}/refine`, { prompt, modalities: ["text", ...modalities] });
          setBusy(false);
          if (started.conflict) return onConflict(started.conflict);
          if (started.error || !started.job) return setError(started.error ?? "The request failed.");
          setPrompt("");
          onStarted(started.job);
        }}
      >
        <label className="block text-sm font-medium text-stone-800">
          Ask the AI to rewrite or extend this element
          <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={2} maxLength={2000} required name="refine" placeholder="Make it older, and give it a secret" className="mt-1 block w-full rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm" />
        </label>
        <ModalityChoice value={modalities} onChange={setModalities} />
        <div className="mt-2 flex items-center justify-end gap-2">
          {error ? <span className="mr-auto text-xs text-red-800" role="alert">{error}</span> : null}
          <button type="submit" disabled={busy || Boolean(active)} className="rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
            {busy ? "Sending…" : "Refine"}
          </button>
        </div>
      </form>
      {job ? <JobStages job={job} detail={detail} /> : null}
    </section>
  );
}

function provenanceLine(kind: string, record: ProvenanceRecord) {
  return `${kind}: ${record.provider} · ${record.model}${record.offline ? " · offline rendering" : ""} · ${timeAgo(record.at)}`;
}

/** Who made this element's text and media (catalogue C7). */
export function Provenance({ provenance }: { provenance: Partial<Record<"text" | "image" | "video" | "audio", ProvenanceRecord>> | undefined }) {
  const entries = Object.entries(provenance ?? {}) as Array<[string, ProvenanceRecord]>;
  if (entries.length === 0) return <p className="mt-3 text-xs text-stone-500">Written by people.</p>;
  const label: Record<string, string> = { text: "Text", image: "Image", video: "Clip", audio: "Narration" };
  return (
    <ul className="mt-3 space-y-0.5 text-xs text-stone-600" aria-label="Provenance">
      {entries.map(([kind, record]) => (
        <li key={kind}>{provenanceLine(label[kind] ?? kind, record)}</li>
      ))}
    </ul>
  );
}

/** An asset as the right element: SVG art and SVG fly-overs are images; clips and speech play. */
export function Media({ assetKey, name, kind, offline }: { assetKey: string; name: string; kind: "image" | "video" | "audio"; offline: boolean }) {
  const src = `/api/assets/${assetKey}`;
  const badge = offline ? <span className="absolute top-2 left-2 rounded bg-stone-900/75 px-1.5 py-0.5 text-[10px] font-medium text-white">Offline rendering</span> : null;
  if (kind === "audio") return <audio src={src} controls className="w-full" aria-label={`Narration of ${name}`} />;
  if (assetKey.endsWith(".svg") || kind === "image") {
    return (
      <figure className="relative">
        <img src={src} alt={kind === "video" ? `${name}, animated` : name} className="w-full rounded-lg border border-stone-200" />
        {badge}
      </figure>
    );
  }
  return (
    <figure className="relative">
      <video src={src} controls className="w-full rounded-lg" aria-label={`Clip of ${name}`} />
      {badge}
    </figure>
  );
}
