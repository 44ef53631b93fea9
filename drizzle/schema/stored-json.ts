import { customType } from "drizzle-orm/sqlite-core";

/**
 * What a JSON column gives back when its text is not JSON (a row written by hand or cut short):
 * the reader gets this value, which no schema accepts, instead of an exception that would stop
 * everything reading the row.
 */
export class UnreadableJson {
  constructor(readonly text: string) {}
}

/**
 * JSON stored as text and read as `unknown`: whoever reads it says what it expects through a
 * schema (workers/lib/stored-json.ts), rather than trusting a type on the column. Written as
 * drizzle's `text(..., { mode: "json" })` writes it, so the SQL and the stored text are unchanged.
 */
export const storedJson = customType<{ data: unknown; driverData: string }>({
  dataType: () => "text",
  toDriver: (value) => JSON.stringify(value),
  fromDriver: parseStoredJson,
});

/** Stored JSON text as `unknown` (each reader validates it with its own schema), or UnreadableJson. */
export function parseStoredJson(text: string): unknown {
  try {
    // Read as `unknown`, never as a shape.
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    return new UnreadableJson(text);
  }
}
