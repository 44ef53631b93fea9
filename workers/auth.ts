import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import * as schema from "../drizzle/schema";
import { getDb } from "./lib/db";
import { newId } from "./lib/ids";

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
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128, autoSignIn: true },
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

export type SessionUser = { id: string; email: string; name: string; image: string | null };

export async function getSessionUser(env: Env, request: Request): Promise<SessionUser | null> {
  const session = await getAuth(env, request).api.getSession({ headers: request.headers });
  if (!session) return null;
  const { id, email, name, image } = session.user;
  return { id, email, name, image: image ?? null };
}
