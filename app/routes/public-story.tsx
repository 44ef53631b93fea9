import { useMemo } from "react";
import { Link, isRouteErrorResponse } from "react-router";
import { placeSaver } from "../player/place";
import { StoryPlayer } from "../player/story-player";
import { TakeAway } from "../player/take-away";
import { loadPublicStory, storyCover, storySummary } from "../lib/story-player.server";
import { originOf } from "../lib/public-world.server";
import { getUser } from "../lib/session.server";
import { storyEmbedIframeHtml } from "../../workers/domain/embed-html";
import type { Route } from "./+types/public-story";

// The story's reading page (issue 18, point 7): server-rendered, with its card for other sites, and
// the player. Like the world's public page, it is read with no role: only published stories of
// public and unlisted worlds are here, whoever looks.

export async function loader({ request, params, context }: Route.LoaderArgs) {
  const env = context.cloudflare.env;
  const [{ story, world }, user] = await Promise.all([loadPublicStory(env, params.id, params.sid), getUser(request, env)]);
  return { story, world, origin: originOf(request), signedIn: Boolean(user), description: storySummary(story), cover: storyCover(story) };
}

export const meta: Route.MetaFunction = ({ data }) => {
  if (!data) return [{ title: "No public story here — Loreloom" }];
  const { story, world, origin, description, cover } = data;
  const url = `${origin}/w/${world.id}/stories/${story.id}`;
  const image = cover ? `${origin}${cover}` : null;
  return [
    { title: `${story.title} — ${world.title} — Loreloom` },
    { name: "description", content: description },
    ...(world.visibility === "unlisted" ? [{ name: "robots", content: "noindex" }] : []),
    { property: "og:type", content: "article" },
    { property: "og:site_name", content: "Loreloom" },
    { property: "og:title", content: story.title },
    { property: "og:description", content: description },
    { property: "og:url", content: url },
    ...(image ? [{ property: "og:image", content: image }, { property: "og:image:alt", content: `An illustration from ${story.title}` }] : []),
    { name: "twitter:card", content: image ? "summary_large_image" : "summary" },
    { name: "twitter:title", content: story.title },
    { name: "twitter:description", content: description },
    ...(image ? [{ name: "twitter:image", content: image }] : []),
    { tagName: "link", rel: "canonical", href: url },
    { tagName: "link", rel: "alternate", type: "application/json+oembed", href: `${origin}/api/oembed?url=${encodeURIComponent(url)}&format=json`, title: story.title },
  ];
};

export default function PublicStory({ loaderData }: Route.ComponentProps) {
  const { story, world, origin, signedIn } = loaderData;
  const onPlace = useMemo(() => (signedIn ? placeSaver(world.id, story.id) : undefined), [signedIn, world.id, story.id]);
  const snippet = storyEmbedIframeHtml({ origin, worldId: world.id, storyId: story.id, title: story.title, width: 800, height: 640 });
  return (
    <main className="mx-auto max-w-6xl px-2 py-4 sm:px-4">
      <p className="px-1 text-sm text-stone-500">
        A story of{" "}
        <Link to={`/w/${world.id}`} className="text-indigo-800 underline">
          {world.title}
        </Link>{" "}
        by {world.ownerName}
      </p>
      <h1 className="break-words px-1 pb-1 font-display text-3xl font-semibold">{story.title}</h1>
      {story.premise ? <p className="max-w-3xl px-1 pb-2 text-stone-700">{story.premise}</p> : null}
      <div className="flex flex-wrap gap-2 px-1 pb-3">
        <TakeAway worldId={world.id} storyId={story.id} signedIn={signedIn} next={`/w/${world.id}/stories/${story.id}`} />
      </div>
      <StoryPlayer story={story} onPlace={onPlace} />
      <details className="mt-4 px-1">
        <summary className="cursor-pointer text-sm font-medium text-stone-700">Embed this story</summary>
        <p className="mt-2 text-sm text-stone-600">Paste this into a page to play the story there:</p>
        <textarea readOnly value={snippet} rows={3} aria-label="Embed code" className="mt-1 w-full rounded-lg border border-stone-300 p-2 font-mono text-xs" onFocus={(event) => event.currentTarget.select()} />
      </details>
    </main>
  );
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  const missing = isRouteErrorResponse(error) && error.status === 404;
  return (
    <main className="mx-auto max-w-xl px-4 py-16 text-center">
      <h1 className="font-display text-3xl font-semibold">{missing ? "No public story here" : "Something went wrong"}</h1>
      <p className="mt-3 text-stone-600">
        {missing
          ? "This story is not published, or its world is private or gone. If it is yours or shared with you, open it from your worlds."
          : "This page could not be shown. Please try again in a moment."}
      </p>
      <Link to="/worlds" className="mt-6 inline-block rounded-lg bg-indigo-700 px-4 py-2 text-white hover:bg-indigo-800">
        My worlds
      </Link>
    </main>
  );
}
