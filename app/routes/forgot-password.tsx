import { Form, Link, data, useNavigation } from "react-router";
import { getAuth } from "../../workers/auth";
import { EmailOnlySchema } from "../../workers/domain/accounts";
import { requireWithinAuthLimits } from "../../workers/domain/auth-limits";
import { Alert, Field, PrimaryButton } from "../components/ui";
import { refusal } from "../lib/auth-forms.server";
import { parseForm } from "../lib/forms.server";
import type { Route } from "./+types/forgot-password";

export const meta: Route.MetaFunction = () => [{ title: "Forgot your password — Loreloom" }];

export async function action({ request, context }: Route.ActionArgs) {
  const env = context.cloudflare.env;
  const form = await request.formData();
  const parsed = parseForm(EmailOnlySchema, { email: String(form.get("email") ?? "") });
  if (!parsed.data) return data({ sent: false, errors: parsed.errors, message: null }, 400);
  try {
    await requireWithinAuthLimits(env, request, "send-mail", parsed.data.email);
    await getAuth(env, request).api.requestPasswordReset({ body: { email: parsed.data.email }, headers: request.headers });
    // The same answer whether or not an account uses the address.
    return data({ sent: true, errors: null, message: null });
  } catch (error) {
    const { message, status, headers } = refusal(error);
    return data({ sent: false, errors: null, message }, { status, headers });
  }
}

export default function ForgotPassword({ actionData }: Route.ComponentProps) {
  const busy = useNavigation().state !== "idle";
  return (
    <main className="mx-auto max-w-lg px-4 py-10 sm:py-16">
      <section className="rounded-2xl border border-stone-200 bg-white p-6 shadow-sm">
        <h1 className="font-display text-3xl font-semibold">Forgot your password?</h1>
        {actionData?.sent ? (
          <p role="status" className="mt-4 text-stone-700">
            If an account uses that address, we sent it a link to choose a new password. The link works for one hour.
          </p>
        ) : (
          <Form method="post" className="mt-4 space-y-4">
            <p className="text-stone-600">Give the address you signed up with; we will email you a link to choose a new password.</p>
            {actionData?.message ? <Alert>{actionData.message}</Alert> : null}
            <Field label="Email" name="email" type="email" autoComplete="email" required error={actionData?.errors?.email} />
            <PrimaryButton type="submit" disabled={busy} className="w-full">
              Email me a link
            </PrimaryButton>
          </Form>
        )}
        <p className="mt-4 text-sm">
          <Link to="/#sign-in" className="text-indigo-800 underline">
            Back to sign in
          </Link>
        </p>
      </section>
    </main>
  );
}
