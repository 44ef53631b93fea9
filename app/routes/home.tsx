import { APIError } from "better-auth/api";
import { Form, Link, data, redirect, useNavigation, useSearchParams } from "react-router";
import { HttpError } from "../../workers/lib/errors";
import { getAuth } from "../../workers/auth";
import { requireWithinAuthLimits } from "../../workers/domain/auth-limits";
import { SignInSchema, SignUpSchema } from "../../workers/domain/accounts";
import { Alert, Field, PrimaryButton } from "../components/ui";
import { parseForm } from "../lib/forms.server";
import { getUser, safeNext } from "../lib/session.server";
import type { Route } from "./+types/home";

export async function loader({ request, context }: Route.LoaderArgs) {
  const user = await getUser(request, context.cloudflare.env);
  return { signedIn: Boolean(user), demoHint: context.config.DEMO_ACCOUNT_HINT };
}

export async function action({ request, context }: Route.ActionArgs) {
  const form = await request.formData();
  const intent = form.get("intent") === "sign-up" ? "sign-up" : "sign-in";
  const next = safeNext(form.get("next"));
  const auth = getAuth(context.cloudflare.env, request);
  const values = {
    email: String(form.get("email") ?? ""),
    password: String(form.get("password") ?? ""),
    ...(intent === "sign-up" ? { name: String(form.get("name") ?? "") } : {}),
  };
  try {
    let headers: Headers;
    if (intent === "sign-up") {
      const parsed = parseForm(SignUpSchema, values);
      if (!parsed.data) return data({ intent, errors: parsed.errors, message: null }, 400);
      await requireWithinAuthLimits(context.cloudflare.env, request, "sign-up");
      ({ headers } = await auth.api.signUpEmail({ body: parsed.data, headers: request.headers, returnHeaders: true }));
    } else {
      const parsed = parseForm(SignInSchema, values);
      if (!parsed.data) return data({ intent, errors: parsed.errors, message: null }, 400);
      await requireWithinAuthLimits(context.cloudflare.env, request, "sign-in", parsed.data.email);
      ({ headers } = await auth.api.signInEmail({ body: parsed.data, headers: request.headers, returnHeaders: true }));
    }
    const out = new Headers();
    for (const cookie of headers.getSetCookie()) out.append("set-cookie", cookie);
    return redirect(next, { headers: out });
  } catch (error) {
    if (error instanceof HttpError) {
      return data({ intent, errors: null, message: error.message }, { status: error.status, headers: error.headers });
    }
    if (error instanceof APIError) {
      return data({ intent, errors: null, message: error.message || "That did not work." }, error.statusCode);
    }
    throw error;
  }
}

const FEATURES = [
  ["A world from a sentence", "Type a prompt; get locations, characters, factions and lore, linked into a living graph."],
  ["Built together, live", "Friends edit the same world at once, with cursors, chat and locks."],
  ["Stories that stay true", "Write chapters inside your world and have them checked against its facts."],
];

export default function Home({ loaderData, actionData: action }: Route.ComponentProps) {
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const intent = action?.intent ?? (params.get("mode") === "sign-up" ? "sign-up" : "sign-in");
  const busy = navigation.state !== "idle";
  // Switching between the tabs keeps where the person goes afterwards (a public page's Fork, say).
  const next = params.get("next");
  const tab = (mode: "sign-in" | "sign-up") => `?${new URLSearchParams(next ? { mode, next } : { mode })}#sign-in`;
  return (
    <main className="mx-auto grid max-w-6xl gap-10 px-4 py-10 md:grid-cols-[1.2fr_1fr] md:py-16">
      <section>
        <p className="text-sm font-semibold uppercase tracking-widest text-indigo-700">Collaborative world-building</p>
        <h1 className="mt-3 font-display text-4xl font-semibold leading-tight text-stone-900 sm:text-5xl">
          Weave living worlds, and the stories inside them.
        </h1>
        <p className="mt-4 max-w-xl text-lg text-stone-600">
          Loreloom turns a prompt into a graph of places, people, factions and legends — each with words,
          pictures and a voice — and lets your friends shape it with you in real time.
        </p>
        <ul className="mt-8 grid gap-4 sm:grid-cols-3 md:grid-cols-1 lg:grid-cols-3">
          {FEATURES.map(([title, text]) => (
            <li key={title} className="rounded-xl border border-stone-200 bg-white p-4 shadow-sm">
              <h2 className="font-semibold text-stone-900">{title}</h2>
              <p className="mt-1 text-sm text-stone-600">{text}</p>
            </li>
          ))}
        </ul>
        <p className="mt-6 text-stone-600">
          Curious what people have made?{" "}
          <Link to="/gallery" className="font-medium text-indigo-800 underline hover:text-indigo-900">
            Browse the gallery of public worlds
          </Link>
          .
        </p>
      </section>

      <section id="sign-in" className="self-start rounded-2xl border border-stone-200 bg-white p-6 shadow-sm">
        {loaderData.signedIn ? (
          <div>
            <h2 className="text-xl font-semibold">Welcome back</h2>
            <p className="mt-2 text-stone-600">You are signed in.</p>
            <Link to="/worlds" className="mt-4 inline-block rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white hover:bg-indigo-800">
              Go to my worlds
            </Link>
          </div>
        ) : (
          <>
            <div className="mb-5 flex gap-1 rounded-lg bg-stone-100 p-1 text-sm" role="tablist">
              <Link
                to={tab("sign-in")}
                role="tab"
                aria-selected={intent === "sign-in"}
                className="flex-1 rounded-md px-3 py-1.5 text-center aria-selected:bg-white aria-selected:shadow-sm"
              >
                Sign in
              </Link>
              <Link
                to={tab("sign-up")}
                role="tab"
                aria-selected={intent === "sign-up"}
                className="flex-1 rounded-md px-3 py-1.5 text-center aria-selected:bg-white aria-selected:shadow-sm"
              >
                Create account
              </Link>
            </div>
            <Form method="post" className="space-y-4" key={intent}>
              <input type="hidden" name="intent" value={intent} />
              <input type="hidden" name="next" value={params.get("next") ?? ""} />
              {action?.message ? <Alert>{action.message}</Alert> : null}
              {intent === "sign-up" ? (
                <Field label="Your name" name="name" autoComplete="name" required maxLength={80} error={action?.errors?.name} />
              ) : null}
              <Field label="Email" name="email" type="email" autoComplete="email" required error={action?.errors?.email} />
              <Field
                label="Password"
                name="password"
                type="password"
                autoComplete={intent === "sign-up" ? "new-password" : "current-password"}
                required
                minLength={intent === "sign-up" ? 8 : undefined}
                error={action?.errors?.password}
              />
              <PrimaryButton type="submit" disabled={busy} className="w-full">
                {intent === "sign-up" ? "Create account" : "Sign in"}
              </PrimaryButton>
              {intent === "sign-in" ? (
                <p className="text-center text-sm">
                  <Link to="/forgot-password" className="text-indigo-800 underline hover:text-indigo-900">
                    Forgot your password?
                  </Link>
                </p>
              ) : null}
              {intent === "sign-in" && loaderData.demoHint ? (
                <p className="text-center text-xs text-stone-500">
                  Trying it locally? The demo account is <code>demo@loreloom.local</code> / <code>demo-password-1</code>.
                </p>
              ) : null}
            </Form>
          </>
        )}
      </section>
    </main>
  );
}
