import { Link } from "react-router";
import { StoryList } from "../stories/story-list";
import { loadWorldForStories } from "../lib/story-access.server";
import type { Route } from "./+types/stories";

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `Stories — ${data.world.title} — Loreloom` : "Stories — Loreloom" }];

export async function loader({ request, params, context }: Route.LoaderArgs) {
  return loadWorldForStories(request, context.cloudflare.env, params.id);
}

/** A world's stories, and *New story* for its owners and editors. */
export default function Stories({ loaderData }: Route.ComponentProps) {
  const { world, canEdit, shareToken } = loaderData;
  const worldLink = `/worlds/${world.id}${shareToken ? `?share=${encodeURIComponent(shareToken)}` : ""}`;
  return (
    <main className="mx-auto max-w-5xl px-3 py-6 sm:px-4">
      <nav className="text-sm text-stone-500">
        <Link to="/worlds" className="hover:text-indigo-800">
          My worlds
        </Link>{" "}
        /{" "}
        <Link to={worldLink} className="hover:text-indigo-800">
          {world.title}
        </Link>{" "}
        /
      </nav>
      <h1 className="mt-1 font-display text-3xl font-semibold">Stories</h1>
      <p className="mt-1 text-sm text-stone-600">Written together, live, with {world.title} as the story bible.</p>
      <StoryList worldId={world.id} canEdit={canEdit} shareToken={shareToken} />
    </main>
  );
}
