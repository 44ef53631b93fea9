import { Link } from "react-router";
import { getWorldAccess, getWorldGraph } from "../../workers/domain/worlds";
import { getDb } from "../../workers/lib/db";
import { ElementTypeChip } from "../components/element-chip";
import { RELATIONSHIP_LABEL } from "../lib/element-types";
import { getUser } from "../lib/session.server";
import { HttpError } from "../../workers/api/errors";
import type { Route } from "./+types/world";

export const meta: Route.MetaFunction = ({ data }) => [
  { title: data ? `${data.world.title} — Loreloom` : "World — Loreloom" },
];

export async function loader({ request, params, context }: Route.LoaderArgs) {
  const env = context.cloudflare.env;
  const user = await getUser(request, env);
  const db = getDb(env.DB);
  try {
    return await getWorldGraph(db, await getWorldAccess(db, params.id, user?.id ?? null));
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw new Response("Not found", { status: 404 });
    throw error;
  }
}

export default function World({ loaderData }: Route.ComponentProps) {
  const { world, elements, relationships } = loaderData;
  const names = new Map(elements.map((e) => [e.id, e.name]));
  return (
    <main className="mx-auto max-w-6xl px-4 py-8">
      <nav className="text-sm text-stone-500">
        <Link to="/worlds" className="hover:text-indigo-800">
          My worlds
        </Link>{" "}
        / <span className="text-stone-700">{world.title}</span>
      </nav>
      <header className="mt-3">
        <div className="flex flex-wrap items-center gap-2">
          <h1 className="min-w-0 break-words font-display text-3xl font-semibold">{world.title}</h1>
          <span className="rounded-full bg-indigo-50 px-2 py-0.5 text-xs capitalize text-indigo-800">{world.style}</span>
          <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs text-stone-700">{world.visibility}</span>
          <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs text-stone-700">you: {world.role}</span>
        </div>
        {world.description ? <p className="mt-3 max-w-3xl whitespace-pre-line text-stone-700">{world.description}</p> : null}
      </header>

      <div className="mt-8 grid gap-8 lg:grid-cols-[1fr_22rem]">
        <section aria-labelledby="elements-heading">
          <h2 id="elements-heading" className="text-lg font-semibold">
            Elements <span className="text-stone-500">({elements.length})</span>
          </h2>
          {elements.length === 0 ? (
            <p className="mt-3 rounded-xl border border-dashed border-stone-300 bg-white p-6 text-stone-600">
              This world has no elements yet.
            </p>
          ) : (
            <ul className="mt-3 grid gap-3 sm:grid-cols-2">
              {elements.map((element) => (
                  <li key={element.id} className="rounded-xl border border-stone-200 bg-white p-4 shadow-sm">
                    <div className="flex items-center gap-2">
                      <ElementTypeChip type={element.type} />
                      <h3 className="min-w-0 break-words font-semibold">{element.name}</h3>
                    </div>
                    {element.description ? (
                      <p className="mt-2 line-clamp-4 whitespace-pre-line text-sm text-stone-600">{element.description}</p>
                    ) : null}
                  </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="relationships-heading">
          <h2 id="relationships-heading" className="text-lg font-semibold">
            Relationships <span className="text-stone-500">({relationships.length})</span>
          </h2>
          {relationships.length === 0 ? (
            <p className="mt-3 text-sm text-stone-600">No relationships yet.</p>
          ) : (
            <ul className="mt-3 divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white text-sm shadow-sm">
              {relationships.map((rel) => (
                <li key={rel.id} className="px-4 py-2.5">
                  <span className="font-medium">{names.get(rel.from) ?? "?"}</span>{" "}
                  <span className="text-stone-500">{RELATIONSHIP_LABEL[rel.kind] ?? rel.kind}</span>{" "}
                  <span className="font-medium">{names.get(rel.to) ?? "?"}</span>
                  {rel.label ? <span className="block text-xs text-stone-500">{rel.label}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </main>
  );
}
