import { createMiddleware } from "hono/factory";
import { getSessionUser } from "../../auth";
import { getDb } from "../../lib/db";
import { newId } from "../../lib/ids";
import { log } from "../../lib/log";
import { isCrossSiteWrite } from "../../lib/origin";
import type { AppEnv } from "../context";
import { HttpError, unauthenticated } from "../../lib/errors";

/** Request id, JSON access log, and a database handle for every API request. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = c.req.header("x-request-id")?.slice(0, 64) || newId(12);
  c.set("requestId", requestId);
  c.set("db", getDb(c.env.DB));
  const started = Date.now();
  await next();
  // A WebSocket upgrade's response cannot take new headers.
  if (c.res.status !== 101) c.header("x-request-id", requestId);
  log.info("request", {
    requestId,
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    ms: Date.now() - started,
  });
});

/** State-changing requests from a browser must come from our own origin (SPEC §6). */
export const sameOrigin = createMiddleware<AppEnv>(async (c, next) => {
  if (isCrossSiteWrite(c.req.raw)) {
    throw new HttpError(403, "cross_origin", "This request came from another site and was refused.");
  }
  await next();
});

/** Loads the signed-in person, if any. */
export const session = createMiddleware<AppEnv>(async (c, next) => {
  c.set("user", await getSessionUser(c.env, c.req.raw));
  await next();
});

export function requireUser(c: { get(key: "user"): AppEnv["Variables"]["user"] }) {
  const user = c.get("user");
  if (!user) throw unauthenticated();
  return user;
}
