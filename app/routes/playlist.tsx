import { useMemo, useState } from "react";
import { Link, isRouteErrorResponse, useNavigate, useRevalidator } from "react-router";
import { StoryPlayer } from "../player/story-player";
import { loadPlaylistToPlay } from "../lib/story-player.server";
import type { Route } from "./+types/playlist";

export async function loader({ request, params, context }: Route.LoaderArgs) {
  return loadPlaylistToPlay(request, context.cloudflare.env, params.pid);
}

export const meta: Route.MetaFunction = ({ data }) => [
  { title: data ? `${data.playlist.title} — playlist — Loreloom` : "Playlist — Loreloom" },
  { name: "robots", content: "noindex" },
];

async function send(method: string, path: string, body?: unknown) {
  const response = await fetch(path, { method, credentials: "same-origin", headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    const json = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(json?.error?.message ?? `The server answered ${response.status}.`);
  }
}

/** A playlist: its stories played one after another; its owner orders, shares and trims it here. */
export default function Playlist({ loaderData }: Route.ComponentProps) {
  const { playlist, stories } = loaderData;
  const [current, setCurrent] = useState(0);
  // After the first story the reader started, the next one plays on by itself.
  const [carryOn, setCarryOn] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const revalidator = useRevalidator();
  const navigate = useNavigate();
  const story = stories[current] ?? null;
  const ids = useMemo(() => playlist.stories.map((entry) => entry.id), [playlist.stories]);
  const base = `/api/playlists/${playlist.id}`;

  const change = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
      revalidator.revalidate();
    } catch (e) {
      setError(e instanceof Error ? e.message : "That did not work.");
    }
  };
  const move = (index: number, by: -1 | 1) =>
    change(() => {
      const order = [...ids];
      const [moved] = order.splice(index, 1);
      order.splice(index + by, 0, moved!);
      return send("PUT", `${base}/stories`, { stories: order });
    });
  const remove = (index: number) => change(() => send("PUT", `${base}/stories`, { stories: ids.filter((_, n) => n !== index) }));
  const share = (visibility: "private" | "link") => change(() => send("PATCH", base, { visibility }));
  const copyLink = async () => {
    await navigator.clipboard?.writeText(`${location.origin}/playlists/${playlist.id}`).catch(() => {});
    setCopied(true);
  };
  const destroy = async () => {
    if (!confirm(`Delete the playlist “${playlist.title}”? The stories stay where they are.`)) return;
    try {
      await send("DELETE", base);
      navigate("/playlists");
    } catch (e) {
      setError(e instanceof Error ? e.message : "The playlist could not be deleted.");
    }
  };

  const small = "min-h-11 min-w-11 rounded-lg border border-stone-300 bg-white px-2 text-sm hover:bg-stone-100 disabled:opacity-40";
  return (
    <main className="mx-auto max-w-6xl px-2 py-4 sm:px-4">
      <p className="px-1 text-sm text-stone-500">
        {playlist.mine ? (
          <Link to="/playlists" className="hover:text-indigo-800">
            Playlists
          </Link>
        ) : (
          <>A playlist by {playlist.ownerName}</>
        )}
      </p>
      <h1 className="break-words px-1 font-display text-3xl font-semibold">{playlist.title}</h1>
      {playlist.description ? <p className="px-1 text-stone-700">{playlist.description}</p> : null}
      {error ? (
        <p role="alert" className="m-1 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <div className="mt-3 grid gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0">
          {story ? (
            <>
              <p className="px-1 pb-2 text-sm text-stone-600" data-testid="playlist-now">
                Story {current + 1} of {stories.length}: <span className="font-medium text-stone-900">{story.title}</span> — {story.worldTitle}
              </p>
              <StoryPlayer
                key={`${story.id}-${current}`}
                story={story}
                autoPlay={carryOn}
                onFinished={() => {
                  if (current + 1 < stories.length) {
                    setCarryOn(true);
                    setCurrent(current + 1);
                  }
                }}
              />
            </>
          ) : (
            <p className="rounded-xl border border-stone-200 bg-white p-5 text-stone-600">This playlist has no stories yet. Add one from a story's player with “Add to playlist”.</p>
          )}
        </div>
        <aside className="rounded-xl border border-stone-200 bg-white p-3">
          <h2 className="px-1 font-semibold">Stories</h2>
          <ol className="mt-2 grid gap-1">
            {stories.map((entry, index) => (
              <li key={entry.id} className="flex items-center gap-1">
                <button
                  type="button"
                  onClick={() => {
                    setCarryOn(false);
                    setCurrent(index);
                  }}
                  aria-current={index === current ? "true" : undefined}
                  className="min-h-11 min-w-0 flex-1 rounded-lg px-2 text-left text-sm hover:bg-indigo-50 aria-[current]:bg-indigo-50 aria-[current]:font-semibold"
                >
                  <span className="block truncate">{entry.title}</span>
                  <span className="block truncate text-xs font-normal text-stone-500">{entry.worldTitle}</span>
                </button>
                {playlist.mine ? (
                  <>
                    <button type="button" className={small} disabled={index === 0} onClick={() => void move(index, -1)} aria-label={`Move ${entry.title} up`}>
                      ↑
                    </button>
                    <button type="button" className={small} disabled={index === stories.length - 1} onClick={() => void move(index, 1)} aria-label={`Move ${entry.title} down`}>
                      ↓
                    </button>
                    <button type="button" className={small} onClick={() => void remove(index)} aria-label={`Remove ${entry.title}`}>
                      ✕
                    </button>
                  </>
                ) : null}
              </li>
            ))}
          </ol>
          {playlist.mine ? (
            <div className="mt-4 grid gap-2 border-t border-stone-200 pt-3 text-sm">
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={playlist.visibility === "link"} onChange={(event) => void share(event.target.checked ? "link" : "private")} className="h-5 w-5" />
                Anyone with the link may play it
              </label>
              <p className="text-xs text-stone-500">A visitor can play a shared playlist only if they may read every story in it.</p>
              {playlist.visibility === "link" ? (
                <button type="button" className={small} onClick={() => void copyLink()}>
                  {copied ? "Link copied" : "Copy link"}
                </button>
              ) : null}
              <button type="button" className={`${small} text-red-700`} onClick={() => void destroy()}>
                Delete playlist
              </button>
            </div>
          ) : null}
        </aside>
      </div>
    </main>
  );
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  const missing = isRouteErrorResponse(error) && error.status === 404;
  return (
    <main className="mx-auto max-w-xl px-4 py-16 text-center">
      <h1 className="font-display text-3xl font-semibold">{missing ? "No playlist here" : "Something went wrong"}</h1>
      <p className="mt-3 text-stone-600">
        {missing ? "This playlist is private, gone, or holds a story you may not read." : "This page could not be shown. Please try again in a moment."}
      </p>
      <Link to="/playlists" className="mt-6 inline-block rounded-lg bg-indigo-700 px-4 py-2 text-white hover:bg-indigo-800">
        Playlists
      </Link>
    </main>
  );
}
