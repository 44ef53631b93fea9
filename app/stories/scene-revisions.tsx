// A scene's revisions and *Refine* in the story editor (issue 18, point 5): the revision list with a
// diff against the text as it is now and Restore, and *Refine* on the scene or the selection with
// the proposal shown as a diff to accept or reject. Restore and Accept are live edits through the
// story's room: every co-author sees the text change.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { appendSpoken, VoiceInput } from "../components/voice-input";
import type * as Y from "yjs";
import type { JobEvent } from "../../durable-objects/world-room/protocol";
import { ApiError, timeAgo } from "../editor/api";
import { wordDiff, type DiffPart } from "../editor/text-diff";
import { DiffParts } from "../editor/diff-parts";
import { sceneField } from "./outline-model";
import { RateResult } from "../components/rate-result";
import { decideProposal, getRevision, listRevisions, proposalOf, restoreRevision, scenePlainText, startRefine, type Proposal, type RevisionSummary } from "./revisions-api";
import { NeedsConnectionButton } from "../components/needs-connection";

const RUNNING = new Set<JobEvent["status"]>(["queued", "running"]);
const QUICK = ["Darker", "Lighter", "Shorter", "Longer"] as const;

const KIND_LABEL: Record<RevisionSummary["kind"], string> = {
  generation: "AI",
  refine: "Refined",
  snapshot: "Snapshot",
  restore: "Restored",
};
const KIND_CLASS: Record<RevisionSummary["kind"], string> = {
  generation: "bg-violet-100 text-violet-900",
  refine: "bg-indigo-100 text-indigo-900",
  snapshot: "bg-stone-100 text-stone-700",
  restore: "bg-emerald-100 text-emerald-900",
};

/** The scene's plain text, re-read a moment after it changes. */
function useScenePlainText(doc: Y.Doc, sceneId: string): string {
  const [text, setText] = useState(() => scenePlainText(doc, sceneId));
  useEffect(() => {
    const fragment = doc.getXmlFragment(sceneField(sceneId));
    let timer: ReturnType<typeof setTimeout> | null = null;
    const later = () => {
      timer ??= setTimeout(() => {
        timer = null;
        setText(scenePlainText(doc, sceneId));
      }, 300);
    };
    fragment.observeDeep(later);
    return () => {
      fragment.unobserveDeep(later);
      if (timer) clearTimeout(timer);
    };
  }, [doc, sceneId]);
  return text;
}

/** Removed words struck through in red, added words in green, the rest as it is. */
function Diff({ parts, testId }: { parts: DiffPart[]; testId?: string }) {
  return (
    <p className="mt-1 max-h-80 overflow-y-auto break-words whitespace-pre-wrap font-serif text-sm leading-relaxed" data-testid={testId}>
      <DiffParts parts={parts} />
    </p>
  );
}

const legend = (
  <>
    (<del className="bg-red-100 text-red-900">removed</del>, <ins className="bg-emerald-100 text-emerald-900 no-underline">added</ins>)
  </>
);

