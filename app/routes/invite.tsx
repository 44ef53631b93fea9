import { Form, Link, data, redirect, useNavigation } from "react-router";
import { HttpError } from "../../workers/lib/errors";
import { answerInvitation, previewInvitation } from "../../workers/domain/sharing";
import { getDb } from "../../workers/lib/db";
import { ResendVerification } from "../components/resend-verification";
import { Alert, PrimaryButton } from "../components/ui";
import { getUser } from "../lib/session.server";
import type { Route } from "./+types/invite";

export const meta: Route.MetaFunction = ({ data }) => [
  { title: data ? `Invitation to ${data.invitation.world.title} — Loreloom` : "Invitation — Loreloom" },
  // The token is in the address: keep it out of referrers and indexes.
  { name: "referrer", content: "no-referrer" },
  { name: "robots", content: "noindex" },
];

export async function loader({ request, params, context }: Route.LoaderArgs) {
  const env = context.cloudflare.env;
  const user = await getUser(request, env);
  try {
    const invitation = await previewInvitation(getDb(env.DB), { token: params.token });
    return { invitation, signedIn: user !== null, userName: user?.name ?? null };
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) throw new Response("Not found", { status: 404 });
    throw error;
  }
}

export async function action({ request, params, context }: Route.ActionArgs) {
  const env = context.cloudflare.env;
  const user = await getUser(request, env);
  if (!user) throw redirect(`/?next=${encodeURIComponent(`/invite/${params.token}`)}`);
  const form = await request.formData();
  const answer = form.get("answer") === "decline" ? "decline" : "accept";
  try {
    const result = await answerInvitation(getDb(env.DB), { token: params.token }, user, answer);
    if (answer === "accept") return redirect(`/worlds/${result.worldId}`);
    return data({ message: null, declined: true, needsVerifiedEmail: false });
  } catch (error) {
    if (error instanceof HttpError) {
      return data({ message: error.message, declined: false, needsVerifiedEmail: error.code === "email_not_verified" }, error.status);
    }
    throw error;
  }
}

const STATUS_TEXT: Record<string, string> = {
  accepted: "This invitation has already been accepted.",
  declined: "This invitation was declined.",
  expired: "This invitation has expired. Ask the owner for a new one.",
  revoked: "This invitation was withdrawn by the world's owner.",
};

export default function Invite({ loaderData, actionData, params }: Route.ComponentProps) {
  const { invitation, signedIn, userName } = loaderData;
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const next = encodeURIComponent(`/invite/${params.token}`);
  const open = invitation.status === "pending" && !actionData?.declined;
  return (
    <main className="mx-auto max-w-lg px-4 py-10 sm:py-16">
      <section className="rounded-2xl border border-stone-200 bg-white p-6 shadow-sm">
        <p className="text-sm font-semibold uppercase tracking-widest text-indigo-700">Invitation</p>
        <h1 className="mt-2 break-words font-display text-3xl font-semibold">{invitation.world.title}</h1>
        <dl className="mt-4 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm">
          <dt className="text-stone-500">From</dt>
          <dd>{invitation.inviterName ?? "The world's owner"}</dd>
          <dt className="text-stone-500">Role</dt>
          <dd>
            <span className="capitalize">{invitation.role}</span>{" "}
            <span className="text-stone-500">— {invitation.role === "editor" ? "you can change the world" : "you can view the world"}</span>
          </dd>
          <dt className="text-stone-500">Expires</dt>
          <dd>
            <time dateTime={invitation.expiresAt}>{new Date(invitation.expiresAt).toUTCString().replace(" GMT", " UTC")}</time>
          </dd>
        </dl>

        <div className="mt-6 space-y-3">
          {actionData?.message ? <Alert>{actionData.message}</Alert> : null}
          {actionData?.needsVerifiedEmail ? (
            <div className="text-sm text-stone-700">
              No email from us? <ResendVerification />
            </div>
          ) : null}
          {actionData?.declined ? (
            <p role="status" className="rounded-lg bg-stone-100 px-3 py-2 text-sm text-stone-700">
              You declined the invitation.{" "}
              <Link to="/worlds" className="font-medium text-indigo-700 hover:underline">
                Go to my worlds
              </Link>
            </p>
          ) : null}
          {!open && !actionData?.declined ? (
            <p role="status" className="rounded-lg bg-stone-100 px-3 py-2 text-sm text-stone-700">
              {STATUS_TEXT[invitation.status] ?? `This invitation is ${invitation.status}.`}
            </p>
          ) : null}
          {open && signedIn ? (
            <Form method="post" className="flex flex-wrap items-center gap-2">
              <PrimaryButton type="submit" name="answer" value="accept" disabled={busy}>
                Accept and open the world
              </PrimaryButton>
              <button type="submit" name="answer" value="decline" disabled={busy} className="rounded-lg border border-stone-300 px-4 py-2 hover:bg-stone-50 disabled:opacity-60">
                Decline
              </button>
              <span className="basis-full text-xs text-stone-500">Signed in as {userName}.</span>
            </Form>
          ) : null}
          {open && !signedIn ? (
            <div className="flex flex-wrap gap-2">
              <Link to={`/?next=${next}#sign-in`} className="rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white hover:bg-indigo-800">
                Sign in to accept
              </Link>
              <Link to={`/?mode=sign-up&next=${next}#sign-in`} className="rounded-lg border border-stone-300 px-4 py-2 hover:bg-stone-50">
                Create an account
              </Link>
            </div>
          ) : null}
        </div>
      </section>
    </main>
  );
}
