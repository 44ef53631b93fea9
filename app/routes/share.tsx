import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { listMyWorlds } from "../../workers/domain/worlds";
import { getDb } from "../../workers/lib/db";
import { SHARED_PHOTO_QUERY, forgetSharedPhoto, lastWorld, readSharedPhoto, type SharedPhoto } from "../lib/shared-photo";
import { requireUser } from "../lib/session.server";
import { shareProblemOf, type ShareProblem } from "../../sw/share-target";
import type { Route } from "./+types/share";

export const meta: Route.MetaFunction = () => [{ title: "A shared picture — Loreloom" }];

/** The worlds this person may add an element to, most recently changed first. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const user = await requireUser(request, context.cloudflare.env);
  const { worlds } = await listMyWorlds(getDb(context.cloudflare.env.DB), user.id, { limit: 100, cursor: null });
  return {
    worlds: worlds
      .filter((world) => world.role === "owner" || world.role === "editor")
      .map((world) => ({ id: world.id, title: world.title, elementCount: world.elementCount })),
  };
}

const PROBLEM_TEXT: Record<ShareProblem, string> = {
  "no-file": "Nothing came with the share. Share a photo or a picture file to Loreloom.",
  "not-image": "That was not a picture. Loreloom can make an element from a photo or an image (PNG, JPEG, GIF or WebP).",
  "too-large": "That picture is larger than 40 MB, too large to take. Share a smaller copy.",
  unreadable: "The shared picture could not be read. Share it again.",
  "not-ready":
    "Loreloom was not ready to receive pictures on this device yet. It is now: share the picture again. (Opening Loreloom once after installing it sets it up.)",
};

/**
 * Where a picture shared from another app lands (the manifest's share_target, ADR 25): choose the
 * world it becomes an element of; that world opens with *From photo* holding the picture.
 */
export default function Share({ loaderData }: Route.ComponentProps) {
  const [params] = useSearchParams();
  const problem = shareProblemOf(params.get("problem"));
  const [shared, setShared] = useState<SharedPhoto | null | undefined>(undefined);
  const [last, setLast] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void readSharedPhoto().then((photo) => {
      if (!live) return;
      setLast(lastWorld());
      setShared(photo);
    });
    return () => {
      live = false;
    };
  }, []);
  const preview = useMemo(() => (shared ? URL.createObjectURL(shared.file) : null), [shared]);
  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);

  // The last world edited here first, then the rest as the server ordered them.
  const worlds = [...loaderData.worlds].sort((a, b) => Number(b.id === last) - Number(a.id === last));

  return (
    <main className="mx-auto max-w-2xl px-4 py-6">
      <h1 className="font-display text-2xl font-semibold sm:text-3xl">Add a shared picture</h1>
      {problem ? (
        <p role="alert" className="mt-4 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {PROBLEM_TEXT[problem]}
        </p>
      ) : null}
      {shared === undefined ? (
        <p className="mt-4 text-sm text-stone-600" role="status">
          Looking for the shared picture…
        </p>
      ) : shared === null ? (
        problem ? null : (
          <p className="mt-4 text-sm text-stone-700" role="status">
            No shared picture is waiting. Share a photo to Loreloom from another app, or use <strong>From photo</strong> in a world.
          </p>
        )
      ) : (
        <>
          <figure className="mt-4 flex items-center gap-3 rounded-xl border border-stone-200 bg-white p-3">
            {preview ? <img src={preview} alt="The shared picture" className="h-20 w-20 shrink-0 rounded-lg object-cover" /> : null}
            <figcaption className="min-w-0 text-sm text-stone-700">
              <span className="block truncate font-medium text-stone-900">{shared.file.name}</span>
              {formatBytes(shared.file.size)}
              {shared.hint ? <span className="mt-1 block break-words text-stone-600">“{shared.hint}”</span> : null}
            </figcaption>
          </figure>
          <h2 className="mt-6 font-semibold text-stone-900">Which world is it for?</h2>
          {worlds.length === 0 ? (
            <p className="mt-2 text-sm text-stone-700">
              You have no world you can add to yet. <Link to="/worlds#create-world" className="font-medium text-indigo-800 underline">Make one</Link>, then share the
              picture again.
            </p>
          ) : (
            <ul className="mt-2 divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" aria-label="Worlds you can add to">
              {worlds.map((world) => (
                <li key={world.id}>
                  <Link to={`/worlds/${world.id}?${SHARED_PHOTO_QUERY}`} className="flex min-h-11 items-center justify-between gap-3 px-4 py-3 hover:bg-indigo-50">
                    <span className="min-w-0 break-words font-medium text-stone-900">{world.title}</span>
                    <span className="shrink-0 text-xs text-stone-600">
                      {world.id === last ? <span className="mr-2 rounded-full bg-indigo-100 px-2 py-0.5 font-medium text-indigo-900">Last edited</span> : null}
                      {world.elementCount} element{world.elementCount === 1 ? "" : "s"}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <button
            type="button"
            onClick={() => void forgetSharedPhoto().then(() => setShared(null))}
            className="mt-4 min-h-11 rounded-lg border border-stone-300 px-3 py-2 text-sm hover:bg-stone-50"
          >
            Discard the picture
          </button>
        </>
      )}
    </main>
  );
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
