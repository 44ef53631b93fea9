import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import * as schema from "../drizzle/schema";
import { RESET_LINK_SECONDS, VERIFY_LINK_SECONDS, resetPasswordLink, resetPasswordMail, verificationLink, verificationMail } from "./domain/account-mail";
import { getDb } from "./lib/db";
import { newId } from "./lib/ids";
import { mailerFrom } from "./lib/mail";

function createAuth(env: Env, origin: string) {
  return betterAuth({
    appName: "Loreloom",
    baseURL: origin,
    basePath: "/api/auth",
    secret: env.BETTER_AUTH_SECRET,
    trustedOrigins: [origin],
    database: drizzleAdapter(getDb(env.DB), {
      provider: "sqlite",
      schema: { user: schema.user, session: schema.session, account: schema.account, verification: schema.verification },
    }),
    // Unverified accounts may sign in and use Loreloom; what needs a verified address (answering an
    // invitation sent to it) checks `emailVerified` itself (ADR 12).
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      maxPasswordLength: 128,
      autoSignIn: true,
      requireEmailVerification: false,
      resetPasswordTokenExpiresIn: RESET_LINK_SECONDS,
      // A new password signs every other device out: whoever knew the old one is locked out.
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: async ({ user, token }) => {
        await mailerFrom(env, origin).send(resetPasswordMail(user, resetPasswordLink(origin, token)));
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      expiresIn: VERIFY_LINK_SECONDS,
      // The link confirms the address; it does not sign anyone in.
      autoSignInAfterVerification: false,
      sendVerificationEmail: async ({ user, token }) => {
        await mailerFrom(env, origin).send(verificationMail(user, verificationLink(origin, token)));
      },
    },
    session: {
      expiresIn: 60 * 60 * 24 * 30,
      updateAge: 60 * 60 * 24,
      // No cookie cache: a signed copy of the session in a cookie keeps answering after sign-out
      // (issue 14). Every request looks the session up in D1, so signing out ends it at once.
      cookieCache: { enabled: false },
    },
    advanced: {
      database: { generateId: () => newId() },
      // Secure is set even on http://localhost: browsers treat localhost as a secure context.
      defaultCookieAttributes: { httpOnly: true, secure: true, sameSite: "lax" },
    },
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;

// One instance per isolate and origin: building better-auth is not free, and env does not change.
const instances = new Map<string, Auth>();

export function getAuth(env: Env, request: Request): Auth {
  const origin = new URL(request.url).origin;
  let auth = instances.get(origin);
  if (!auth || instances.size > 16) {
    if (instances.size > 16) instances.clear();
    auth = createAuth(env, origin);
    instances.set(origin, auth);
  }
  return auth;
}

export type SessionUser = { id: string; email: string; emailVerified: boolean; name: string; image: string | null };

export async function getSessionUser(env: Env, request: Request): Promise<SessionUser | null> {
  const session = await getAuth(env, request).api.getSession({ headers: request.headers });
  if (!session) return null;
  const { id, email, emailVerified, name, image } = session.user;
  return { id, email, emailVerified, name, image: image ?? null };
}
