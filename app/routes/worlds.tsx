import { useState } from "react";
import { Form, Link, data, redirect, useNavigation } from "react-router";
import { WORLD_STYLES } from "../../drizzle/schema/constants";
import { CreateWorldSchema, createWorld, listMyWorlds } from "../../workers/domain/worlds";
import { acceptPrompt, seedWorld, titleFromPrompt } from "../../workers/domain/jobs";
import { getDb } from "../../workers/lib/db";
import { HttpError } from "../../workers/api/errors";
import { answerInvitation, listMyInvitations } from "../../workers/domain/sharing";
import { ImportWorldButton } from "../components/import-world";
import { ResendVerification } from "../components/resend-verification";
import { Alert, Field, PrimaryButton } from "../components/ui";
import { parseForm } from "../lib/forms.server";
import { requireUser } from "../lib/session.server";
import type { Route } from "./+types/worlds";

export const meta: Route.MetaFunction = () => [{ title: "My worlds — Loreloom" }];

export async function loader({ request, context }: Route.LoaderArgs) {
  const user = await requireUser(request, context.cloudflare.env);
  const db = getDb(context.cloudflare.env.DB);
  const [{ worlds }, invitations] = await Promise.all([listMyWorlds(db, user.id, { limit: 100, cursor: null }), listMyInvitations(db, user)]);
  return { worlds, invitations, userId: user.id, unverifiedEmail: user.emailVerified ? null : user.email };
}

export async function action({ request, context }: Route.ActionArgs) {
  const user = await requireUser(request, context.cloudflare.env);
  const { env } = context.cloudflare;
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "accept-invitation" || intent === "decline-invitation") {
    const answer = intent === "accept-invitation" ? "accept" : "decline";
    try {
      const result = await answerInvitation(getDb(env.DB), { id: String(form.get("invitationId") ?? "") }, user, answer);
      return answer === "accept" ? redirect(`/worlds/${result.worldId}`) : data({ errors: null as Record<string, string> | null });
    } catch (error) {
      if (error instanceof HttpError) return data({ errors: { invitation: error.message } as Record<string, string> }, error.status);
      throw error;
    }
  }
  const description = String(form.get("description") ?? "").trim();
  const rawPrompt = String(form.get("prompt") ?? "").trim();
  // A prompt seeds the world with generated elements; it is checked before anything is made.
  let prompt: string | null = null;
  if (rawPrompt) {
    try {
      prompt = acceptPrompt(rawPrompt);
    } catch (error) {
      return data({ errors: { prompt: error instanceof Error ? error.message : "That prompt cannot be used." } as Record<string, string> }, 400);
    }
  }
  const title = String(form.get("title") ?? "").trim() || (prompt ? await titleFromPrompt(prompt) : "");
  const parsed = parseForm(CreateWorldSchema, {
    title,
    style: String(form.get("style") ?? "fantasy"),
    ...(description ? { description } : {}),
  });
  if (!parsed.data) return data({ errors: parsed.errors }, 400);
  const db = getDb(env.DB);
  const world = await createWorld(db, user.id, parsed.data);
  if (prompt) {
    try {
      await seedWorld(db, env.JOBS_QUEUE, env as unknown as Record<string, unknown>, user.id, world.id, prompt);
    } catch (error) {
      // The world exists (it is in the list now); say why nothing is being generated in it.
      const reason = error instanceof Error ? error.message : "Generation could not start.";
      return data({ errors: { prompt: `“${world.title}” was created, but its elements were not generated: ${reason}` } as Record<string, string> }, 429);
    }
  }
  return redirect(`/worlds/${world.id}`);
}

export default function Worlds({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const creating = navigation.state === "submitting";
  // With a prompt the form seeds the world with generated elements; the button says so.
  const [generating, setGenerating] = useState(false);
  return (
    <main className="mx-auto max-w-6xl px-4 py-8">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <h1 className="font-display text-3xl font-semibold">My worlds</h1>
        <ImportWorldButton />
      </div>
      {loaderData.unverifiedEmail ? (
        <div role="status" className="mt-6 rounded-2xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-950">
          Confirm your email address: open the link we sent to <span className="font-medium">{loaderData.unverifiedEmail}</span>. Invitations sent
          to it appear here once you do. <ResendVerification />
        </div>
      ) : null}
      {loaderData.invitations.length > 0 || actionData?.errors?.invitation ? (
        <section aria-labelledby="invitations-heading" className="mt-6 rounded-2xl border border-indigo-200 bg-indigo-50/60 p-4">
          <h2 id="invitations-heading" className="font-semibold text-indigo-950">
            Invitations
          </h2>
          {actionData?.errors?.invitation ? <div className="mt-2"><Alert>{actionData.errors.invitation}</Alert></div> : null}
          <ul className="mt-2 divide-y divide-indigo-100">
            {loaderData.invitations.map((invitation) => (
              <li key={invitation.id} className="flex flex-wrap items-center gap-x-3 gap-y-2 py-2">
                <p className="min-w-0 flex-1 text-sm">
                  <span className="font-medium">{invitation.worldTitle}</span>
                  <span className="block text-xs text-stone-600">
                    {invitation.inviterName ?? "Its owner"} invites you as {invitation.role === "editor" ? "an editor" : "a viewer"} · expires{" "}
                    {new Date(invitation.expiresAt).toLocaleDateString("en", { day: "numeric", month: "short", timeZone: "UTC" })}
                  </span>
                </p>
                <Form method="post" className="flex gap-2">
                  <input type="hidden" name="invitationId" value={invitation.id} />
                  <button type="submit" name="intent" value="accept-invitation" className="rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">
                    Accept
                  </button>
                  <button type="submit" name="intent" value="decline-invitation" className="rounded-lg border border-stone-300 bg-white px-3 py-1.5 text-sm hover:bg-stone-50">
                    Decline
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
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
            <div>
              <label htmlFor="field-prompt" className="block text-sm font-medium text-stone-700">
                Describe your world <span className="font-normal text-stone-500">(the AI builds it)</span>
              </label>
              <textarea
                id="field-prompt"
                name="prompt"
                rows={3}
                maxLength={2000}
                placeholder="A mystical forest kingdom hidden in ancient woods"
                aria-invalid={actionData?.errors?.prompt ? true : undefined}
                onChange={(e) => setGenerating(e.target.value.trim().length > 0)}
                className="mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-200"
              />
              {actionData?.errors?.prompt ? <p className="mt-1 text-sm text-red-700">{actionData.errors.prompt}</p> : null}
            </div>
            <Field label="Title" name="title" maxLength={120} placeholder="The Sunken Archive (or leave it to the prompt)" error={actionData?.errors?.title} />
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
              {creating ? (generating ? "Starting generation…" : "Creating…") : generating ? "Generate world" : "Create world"}
            </PrimaryButton>
          </Form>
        </section>
      </div>
    </main>
  );
}
