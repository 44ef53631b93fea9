import { useEffect, useRef, useState } from "react";
import { Form, Link, data, useFetcher, useLocation, useSubmit } from "react-router";
import { WORLD_STYLES, type WorldStyle } from "../../drizzle/schema/constants";
import { HttpError } from "../../workers/lib/errors";
import { GalleryQuerySchema, decodeGalleryCursor, searchGallery, type GalleryWorld } from "../../workers/domain/gallery";
import { getDb } from "../../workers/lib/db";
import { LikeButton } from "../components/like-button";
import { getUser } from "../lib/session.server";
import type { Route } from "./+types/gallery";

export const meta: Route.MetaFunction = ({ data }) => [
  { title: data?.query.q ? `“${data.query.q}” in the gallery — Loreloom` : "Gallery — Loreloom" },
  { name: "description", content: "Public worlds made with Loreloom: search them by name, place, character or tag." },
];

/** The gallery page reads the same domain function as `GET /api/gallery`. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const env = context.cloudflare.env;
  const url = new URL(request.url);
  const raw = Object.fromEntries([...url.searchParams].filter(([, value]) => value !== ""));
  const parsed = GalleryQuerySchema.safeParse(raw);
  if (!parsed.success) throw data("Those gallery filters are not valid. Clear them and try again.", { status: 400 });
  const { cursor, ...query } = parsed.data;
  const user = await getUser(request, env);
  try {
    const page = await searchGallery(getDb(env.DB), {
      ...query,
      cursor: decodeGalleryCursor(cursor, query.sort),
      viewerId: user?.id ?? null,
    });
    return {
      page,
      query: { q: query.q ?? "", style: query.style ?? null, tag: query.tag ?? null, sort: query.sort, limit: raw.limit ? query.limit : null, paged: Boolean(cursor) },
      signedIn: Boolean(user),
    };
  } catch (error) {
    if (error instanceof HttpError && error.status === 400) throw data("That page of the gallery is no longer available.", { status: 400 });
    throw error;
  }
}

type Query = Route.ComponentProps["loaderData"]["query"];

/** The gallery URL for `query` with some parameters changed (null removes one). */
function galleryHref(query: Query, changes: Partial<Record<"q" | "style" | "tag" | "sort" | "cursor", string | null>>) {
  const params = new URLSearchParams();
  const merged = {
    q: query.q || null,
    style: query.style,
    tag: query.tag,
    sort: query.sort === "recent" ? null : query.sort,
    limit: query.limit ? String(query.limit) : null,
    ...changes,
  };
  for (const [name, value] of Object.entries(merged)) if (value) params.set(name, value);
  const search = params.toString();
  return search ? `/gallery?${search}` : "/gallery";
}

// A placeholder for worlds without a picture: a gradient in the style's mood.
const STYLE_ART: Record<WorldStyle, string> = {
  fantasy: "from-emerald-700 via-teal-600 to-lime-500",
  "sci-fi": "from-slate-900 via-indigo-800 to-cyan-500",
  steampunk: "from-amber-900 via-orange-700 to-yellow-600",
  horror: "from-stone-950 via-red-950 to-stone-700",
  mythic: "from-indigo-900 via-violet-700 to-amber-400",
  modern: "from-sky-700 via-sky-500 to-stone-300",
  cyberpunk: "from-fuchsia-700 via-purple-800 to-cyan-400",
  "post-apocalyptic": "from-stone-800 via-amber-800 to-orange-400",
  "fairy-tale": "from-rose-400 via-pink-300 to-violet-300",
};

function Cover({ world }: { world: GalleryWorld }) {
  if (world.coverUrl) {
    return <img src={world.coverUrl} alt="" loading="lazy" decoding="async" className="h-full w-full object-cover" />;
  }
  return (
    <div className={`flex h-full w-full items-center justify-center bg-gradient-to-br ${STYLE_ART[world.style] ?? STYLE_ART.fantasy}`}>
      <span aria-hidden="true" className="font-display text-5xl font-semibold text-white/80 drop-shadow">
        {[...world.title.trim()][0]?.toUpperCase()}
      </span>
    </div>
  );
}

