import { Form, Link, data, redirect, useNavigation } from "react-router";
import { WORLD_STYLES } from "../../drizzle/schema/constants";
import { CreateWorldSchema, createWorld, listMyWorlds } from "../../workers/domain/worlds";
import { getDb } from "../../workers/lib/db";
import { Alert, Field, PrimaryButton } from "../components/ui";
import { parseForm } from "../lib/forms.server";
import { requireUser } from "../lib/session.server";
import type { Route } from "./+types/worlds";

export const meta: Route.MetaFunction = () => [{ title: "My worlds — Loreloom" }];

export async function loader({ request, context }: Route.LoaderArgs) {
  const user = await requireUser(request, context.cloudflare.env);
  const { worlds } = await listMyWorlds(getDb(context.cloudflare.env.DB), user.id, { limit: 100, cursor: null });
  return { worlds, userId: user.id };
}

export async function action({ request, context }: Route.ActionArgs) {
  const user = await requireUser(request, context.cloudflare.env);
  const form = await request.formData();
  const description = String(form.get("description") ?? "").trim();
  const parsed = parseForm(CreateWorldSchema, {
    title: String(form.get("title") ?? ""),
    style: String(form.get("style") ?? "fantasy"),
    ...(description ? { description } : {}),
  });
  if (!parsed.data) return data({ errors: parsed.errors }, 400);
  const world = await createWorld(getDb(context.cloudflare.env.DB), user.id, parsed.data);
  return redirect(`/worlds/${world.id}`);
}

export default function Worlds({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const creating = navigation.state === "submitting";
  return (
    <main className="mx-auto max-w-6xl px-4 py-8">
      <h1 className="font-display text-3xl font-semibold">My worlds</h1>
      <div className="mt-6 grid gap-8 lg:grid-cols-[1fr_20rem]">
        <section aria-label="Worlds">
          {loaderData.worlds.length === 0 ? (
            <p className="rounded-xl border border-dashed border-stone-300 bg-white p-8 text-center text-stone-600">
              No worlds yet. Name your first one to begin.
            </p>
          ) : (
            <ul className="grid gap-4 sm:grid-cols-2">
              {loaderData.worlds.map((world) => (
                <li key={world.id}>
                  <Link
                    to={`/worlds/${world.id}`}
                    className="block h-full rounded-xl border border-stone-200 bg-white p-4 shadow-sm transition hover:border-indigo-300 hover:shadow"
                  >
                    <div className="flex items-start justify-between gap-2">
                      <h2 className="min-w-0 break-words font-semibold text-stone-900">{world.title}</h2>
                      <span className="shrink-0 rounded-full bg-indigo-50 px-2 py-0.5 text-xs capitalize text-indigo-800">
                        {world.style}
                      </span>
                    </div>
                    {world.description ? (
                      <p className="mt-2 line-clamp-2 text-sm text-stone-600">{world.description}</p>
                    ) : null}
                    <p className="mt-3 text-xs text-stone-500">
                      {world.elementCount} elements · {world.visibility} ·{" "}
                      {world.role === "owner" ? "yours" : `${world.role}, by ${world.ownerName}`}
                    </p>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="self-start rounded-2xl border border-stone-200 bg-white p-5 shadow-sm" aria-label="Create a world">
          <h2 className="text-lg font-semibold">Create a world</h2>
          <Form method="post" className="mt-4 space-y-4">
            {actionData?.errors?.form ? <Alert>{actionData.errors.form}</Alert> : null}
            <Field label="Title" name="title" required maxLength={120} placeholder="The Sunken Archive" error={actionData?.errors?.title} />
            <div>
              <label htmlFor="field-description" className="block text-sm font-medium text-stone-700">
                Description
              </label>
              <textarea
                id="field-description"
                name="description"
                rows={3}
                maxLength={5000}
                className="mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-200"
              />
            </div>
            <div>
              <label htmlFor="field-style" className="block text-sm font-medium text-stone-700">
                Style
              </label>
              <select
                id="field-style"
                name="style"
                defaultValue="fantasy"
                className="mt-1 block w-full rounded-lg border border-stone-300 bg-white px-3 py-2 capitalize"
              >
                {WORLD_STYLES.map((style) => (
                  <option key={style} value={style}>
                    {style}
                  </option>
                ))}
              </select>
            </div>
            <PrimaryButton type="submit" disabled={creating} className="w-full">
              {creating ? "Creating…" : "Create world"}
            </PrimaryButton>
          </Form>
        </section>
      </div>
    </main>
  );
}
