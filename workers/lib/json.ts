import type { z } from "zod";

/** JSON text read through `schema`; null when it does not parse or validate. Pure and isomorphic. */
export function parseJsonWith<S extends z.ZodType>(schema: S, text: string): z.output<S> | null {
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}
