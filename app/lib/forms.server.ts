import type { z } from "zod";

/** Form values through a zod schema: either the data, or one message per field for the form. */
export function parseForm<S extends z.ZodType>(schema: S, values: Record<string, unknown>) {
  const result = schema.safeParse(values);
  if (result.success) return { data: result.data as z.output<S>, errors: null };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "form");
    errors[key] ??= issue.message.charAt(0).toUpperCase() + issue.message.slice(1);
  }
  return { data: null, errors };
}
