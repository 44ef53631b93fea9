import { useState } from "react";
import { Link } from "react-router";

type Summary = { id: string; title: string; storyCount: number };

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json().catch(() => null)) as ({ error?: { message?: string } } & T) | null;
  if (!response.ok) throw new Error(json?.error?.message ?? `The server answered ${response.status}.`);
  return json as T;
}

/** *Add to playlist*: one of the person's playlists, or a new one named here. */
export function AddToPlaylist({ storyId }: { storyId: string }) {
  const [open, setOpen] = useState(false);
  const [lists, setLists] = useState<Summary[] | null>(null);
  const [title, setTitle] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const show = async () => {
    setOpen((value) => !value);
    if (lists) return;
    try {
      setLists((await call<{ playlists: Summary[] }>("GET", "/api/playlists")).playlists);
    } catch (error) {
      setMessage(error instanceof Error ? error.message : "Your playlists could not be read.");
    }
  };
  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage(await work());
    } catch (error) {
      setMessage(error instanceof Error ? error.message : "That did not work.");
    } finally {
      setBusy(false);
    }
  };
  const addTo = (list: Summary) =>
    run(async () => {
      await call("POST", `/api/playlists/${list.id}/stories`, { storyId });
      return `Added to “${list.title}”.`;
    });
  const create = () =>
    run(async () => {
      const { playlist } = await call<{ playlist: Summary }>("POST", "/api/playlists", { title, stories: [storyId] });
      setLists((current) => [{ ...playlist, storyCount: 1 }, ...(current ?? [])]);
      setTitle("");
      return `Added to the new playlist “${playlist.title}”.`;
    });

  return (
    <div className="relative">
      <button type="button" onClick={() => void show()} aria-expanded={open} className="min-h-11 rounded-lg border border-stone-300 bg-white px-3 py-1.5 text-sm font-medium text-stone-800 hover:bg-stone-100">
        Add to playlist
      </button>
      {open ? (
        <div className="absolute left-0 z-30 mt-1 w-72 max-w-[85vw] rounded-xl border border-stone-200 bg-white p-3 shadow-lg">
          {lists === null && !message ? <p className="text-sm text-stone-500">Loading your playlists…</p> : null}
          <ul className="grid gap-1">
            {lists?.map((list) => (
              <li key={list.id}>
                <button type="button" disabled={busy} onClick={() => void addTo(list)} className="min-h-11 w-full rounded-lg px-2 py-1 text-left text-sm hover:bg-indigo-50 disabled:opacity-50">
                  {list.title} <span className="text-xs text-stone-500">({list.storyCount})</span>
                </button>
              </li>
            ))}
          </ul>
          <form
            className="mt-2 flex gap-1"
            onSubmit={(event) => {
              event.preventDefault();
              void create();
            }}
          >
            <input value={title} onChange={(event) => setTitle(event.target.value)} maxLength={120} required placeholder="New playlist" aria-label="New playlist title" className="min-h-11 min-w-0 flex-1 rounded-lg border border-stone-300 px-2 text-sm" />
            <button type="submit" disabled={busy} className="min-h-11 rounded-lg bg-indigo-700 px-3 text-sm text-white disabled:opacity-50">
              Create
            </button>
          </form>
          {message ? (
            <p role="status" className="mt-2 text-sm text-stone-700">
              {message}{" "}
              <Link to="/playlists" className="text-indigo-800 underline">
                Playlists
              </Link>
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
