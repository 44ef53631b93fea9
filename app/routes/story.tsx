import { useEffect, useState, useSyncExternalStore } from "react";
import { Link, useLocation } from "react-router";
import { z } from "zod";
import { setShareToken } from "../editor/api";
import { loadWorldForStories } from "../lib/story-access.server";
import { hexColorFor } from "../stories/colors";
import { StoryHeader } from "../stories/story-header";
import { StoryEditor } from "../stories/story-editor";
import { getStory, type StorySummary } from "../stories/story-api";
import type { Route } from "./+types/story";

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `Story — ${data.world.title} — Loreloom` : "Story — Loreloom" }];

/** The job *New story* started when it wrote the story from a prompt (router state, read through a schema). */
const StartedSchema = z.object({ job: z.object({ id: z.string(), kind: z.string(), status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]), stage: z.string().nullable(), progress: z.number() }) });

export async function loader({ request, params, context }: Route.LoaderArgs) {
  return { ...(await loadWorldForStories(request, context.cloudflare.env, params.id)), storyId: params.sid };
}

/** The story editor; its document comes live from the story's room once the page runs in the browser. */
export default function Story({ loaderData }: Route.ComponentProps) {
  const { world, user, canEdit, shareToken, storyId } = loaderData;
  const mounted = useSyncExternalStore(
    () => () => {},
    () => true,
    () => false,
  );
  const [story, setStory] = useState<StorySummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const started = StartedSchema.safeParse(useLocation().state);
  const [startedJob] = useState(() => (started.success ? { jobId: started.data.job.id, kind: started.data.job.kind, status: started.data.job.status, stage: started.data.job.stage ?? "queued", progress: started.data.job.progress } : null));
  // The AI that wrote the story may have named it: read it again when a story job ends.
  const [jobsEnded, setJobsEnded] = useState(0);
  useEffect(() => {
    setShareToken(shareToken);
    let live = true;
    getStory(world.id, storyId).then(
      (found) => live && setStory(found),
      (e: unknown) => live && setError(e instanceof Error ? e.message : "This story could not be loaded."),
    );
    return () => {
      live = false;
    };
  }, [world.id, storyId, shareToken, jobsEnded]);
  const query = shareToken ? `?share=${encodeURIComponent(shareToken)}` : "";
  const me = { name: user?.name ?? "Guest", color: hexColorFor(user?.id ?? "guest") };

  return (
    <main className="mx-auto max-w-[90rem] px-2 py-2 sm:px-4">
      <nav className="flex flex-wrap gap-x-1 px-1 text-sm text-stone-500">
        <Link to={`/worlds/${world.id}${query}`} className="hover:text-indigo-800">
          {world.title}
        </Link>
        <span>/</span>
        <Link to={`/worlds/${world.id}/stories${query}`} className="hover:text-indigo-800">
          Stories
        </Link>
        <span>/</span>
        <Link
          to={`/worlds/${world.id}/stories/${storyId}/play${query}`}
          className="ml-auto flex min-h-11 items-center rounded-lg bg-indigo-700 px-3 py-1 font-medium sm:min-h-0 text-white hover:bg-indigo-800"
          title="Play the story: pictures, narration and the words lit as they are read"
        >
          ▶ Play
        </Link>
      </nav>
      {error ? (
        <p role="alert" className="m-1 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 [overflow-wrap:anywhere]">
          {error}
        </p>
      ) : (
        <>
          <StoryHeader worldId={world.id} story={story} canEdit={canEdit} canExport={Boolean(user)} onChange={setStory} />
          {mounted ? <StoryEditor worldId={world.id} storyId={storyId} canEdit={canEdit} me={me} shareToken={shareToken} startedJob={startedJob} onJobEnded={() => setJobsEnded((n) => n + 1)} /> : <p className="p-6 text-stone-600">Opening the story…</p>}
        </>
      )}
    </main>
  );
}
