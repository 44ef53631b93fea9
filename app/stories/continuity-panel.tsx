import { useCallback, useEffect, useRef, useState } from "react";
import type * as Y from "yjs";
import type { JobEvent } from "../../durable-objects/world-room/protocol";
import { sceneField } from "./outline-model";
import { ISSUE_LABEL, listIssues, settleIssue, startSceneJob, type Issue } from "./story-api";

const STORY_JOBS = new Set(["story_check", "story_continue"]);
const RUNNING = new Set<JobEvent["status"]>(["queued", "running"]);

/**
 * A scene's continuity issues from the API, read again when the scene changes and whenever a
 * story job (a check, or a passage, which is checked after it is written) ends.
 */
export function useSceneIssues(worldId: string, storyId: string, sceneId: string, jobs: Map<string, JobEvent>, doc: Y.Doc) {
  const [issues, setIssues] = useState<Issue[]>([]);
  const [error, setError] = useState<string | null>(null);
  const ended = [...jobs.values()].filter((job) => STORY_JOBS.has(job.kind ?? "") && job.status === "succeeded").length;
  const asked = useRef(0);
  const reload = useCallback(() => {
    const n = ++asked.current;
    listIssues(worldId, storyId, sceneId).then(
      (list) => {
        if (n !== asked.current) return;
        setIssues(list);
        setError(null);
      },
      (e: unknown) => n === asked.current && setError(e instanceof Error ? e.message : "The issues could not be loaded."),
    );
  }, [worldId, storyId, sceneId]);
  useEffect(() => {
    reload();
  }, [reload, ended]);
  // Someone else may apply or dismiss an issue (no job ends then): their fix changes the text, so
  // the list is read again a moment after the text changes.
  useEffect(() => {
    const fragment = doc.getXmlFragment(sceneField(sceneId));
    let timer: ReturnType<typeof setTimeout> | null = null;
    const later = () => {
      timer ??= setTimeout(() => {
        timer = null;
        reload();
      }, 1500);
    };
    fragment.observeDeep(later);
    return () => {
      fragment.unobserveDeep(later);
      if (timer) clearTimeout(timer);
    };
  }, [doc, sceneId, reload]);
  return { issues, error, reload };
}

/**
 * The continuity panel: *Check continuity*, and each open issue with its explanation and what
 * to do about it — apply the suggestion (a live edit everyone sees), dismiss it, or for a
 * stranger, add them to the world. Choosing an issue selects its words in the text.
 */
export function ContinuityPanel({
  worldId,
  storyId,
  sceneId,
  canEdit,
  jobs,
  onStarted,
  state,
  onFocus,
}: {
  worldId: string;
  storyId: string;
  sceneId: string;
  canEdit: boolean;
  jobs: Map<string, JobEvent>;
  onStarted: (job: JobEvent) => void;
  state: ReturnType<typeof useSceneIssues>;
  onFocus: (issueId: string) => void;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const checking = [...jobs.values()].some((job) => job.kind === "story_check" && RUNNING.has(job.status));
  const open = state.issues.filter((issue) => issue.status === "open");

  const act = async (key: string, action: () => Promise<unknown>) => {
    setBusy(key);
    setError(null);
    try {
      await action();
      state.reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : "That did not work.");
    } finally {
      setBusy(null);
    }
  };
  const check = () =>
    act("check", async () => {
      const job = await startSceneJob(worldId, storyId, sceneId, "check");
      onStarted({ jobId: job.id, kind: job.kind, status: job.status, stage: job.stage ?? "queued", progress: job.progress });
    });

  return (
    <section aria-labelledby="continuity-heading" className="rounded-xl border border-stone-200 bg-white p-3" data-testid="continuity">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="continuity-heading" className="text-sm font-semibold text-stone-900">
          Continuity {open.length ? <span className="ml-1 rounded-full bg-red-50 px-2 py-0.5 text-xs text-red-800">{open.length}</span> : null}
        </h2>
        {canEdit ? (
          <button type="button" onClick={() => void check()} disabled={checking || busy === "check"} className="max-sm:min-h-11 rounded-lg border border-stone-300 px-2.5 py-1 text-sm hover:bg-stone-50 disabled:opacity-50">
            {checking ? "Checking…" : "Check continuity"}
          </button>
        ) : null}
      </div>
      {state.error || error ? (
        <p role="alert" className="mt-2 text-sm text-red-800">
          {error ?? state.error}
        </p>
      ) : null}
      {open.length === 0 ? <p className="mt-1 text-sm text-stone-600">No open issues in this scene.</p> : null}
      <ul className="mt-2 flex flex-col gap-2">
        {open.map((issue) => (
          <li key={issue.id} className={`rounded-lg border-l-4 bg-stone-50 px-3 py-2 text-sm ${issue.severity === "error" ? "border-red-500" : "border-amber-500"}`} data-testid="continuity-issue">
            <p className="flex flex-wrap items-baseline gap-x-2">
              <span className="font-medium text-stone-900">{ISSUE_LABEL[issue.type] ?? issue.type}</span>
              <span className="text-xs text-stone-500">{issue.severity}</span>
              <button type="button" onClick={() => onFocus(issue.id)} className="max-sm:min-h-11 min-w-0 break-words text-left text-indigo-800 underline decoration-dotted" title="Show it in the text">
                “{issue.quote}”
              </button>
            </p>
            <p className="mt-1 text-stone-700">{issue.explanation}</p>
            {issue.suggestion !== null ? <p className="mt-1 text-stone-700">Suggestion: “{issue.suggestion}”</p> : null}
            {canEdit ? (
              <div className="mt-2 flex flex-wrap gap-2">
                {issue.suggestion !== null ? (
                  <button type="button" disabled={busy !== null} onClick={() => void act(issue.id, () => settleIssue(worldId, storyId, issue.id, "apply"))} className="max-sm:min-h-11 rounded-lg bg-indigo-700 px-2.5 py-1 text-xs font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
                    Apply suggestion
                  </button>
                ) : null}
                {issue.type === "new_character" ? (
                  <button type="button" disabled={busy !== null} onClick={() => void act(issue.id, () => settleIssue(worldId, storyId, issue.id, "add-to-world"))} className="max-sm:min-h-11 rounded-lg border border-indigo-300 bg-white px-2.5 py-1 text-xs font-medium text-indigo-900 hover:bg-indigo-50 disabled:opacity-50">
                    Add to world
                  </button>
                ) : null}
                <button type="button" disabled={busy !== null} onClick={() => void act(issue.id, () => settleIssue(worldId, storyId, issue.id, "dismiss"))} className="max-sm:min-h-11 rounded-lg border border-stone-300 bg-white px-2.5 py-1 text-xs hover:bg-stone-100 disabled:opacity-50">
                  Dismiss
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
