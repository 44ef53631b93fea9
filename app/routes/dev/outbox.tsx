import { desc } from "drizzle-orm";
import { mailOutbox } from "../../../drizzle/schema";
import { getDb } from "../../../workers/lib/db";
import { isLocalOrigin } from "../../../workers/lib/mail";
import type { Route } from "./+types/outbox";

export const meta: Route.MetaFunction = () => [{ title: "Local outbox — Loreloom" }, { name: "robots", content: "noindex" }];

const SHOWN = 50;

/**
 * The emails the local mail provider kept instead of sending (MAIL_PROVIDER=outbox, ADR 12). Only
 * a site served from this machine has it; everywhere else it is not found.
 */
export async function loader({ request, context }: Route.LoaderArgs) {
  const env = context.cloudflare.env;
  if (context.config.MAIL_PROVIDER !== "outbox" || !isLocalOrigin(request.url)) throw new Response("Not found", { status: 404 });
  const mails = await getDb(env.DB)
    .select({ id: mailOutbox.id, kind: mailOutbox.kind, to: mailOutbox.toAddress, subject: mailOutbox.subject, text: mailOutbox.text, createdAt: mailOutbox.createdAt })
    .from(mailOutbox)
    .orderBy(desc(mailOutbox.createdAt))
    .limit(SHOWN);
  return { mails: mails.map((mail) => ({ ...mail, createdAt: mail.createdAt.toISOString() })), origin: new URL(request.url).origin };
}

/** The mail's text with links on this site made clickable (nothing else is, and no HTML is rendered). */
function TextWithLinks({ text, origin }: { text: string; origin: string }) {
  const parts = text.split(/(https?:\/\/\S+)/g);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 && part.startsWith(`${origin}/`) ? (
          <a key={i} href={part} className="break-all text-indigo-800 underline">
            {part}
          </a>
        ) : (
          <span key={i}>{part}</span>
        ),
      )}
    </>
  );
}

export default function Outbox({ loaderData }: Route.ComponentProps) {
  const { mails, origin } = loaderData;
  return (
    <main className="mx-auto max-w-3xl px-4 py-10">
      <h1 className="font-display text-3xl font-semibold">Local outbox</h1>
      <p className="mt-2 text-stone-600">
        Locally, Loreloom keeps the emails it would send here instead (<code>MAIL_PROVIDER=outbox</code>). Newest first, the last {SHOWN}.
      </p>
      {mails.length === 0 ? (
        <p className="mt-6 rounded-xl border border-dashed border-stone-300 bg-white p-8 text-center text-stone-600">No emails yet.</p>
      ) : (
        <ol className="mt-6 space-y-4">
          {mails.map((mail) => (
            <li key={mail.id} className="rounded-xl border border-stone-200 bg-white p-4 shadow-sm">
              <article aria-label={`${mail.subject} to ${mail.to}`}>
                <h2 className="font-semibold">{mail.subject}</h2>
                <p className="text-sm text-stone-600">
                  To <span className="font-medium">{mail.to}</span> · <time dateTime={mail.createdAt}>{mail.createdAt.replace("T", " ").slice(0, 19)} UTC</time>
                </p>
                <pre className="mt-3 whitespace-pre-wrap break-words font-sans text-sm text-stone-800">
                  <TextWithLinks text={mail.text} origin={origin} />
                </pre>
              </article>
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}
