import { APIError } from "better-auth/api";
import { HttpError } from "../../workers/lib/errors";

/**
 * What a page action shows when an account action is refused: our own `HttpError`s (limits,
 * validation) and better-auth's `APIError`s, as a message and status. Anything else is a bug.
 */
export function refusal(error: unknown): { message: string; status: number; headers?: Record<string, string> } {
  if (error instanceof HttpError) return { message: error.message, status: error.status, headers: error.headers };
  if (error instanceof APIError) return { message: error.message || "That did not work.", status: error.statusCode };
  throw error;
}
