import { useEffect, useRef, useState } from "react";
import { Form, Link, data, redirect, useNavigation, useSearchParams } from "react-router";
import { count, eq } from "drizzle-orm";
import { WORLD_STYLES, type WorldStyle } from "../../drizzle/schema/constants";
import { elements } from "../../drizzle/schema";
import { CreateWorldSchema, createWorld, getWorldAccess, listMyWorlds, type WorldOrigin } from "../../workers/domain/worlds";
import { acceptPrompt, seedWorld, titleFromPrompt } from "../../workers/domain/jobs";
import { forkWorld } from "../../workers/domain/publishing";
import { getDb, type Database } from "../../workers/lib/db";
import { HttpError } from "../../workers/lib/errors";
import { answerInvitation, listMyInvitations } from "../../workers/domain/sharing";
import { ImportWorldButton } from "../components/import-world";
import { ResendVerification } from "../components/resend-verification";
import { NeedsConnectionButton } from "../components/needs-connection";
import { Alert, Field } from "../components/ui";
import { appendToField, VoiceInput } from "../components/voice-input";
import { parseForm } from "../lib/forms.server";
import { requireUser } from "../lib/session.server";
import type { Route } from "./+types/worlds";

export const meta: Route.MetaFunction = () => [{ title: "My worlds — Loreloom" }];

/** The public demo world `npm start` seeds (drizzle/seed/demo-world.mjs). */
const DEMO_WORLD_ID = "demoworld0000001";

/** Prompts an empty dashboard offers: one click fills the new-world form with one of them. */
const EXAMPLE_PROMPTS: Array<{ prompt: string; style: WorldStyle }> = [
  { prompt: "A drowned clockwork city ruled by tide-priests, where the Tide Clock decides who may breathe", style: "steampunk" },
  { prompt: "A desert of singing glass where caravans trade in remembered names", style: "fantasy" },
  { prompt: "A generation ship whose crew has forgotten it is moving, and the mutineers who remember", style: "sci-fi" },
  { prompt: "A fog-bound fishing village where the lighthouse keeper feeds something under the pier", style: "horror" },
];

/** The demo world, when it exists and this person may see it (it is public as seeded). */
async function findDemo(db: Database, userId: string) {
  try {
    const access = await getWorldAccess(db, DEMO_WORLD_ID, userId);
    const [counted] = await db.select({ n: count() }).from(elements).where(eq(elements.worldId, DEMO_WORLD_ID));
    return { id: access.world.id, title: access.world.title, description: access.world.description, ownerName: access.ownerName, elementCount: counted?.n ?? 0 };
  } catch (error) {
    if (error instanceof HttpError) return null;
    throw error;
  }
}

export async function loader({ request, context }: Route.LoaderArgs) {
  const user = await requireUser(request, context.cloudflare.env);
  const db = getDb(context.cloudflare.env.DB);
  const [{ worlds }, invitations] = await Promise.all([listMyWorlds(db, user.id, { limit: 100, cursor: null }), listMyInvitations(db, user)]);
  // Someone with no world yet is offered the demo and a few example prompts to start from.
  const demo = worlds.length === 0 ? await findDemo(db, user.id) : null;
  return { worlds, invitations, demo, examples: EXAMPLE_PROMPTS, userId: user.id, unverifiedEmail: user.emailVerified ? null : user.email };
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
  if (intent === "fork-demo") {
    // "Fork the demo" on an empty dashboard: a private copy of the demo world to change freely.
    const db = getDb(env.DB);
    try {
      const source = await getWorldAccess(db, DEMO_WORLD_ID, user.id);
      const world = await forkWorld(env, db, source, user, {});
      return redirect(`/worlds/${world.id}`);
    } catch (error) {
      if (error instanceof HttpError) return data({ errors: { demo: error.message } as Record<string, string> }, error.status);
      throw error;
    }
  }
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
  // The form has one field that describes the world: the prompt. It becomes the world's
  // description, which World settings edits from then on.
  const parsed = parseForm(CreateWorldSchema, {
    title,
    style: String(form.get("style") ?? "fantasy"),
    ...(prompt ? { description: prompt } : {}),
  });
  if (!parsed.data) return data({ errors: parsed.errors }, 400);
  const db = getDb(env.DB);
  const world = await createWorld(db, user.id, parsed.data);
  if (prompt) {
    try {
      await seedWorld(db, env.JOBS_QUEUE, env, user.id, world.id, prompt);
    } catch (error) {
      // The world exists (it is in the list now); say why nothing is being generated in it.
      const reason = error instanceof Error ? error.message : "Generation could not start.";
      return data({ errors: { prompt: `“${world.title}” was created, but its elements were not generated: ${reason}` } as Record<string, string> }, 429);
    }
  }
  return redirect(`/worlds/${world.id}`);
}

