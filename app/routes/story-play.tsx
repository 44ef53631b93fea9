import { useMemo } from "react";
import { Link } from "react-router";
import { placeSaver, withShareToken } from "../player/place";
import { StoryPlayer } from "../player/story-player";
import { loadStoryToPlay } from "../lib/story-player.server";
import { AddToPlaylist } from "../player/add-to-playlist";
import { TakeAway } from "../player/take-away";
import type { Route } from "./+types/story-play";

export async function loader({ request, params, context }: Route.LoaderArgs) {
  return loadStoryToPlay(request, context.cloudflare.env, params.id, params.sid);
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `${data.story.title} — play — Loreloom` : "Story — Loreloom" }];

/** The story player for the world's members and link holders (drafts too), resuming where they stopped. */
export default function StoryPlay({ loaderData }: Route.ComponentProps) {
  const { story, world, progress, signedIn, shareToken } = loaderData;
  const query = shareToken ? `?share=${encodeURIComponent(shareToken)}` : "";
  const played = useMemo(() => withShareToken(story, shareToken), [story, shareToken]);
  const onPlace = useMemo(() => (signedIn ? placeSaver(world.id, story.id, shareToken) : undefined), [signedIn, world.id, story.id, shareToken]);
  return (
    <main className="mx-auto max-w-6xl px-2 py-3 sm:px-4">
      <nav className="flex flex-wrap gap-x-1 px-1 text-sm text-stone-500">
        <Link to={`/worlds/${world.id}${query}`} className="hover:text-indigo-800">
          {world.title}
        </Link>
        <span>/</span>
        <Link to={`/worlds/${world.id}/stories${query}`} className="hover:text-indigo-800">
          Stories
        </Link>
        <span>/</span>
        <Link to={`/worlds/${world.id}/stories/${story.id}${query}`} className="hover:text-indigo-800">
          {story.title}
        </Link>
      </nav>
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-2 px-1 pb-3 pt-1">
        <h1 className="min-w-0 break-words font-display text-2xl font-semibold">{story.title}</h1>
        {story.status === "draft" ? <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs text-stone-700">draft</span> : null}
        {story.status === "published" && world.visibility !== "private" ? (
          <Link to={`/w/${world.id}/stories/${story.id}`} className="text-sm text-indigo-800 underline">
            Public reading page
          </Link>
        ) : null}
        {signedIn ? <AddToPlaylist storyId={story.id} /> : null}
        {/* A share link's holder reads through the link, which an export (read back later) does not carry. */}
        {shareToken ? null : <TakeAway worldId={world.id} storyId={story.id} signedIn={signedIn} next={`/worlds/${world.id}/stories/${story.id}/play`} />}
      </div>
      <StoryPlayer story={played} start={progress} onPlace={onPlace} />
    </main>
  );
}
