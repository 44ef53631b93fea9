/**
 * Reading Worker vars and secrets that arrive as text (wrangler.jsonc `vars`, `.dev.vars`,
 * `wrangler secret`): one place decides what "unset" means.
 */
type Vars = Record<string, unknown>;

/** A text setting, trimmed; undefined when it is unset or blank. */
export function envString(env: Vars, name: string): string | undefined {
  const value = env[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** A positive number setting; `fallback` when it is unset, blank, zero, negative or not a number. */
export function envPositiveNumber(env: Vars, name: string, fallback: number): number {
  const raw = env[name];
  const value = typeof raw === "string" && raw.trim() === "" ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
