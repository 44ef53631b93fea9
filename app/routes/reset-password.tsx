import { Form, Link, data, useNavigation } from "react-router";
import { getAuth } from "../../workers/auth";
import { ResetPasswordSchema } from "../../workers/domain/accounts";
import { requireWithinAuthLimits } from "../../workers/domain/auth-limits";
import { Alert, Field, PrimaryButton } from "../components/ui";
import { refusal } from "../lib/auth-forms.server";
import { parseForm } from "../lib/forms.server";
import type { Route } from "./+types/reset-password";

export const meta: Route.MetaFunction = () => [
  { title: "Choose a new password — Loreloom" },
  // The token is in the address: keep it out of referrers and indexes.
  { name: "referrer", content: "no-referrer" },
  { name: "robots", content: "noindex" },
];

export function loader({ request }: Route.LoaderArgs) {
  return { token: new URL(request.url).searchParams.get("token") ?? "" };
}

export async function action({ request, context }: Route.ActionArgs) {
  const env = context.cloudflare.env;
  const form = await request.formData();
  const parsed = parseForm(ResetPasswordSchema, { token: String(form.get("token") ?? ""), newPassword: String(form.get("newPassword") ?? "") });
  if (!parsed.data) return data({ done: false, errors: parsed.errors, message: null }, 400);
  try {
    await requireWithinAuthLimits(env, request, "use-token");
    await getAuth(env, request).api.resetPassword({ body: parsed.data, headers: request.headers });
    return data({ done: true, errors: null, message: null });
  } catch (error) {
    const { message, status, headers } = refusal(error);
    return data({ done: false, errors: null, message: /token/i.test(message) ? "That link has expired or was already used. Ask for a new one." : message }, { status, headers });
  }
}

export default function ResetPassword({ loaderData, actionData }: Route.ComponentProps) {
  const busy = useNavigation().state !== "idle";
  return (
    <main className="mx-auto max-w-lg px-4 py-10 sm:py-16">
      <section className="rounded-2xl border border-stone-200 bg-white p-6 shadow-sm">
        <h1 className="font-display text-3xl font-semibold">Choose a new password</h1>
        {actionData?.done ? (
          <p role="status" className="mt-4 text-stone-700">
            Your password is changed, and every device that was signed in has been signed out.{" "}
            <Link to="/#sign-in" className="font-medium text-indigo-800 underline">
              Sign in with the new one
            </Link>
          </p>
        ) : !loaderData.token ? (
          <p className="mt-4 text-stone-700">
            This page needs the link from your email.{" "}
            <Link to="/forgot-password" className="font-medium text-indigo-800 underline">
              Ask for a new link
            </Link>
          </p>
        ) : (
          <Form method="post" className="mt-4 space-y-4">
            <input type="hidden" name="token" value={loaderData.token} />
            {actionData?.message ? (
              <Alert>
                {actionData.message}{" "}
                <Link to="/forgot-password" className="underline">
                  Ask for a new link
                </Link>
              </Alert>
            ) : null}
            {actionData?.errors?.token ? <Alert>{actionData.errors.token}</Alert> : null}
            <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required minLength={8} maxLength={128} error={actionData?.errors?.newPassword} />
            <PrimaryButton type="submit" disabled={busy} className="w-full">
              Set the new password
            </PrimaryButton>
          </Form>
        )}
      </section>
    </main>
  );
}
