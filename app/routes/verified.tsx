import { Link, data } from "react-router";
import { getAuth } from "../../workers/auth";
import { requireWithinAuthLimits } from "../../workers/domain/auth-limits";
import { ResendVerification } from "../components/resend-verification";
import { Alert } from "../components/ui";
import { refusal } from "../lib/auth-forms.server";
import { getUser, requireUser } from "../lib/session.server";
import type { Route } from "./+types/verified";

export const meta: Route.MetaFunction = () => [{ title: "Email address — Loreloom" }, { name: "robots", content: "noindex" }];

/** better-auth's codes for a verification link it could not use (it adds `?error=`). */
const LINK_ERRORS: Record<string, string> = {
  TOKEN_EXPIRED: "That link has expired.",
  INVALID_TOKEN: "That link is not valid; it may have been cut short when you copied it.",
  USER_NOT_FOUND: "The account that link was for no longer exists.",
};

/** Where a verification link lands (workers/domain/account-mail.ts), and where to ask for another. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const user = await getUser(request, context.cloudflare.env);
  const code = new URL(request.url).searchParams.get("error");
  const problem = code === null ? null : (LINK_ERRORS[code] ?? "That link could not be used.");
  return {
    problem,
    user: user ? { email: user.email, emailVerified: user.emailVerified } : null,
  };
}

export async function action({ request, context }: Route.ActionArgs) {
  const env = context.cloudflare.env;
  const user = await requireUser(request, env);
  if (user.emailVerified) return data({ sent: false, message: null });
  try {
    await requireWithinAuthLimits(env, request, "send-mail", user.email);
    await getAuth(env, request).api.sendVerificationEmail({ body: { email: user.email }, headers: request.headers });
    return data({ sent: true, message: null });
  } catch (error) {
    const { message, status, headers } = refusal(error);
    return data({ sent: false, message }, { status, headers });
  }
}

export default function Verified({ loaderData, actionData }: Route.ComponentProps) {
  const { problem, user } = loaderData;
  const verified = !problem && (user === null || user.emailVerified);
  return (
    <main className="mx-auto max-w-lg px-4 py-10 sm:py-16">
      <section className="rounded-2xl border border-stone-200 bg-white p-6 shadow-sm">
        <h1 className="font-display text-3xl font-semibold">{verified ? "Email address confirmed" : "Confirm your email address"}</h1>
        <div className="mt-4 space-y-3 text-stone-700">
          {problem ? <Alert>{problem}</Alert> : null}
          {actionData?.message ? <Alert>{actionData.message}</Alert> : null}
          {verified ? (
            <p role="status">
              Thank you. Invitations sent to your address can now be accepted.{" "}
              {user ? (
                <Link to="/worlds" className="font-medium text-indigo-800 underline">
                  Go to my worlds
                </Link>
              ) : (
                <Link to="/#sign-in" className="font-medium text-indigo-800 underline">
                  Sign in
                </Link>
              )}
            </p>
          ) : user ? (
            <div>
              {actionData?.sent ? (
                <span role="status">We sent a new link to {user.email}. It works for 24 hours.</span>
              ) : (
                <>
                  We sent a link to {user.email} when you signed up. <ResendVerification />
                </>
              )}
            </div>
          ) : (
            <p>
              <Link to="/?next=%2Fverified#sign-in" className="font-medium text-indigo-800 underline">
                Sign in
              </Link>{" "}
              to have a new link sent.
            </p>
          )}
        </div>
      </section>
    </main>
  );
}
