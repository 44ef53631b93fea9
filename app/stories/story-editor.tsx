import { useCallback, useEffect, useMemo, useState } from "react";
import type YProvider from "y-partyserver/provider";
import type { JobEvent } from "../../durable-objects/world-room/protocol";
import type * as Y from "yjs";
import { SaveNote } from "../editor/save-state";
import { chaptersOf, readOutline, scenesOf, type ChapterState } from "./outline-model";
import { ContinuePanel } from "./continue-panel";
import { ContinuityPanel, useSceneIssues } from "./continuity-panel";
import { Outline } from "./outline";
import { PeopleHere } from "./people-here";
import { ChapterSummary, SceneDetails } from "./scene-details";
import { SceneMediaPanel } from "./scene-media-panel";
import { SceneMentions } from "./scene-mentions";
import { SceneTextEditor } from "./scene-text-editor";
import { RefinePanel, RevisionsPanel } from "./scene-revisions";
import { listElements, type WorldElement } from "./story-api";
import { useStoryRoom } from "./use-story-room";

/** The outline, re-read (at most once a frame) whenever chapters or scenes change. */
function useOutline(doc: Y.Doc | null): ChapterState[] {
  const [outline, setOutline] = useState<ChapterState[]>([]);
  useEffect(() => {
    if (!doc) return;
    let frame = 0;
    const refresh = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setOutline(readOutline(doc));
      });
    };
    refresh();
    chaptersOf(doc).observeDeep(refresh);
    scenesOf(doc).observeDeep(refresh);
    return () => {
      cancelAnimationFrame(frame);
      chaptersOf(doc).unobserveDeep(refresh);
      scenesOf(doc).unobserveDeep(refresh);
    };
  }, [doc]);
  return outline;
}