function WorldCard({ world, query, signedIn }: { world: GalleryWorld; query: Query; signedIn: boolean }) {
  return (
    <li className="flex flex-col overflow-hidden rounded-xl border border-stone-200 bg-white shadow-sm transition hover:border-indigo-300 hover:shadow">
      <Link to={`/w/${world.id}`} tabIndex={-1} aria-hidden="true" className="block aspect-[16/9] overflow-hidden bg-stone-100">
        <Cover world={world} />
      </Link>
      <div className="flex flex-1 flex-col p-4">
        <div className="flex items-start justify-between gap-2">
          <h2 className="min-w-0 break-words font-semibold text-stone-900">
            <Link to={`/w/${world.id}`} className="hover:text-indigo-800 hover:underline">
              {world.title}
            </Link>
          </h2>
          <Link
            to={galleryHref(query, { style: world.style, cursor: null })}
            className="shrink-0 rounded-full bg-indigo-50 px-2 py-0.5 text-xs capitalize text-indigo-800 hover:bg-indigo-100"
            aria-label={`Show ${world.style} worlds`}
          >
            {world.style}
          </Link>
        </div>
        {world.description ? <p className="mt-1 line-clamp-2 text-sm text-stone-600">{world.description}</p> : null}
        {world.tags.length ? (
          <ul className="mt-3 flex flex-wrap gap-1.5" aria-label="Tags">
            {world.tags.slice(0, 6).map((tag) => (
              <li key={tag}>
                <Link
                  to={galleryHref(query, { tag, cursor: null })}
                  className="inline-block max-w-[12rem] truncate rounded-md bg-stone-100 px-2 py-0.5 text-xs text-stone-700 hover:bg-stone-200"
                  aria-label={`Show worlds tagged ${tag}`}
                >
                  #{tag}
                </Link>
              </li>
            ))}
          </ul>
        ) : null}
        <div className="mt-auto flex items-center justify-between gap-2 pt-4 text-xs text-stone-500">
          <span className="min-w-0 truncate">
            {world.elementCount} {world.elementCount === 1 ? "element" : "elements"} · by {world.ownerName}
          </span>
          <LikeButton worldId={world.id} likes={world.likes} liked={world.liked} signedIn={signedIn} />
        </div>
      </div>
    </li>
  );
}

function Filters({ query }: { query: Query }) {
  const submit = useSubmit();
  const formRef = useRef<HTMLFormElement>(null);
  // The fields follow the URL (back, a tag link, "Clear filters") and what the person types.
  const [q, setQ] = useState(query.q ?? "");
  const [style, setStyle] = useState<string>(query.style ?? "");
  const [shown, setShown] = useState({ q: query.q, style: query.style });
  if (shown.q !== query.q || shown.style !== query.style) {
    setShown({ q: query.q, style: query.style });
    setQ(query.q ?? "");
    setStyle(query.style ?? "");
  }
  // Empty fields stay out of the URL (the page works without this, with `style=` in it).
  const search = (form: HTMLFormElement) => {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === "string" && value.trim()) params.set(name, value.trim());
    void submit(params, { method: "get", action: "/gallery" });
  };
  const sortLink = (sort: "recent" | "popular", label: string) => (
    <Link
      to={galleryHref(query, { sort: sort === "recent" ? null : sort, cursor: null })}
      aria-current={query.sort === sort ? "page" : undefined}
      className={`px-3 py-1.5 ${query.sort === sort ? "bg-indigo-700 text-white" : "bg-white text-stone-700 hover:bg-stone-100"}`}
    >
      {label}
    </Link>
  );
  return (
    <div className="mt-6 space-y-3">
      <Form
        ref={formRef}
        method="get"
        role="search"
        className="flex flex-wrap gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          search(event.currentTarget);
        }}
      >
        <label htmlFor="gallery-q" className="sr-only">
          Search worlds
        </label>
        <input
          id="gallery-q"
          type="search"
          name="q"
          value={q}
          onChange={(event) => setQ(event.target.value)}
          maxLength={200}
          placeholder="Search titles, places, characters, tags…"
          className="min-w-0 flex-[1_1_16rem] rounded-lg border border-stone-300 bg-white px-3 py-2 shadow-sm focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-200"
        />
        <label htmlFor="gallery-style" className="sr-only">
          Style
        </label>
        <select
          id="gallery-style"
          name="style"
          value={style}
          onChange={(event) => {
            setStyle(event.target.value);
            const form = event.currentTarget.form;
            // Read once React has put the new value in the form.
            if (form) queueMicrotask(() => search(form));
          }}
          className="rounded-lg border border-stone-300 bg-white px-3 py-2 capitalize shadow-sm"
        >
          <option value="">All styles</option>
          {WORLD_STYLES.map((style) => (
            <option key={style} value={style}>
              {style}
            </option>
          ))}
        </select>
        {query.tag ? <input type="hidden" name="tag" value={query.tag} /> : null}
        {query.sort !== "recent" ? <input type="hidden" name="sort" value={query.sort} /> : null}
        <button type="submit" className="rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white shadow-sm hover:bg-indigo-800">
          Search
        </button>
      </Form>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex flex-wrap items-center gap-2 text-sm">
          {query.tag ? (
            <Link
              to={galleryHref(query, { tag: null, cursor: null })}
              className="inline-flex items-center gap-1 rounded-full bg-indigo-100 px-3 py-1 text-indigo-900 hover:bg-indigo-200"
              aria-label={`Remove the tag filter ${query.tag}`}
            >
              #{query.tag} <span aria-hidden="true">×</span>
            </Link>
          ) : null}
          {query.q || query.style || query.tag ? (
            <Link to={galleryHref(query, { q: null, style: null, tag: null, cursor: null })} className="text-stone-600 underline hover:text-indigo-800">
              Clear filters
            </Link>
          ) : null}
        </div>
        <nav aria-label="Sort" className="flex overflow-hidden rounded-lg border border-stone-300 text-sm shadow-sm">
          {sortLink("recent", "Recent")}
          {sortLink("popular", "Popular")}
        </nav>
      </div>
    </div>
  );
}

