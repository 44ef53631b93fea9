import { Hono } from "hono";
import { z } from "zod";
import { getAuth } from "../auth";
import { VERIFIED_PATH } from "../domain/account-mail";
import { EmailOnlySchema, ResetPasswordSchema, SignInSchema, SignUpSchema, VerifyEmailQuerySchema } from "../domain/accounts";
import { type AuthAction, requireWithinAuthLimits } from "../domain/auth-limits";
import type { AppEnv } from "./context";
import { HttpError, errorBody, notFound } from "../lib/errors";
import { jsonBody, parseWith } from "./validate";

type Endpoint = { method: "GET" | "POST"; body: z.ZodType | null; limit?: AuthAction; query?: (url: URL) => URLSearchParams };

/**
 * The better-auth endpoints Loreloom offers, each with the body it accepts (null: no body) and the
 * limit it counts against (workers/domain/auth-limits.ts).
 */
const ENDPOINTS: Record<string, Endpoint> = {
  "/sign-up/email": { method: "POST", body: SignUpSchema, limit: "sign-up" },
  "/sign-in/email": { method: "POST", body: SignInSchema, limit: "sign-in" },
  "/sign-out": { method: "POST", body: null },
  // Address verification (ADR 12): ask for the email again, and the link in it. The link always
  // lands on our own page, whatever callbackURL it arrives with.
  "/send-verification-email": { method: "POST", body: EmailOnlySchema, limit: "send-mail" },
  "/verify-email": {
    method: "GET",
    body: null,
    limit: "use-token",
    query: (url) => {
      const { token } = parseWith(VerifyEmailQuerySchema, { token: url.searchParams.get("token") ?? "" }, "verification link");
      return new URLSearchParams({ token, callbackURL: VERIFIED_PATH });
    },
  },
  // Password reset: ask for the link, then set the new password with its token.
  "/request-password-reset": { method: "POST", body: EmailOnlySchema, limit: "send-mail" },
  "/reset-password": { method: "POST", body: ResetPasswordSchema, limit: "use-token" },
  "/get-session": { method: "GET", body: null },
};

const snakeCase = (code: string) => code.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");

/** better-auth answers errors as `{code, message}`; the API speaks one error shape. */
async function toSpecError(response: Response): Promise<Response> {
  const text = await response.text();
  let code = "auth_failed";
  let message = "That did not work.";
  try {
    const parsed = z.object({ code: z.string().optional(), message: z.string().optional() }).safeParse(JSON.parse(text));
    if (parsed.success) {
      code = parsed.data.code ? snakeCase(parsed.data.code) : code;
      message = parsed.data.message ?? message;
    }
  } catch {
    // a non-JSON error body keeps the generic message
  }
  const headers = new Headers(response.headers);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  return new Response(JSON.stringify(errorBody(code, message)), { status: response.status, headers });
}

/** The email address a validated auth body names, if it names one. */
function accountOf(body: unknown): string | undefined {
  const parsed = z.object({ email: z.string() }).safeParse(body);
  return parsed.success ? parsed.data.email : undefined;
}

export const authRoutes = new Hono<AppEnv>().all("/*", async (c) => {
  const path = c.req.path.replace(/^\/api\/auth/, "");
  const endpoint = ENDPOINTS[path];
  if (!endpoint) throw notFound("That auth endpoint");
  if (c.req.method !== endpoint.method) {
    throw new HttpError(405, "method_not_allowed", `Use ${endpoint.method} for ${c.req.path}.`);
  }
  // `sameOrigin` has already refused foreign origins. better-auth also wants an Origin on every
  // POST; API clients that send none (scripts, tests) are given ours.
  const headers = new Headers(c.req.raw.headers);
  if (!headers.has("origin")) headers.set("origin", new URL(c.req.url).origin);
  let body: string | undefined;
  let account: string | undefined;
  if (endpoint.body) {
    const parsed: unknown = await jsonBody(c, endpoint.body);
    account = accountOf(parsed);
    body = JSON.stringify(parsed);
    headers.delete("content-length");
  }
  if (endpoint.limit) await requireWithinAuthLimits(c.env, c.req.raw, endpoint.limit, account);
  const url = new URL(c.req.url);
  if (endpoint.query) url.search = endpoint.query(url).toString();
  const request = new Request(url, { method: c.req.method, headers, body });
  const response = await getAuth(c.env, request).handler(request);
  return response.status >= 400 ? toSpecError(response) : response;
});
