import { HttpError } from "../lib/errors";

/**
 * Limits on the account endpoints (issue 14, ADR 12), counted by Cloudflare's Rate Limiting
 * bindings (`ratelimits` in wrangler.jsonc; miniflare counts them in memory locally and in tests).
 * Each binding counts per 60 s: that is the longest anyone refused has to wait, so it is the
 * `Retry-After` we send.
 */
export const AUTH_LIMIT_WINDOW_SECONDS = 60;

export type AuthAction = "sign-in" | "sign-up" | "send-mail" | "use-token";

type LimiterName = "SIGN_IN_IP_LIMITER" | "SIGN_IN_ACCOUNT_LIMITER" | "SIGN_UP_IP_LIMITER" | "AUTH_MAIL_IP_LIMITER" | "AUTH_MAIL_ACCOUNT_LIMITER";
type Rule = { limiter: LimiterName; by: "ip" | "account" };

const RULES: Record<AuthAction, { rules: Rule[]; message: string }> = {
  // Password guessing: per address it comes from, and per account whatever address it comes from.
  "sign-in": {
    rules: [
      { limiter: "SIGN_IN_IP_LIMITER", by: "ip" },
      { limiter: "SIGN_IN_ACCOUNT_LIMITER", by: "account" },
    ],
    message: "Too many sign-in attempts. Wait a minute and try again.",
  },
  "sign-up": { rules: [{ limiter: "SIGN_UP_IP_LIMITER", by: "ip" }], message: "Too many new accounts from here. Wait a minute and try again." },
  // Verification and reset emails: nobody can flood an inbox or our sender.
  "send-mail": {
    rules: [
      { limiter: "AUTH_MAIL_IP_LIMITER", by: "ip" },
      { limiter: "AUTH_MAIL_ACCOUNT_LIMITER", by: "account" },
    ],
    message: "Too many emails asked for. Wait a minute and try again.",
  },
  // Following a verification link or setting a new password: no guessing of tokens.
  "use-token": { rules: [{ limiter: "AUTH_MAIL_IP_LIMITER", by: "ip" }], message: "Too many attempts. Wait a minute and try again." },
};

/**
 * The client's address as Cloudflare's edge reports it. A request with none (local scripts, the
 * test pool without the header) shares one bucket, `unknown`.
 */
export function clientIp(request: Request): string {
  const raw = request.headers.get("cf-connecting-ip")?.trim();
  return raw && raw.length <= 64 && /^[0-9a-fA-F:.]+$/.test(raw) ? raw.toLowerCase() : "unknown";
}

export function tooManyRequests(message: string) {
  return new HttpError(429, "rate_limited", message, { retryAfterSeconds: AUTH_LIMIT_WINDOW_SECONDS }, {
    "retry-after": String(AUTH_LIMIT_WINDOW_SECONDS),
  });
}

/**
 * Counts one attempt of `action` against every limit it falls under and throws a 429 `HttpError`
 * when one is spent. `account` is the email address the attempt names (lowercased), if any.
 */
export async function requireWithinAuthLimits(
  env: Pick<Env, LimiterName>,
  request: Request,
  action: AuthAction,
  account?: string,
): Promise<void> {
  const { rules, message } = RULES[action];
  for (const { limiter, by } of rules) {
    const subject = by === "ip" ? `ip:${clientIp(request)}` : account ? `account:${account.toLowerCase()}` : null;
    if (subject === null) continue;
    const { success } = await env[limiter].limit({ key: `${action}:${subject}` });
    if (!success) throw tooManyRequests(message);
  }
}
