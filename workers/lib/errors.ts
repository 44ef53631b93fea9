import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one error type routes throw; `onError` turns it into the SPEC's error shape. It lives at the
 * bottom layer so that the domain, the jobs and the pages throw the same one (ADR 16).
 */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export const notFound = (what = "That resource") =>
  new HttpError(404, "not_found", `${what} was not found.`);
export const forbidden = (message = "You do not have permission to do that.") =>
  new HttpError(403, "forbidden", message);
export const unauthenticated = () =>
  new HttpError(401, "unauthenticated", "Sign in to do that.");