function useWorldElements(worldId: string) {
  const [elements, setElements] = useState<WorldElement[]>([]);
  useEffect(() => {
    let live = true;
    listElements(worldId).then(
      (list) => live && setElements(list),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [worldId]);
  return elements;
}

export type StoryEditorProps = {
  worldId: string;
  storyId: string;
  canEdit: boolean;
  me: { name: string; color: string };
  shareToken: string | null;
  /** The job that is writing this story, when *New story* just started one. */
  startedJob: JobEvent | null;
  onJobEnded: () => void;
};

/**
 * The story editor: the outline (a drawer on a phone) beside the selected scene — its details and
 * its live text. Everyone in the story shares one document; viewers read it.
 */
export function StoryEditor({ worldId, storyId, canEdit, me, shareToken, startedJob, onJobEnded }: StoryEditorProps) {
  const room = useStoryRoom(worldId, storyId, me, shareToken);
  const { trackJob, jobs } = room;
  useEffect(() => {
    if (startedJob) trackJob(startedJob);
  }, [startedJob, trackJob]);
  const ended = [...jobs.values()].filter((job) => job.status === "succeeded" && job.kind === "story_write").length;
  useEffect(() => {
    if (ended > 0) onJobEnded();
    // Only when another writing job has ended, not when the callback is a new function.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ended]);
  const outline = useOutline(room.doc);
  const elements = useWorldElements(worldId);
  const [picked, setPicked] = useState<string | null>(null);
  const [drawer, setDrawer] = useState(false);
  const scenes = outline.flatMap((c) => c.scenes);
  // The scene picked, or (when it is gone or none was) the first one.
  const scene = scenes.find((s) => s.id === picked) ?? scenes[0] ?? null;
  const chapter = scene ? outline.find((c) => c.id === scene.chapter) : null;
  const select = (id: string) => {
    setPicked(id);
    setDrawer(false);
  };
  const status = room.connection === "online" ? (room.loaded ? "Live" : "Loading…") : room.connection === "connecting" ? "Connecting…" : "Offline";

  return (
    <div className="flex min-h-[calc(100dvh-8rem)] flex-col gap-2" data-ready={room.loaded ? "true" : undefined}>
      <div className="flex flex-wrap items-center gap-2 px-1">
        <button type="button" onClick={() => setDrawer(true)} className="min-h-11 rounded-lg border border-stone-300 bg-white px-3 py-1.5 text-sm lg:hidden" aria-expanded={drawer}>
          ☰ Outline
        </button>
        <span className="flex items-center gap-1.5 text-xs text-stone-600" role="status" data-testid="story-connection">
          <span className={`h-2 w-2 rounded-full ${room.connection === "online" ? "bg-emerald-500" : room.connection === "connecting" ? "bg-amber-400" : "bg-stone-400"}`} />
          {status}
        </span>
        {canEdit ? <SaveNote state={room.saveState} testId="story-save" /> : <span className="rounded-lg bg-stone-100 px-2 py-0.5 text-xs text-stone-700">View only</span>}
        <PeopleHere people={room.people} />
      </div>
      <StoryWriting jobs={room.jobs} />
      {room.notice ? (
        <p key={room.notice.id} role={room.notice.tone === "error" ? "alert" : "status"} className={`rounded-lg px-3 py-2 text-sm ${room.notice.tone === "error" ? "bg-red-50 text-red-800" : "bg-indigo-50 text-indigo-900"}`}>
          {room.notice.text}
        </p>
      ) : null}
      <div className="grid min-h-0 flex-1 gap-3 lg:grid-cols-[19rem_minmax(0,1fr)]">
        {drawer ? <button type="button" aria-label="Close the outline" className="fixed inset-0 z-30 bg-stone-900/30 lg:hidden" onClick={() => setDrawer(false)} /> : null}
        <aside
          aria-label="Chapters and scenes"
          className={`${drawer ? "fixed inset-y-0 left-0 z-40 block w-[min(20rem,88vw)] overflow-y-auto bg-stone-50 p-3 shadow-xl" : "hidden"} lg:static lg:block lg:w-auto lg:bg-transparent lg:p-0 lg:shadow-none`}
        >
          <div className="mb-2 flex items-center justify-between lg:hidden">
            <h2 className="font-semibold">Outline</h2>
            <button type="button" onClick={() => setDrawer(false)} className="min-h-11 min-w-11 rounded px-2 py-1 text-sm hover:bg-stone-200" aria-label="Close">
              ✕
            </button>
          </div>
          {room.doc ? <Outline doc={room.doc} outline={outline} selectedScene={scene?.id ?? null} onSelect={select} canEdit={canEdit} /> : null}
        </aside>
        <section aria-label="Scene" className="flex min-w-0 flex-col gap-3">
          {!room.loaded ? (
            <p className="rounded-xl border border-stone-200 bg-white p-6 text-stone-600">Opening the story…</p>
          ) : room.doc && room.provider && scene ? (
            <>
              {chapter ? <ChapterSummary key={chapter.id} doc={room.doc} chapter={chapter} canEdit={canEdit} /> : null}
              <SceneDetails doc={room.doc} scene={scene} elements={elements} canEdit={canEdit} />
              <SceneMentions key={`mentions-${scene.id}`} doc={room.doc} sceneId={scene.id} worldId={worldId} elements={elements} shareToken={shareToken} />
              <SceneWork key={scene.id} worldId={worldId} storyId={storyId} sceneId={scene.id} doc={room.doc} provider={room.provider} canEdit={canEdit} me={me} jobs={room.jobs} trackJob={room.trackJob} />
              <SceneMediaPanel key={`media-${scene.id}`} worldId={worldId} storyId={storyId} sceneId={scene.id} chapterId={scene.chapter} elements={elements} canEdit={canEdit} jobs={room.jobs} onStarted={room.trackJob} />
            </>
          ) : (
            <p className="rounded-xl border border-dashed border-stone-300 bg-white p-6 text-stone-600">
              {canEdit ? "Add a chapter and a scene in the outline to start writing." : "This story has no scenes yet."}
            </p>
          )}
        </section>
      </div>
    </div>
  );
}

/** The scene's text with what works on it: *Continue*, and the continuity panel beside it on a wide screen. */
function SceneWork({
  worldId,
  storyId,
  sceneId,
  doc,
  provider,
  canEdit,
  me,
  jobs,
  trackJob,
}: {
  worldId: string;
  storyId: string;
  sceneId: string;
  doc: Y.Doc;
  provider: YProvider;
  canEdit: boolean;
  me: { name: string; color: string };
  jobs: Map<string, JobEvent>;
  trackJob: (job: JobEvent) => void;
}) {
  const issues = useSceneIssues(worldId, storyId, sceneId, jobs, doc);
  const [focus, setFocus] = useState<{ id: string; n: number } | null>(null);
  const open = useMemo(() => issues.issues.filter((i) => i.status === "open"), [issues.issues]);
  const [selection, setSelection] = useState<{ start: number; end: number } | null>(null);
  // The revision list is read again when the AI has written, or a refinement was decided.
  const [decided, setDecided] = useState(0);
  const onDecided = useCallback(() => setDecided((n) => n + 1), []);
  const written = [...jobs.values()].filter((job) => job.status === "succeeded" && (job.kind === "story_continue" || job.kind === "story_write")).length;
  // A passage still being written is rated once it is done.
  const writing = new Set([...jobs.values()].filter((job) => job.status === "queued" || job.status === "running").map((job) => job.jobId));
  return (
    <div className="grid gap-3 xl:grid-cols-[minmax(0,1fr)_20rem] xl:items-start">
      <div className="flex min-w-0 flex-col gap-3">
        <SceneTextEditor doc={doc} provider={provider} sceneId={sceneId} editable={canEdit} user={me} issues={open} focus={focus} onSelection={setSelection} rating={{ worldId, writing }} />
        {canEdit ? <ContinuePanel worldId={worldId} storyId={storyId} sceneId={sceneId} jobs={jobs} onStarted={trackJob} /> : null}
      </div>
      <div className="flex min-w-0 flex-col gap-3">
        {canEdit ? <RefinePanel worldId={worldId} storyId={storyId} sceneId={sceneId} selection={selection} jobs={jobs} onStarted={trackJob} onDecided={onDecided} /> : null}
        <ContinuityPanel
          worldId={worldId}
          storyId={storyId}
          sceneId={sceneId}
          canEdit={canEdit}
          jobs={jobs}
          onStarted={trackJob}
          state={issues}
          onFocus={(id) => setFocus((last) => ({ id, n: (last?.n ?? 0) + 1 }))}
        />
        <RevisionsPanel worldId={worldId} storyId={storyId} sceneId={sceneId} doc={doc} canEdit={canEdit} refresh={decided + written} />
      </div>
    </div>
  );
}

/** The AI writing the whole story (a `story_write` job): its stage and progress, for everyone in the story. */
function StoryWriting({ jobs }: { jobs: Map<string, JobEvent> }) {
  const writing = [...jobs.values()].filter((job) => job.kind === "story_write");
  const job = writing.at(-1);
  if (!job || job.status === "succeeded" || job.status === "cancelled") return null;
  if (job.status === "failed") {
    return (
      <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
        The AI could not write this story{job.error ? `: ${job.error}` : "."}
      </p>
    );
  }
  return (
    <div role="status" className="flex items-center gap-3 rounded-lg border border-violet-200 bg-violet-50 px-3 py-2 text-sm text-violet-950" data-testid="story-writing">
      <span className="shrink-0">The AI is writing the story — {STAGE_TEXT[job.stage] ?? job.stage}</span>
      <progress max={100} value={job.progress} className="h-2 min-w-0 flex-1 accent-violet-700" aria-label="Progress" />
    </div>
  );
}

const STAGE_TEXT: Record<string, string> = {
  queued: "waiting to start",
  describe: "reading the picture",
  outline: "outlining chapters and scenes",
  write: "writing the first scenes",
  check: "checking continuity",
  notify: "finishing",
};
