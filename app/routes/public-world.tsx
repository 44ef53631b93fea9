import { Form, Link, isRouteErrorResponse, redirect, useNavigation } from "react-router";
import { LikeButton } from "../components/like-button";
import { HttpError } from "../../workers/lib/errors";
import { forkWorld } from "../../workers/domain/publishing";
import { getWorldAccess } from "../../workers/domain/worlds";
import { getDb } from "../../workers/lib/db";
import { EmbedSnippet } from "../components/embed-snippet";
import { WorldGraphSvg } from "../components/world-graph-svg";
import { ELEMENT_LOOK } from "../lib/element-types";
import { PROSE } from "../lib/prose";
import { loadPublicWorld, originOf, type NotPublic } from "../lib/public-world.server";
import { getUser } from "../lib/session.server";
import type { Route } from "./+types/public-world";

/** Element cards shown in full; a bigger world lists the rest by name (the graph shows them all). */
const DETAILED_ELEMENTS = 120;

export async function loader({ request, params, context }: Route.LoaderArgs) {
  const env = context.cloudflare.env;
  const user = await getUser(request, env);
  const publicWorld = await loadPublicWorld(env, params.id, user);
  return { ...publicWorld, origin: originOf(request), signedIn: Boolean(user) };
}

/** Fork (catalogue F2) from the public page: a new private world of the person's, then its editor. */
export async function action({ request, params, context }: Route.ActionArgs) {
  const env = context.cloudflare.env;
  const user = await getUser(request, env);
  if (!user) throw redirect(`/?next=${encodeURIComponent(`/w/${params.id}`)}#sign-in`);
  const db = getDb(env.DB);
  try {
    const source = await getWorldAccess(db, params.id, user.id);
    const world = await forkWorld(env, db, source, user, {});
    return redirect(`/worlds/${world.id}`);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw new Response("Not found", { status: 404 });
    throw error;
  }
}

function summaryOf(world: { description: string; style: string; ownerName: string | null }, elementCount: number) {
  const text = world.description.replace(/\s+/g, " ").trim();
  if (text) return text.length > 200 ? `${text.slice(0, 199).trimEnd()}…` : text;
  return `A ${world.style} world by ${world.ownerName ?? "someone"} on Loreloom, with ${elementCount} elements.`;
}

export const meta: Route.MetaFunction = ({ data }) => {
  if (!data) return [{ title: "No public page — Loreloom" }];
  const { world, origin, cover, elements } = data;
  const url = `${origin}/w/${world.id}`;
  const title = `${world.title} — Loreloom`;
  const description = summaryOf(world, elements.length);
  const image = cover ? `${origin}${cover}` : null;
  return [
    { title },
    { name: "description", content: description },
    ...(world.visibility === "unlisted" ? [{ name: "robots", content: "noindex" }] : []),
    { property: "og:type", content: "website" },
    { property: "og:site_name", content: "Loreloom" },
    { property: "og:title", content: world.title },
    { property: "og:description", content: description },
    { property: "og:url", content: url },
    ...(image ? [{ property: "og:image", content: image }, { property: "og:image:alt", content: `Cover of ${world.title}` }] : []),
    { name: "twitter:card", content: image ? "summary_large_image" : "summary" },
    { name: "twitter:title", content: world.title },
    { name: "twitter:description", content: description },
    ...(image ? [{ name: "twitter:image", content: image }] : []),
    { tagName: "link", rel: "canonical", href: url },
    {
      tagName: "link",
      rel: "alternate",
      type: "application/json+oembed",
      href: `${origin}/api/oembed?url=${encodeURIComponent(url)}&format=json`,
      title: world.title,
    },
  ];
};

