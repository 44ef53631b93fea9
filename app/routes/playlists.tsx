import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { listPlaylists } from "../../workers/domain/stories/playlists";
import { getDb } from "../../workers/lib/db";
import { timeAgo } from "../editor/api";
import { requireUser } from "../lib/session.server";
import type { Route } from "./+types/playlists";

export async function loader({ request, context }: Route.LoaderArgs) {
  const user = await requireUser(request, context.cloudflare.env);
  return { playlists: await listPlaylists(getDb(context.cloudflare.env.DB), user.id) };
}

export const meta: Route.MetaFunction = () => [{ title: "Playlists — Loreloom" }];

/** A person's playlists (issue 18, point 4): stories from any world they may read, played in order. */
export default function Playlists({ loaderData }: Route.ComponentProps) {
  const { playlists } = loaderData;
  const navigate = useNavigate();
  const [title, setTitle] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const response = await fetch("/api/playlists", { method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" }, body: JSON.stringify({ title }) });
      const json = (await response.json().catch(() => null)) as { playlist?: { id: string }; error?: { message?: string } } | null;
      if (!response.ok || !json?.playlist) throw new Error(json?.error?.message ?? `The server answered ${response.status}.`);
      navigate(`/playlists/${json.playlist.id}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : "The playlist could not be made.");
      setBusy(false);
    }
  };

  return (
    <main className="mx-auto max-w-3xl px-4 py-6">
      <h1 className="font-display text-3xl font-semibold">Playlists</h1>
      <p className="mt-1 text-stone-600">Stories from any world you may read, played one after another. Add a story from its player with “Add to playlist”.</p>
      <form
        className="mt-4 flex flex-wrap gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <input value={title} onChange={(event) => setTitle(event.target.value)} required maxLength={120} placeholder="A new playlist" aria-label="Playlist title" className="min-h-11 min-w-0 flex-1 rounded-lg border border-stone-300 px-3" />
        <button type="submit" disabled={busy} className="min-h-11 rounded-lg bg-indigo-700 px-4 font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
          New playlist
        </button>
      </form>
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      {playlists.length === 0 ? <p className="mt-6 rounded-xl border border-stone-200 bg-white p-5 text-stone-600">No playlists yet.</p> : null}
      <ul className="mt-6 grid gap-3">
        {playlists.map((playlist) => (
          <li key={playlist.id} className="rounded-xl border border-stone-200 bg-white shadow-sm hover:border-indigo-300">
            <Link to={`/playlists/${playlist.id}`} className="block p-4">
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <h2 className="min-w-0 break-words font-semibold">{playlist.title}</h2>
                <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs text-stone-700">{playlist.visibility === "link" ? "shared by link" : "private"}</span>
              </div>
              {playlist.description ? <p className="mt-1 line-clamp-2 text-sm text-stone-600">{playlist.description}</p> : null}
              <p className="mt-1 text-xs text-stone-500">
                {playlist.storyCount} {playlist.storyCount === 1 ? "story" : "stories"} · updated {timeAgo(playlist.updatedAt)}
              </p>
            </Link>
          </li>
        ))}
      </ul>
    </main>
  );
}