const card = "rounded-xl border border-stone-200 bg-white shadow-sm";

export default function Worlds({ loaderData, actionData }: Route.ComponentProps) {
  const [params] = useSearchParams();
  const prefill = params.get("prompt")?.slice(0, 2000) ?? "";
  const styleParam = params.get("style");
  const prefillStyle = WORLD_STYLES.find((style) => style === styleParam) ?? "fantasy";
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
            <FirstSteps demo={loaderData.demo} examples={loaderData.examples} demoError={actionData?.errors?.demo} />
          ) : (
            <ul className="grid gap-4 sm:grid-cols-2">
              {loaderData.worlds.map((world) => (
                <li key={world.id} className={`flex flex-col transition hover:border-indigo-300 hover:shadow ${card}`}>
                  <Link to={`/worlds/${world.id}`} className="block flex-1 rounded-xl p-4">
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
                  {world.origin ? <OriginLine origin={world.origin} /> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
        <CreateWorldForm key={`${prefill}\u0000${prefillStyle}`} prefill={prefill} prefillStyle={prefillStyle} errors={actionData?.errors ?? null} />
      </div>
    </main>
  );
}

/** "Forked from …" or "Imported from …" at the foot of a world's card. */
function OriginLine({ origin }: { origin: WorldOrigin }) {
  const line = "flex items-center gap-1.5 border-t border-stone-100 px-4 py-2 text-xs text-stone-600";
  if (origin.kind === "import") {
    return (
      <p className={line} data-testid="world-origin">
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-3.5 w-3.5 shrink-0 fill-current text-stone-400">
          <path d="M10 13a1 1 0 0 1-1-1V5.4L6.7 7.7a1 1 0 0 1-1.4-1.4l4-4a1 1 0 0 1 1.4 0l4 4a1 1 0 1 1-1.4 1.4L11 5.4V12a1 1 0 0 1-1 1ZM3 15a1 1 0 0 1 1 1v1h12v-1a1 1 0 1 1 2 0v2a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1v-2a1 1 0 0 1 1-1Z" />
        </svg>
        <span className="min-w-0 break-words">
          Imported from {origin.fileName ? <span className="font-medium text-stone-700" title="a Loreloom export (.zip)">{origin.fileName}</span> : "a Loreloom export"}
        </span>
      </p>
    );
  }
  const { source } = origin;
  return (
    <p className={line} data-testid="world-origin">
      <svg aria-hidden="true" viewBox="0 0 20 20" className="h-3.5 w-3.5 shrink-0 fill-none stroke-current text-stone-400" strokeWidth="1.8">
        <circle cx="6" cy="4" r="2" />
        <circle cx="14" cy="4" r="2" />
        <circle cx="10" cy="16" r="2" />
        <path d="M6 6v2a3 3 0 0 0 3 3h2a3 3 0 0 0 3-3V6M10 11v3" />
      </svg>
      <span className="min-w-0 break-words">
        Forked from{" "}
        {source ? (
          // Members open the source in the editor; anyone else on its public page.
          <Link to={source.member ? `/worlds/${source.id}` : `/w/${source.id}`} className="font-medium text-indigo-800 underline">
            {source.title}
          </Link>
        ) : (
          "a world not shared with you"
        )}
      </span>
    </p>
  );
}

type Demo = Route.ComponentProps["loaderData"]["demo"];
type Example = Route.ComponentProps["loaderData"]["examples"][number];

/** What an empty dashboard offers: example prompts for the new-world form, and the demo world. */
function FirstSteps({ demo, examples, demoError }: { demo: Demo; examples: Example[]; demoError?: string }) {
  const navigation = useNavigation();
  const forking = navigation.state !== "idle" && navigation.formData?.get("intent") === "fork-demo";
  return (
    <div className="space-y-5">
      <div className={`p-5 sm:p-6 ${card}`}>
        <h2 className="font-display text-xl font-semibold text-stone-900">No worlds yet — start one</h2>
        <p className="mt-1 text-sm text-stone-600">
          Describe the world you imagine under <a href="#create-world" className="text-indigo-800 underline">Create a world</a> and the AI builds its first
          places, people and things — or start from one of these:
        </p>
        <ul className="mt-4 grid gap-2 sm:grid-cols-2" aria-label="Example prompts">
          {examples.map((example) => (
            <li key={example.prompt}>
              <Link
                to={`?${new URLSearchParams({ prompt: example.prompt, style: example.style })}#create-world`}
                preventScrollReset
                className="flex h-full flex-col gap-1 rounded-lg border border-stone-200 bg-stone-50 p-3 text-sm text-stone-800 transition hover:border-indigo-300 hover:bg-indigo-50"
              >
                <span>“{example.prompt}”</span>
                <span className="text-xs capitalize text-indigo-800">{example.style}</span>
              </Link>
            </li>
          ))}
        </ul>
      </div>
      {demo ? (
        <div className={`p-5 sm:p-6 ${card}`} role="region" aria-labelledby="demo-heading">
          <p className="text-xs font-medium uppercase tracking-wide text-stone-500">Or look around a finished world first</p>
          <h2 id="demo-heading" className="mt-1 font-display text-xl font-semibold text-stone-900">
            {demo.title}
          </h2>
          {demo.description ? <p className="mt-1 text-sm text-stone-600">{demo.description}</p> : null}
          <p className="mt-2 text-xs text-stone-500">
            The demo world · {demo.elementCount} elements · by {demo.ownerName}
          </p>
          {demoError ? <div className="mt-3"><Alert>{demoError}</Alert></div> : null}
          <div className="mt-4 flex flex-wrap items-center gap-2">
            <Link to={`/worlds/${demo.id}`} className="rounded-lg bg-indigo-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-800">
              Open the demo
            </Link>
            <Form method="post">
              <NeedsConnectionButton
                type="submit"
                name="intent"
                value="fork-demo"
                disabled={forking}
                className="rounded-lg border border-stone-300 bg-white px-4 py-2 text-sm font-medium text-stone-800 hover:bg-stone-50 disabled:opacity-60"
              >
                {forking ? "Forking…" : "Fork the demo"}
              </NeedsConnectionButton>
            </Form>
            <span className="text-xs text-stone-500">Opening it lets you look; a fork is a private copy of your own to change.</span>
          </div>
        </div>
      ) : null}
    </div>
  );
}

/**
 * The new-world form. One field describes the world — the prompt the AI builds it from, which also
 * becomes its description; World settings edits that description afterwards.
 */
function CreateWorldForm({ prefill, prefillStyle, errors }: { prefill: string; prefillStyle: WorldStyle; errors: Record<string, string> | null }) {
  const navigation = useNavigation();
  const creating = navigation.state === "submitting" && navigation.formData?.get("intent") !== "fork-demo";
  // With a prompt the form seeds the world with generated elements; the button says so.
  const [generating, setGenerating] = useState(prefill.trim().length > 0);
  const prompt = useRef<HTMLTextAreaElement>(null);
  // An example prompt was chosen: bring the filled-in form into view, ready to go.
  useEffect(() => {
    if (!prefill || !prompt.current) return;
    prompt.current.focus();
    prompt.current.scrollIntoView({ block: "center" });
  }, [prefill]);
  return (
    <section id="create-world" className="self-start scroll-mt-4 rounded-2xl border border-stone-200 bg-white p-5 shadow-sm" aria-label="Create a world">
      <h2 className="text-lg font-semibold">Create a world</h2>
      <Form method="post" className="mt-4 space-y-4">
        {errors?.form ? <Alert>{errors.form}</Alert> : null}
        <div>
          <label htmlFor="field-prompt" className="block text-sm font-medium text-stone-700">
            Describe your world
          </label>
          <textarea
            ref={prompt}
            id="field-prompt"
            name="prompt"
            rows={4}
            maxLength={2000}
            defaultValue={prefill}
            placeholder="A mystical forest kingdom hidden in ancient woods"
            aria-describedby="field-prompt-help"
            aria-invalid={errors?.prompt ? true : undefined}
            onChange={(e) => setGenerating(e.target.value.trim().length > 0)}
            className="mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-200"
          />
          <VoiceInput onText={(text) => appendToField(prompt.current, text)} className="mt-2" />
          <p id="field-prompt-help" className="mt-1 text-xs text-stone-500">
            The AI builds the world&apos;s first elements from this, and it becomes the world&apos;s description (change it later in World settings). Leave it
            empty for a blank canvas.
          </p>
          {errors?.prompt ? <p className="mt-1 text-sm text-red-700">{errors.prompt}</p> : null}
        </div>
        <Field
          label="Title"
          name="title"
          maxLength={120}
          placeholder={generating ? "Optional: named from the description" : "The Sunken Archive"}
          error={errors?.title}
        />
        <div>
          <label htmlFor="field-style" className="block text-sm font-medium text-stone-700">
            Style
          </label>
          <select
            id="field-style"
            name="style"
            defaultValue={prefillStyle}
            className="mt-1 block w-full rounded-lg border border-stone-300 bg-white px-3 py-2 capitalize"
          >
            {WORLD_STYLES.map((style) => (
              <option key={style} value={style}>
                {style}
              </option>
            ))}
          </select>
        </div>
        <NeedsConnectionButton type="submit" disabled={creating} className="w-full rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white shadow-sm hover:bg-indigo-800 disabled:opacity-60">
          {creating ? (generating ? "Starting generation…" : "Creating…") : generating ? "Generate world" : "Create world"}
        </NeedsConnectionButton>
      </Form>
    </section>
  );
}
