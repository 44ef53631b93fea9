import { isRouteErrorResponse } from "react-router";
import { StoryPlayer } from "../player/story-player";
import { loadPublicStory } from "../lib/story-player.server";
import { originOf } from "../lib/public-world.server";
import type { Route } from "./+types/embed-story";

// A story's embeddable player (issue 18, point 7; catalogue F3): framed by other sites, anonymous by
// design, and within SPEC §7's 120 KB of gzipped JavaScript — it imports only React and the player.

export async function loader({ request, params, context }: Route.LoaderArgs) {
  const { story, world } = await loadPublicStory(context.cloudflare.env, params.id, params.sid);
  return { story, world: { id: world.id, title: world.title, ownerName: world.ownerName }, origin: originOf(request) };
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `${data.story.title} — Loreloom` : "Not available — Loreloom" }];

export default function EmbedStory({ loaderData }: Route.ComponentProps) {
  const { story, world, origin } = loaderData;
  return (
    <main className="flex min-h-screen flex-col gap-2 bg-stone-50 p-2">
      <StoryPlayer story={story} compact />
      <p className="px-1 text-xs text-stone-500">
        <a href={`${origin}/w/${world.id}/stories/${story.id}`} target="_blank" rel="noopener" className="font-medium text-indigo-800 underline">
          {story.title}
        </a>{" "}
        — a story of {world.title} by {world.ownerName}, on Loreloom
      </p>
    </main>
  );
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return (
    <main className="flex min-h-screen items-center justify-center p-4 text-center text-stone-600">
      {isRouteErrorResponse(error) && error.status === 404 ? "This story is not available to embed." : "This story could not be shown."}
    </main>
  );
}
