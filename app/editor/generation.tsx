// The AI side of the editor (catalogue C2, C3, C7, D3): refining an element, following jobs stage
// by stage, and saying who made what. The dialogs for asking and for settling conflicts are in
// generation-dialogs.tsx, loaded only when one opens.
import { useEffect, useState } from "react";
import { appendSpoken, VoiceInput } from "../components/voice-input";
import type { ProvenanceRecord } from "../../drizzle/schema/worlds";
import { ApiError, api, assetUrl, shareHeaders } from "./api";
import { isNetworkFailure, reportNetworkFailure, reportReachable } from "../lib/online";
import type { JobState } from "./use-room";
import { NeedsConnectionButton } from "../components/needs-connection";

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
export type ConflictView = { id: string; elementId: string; options: { merged: string; a: string; b: string; mergedOffline?: boolean } };

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
export type Modality = "text" | keyof typeof MODALITY_LABEL;

/**
 * Starts a generation job. Each submit carries a fresh idempotency key; the submit button is
 * disabled while one is in flight, so a double click makes one job.
 */
export async function startJob(path: string, body: unknown): Promise<{ job?: JobView; conflict?: ConflictView; error?: string }> {
  const response = await fetch(path, {
    method: "POST",
    headers: { ...shareHeaders(), "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  }).catch((error: unknown) => {
    if (isNetworkFailure(error)) reportNetworkFailure();
    return null;
  });
  if (!response) return { error: "You seem to be offline. Try again when you are connected." };
  reportReachable();
  const json = (await response.json().catch(() => null)) as { job?: JobView; conflict?: ConflictView; error?: { message?: string } } | null;
  if (response.status === 409 && json?.conflict) return { conflict: json.conflict };
  if (!response.ok || !json?.job) return { error: json?.error?.message ?? `The server answered ${response.status}.` };
  return { job: json.job };
}

export function ModalityChoice({ value, onChange }: { value: Set<Modality>; onChange: (next: Set<Modality>) => void }) {
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

/** The job's detail, fetched again whenever the room reports it moved (only signed-in people may read jobs). */
function useJobDetail(job: JobState | undefined, enabled = true): JobView | null {
  const [detail, setDetail] = useState<JobView | null>(null);
  const key = job && enabled ? `${job.jobId}:${job.status}:${job.stage}:${job.progress}` : "";
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

/** Stages in the order they run; the three media stages run side by side. */
const STAGE_STEP: Record<string, number> = { queued: -1, refine_text: 0, image: 1, video: 1, audio: 1, graph_update: 2, notify: 3 };
const STATUS_RANK: Record<string, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2, skipped: 2 };

/** A stage's status as far as the room's latest notice tells (used until, or beyond, the fetched detail). */
function inferredStatus(stage: string, job: JobState): string {
  if (job.status === "succeeded" || job.status === "queued") return job.status;
  const step = STAGE_STEP[stage] ?? 0;
  const current = STAGE_STEP[job.stage];
  const running = job.status === "running";
  if (current === undefined || current < 0) return running ? "queued" : "skipped";
  if (step < current) return "succeeded";
  if (step === current) return job.status;
  return running ? "queued" : "skipped";
}

/** One bar per stage: what is done, running, failed or still to come. */
export function JobStages({ job, detail }: { job: JobState; detail: JobView | null }) {
  const stages = detail?.stages ?? [];
  const planned = ["refine_text", "image", "video", "audio", "graph_update"].filter(
    (s) => s === "refine_text" || s === "graph_update" || s === job.stage || stages.some((x) => x.stage === s),
  );
  return (
    <ol className="mt-2 space-y-1" aria-label="Stages">
      {planned.map((name) => {
        const stage = stages.find((s) => s.stage === name);
        // The fetched detail can lag the room's notices by a moment: the further-along status wins.
        const inferred = inferredStatus(name, job);
        const status = stage && (STATUS_RANK[stage.status] ?? 0) >= (STATUS_RANK[inferred] ?? 0) ? stage.status : inferred;
        const label = STAGE_LABEL[name] ?? name;
        const width = status === "succeeded" || status === "failed" ? "100%" : status === "running" ? "55%" : "0%";
        return (
          <li key={name} className="flex items-center gap-2 text-xs text-stone-700">
            <span className="w-24 shrink-0">{label}</span>
            <span
              className="h-1.5 min-w-0 flex-1 overflow-hidden rounded-full bg-stone-200"
              role="progressbar"
              aria-label={`${label}: ${status}`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={status === "succeeded" ? 100 : status === "running" ? 50 : 0}
            >
              <span className={`block h-full ${STATUS_COLOUR[status] ?? "bg-stone-300"}`} style={{ width }} />
            </span>
            <span className="w-16 shrink-0 text-right text-stone-500">
              {stage?.durationMs != null && status === "succeeded" ? `${(stage.durationMs / 1000).toFixed(1)} s` : status === "skipped" ? "—" : status}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function finishedText(job: JobState, detail: JobView | null, names: Map<string, string>): string {
  const made = detail?.result?.names ?? [];
  if (made.length > 1) return `Generated ${made.length} elements`;
  const name = made[0] ?? names.get(job.elementId ?? "");
  if (!name) return "Done";
  return job.kind === "element_refine" ? `Refined “${name}”` : `Generated “${name}”`;
}

function JobCard({ job, canEdit, signedIn, names, onOpen, onDismiss }: { job: JobState; canEdit: boolean; signedIn: boolean; names: Map<string, string>; onOpen: (elementId: string) => void; onDismiss: () => void }) {
  const detail = useJobDetail(job, signedIn);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const active = job.status === "queued" || job.status === "running";
  const firstElement = detail?.result?.elementIds?.[0] ?? job.elementId;
  return (
    <li className="min-w-0 rounded-lg border border-stone-200 bg-white p-2.5" data-job-status={job.status}>
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
          <span className="truncate">{finishedText(job, detail, names)}</span>
          {firstElement ? (
            <button
              type="button"
              className="shrink-0 font-semibold underline"
              onClick={() => {
                onOpen(firstElement);
                onDismiss();
              }}
            >
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

const ENDED = new Set<JobState["status"]>(["succeeded", "failed", "cancelled"]);
/** How long a job that ended stays in the tray (its result, with *Open*, or why it failed). */
export const ENDED_JOB_SHOWN_MS = 10_000;
/** Jobs this browser has seen end and leave the tray are not shown again (after a reload, say) for this long. */
const CLEARED_KEPT_MS = 24 * 60 * 60 * 1000;

/** The jobs of a world this browser has already seen end and leave the tray (localStorage, by id). */
function clearedJobs(worldId: string) {
  const key = `loreloom-jobs-cleared:${worldId}`;
  const read = (): Record<string, number> => {
    try {
      const value: unknown = JSON.parse(localStorage.getItem(key) ?? "{}");
      if (!value || typeof value !== "object") return {};
      return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === "number" && Date.now() - entry[1] < CLEARED_KEPT_MS));
    } catch {
      return {};
    }
  };
  return {
    has: (jobId: string) => jobId in read(),
    add(jobIds: string[]) {
      try {
        localStorage.setItem(key, JSON.stringify({ ...read(), ...Object.fromEntries(jobIds.map((id) => [id, Date.now()])) }));
      } catch {
        // Storage full or refused: the job still leaves the tray for this page.
      }
    },
  };
}

/**
 * The world's generation jobs in one tray docked under the canvas (never over it): running ones
 * with their stages, and ended ones for a short moment (ENDED_JOB_SHOWN_MS from when this page
 * learnt they ended, or until dismissed or opened), after which they are gone for good, reloads
 * included. The tray collapses to one line, and is not there at all when no job is.
 */
export function JobsTray({ worldId, jobs, canEdit, signedIn, names, onOpen }: { worldId: string; jobs: Map<string, JobState>; canEdit: boolean; signedIn: boolean; names: Map<string, string>; onOpen: (elementId: string) => void }) {
  const [collapsed, setCollapsed] = useState(false);
  const [store] = useState(() => clearedJobs(worldId));
  // Bumped when jobs are cleared or an ended job's moment is over: the tray reads `store` again.
  const [now, setNow] = useState(() => Date.now());
  const [, setClearings] = useState(0);
  const clear = (jobIds: string[]) => {
    store.add(jobIds);
    setClearings((n) => n + 1);
  };

  const all = [...jobs.values()];
  // A job's `seenAt` is when this page last heard of it: for an ended job, when it learnt it ended.
  const lingering = all.filter((j) => ENDED.has(j.status) && !store.has(j.jobId));
  const shown = all.filter((j) => !ENDED.has(j.status) || (!store.has(j.jobId) && now - j.seenAt < ENDED_JOB_SHOWN_MS)).sort((a, b) => b.seenAt - a.seenAt);

  // When the next ended job's moment is over, it leaves the tray and is remembered as cleared.
  const nextDue = lingering.length ? Math.min(...lingering.map((j) => j.seenAt + ENDED_JOB_SHOWN_MS)) : null;
  const lingeringIds = lingering.map((j) => `${j.jobId}:${j.seenAt}`).join(",");
  useEffect(() => {
    if (nextDue === null) return;
    const timer = setTimeout(() => {
      const at = Date.now();
      store.add(lingeringIds.split(",").filter((entry) => Number(entry.split(":")[1]) + ENDED_JOB_SHOWN_MS <= at).map((entry) => entry.split(":")[0]!));
      setNow(at);
    }, Math.max(0, nextDue - Date.now()));
    return () => clearTimeout(timer);
  }, [nextDue, lingeringIds, store]);

  if (shown.length === 0) return null;
  const running = shown.filter((j) => !ENDED.has(j.status)).length;
  const ended = shown.length - running;
  const summary = [running ? `${running} running` : "", ended ? `${ended} finished` : ""].filter(Boolean).join(" · ");
  return (
    <section className="shrink-0 border-t border-stone-200 bg-white" aria-label="Jobs" data-testid="jobs-tray">
      <button
        type="button"
        className="flex w-full items-center gap-2 px-3 py-1.5 text-left text-xs font-medium text-stone-700 hover:bg-stone-50 sm:text-sm"
        aria-expanded={!collapsed}
        aria-controls="jobs-tray-list"
        onClick={() => setCollapsed((value) => !value)}
      >
        <span className={`h-2 w-2 shrink-0 rounded-full ${running ? "animate-pulse bg-indigo-500" : "bg-emerald-500"}`} aria-hidden="true" />
        <span className="min-w-0 flex-1 truncate">AI jobs: {summary}</span>
        <span aria-hidden="true">{collapsed ? "▴" : "▾"}</span>
      </button>
      {collapsed ? null : (
        <ul
          id="jobs-tray-list"
          // A phone keeps the tray to one card's height, side by side and swiped; wider screens lay cards out in columns.
          className="flex snap-x gap-2 overflow-x-auto px-2 pb-2 max-sm:[&>li]:w-[85%] max-sm:[&>li]:shrink-0 max-sm:[&>li]:snap-start sm:grid sm:max-h-[min(16rem,30dvh)] sm:grid-cols-2 sm:overflow-y-auto xl:grid-cols-3"
          aria-label="Generation jobs"
        >
          {shown.map((job) => (
            <JobCard key={job.jobId} job={job} canEdit={canEdit} signedIn={signedIn} names={names} onOpen={onOpen} onDismiss={() => clear([job.jobId])} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** The element panel's AI box: a refinement prompt, and the element's running job. */
/**
 * Asks the AI to refine an element. `version` is the element's version on screen: a refine someone
 * else's result has overtaken meanwhile is not run (409 `refined_meanwhile`, shown here), and asking
 * again once that result is on screen runs it.
 */
export function RefineBox({ worldId, elementId, version, job, onStarted, onConflict }: { worldId: string; elementId: string; version?: number; job: JobState | undefined; onStarted: (job: JobView) => void; onConflict: (conflict: ConflictView) => void }) {
  const [prompt, setPrompt] = useState("");
  const [modalities, setModalities] = useState<Set<Modality>>(new Set(["image", "audio"]));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** The refine this page asked for: while it runs, asking again waits. */
  const [mine, setMine] = useState<string | null>(null);
  const detail = useJobDetail(job);
  const active = job && (job.status === "queued" || job.status === "running");
  // Someone else's refine running is no reason to wait: asking now offers you both a choice (D4).
  const waitForMine = Boolean(active && job?.jobId === mine);
  return (
    <section className="mt-4 rounded-xl border border-indigo-100 bg-indigo-50/40 p-3" aria-label="Ask the AI">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setBusy(true);
          const started = await startJob(`/api/worlds/${worldId}/elements/${elementId}/refine`, { prompt, modalities: ["text", ...modalities], ...(version !== undefined ? { baseVersion: version } : {}) });
          setBusy(false);
          if (started.conflict) return onConflict(started.conflict);
          if (started.error || !started.job) return setError(started.error ?? "The request failed.");
          setPrompt("");
          setMine(started.job.id);
          onStarted(started.job);
        }}
      >
        <label className="block text-sm font-medium text-stone-800">
          Ask the AI to rewrite or extend this element
          <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={2} maxLength={2000} required name="refine" placeholder="Make it older, and give it a secret" className="mt-1 block w-full rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm" />
        </label>
        <VoiceInput onText={(text) => setPrompt((current) => appendSpoken(current, text).slice(0, 2000))} className="mt-2" />
        <ModalityChoice value={modalities} onChange={setModalities} />
        <div className="mt-2 flex items-center justify-end gap-2">
          {error ? <span className="mr-auto text-xs text-red-800" role="alert">{error}</span> : null}
          <NeedsConnectionButton type="submit" disabled={busy || waitForMine} className="rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
            {busy ? "Sending…" : "Refine"}
          </NeedsConnectionButton>
        </div>
      </form>
      {job ? <JobStages job={job} detail={detail} /> : null}
    </section>
  );
}

const WHEN = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const PROVENANCE_LABEL: Record<string, string> = { text: "Text", image: "Image", video: "Clip", audio: "Narration" };

export function OfflineBadge({ className = "" }: { className?: string }) {
  return <span className={`rounded bg-stone-900/75 px-1.5 py-0.5 text-[10px] font-medium whitespace-nowrap text-white ${className}`}>Offline rendering</span>;
}

/** Who made this element's text and media (catalogue C7). */
export function Provenance({ provenance }: { provenance: Partial<Record<"text" | "image" | "video" | "audio", ProvenanceRecord>> | undefined }) {
  const entries = Object.entries(provenance ?? {}).filter((entry): entry is [string, ProvenanceRecord] => Boolean(entry[1]));
  if (entries.length === 0) return <p className="mt-3 text-xs text-stone-500">Written by people.</p>;
  return (
    <ul className="mt-3 space-y-1 text-xs break-words text-stone-600" aria-label="Provenance">
      {entries.map(([kind, record]) => {
        const at = Date.parse(record.at);
        return (
          <li key={kind}>
            <span className="font-medium text-stone-700">{PROVENANCE_LABEL[kind] ?? kind}:</span> {record.provider} · {record.model}
            {record.offline ? (
              <>
                {" · "}
                <OfflineBadge />
              </>
            ) : null}
            {Number.isNaN(at) ? null : ` · ${WHEN.format(at)}`}
          </li>
        );
      })}
    </ul>
  );
}

/**
 * An asset as the right element, by what the file is: SVG (the local provider's art and its
 * animated fly-over) is an image, MP4 a clip, WAV and MP3 speech.
 */
export function Media({ assetKey, name, kind, offline }: { assetKey: string; name: string; kind: "image" | "video" | "audio"; offline: boolean }) {
  const src = assetUrl(assetKey);
  const extension = assetKey.slice(assetKey.lastIndexOf(".") + 1).toLowerCase();
  const as = extension === "svg" ? "image" : extension === "mp4" || extension === "webm" ? "video" : extension === "wav" || extension === "mp3" ? "audio" : kind;
  const badge = offline ? <OfflineBadge className="absolute top-2 left-2" /> : null;
  if (as === "audio") {
    return (
      <figure className="flex items-center gap-2">
        <audio src={src} controls preload="metadata" className="min-w-0 flex-1" aria-label={`Narration of ${name}`} />
        {offline ? <OfflineBadge /> : null}
      </figure>
    );
  }
  if (as === "image") {
    return (
      <figure className="relative">
        <img src={src} alt={kind === "video" ? `${name}, animated` : name} className="w-full rounded-lg border border-stone-200" />
        {badge}
      </figure>
    );
  }
  return (
    <figure className="relative">
      <video src={src} controls preload="metadata" className="w-full rounded-lg" aria-label={`Clip of ${name}`} />
      {badge}
    </figure>
  );
}