export default function PublicWorld({ loaderData }: Route.ComponentProps) {
  const { world, cover, forkedFrom, elements, relationships, picture, memberRole, signedIn, origin, liked, stories } = loaderData;
  const navigation = useNavigation();
  const forking = navigation.state !== "idle" && navigation.formMethod === "POST";
  const names = new Map(elements.map((element) => [element.id, element.name]));
  const detailed = elements.slice(0, DETAILED_ELEMENTS);
  const rest = elements.slice(DETAILED_ELEMENTS);
  const withCards = new Set(detailed.map((element) => element.id));

  return (
    <main className="mx-auto max-w-6xl px-4 py-8">
      <section className="grid gap-6 md:grid-cols-[1fr_18rem]">
        <div className="min-w-0">
          <p className="text-sm text-stone-500">
            <span className="capitalize">{world.style}</span> world by <span className="font-medium text-stone-700">{world.ownerName}</span>
            {" · "}
            {elements.length} elements · {relationships.length} relationships
          </p>
          <h1 className="mt-1 break-words font-display text-3xl font-semibold sm:text-4xl">{world.title}</h1>
          {forkedFrom ? (
            <p className="mt-2 text-sm text-stone-600">
              Forked from{" "}
              {forkedFrom.visible ? (
                <Link to={`/w/${forkedFrom.id}`} className="text-indigo-800 underline">
                  {forkedFrom.title}
                </Link>
              ) : (
                "a world that is no longer public"
              )}
            </p>
          ) : null}
          {world.tags.length ? (
            <ul className="mt-3 flex flex-wrap gap-1.5" aria-label="Tags">
              {world.tags.map((tag) => (
                <li key={tag} className="rounded-full bg-indigo-50 px-2 py-0.5 text-xs text-indigo-800">
                  #{tag}
                </li>
              ))}
            </ul>
          ) : null}
          {world.description ? <p className="mt-4 max-w-3xl whitespace-pre-line text-stone-700">{world.description}</p> : null}

          <div className="relative mt-5 flex flex-wrap items-start gap-2">
            {signedIn ? (
              <Form method="post">
                <button
                  type="submit"
                  disabled={forking}
                  className="rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white shadow-sm hover:bg-indigo-800 disabled:opacity-60"
                >
                  {forking ? "Forking…" : "Fork this world"}
                </button>
              </Form>
            ) : (
              <Link
                to={`/?next=${encodeURIComponent(`/w/${world.id}`)}#sign-in`}
                className="rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white shadow-sm hover:bg-indigo-800"
              >
                Sign in to fork
              </Link>
            )}
            <LikeButton worldId={world.id} likes={world.likes} liked={liked} signedIn={signedIn} />
            {memberRole ? (
              <Link to={`/worlds/${world.id}`} className="rounded-lg border border-stone-300 bg-white px-4 py-2 font-medium text-stone-800 hover:bg-stone-100">
                Open in editor
              </Link>
            ) : null}
            <details className="w-full sm:w-auto">
              <summary className="inline-block cursor-pointer list-none rounded-lg border border-stone-300 bg-white px-4 py-2 font-medium text-stone-800 hover:bg-stone-100 [&::-webkit-details-marker]:hidden">
                Embed
              </summary>
              <div className="mt-3 w-full rounded-xl border border-stone-200 bg-white p-4 shadow-lg sm:absolute sm:left-0 sm:top-full sm:z-20 sm:mt-2 sm:w-[32rem] sm:max-w-full">
                <EmbedSnippet worldId={world.id} title={world.title} origin={origin} visibility={world.visibility} />
              </div>
            </details>
          </div>
        </div>
        {cover ? (
          <img
            src={cover}
            alt={`Cover of ${world.title}`}
            className="aspect-square w-full max-w-72 rounded-2xl border border-stone-200 bg-white object-cover shadow-sm md:max-w-none"
          />
        ) : null}
      </section>

      {stories.length ? (
        <section aria-labelledby="stories-heading" className="mt-8">
          <h2 id="stories-heading" className="font-display text-2xl font-semibold">
            Stories
          </h2>
          <ul className="mt-3 grid gap-3 sm:grid-cols-2">
            {stories.map((story) => (
              <li key={story.id} className="rounded-xl border border-stone-200 bg-white shadow-sm hover:border-indigo-300">
                <Link to={`/w/${world.id}/stories/${story.id}`} className="block p-4">
                  <h3 className="break-words font-semibold text-stone-900">{story.title}</h3>
                  {story.premise ? <p className="mt-1 line-clamp-2 text-sm text-stone-600">{story.premise}</p> : null}
                  <p className="mt-1 text-xs text-stone-500">
                    {story.chapterCount} {story.chapterCount === 1 ? "chapter" : "chapters"} · {story.wordCount} words · ▶ read and listen
                  </p>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-label="Graph" className="mt-8">
        <h2 className="sr-only">Graph</h2>
        <div className="h-[20rem] overflow-hidden rounded-2xl border border-stone-200 bg-white shadow-sm sm:h-[28rem]">
          {elements.length ? (
            <WorldGraphSvg
              picture={picture}
              title={world.title}
              hrefFor={(id) => (withCards.has(id) ? `#element-${id}` : null)}
              className="h-full w-full"
            />
          ) : (
            <p className="flex h-full items-center justify-center text-stone-500">This world has no elements yet.</p>
          )}
        </div>
      </section>

      {elements.length ? (
        <section aria-labelledby="elements-heading" className="mt-8">
          <h2 id="elements-heading" className="font-display text-2xl font-semibold">
            Elements
          </h2>
          <ul className="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {detailed.map((element) => {
              const look = ELEMENT_LOOK[element.type];
              const links = relationships.filter((rel) => rel.from === element.id).slice(0, 6);
              return (
                <li key={element.id} id={`element-${element.id}`} className="scroll-mt-4 flex flex-col overflow-hidden rounded-xl border border-stone-200 bg-white shadow-sm">
                  {element.image ? (
                    <img src={element.image} alt={element.name} loading="lazy" className="aspect-[4/3] w-full bg-stone-100 object-cover" />
                  ) : null}
                  <div className="min-w-0 flex-1 p-4">
                    <div className="flex items-start justify-between gap-2">
                      <h3 className="min-w-0 break-words font-semibold text-stone-900">{element.name}</h3>
                      <span className={`shrink-0 rounded-full px-2 py-0.5 text-xs ${look.chip}`}>{look.label}</span>
                    </div>
                    {element.descriptionHtml ? (
                      <div
                        className={`${PROSE} mt-2`}
                        // Rendered on the server by markdown-it with html:false (workers/lib/markdown.ts).
                        dangerouslySetInnerHTML={{ __html: element.descriptionHtml }}
                      />
                    ) : null}
                    {links.length ? (
                      <p className="mt-2 text-xs text-stone-500">
                        {links.map((rel, index) => (
                          <span key={rel.id}>
                            {index ? "; " : ""}
                            {rel.label || rel.kind.replace(/_/g, " ")} {names.get(rel.to)}
                          </span>
                        ))}
                      </p>
                    ) : null}
                    {element.audio ? (
                      <audio controls preload="none" src={element.audio} className="mt-3 w-full" aria-label={`Narration of ${element.name}`} />
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ul>
          {rest.length ? (
            <p className="mt-4 text-sm text-stone-600">
              And {rest.length} more: {rest.slice(0, 200).map((element) => element.name).join(", ")}
              {rest.length > 200 ? "…" : ""}
            </p>
          ) : null}
        </section>
      ) : null}
    </main>
  );
}

/** A private or missing world has no public page; its members are pointed to the editor. */
export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  const notPublic = isRouteErrorResponse(error) && error.status === 404 ? ((error.data as NotPublic | null) ?? null) : null;
  if (!isRouteErrorResponse(error) || error.status !== 404) {
    return (
      <main className="mx-auto max-w-xl px-4 py-16 text-center">
        <h1 className="font-display text-3xl font-semibold">Something went wrong</h1>
        <p className="mt-3 text-stone-600">This page could not be shown. Please try again in a moment.</p>
      </main>
    );
  }
  return (
    <main className="mx-auto max-w-xl px-4 py-16 text-center">
      <h1 className="font-display text-3xl font-semibold">No public page here</h1>
      {notPublic?.editorUrl ? (
        <>
          <p className="mt-3 text-stone-600">
            This world is private, so it has no public page — not even for its members. You are one of them: open it in the editor, or
            make it public or unlisted there to share this page.
          </p>
          <Link to={notPublic.editorUrl} className="mt-6 inline-block rounded-lg bg-indigo-700 px-4 py-2 text-white hover:bg-indigo-800">
            Open in the editor
          </Link>
        </>
      ) : (
        <>
          <p className="mt-3 text-stone-600">
            This world is private or does not exist. If it is yours or shared with you, you can open it from your worlds.
          </p>
          <Link to="/worlds" className="mt-6 inline-block rounded-lg bg-indigo-700 px-4 py-2 text-white hover:bg-indigo-800">
            My worlds
          </Link>
        </>
      )}
    </main>
  );
}
