import { useState, type FormEvent } from "react";
import { appendSpoken, VoiceInput } from "../components/voice-input";
import type { JobEvent } from "../../durable-objects/world-room/protocol";
import { api } from "../editor/api";
import { startSceneJob } from "./story-api";
import { NeedsConnectionButton } from "../components/needs-connection";

const RUNNING = new Set<JobEvent["status"]>(["queued", "running"]);

/**
 * *Continue*: the AI writes the scene's next passage into the live text, where everyone in the
 * story watches it appear; anyone who may write can stop it. The jobs shown are the room's notices,
 * so co-authors see each other's too.
 */
export function ContinuePanel({ worldId, storyId, sceneId, jobs, onStarted }: { worldId: string; storyId: string; sceneId: string; jobs: Map<string, JobEvent>; onStarted: (job: JobEvent) => void }) {
  const [direction, setDirection] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const writing = [...jobs.values()].filter((job) => job.kind === "story_continue" && RUNNING.has(job.status));
  const ended = [...jobs.values()].filter((job) => job.kind === "story_continue" && job.status === "failed").at(-1);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const job = await startSceneJob(worldId, storyId, sceneId, "continue", direction.trim() ? { direction: direction.trim() } : {});
      onStarted({ jobId: job.id, kind: job.kind, status: job.status, stage: job.stage ?? "queued", progress: job.progress });
      setDirection("");
    } catch (e) {
      setError(e instanceof Error ? e.message : "The AI could not start.");
    } finally {
      setBusy(false);
    }
  };
  const stop = async (jobId: string) => {
    try {
      await api("POST", `/api/jobs/${jobId}/cancel`);
    } catch (e) {
      setError(e instanceof Error ? e.message : "The AI could not be stopped.");
    }
  };

  return (
    <div className="rounded-xl border border-violet-200 bg-violet-50/60 p-2">
      <form onSubmit={(e) => void start(e)} className="flex flex-wrap items-center gap-2">
        <input
          value={direction}
          onChange={(e) => setDirection(e.target.value)}
          maxLength={500}
          aria-label="Direction for the AI (optional)"
          placeholder="Where next? e.g. the queen learns of the betrayal (optional)"
          className="max-sm:min-h-11 min-w-0 flex-1 basis-48 rounded-lg border border-stone-300 bg-white px-2.5 py-1.5 text-sm"
        />
        <VoiceInput onText={(text) => setDirection((current) => appendSpoken(current, text).slice(0, 500))} />
        <NeedsConnectionButton type="submit" disabled={busy || writing.length > 0} className="max-sm:min-h-11 rounded-lg bg-violet-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-violet-800 disabled:opacity-50">
          ✦ Continue
        </NeedsConnectionButton>
      </form>
      {writing.map((job) => (
        <div key={job.jobId} role="status" className="mt-2 flex items-center gap-2 text-sm text-violet-950" data-testid="ai-writing">
          <span className="shrink-0">The AI is writing…</span>
          <progress max={100} value={job.progress} className="h-2 min-w-0 flex-1 accent-violet-700" aria-label="The AI's progress" />
          <button type="button" onClick={() => void stop(job.jobId)} className="max-sm:min-h-11 shrink-0 rounded-lg border border-violet-300 bg-white px-2 py-0.5 text-xs hover:bg-violet-100">
            Stop
          </button>
        </div>
      ))}
      {error ? <p role="alert" className="mt-2 text-sm text-red-800">{error}</p> : null}
      {!error && ended?.error && writing.length === 0 ? <p role="status" className="mt-2 text-sm text-red-800">The AI stopped: {ended.error}</p> : null}
    </div>
  );
}
