// Reading JSON that D1 stored (job inputs, results, stage checkpoints): through the schema of what
// the reader expects, with the reason in words when it is not that — never `as T`.
import type { z } from "zod";
import { UnreadableJson } from "../../drizzle/schema";

export type Stored<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A stored value read through `schema`: what it holds, or why it cannot be read ("prompt: expected string"). */
export function readStored<S extends z.ZodType>(schema: S, stored: unknown): Stored<z.output<S>> {
  if (stored instanceof UnreadableJson) return { ok: false, reason: "it is not JSON" };
  const parsed = schema.safeParse(stored);
  if (parsed.success) return { ok: true, value: parsed.data };
  const reason = parsed.error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
  return { ok: false, reason };
}

/** The value when it reads, otherwise `fallback`: for what a reader can do without (a label, a cache). */
export function storedOr<S extends z.ZodType, F>(schema: S, stored: unknown, fallback: F): z.output<S> | F {
  const read = readStored(schema, stored);
  return read.ok ? read.value : fallback;
}
