import type { Context } from "hono";
import type { z } from "zod";
import { HttpError } from "../lib/errors";

function issuesOf(error: z.ZodError) {
  return error.issues.map((issue) => ({
    path: issue.path.join("."),
    message: issue.message,
  }));
}

/** Parses `value` with `schema` or throws a 400 that says which fields are wrong. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what = "request"): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = issuesOf(result.error);
    const first = issues[0];
    const where = first?.path ? ` (${first.path})` : "";
    throw new HttpError(
      400,
      "validation_failed",
      `The ${what} is not valid${where}: ${first?.message ?? "unknown problem"}.`,
      { issues },
    );
  }
  return result.data;
}

/**
 * Reads a JSON body as `unknown`, for jsonBody to validate; malformed JSON and other content types
 * are a clear 4xx, never a 500.
 */
async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new HttpError(415, "unsupported_media_type", "Send the body as application/json.");
  }
  const text = await c.req.text();
  try {
    const body: unknown = JSON.parse(text);
    return body;
  } catch {
    throw new HttpError(400, "invalid_json", "The request body is not valid JSON.");
  }
}

export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return parseWith(schema, await readJson(c), "request body");
}

export function queryOf<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseWith(schema, c.req.query(), "query");
}