/** The empty state, in words that say what was asked for. */
function nothingFound(query: Query) {
  const worlds = `No public ${query.style ? `${query.style} ` : ""}worlds${query.tag ? ` tagged #${query.tag}` : ""}`;
  return query.q ? `${worlds} match “${query.q}”.` : `${worlds} yet.`;
}

function Results({ initial, query, signedIn }: { initial: Route.ComponentProps["loaderData"]["page"]; query: Query; signedIn: boolean }) {
  const fetcher = useFetcher<typeof loader>();
  const [worlds, setWorlds] = useState(initial.worlds);
  const [cursor, setCursor] = useState(initial.nextCursor);
  const appended = useRef<unknown>(null);
  useEffect(() => {
    // Each page fetched by "Load more" is appended once.
    if (!fetcher.data || appended.current === fetcher.data) return;
    appended.current = fetcher.data;
    const next = fetcher.data.page;
    setWorlds((shown) => [...shown, ...next.worlds.filter((w) => !shown.some((s) => s.id === w.id))]);
    setCursor(next.nextCursor);
  }, [fetcher.data]);

  if (worlds.length === 0) {
    const filtered = Boolean(query.q || query.style || query.tag);
    return (
      <div className="mt-8 rounded-xl border border-dashed border-stone-300 bg-white p-8 text-center text-stone-600">
        <p>{nothingFound(query)}</p>
        {filtered ? (
          <Link to="/gallery" className="mt-3 inline-block text-indigo-800 underline">
            See every public world
          </Link>
        ) : null}
      </div>
    );
  }
  const moreHref = cursor ? galleryHref(query, { cursor }) : null;
  return (
    <>
      <ul className="mt-6 grid gap-5 sm:grid-cols-2 lg:grid-cols-3" aria-label="Worlds">
        {worlds.map((world) => (
          <WorldCard key={world.id} world={world} query={query} signedIn={signedIn} />
        ))}
      </ul>
      <div className="mt-8 flex justify-center gap-3">
        {query.paged ? (
          <Link to={galleryHref(query, { cursor: null })} className="rounded-lg border border-stone-300 bg-white px-4 py-2 text-stone-700 hover:bg-stone-100">
            Back to the first page
          </Link>
        ) : null}
        {moreHref ? (
          <Link
            to={moreHref}
            onClick={(event) => {
              // With JavaScript the next page is added below; without, the link opens it.
              event.preventDefault();
              if (fetcher.state === "idle") fetcher.load(moreHref);
            }}
            className="rounded-lg border border-stone-300 bg-white px-4 py-2 font-medium text-stone-800 shadow-sm hover:bg-stone-100 aria-disabled:opacity-60"
            aria-disabled={fetcher.state !== "idle" || undefined}
          >
            {fetcher.state !== "idle" ? "Loading…" : "Load more"}
          </Link>
        ) : null}
      </div>
    </>
  );
}

export default function Gallery({ loaderData }: Route.ComponentProps) {
  const { page, query, signedIn } = loaderData;
  const location = useLocation();
  return (
    <main className="mx-auto max-w-6xl px-4 py-8">
      <h1 className="font-display text-3xl font-semibold">Gallery</h1>
      <p className="mt-1 text-stone-600">Public worlds made with Loreloom. Search them by name, place, character or tag.</p>
      <Filters query={query} />
      {/* A new search starts a new list. */}
      <Results key={location.search} initial={page} query={query} signedIn={signedIn} />
    </main>
  );
}
