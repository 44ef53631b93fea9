import "@xyflow/react/dist/style.css";
import { useEffect, useSyncExternalStore } from "react";
import { Link } from "react-router";
import { HttpError } from "../../workers/lib/errors";
import { getWorldAccess, toWorldDto } from "../../workers/domain/worlds";
import { getDb } from "../../workers/lib/db";
import { Editor } from "../editor/editor";
import { getUser } from "../lib/session.server";
import { rememberLastWorld } from "../lib/shared-photo";
import type { Route } from "./+types/world";

export const meta: Route.MetaFunction = ({ data }) => [
  { title: data ? `${data.world.title} — Loreloom` : "World — Loreloom" },
];

/** The world itself; its graph comes live from the world's room once the page is running. */
export async function loader({ request, params, context }: Route.LoaderArgs) {
  const env = context.cloudflare.env;
  const user = await getUser(request, env);
  const db = getDb(env.DB);
  // Opened from a share link (`?share=<token>`): the link's role, here and in every call after.
  const share = new URL(request.url).searchParams.get("share");
  try {
    const access = await getWorldAccess(db, params.id, user?.id ?? null, share);
    return {
      world: toWorldDto(access.world, access.role ?? "viewer", access.ownerName),
      userId: user?.id ?? null,
      shareToken: access.shareLinkId ? share : null,
      // Members manage sharing (owners) or see who else is in the world; link holders do not.
      member: Boolean(user && access.role && !access.shareLinkId),
    };
  } catch (error) {
    if (error instanceof HttpError && (error.status === 404 || error.status === 400)) throw new Response("Not found", { status: 404 });
    if (error instanceof HttpError && error.status === 410) throw new Response(error.message, { status: 410 });
    throw error;
  }
}

export default function World({ loaderData }: Route.ComponentProps) {
  const { world, userId, shareToken, member } = loaderData;
  // The canvas measures the DOM and talks to the room: it only renders in the browser.
  const mounted = useSyncExternalStore(
    () => () => {},
    () => true,
    () => false,
  );
  // The world a picture shared from another app is offered to first (/share).
  const editable = world.role === "owner" || world.role === "editor";
  useEffect(() => {
    if (editable && !shareToken) rememberLastWorld(world.id);
  }, [editable, shareToken, world.id]);
  return (
    <main className="mx-auto max-w-[100rem] px-2 py-2 sm:px-4">
      {/* One line on a phone (the canvas below is sized to the screen less this line): a long
          title is cut short there, and the who-may-see chip waits for a wider screen. */}
      <div className="flex items-baseline gap-x-3 gap-y-1 px-1 pb-2 sm:flex-wrap">
        <nav className="shrink-0 text-sm text-stone-500">
          <Link to="/worlds" className="hover:text-indigo-800">
            My worlds
          </Link>{" "}
          /
        </nav>
        <h1 className="min-w-0 truncate font-display text-xl font-semibold sm:overflow-visible sm:whitespace-normal sm:break-words sm:text-2xl" title={world.title}>
          {world.title}
        </h1>
        <span className="shrink-0 rounded-full bg-indigo-50 px-2 py-0.5 text-xs capitalize text-indigo-800">{world.style}</span>
        <span className="hidden rounded-full bg-stone-100 px-2 py-0.5 text-xs text-stone-700 sm:inline">{world.visibility}</span>
        <span className="shrink-0 rounded-full bg-stone-100 px-2 py-0.5 text-xs text-stone-700">you: {world.role}</span>
      </div>
      {mounted ? (
        <Editor world={world} userId={userId} shareToken={shareToken} member={member} />
      ) : (
        <div className="flex h-[calc(100dvh-7.5rem)] min-h-[26rem] items-center justify-center rounded-xl border border-stone-200 bg-stone-50 text-stone-600">
          Opening the world…
        </div>
      )}
    </main>
  );
}
