import { redirect } from "react-router";
import { getSessionUser, type SessionUser } from "../../workers/auth";

export async function getUser(request: Request, env: Env): Promise<SessionUser | null> {
  return getSessionUser(env, request);
}

/** For pages that need a person: anyone else goes to the landing page to sign in. */
export async function requireUser(request: Request, env: Env): Promise<SessionUser> {
  const user = await getSessionUser(env, request);
  if (!user) {
    const url = new URL(request.url);
    throw redirect(`/?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return user;
}

/** Only same-origin paths are followed after sign-in (see `safeNext`). */
export { safeNext } from "../../workers/lib/safe-next";
