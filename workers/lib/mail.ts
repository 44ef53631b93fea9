import { z } from "zod";
import { mailOutbox, type MailKind } from "../../drizzle/schema";
import { getDb } from "./db";
import { configOf } from "./config";
import { newId } from "./ids";
import { log } from "./log";

/** One email, in both forms every provider sends. */
export type MailMessage = { kind: MailKind; to: string; subject: string; text: string; html: string };

/** The one way Loreloom sends mail (ADR 12). A provider that cannot send throws; none drops. */
export interface Mailer {
  readonly provider: MailProvider;
  send(message: MailMessage): Promise<void>;
}

export const MAIL_PROVIDERS = ["outbox", "http"] as const;
export type MailProvider = (typeof MAIL_PROVIDERS)[number];

/** Mail could not be sent: misconfigured or refused by the provider. */
export class MailError extends Error {}

/** The Worker's env as mail reads it: D1 for the outbox, and the MAIL_* vars (read through configOf). */
type MailEnv = { DB: D1Database; MAIL_PROVIDER?: unknown; MAIL_API_URL?: unknown; MAIL_API_KEY?: unknown; MAIL_FROM?: unknown };

/**
 * The provider MAIL_PROVIDER names:
 * - `outbox`: every message is written to D1's `mail_outbox` and nothing leaves the machine (local
 *   runs and tests; read it at /dev/outbox).
 * - `http`: a transactional mail API that takes `POST {from, to, subject, text, html}` with a
 *   bearer key (Resend's `/emails` and compatible services): MAIL_API_URL, MAIL_FROM and the secret
 *   MAIL_API_KEY.
 */
export function mailerFrom(env: MailEnv, origin: string): Mailer {
  const provider = configOf(env).MAIL_PROVIDER;
  if (provider === "outbox") {
    // An outbox on a real site would keep every email from the person it is for.
    if (!isLocalOrigin(origin)) throw new MailError(`MAIL_PROVIDER is "outbox", which only serves local runs; ${origin} needs "http".`);
    return outboxMailer(env.DB);
  }
  if (provider === "http") return httpMailer(env);
  throw new MailError(`MAIL_PROVIDER is ${provider ? `"${provider}"` : "unset"}; set it to one of ${MAIL_PROVIDERS.join(", ")}.`);
}

/** A site served from this machine (`npm start`, `npm run dev`, the test pool): the outbox's home. */
export function isLocalOrigin(origin: string): boolean {
  try {
    const { hostname } = new URL(origin);
    return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]" || hostname.endsWith(".localhost");
  } catch {
    return false;
  }
}

function outboxMailer(db: D1Database): Mailer {
  return {
    provider: "outbox",
    async send(message) {
      await getDb(db).insert(mailOutbox).values({
        id: newId(),
        kind: message.kind,
        toAddress: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
      log.info("mail", { provider: "outbox", kind: message.kind });
    },
  };
}

const MailApiAnswerSchema = z.object({ id: z.string().optional() }).loose();

function httpMailer(env: MailEnv): Mailer {
  const { MAIL_API_URL: url, MAIL_API_KEY: key, MAIL_FROM: from } = configOf(env);
  const missing = [!url && "MAIL_API_URL", !key && "MAIL_API_KEY", !from && "MAIL_FROM"].filter(Boolean);
  if (missing.length > 0) throw new MailError(`MAIL_PROVIDER is "http" but ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} unset.`);
  return {
    provider: "http",
    async send(message) {
      const response = await fetch(url!, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ from, to: [message.to], subject: message.subject, text: message.text, html: message.html }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = await response.text();
      if (!response.ok) {
        // The address stays out of the logs; the provider's status and a little of its answer do not.
        log.error("mail failed", { provider: "http", kind: message.kind, status: response.status, answer: body.slice(0, 200) });
        throw new MailError(`The mail provider refused the message (${response.status}).`);
      }
      let id: string | undefined;
      try {
        id = MailApiAnswerSchema.safeParse(JSON.parse(body)).data?.id;
      } catch {
        // a non-JSON success still counts as sent
      }
      log.info("mail", { provider: "http", kind: message.kind, id });
    },
  };
}