/** The scene's revisions, newest first: pick one to see what differs from now, and restore it. */
export function RevisionsPanel({ worldId, storyId, sceneId, doc, canEdit, refresh }: { worldId: string; storyId: string; sceneId: string; doc: Y.Doc; canEdit: boolean; refresh: number }) {
  const [open, setOpen] = useState(false);
  const [revisions, setRevisions] = useState<RevisionSummary[] | null>(null);
  const [picked, setPicked] = useState<{ number: number; text: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reload, setReload] = useState(0);
  const now = useScenePlainText(doc, sceneId);
  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    // A snapshot follows live editing by the room's projection (about half a second).
    const timer = setTimeout(() => {
      listRevisions(worldId, storyId, sceneId).then(
        (answer) => !cancelled && (setRevisions(answer.revisions), setError(null)),
        (e: unknown) => !cancelled && setError(e instanceof Error ? e.message : "The revisions could not be loaded."),
      );
    }, 400);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [open, worldId, storyId, sceneId, refresh, reload]);

  const pick = async (number: number) => {
    if (picked?.number === number) return setPicked(null);
    setError(null);
    try {
      const revision = await getRevision(worldId, storyId, sceneId, number);
      setPicked({ number, text: revision.text });
    } catch (e) {
      setError(e instanceof Error ? e.message : "That revision could not be loaded.");
    }
  };
  const restore = async (number: number) => {
    setBusy(true);
    setError(null);
    try {
      await restoreRevision(worldId, storyId, sceneId, number);
      setPicked(null);
      setReload((n) => n + 1);
    } catch (e) {
      setError(e instanceof Error ? e.message : "The revision could not be restored.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label="Revisions" className="rounded-xl border border-stone-200 bg-white p-3" data-testid="revisions">
      <div className="flex items-center justify-between gap-2">
        <button type="button" onClick={() => setOpen((o) => !o)} className="max-sm:min-h-11 text-sm font-semibold text-stone-900 hover:text-indigo-800" aria-expanded={open}>
          {open ? "▾" : "▸"} Revisions
        </button>
        {open ? (
          <button type="button" onClick={() => setReload((n) => n + 1)} className="max-sm:min-h-11 rounded px-1.5 text-sm text-stone-600 hover:bg-stone-100" aria-label="Refresh the revisions">
            ↻
          </button>
        ) : null}
      </div>
      {open ? (
        <div className="mt-1">
          <p className="text-xs text-stone-500">Kept after each AI passage, refinement and restore, and every few minutes while people write.</p>
          {error ? (
            <p role="alert" className="mt-1 text-sm text-red-800">
              {error}
            </p>
          ) : null}
          {!revisions && !error ? <p className="mt-1 text-sm text-stone-500">Loading…</p> : null}
          {revisions?.length === 0 ? <p className="mt-1 text-sm text-stone-600">No revisions yet: one is kept as soon as the scene has words.</p> : null}
          <ol className="mt-1 space-y-1 text-sm">
            {revisions?.map((revision) => (
              <li key={revision.number}>
                <button
                  type="button"
                  onClick={() => void pick(revision.number)}
                  className={`max-sm:min-h-11 w-full rounded-lg px-2 py-1 text-left break-words hover:bg-stone-100 ${revision.number === picked?.number ? "bg-indigo-50" : ""}`}
                  aria-pressed={revision.number === picked?.number}
                  data-testid="revision"
                >
                  <span className="font-medium">#{revision.number}</span> <span className={`rounded px-1 text-xs ${KIND_CLASS[revision.kind]}`}>{KIND_LABEL[revision.kind]}</span> {revision.title}
                  <span className="block text-xs text-stone-500">
                    {revision.userName ? `${revision.userName} · ` : ""}
                    {timeAgo(revision.createdAt)} · {revision.characters.toLocaleString("en")} characters
                  </span>
                </button>
              </li>
            ))}
          </ol>
          {picked ? (
            <div className="mt-2 rounded-lg border border-stone-200 p-2" data-testid="revision-diff">
              <p className="text-xs text-stone-500">
                From revision {picked.number} to now {legend}:
              </p>
              {picked.text === now ? <p className="mt-1 text-sm text-stone-600">Same as now.</p> : <Diff parts={wordDiff(picked.text, now)} />}
              {canEdit && picked.text !== now ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => void restore(picked.number)}
                  className="max-sm:min-h-11 mt-2 rounded-lg bg-indigo-700 px-3 py-1.5 text-sm text-white hover:bg-indigo-800 disabled:opacity-60"
                >
                  Restore revision {picked.number}
                </button>
              ) : null}
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

/**
 * *Refine*: a prompt ("darker", "from the fox's point of view") for the selection, or the whole
 * scene when nothing is selected; each proposal for this scene (anyone's, as the room reports the
 * jobs) is shown as a diff to accept or reject.
 */
export function RefinePanel({
  worldId,
  storyId,
  sceneId,
  selection,
  jobs,
  onStarted,
  onDecided,
}: {
  worldId: string;
  storyId: string;
  sceneId: string;
  selection: { start: number; end: number } | null;
  jobs: Map<string, JobEvent>;
  onStarted: (job: JobEvent) => void;
  onDecided: () => void;
}) {
  const [prompt, setPrompt] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [proposals, setProposals] = useState<Map<string, { proposal: Proposal | null; error: string | null }>>(new Map());
  const [decided, setDecided] = useState<Set<string>>(new Set());
  const refining = [...jobs.values()].filter((job) => job.kind === "scene_refine");
  const running = refining.filter((job) => RUNNING.has(job.status));
  const ended = refining.filter((job) => job.status === "succeeded" || job.status === "failed").map((job) => job.jobId);
  const endedKey = ended.join(",");

  // Each refine job that has ended is read once for its proposal.
  useEffect(() => {
    let cancelled = false;
    for (const jobId of endedKey ? endedKey.split(",") : []) {
      if (proposals.has(jobId)) continue;
      proposalOf(jobId).then(
        (answer) => !cancelled && setProposals((map) => new Map(map).set(jobId, answer)),
        () => undefined,
      );
    }
    return () => {
      cancelled = true;
    };
  }, [endedKey, proposals]);

  const start = async (event: FormEvent | { preventDefault: () => void }, asked = prompt) => {
    event.preventDefault();
    if (!asked.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const job = await startRefine(worldId, storyId, sceneId, {
        prompt: asked.trim(),
        ...(selection ? selection : {}),
      });
      onStarted({
        jobId: job.id,
        kind: job.kind,
        status: job.status,
        stage: job.stage ?? "queued",
        progress: job.progress,
      });
    } catch (e) {
      setError(e instanceof Error ? e.message : "The AI could not start.");
    } finally {
      setBusy(false);
    }
  };
  const decide = useCallback(
    async (jobId: string, decision: "accept" | "reject") => {
      setError(null);
      try {
        await decideProposal(worldId, storyId, sceneId, jobId, decision);
        setDecided((set) => new Set(set).add(jobId));
        onDecided();
      } catch (e) {
        setError(e instanceof Error ? e.message : "That did not work.");
        // Decided by someone else meanwhile: it is no longer open here either.
        if (e instanceof ApiError && e.status === 409 && /already/.test(e.message)) setDecided((set) => new Set(set).add(jobId));
      }
    },
    [worldId, storyId, sceneId, onDecided],
  );

  // Decided here, or by a co-author (the room relays it as the job's stage).
  const settled = (jobId: string) => decided.has(jobId) || ["accepted", "rejected"].includes(jobs.get(jobId)?.stage ?? "");
  const open = [...proposals.entries()].filter(([jobId, answer]) => !settled(jobId) && answer.proposal?.sceneId === sceneId && answer.proposal.decision === "open");
  const failed = [...proposals.entries()].filter(([jobId, answer]) => !decided.has(jobId) && !answer.proposal && answer.error).at(-1);

  return (
    <section aria-labelledby="refine-heading" className="rounded-xl border border-indigo-200 bg-indigo-50/50 p-3" data-testid="refine">
      <h2 id="refine-heading" className="text-sm font-semibold text-stone-900">
        Refine {selection ? "the selection" : "the scene"}
      </h2>
      <form onSubmit={(e) => void start(e)} className="mt-2 flex flex-wrap items-center gap-2">
        <input
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          maxLength={500}
          aria-label="How to refine it"
          placeholder="e.g. darker, shorter, from the fox's point of view"
          className="max-sm:min-h-11 min-w-0 flex-1 basis-40 rounded-lg border border-stone-300 bg-white px-2.5 py-1.5 text-sm"
        />
        <VoiceInput onText={(text) => setPrompt((current) => appendSpoken(current, text).slice(0, 500))} />
        <NeedsConnectionButton type="submit" disabled={busy || !prompt.trim()} className="max-sm:min-h-11 rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
          ✎ Refine
        </NeedsConnectionButton>
      </form>
      <div className="mt-2 flex flex-wrap gap-1.5">
        {QUICK.map((word) => (
          <button
            key={word}
            type="button"
            disabled={busy}
            onClick={(e) => void start(e, word.toLowerCase())}
            className="max-sm:min-h-11 rounded-full border border-indigo-200 bg-white px-2.5 py-0.5 text-xs text-indigo-900 hover:bg-indigo-100 disabled:opacity-50"
          >
            {word}
          </button>
        ))}
      </div>
      <p className="mt-1 text-xs text-stone-500">{selection ? `${(selection.end - selection.start).toLocaleString("en")} characters selected.` : "Select words in the text to refine only them."}</p>
      {running.map((job) => (
        <div key={job.jobId} role="status" className="mt-2 flex items-center gap-2 text-sm text-indigo-950" data-testid="refining">
          <span className="shrink-0">Refining…</span>
          <progress max={100} value={job.progress} className="h-2 min-w-0 flex-1 accent-indigo-700" aria-label="Progress" />
        </div>
      ))}
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {!error && failed && running.length === 0 ? (
        <p role="status" className="mt-2 text-sm text-red-800">
          The refinement failed: {failed[1].error}
        </p>
      ) : null}
      {open.map(([jobId, { proposal }]) => (
        <div key={jobId} className="mt-2 rounded-lg border border-indigo-200 bg-white p-2" data-testid="refine-proposal">
          <p className="text-xs text-stone-600">
            {proposal!.offline ? "An offline rendering by Loreloom’s local writer, not an AI model" : `Proposed by ${proposal!.provider} (${proposal!.model})`} {legend}:
          </p>
          <Diff parts={wordDiff(proposal!.original, proposal!.proposed)} testId="refine-diff" />
          <RateResult worldId={worldId} targetKind="refine" targetId={jobId} what="this refinement" />
          <div className="mt-2 flex flex-wrap gap-2">
            <button type="button" onClick={() => void decide(jobId, "accept")} className="max-sm:min-h-11 rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">
              Accept
            </button>
            <button type="button" onClick={() => void decide(jobId, "reject")} className="max-sm:min-h-11 rounded-lg border border-stone-300 bg-white px-3 py-1.5 text-sm hover:bg-stone-100">
              Reject
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}
