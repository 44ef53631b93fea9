// The Worker's configuration (wrangler.jsonc `vars`, `.dev.vars`, `wrangler secret`), read once
// through one schema. Every var arrives as text; a blank one counts as unset and takes its
// default, and a value that cannot mean anything (GENERATION_PER_MINUTE="lots") is an error that
// names the var, never a silent default.
import { z } from "zod";

/** The AI providers a deployment may choose with AI_PROVIDER (workers/ai). */
export const PROVIDER_NAMES = ["local", "bedrock", "openai", "workers-ai"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** A var as it arrives, text trimmed; blank (or a JSON null in wrangler.jsonc) is unset. */
const trimmed = (value: unknown) => (value === null ? undefined : typeof value === "string" ? value.trim() || undefined : value);

const text = () => z.preprocess(trimmed, z.string({ error: "must be text" }).optional());

const url = () => z.preprocess(trimmed, z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional());

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(trimmed, z.enum(values, { error: `must be one of ${values.join(", ")}` }).optional());

/**
 * A number, from text or a number. `whole` rounds down (as these settings always have: "50.9"
 * requests a day are 50); the bound is checked before rounding, so "0.5" a minute is refused
 * rather than read as none.
 */
function number<D extends number | undefined>(options: { fallback: D; expected: string; accepts: (value: number) => boolean; whole?: boolean }) {
  return z
    .preprocess(trimmed, z.union([z.string(), z.number()], { error: options.expected }).optional())
    .transform((value, ctx): number | D => {
      if (value === undefined) return options.fallback;
      const parsed = typeof value === "number" ? value : Number(value);
      if (!Number.isFinite(parsed) || !options.accepts(parsed)) {
        ctx.issues.push({ code: "custom", message: options.expected, input: value });
        return z.NEVER;
      }
      return options.whole ? Math.floor(parsed) : parsed;
    });
}

const count = (fallback: number) => number({ fallback, whole: true, expected: "must be a whole number of at least 1", accepts: (n) => n >= 1 });
const positive = <D extends number | undefined>(fallback: D) => number({ fallback, expected: "must be a number above 0", accepts: (n) => n > 0 });
const nonNegative = <D extends number | undefined>(fallback: D) => number({ fallback, expected: "must be a number of at least 0", accepts: (n) => n >= 0 });

/** A yes/no var written as the words (or digits) wrangler.jsonc uses for it. */
const flag = <const T extends readonly [string, string]>(no: T[0], yes: T[1], fallback: boolean) =>
  oneOf([no, yes] as const).transform((value) => (value === undefined ? fallback : value === yes));

/** Every var Loreloom reads, with today's default where it has one. */
export const ConfigSchema = z.object({
  // Generation (SPEC §5, catalogue C3): which providers, and how often a person may ask.
  AI_PROVIDER: oneOf(PROVIDER_NAMES).default("local"),
  AI_TEXT_PROVIDER: oneOf(PROVIDER_NAMES),
  AI_IMAGE_PROVIDER: oneOf(PROVIDER_NAMES),
  AI_VIDEO_PROVIDER: oneOf(PROVIDER_NAMES),
  AI_AUDIO_PROVIDER: oneOf(PROVIDER_NAMES),
  /** Speech to text for voice prompts (issue 19); providers that cannot transcribe fall through (ADR 23). */
  AI_TRANSCRIBE_PROVIDER: oneOf(PROVIDER_NAMES),
  /** Whether a remote provider's chain ends in the offline `local` one. */
  AI_FALLBACK_LOCAL: flag("false", "true", true),
  /** Timeouts and retries of provider calls; unset keeps each modality's own default. */
  AI_TIMEOUT_MS: nonNegative(undefined),
  AI_ATTEMPTS: nonNegative(undefined),
  AI_RETRY_BASE_MS: nonNegative(undefined),
  GENERATION_DAILY_QUOTA: count(200),
  GENERATION_PER_MINUTE: count(20),
  /** Seconds before a failed queue message is delivered again (doubling); 0 retries at once. */
  QUEUE_RETRY_BASE_SECONDS: nonNegative(2),

  // Bodies, exports and imports (catalogue F4).
  MAX_BODY_BYTES: count(256 * 1024),
  EXPORT_TTL_HOURS: positive(24),
  EXPORTS_PER_MINUTE: count(5),
  /** The largest archive an import accepts; unset keeps import-world.ts's default. */
  IMPORT_MAX_MB: positive(undefined),
  IMPORTS_IN_FLIGHT: count(3),

  // Account mail (ADR 12). The provider's name is checked by workers/lib/mail.ts, which says
  // what each one needs.
  MAIL_PROVIDER: text(),
  MAIL_API_URL: url(),
  MAIL_API_KEY: text(),
  MAIL_FROM: text(),

  /** "1" shows the demo account's sign-in on the home page. */
  DEMO_ACCOUNT_HINT: flag("0", "1", false),

  // The `bedrock` provider (workers/ai/bedrock.ts holds the defaults of its models and endpoints).
  AWS_ACCESS_KEY_ID: text(),
  AWS_SECRET_ACCESS_KEY: text(),
  AWS_SESSION_TOKEN: text(),
  AWS_REGION: text(),
  BEDROCK_TEXT_MODEL: text(),
  BEDROCK_TEXT_FALLBACK_MODEL: text(),
  BEDROCK_IMAGE_MODEL: text(),
  BEDROCK_IMAGE_FALLBACK_MODEL: text(),
  BEDROCK_REEL_S3_URI: text(),
  BEDROCK_REEL_POLL_SECONDS: positive(undefined),
  POLLY_VOICE: text(),
  BEDROCK_ENDPOINT: url(),
  POLLY_ENDPOINT: url(),
  S3_ENDPOINT: url(),

  // The `openai` provider: any OpenAI-compatible endpoint (workers/ai/openai.ts).
  OPENAI_BASE_URL: url(),
  OPENAI_API_KEY: text(),
  OPENAI_MODEL: text(),
  OPENAI_VISION_MODEL: text(),
  OPENAI_IMAGE_MODEL: text(),
  OPENAI_TTS_MODEL: text(),
  OPENAI_TTS_VOICE: text(),
  /** The `/audio/transcriptions` model for voice prompts; unset means "whisper-1". */
  OPENAI_TRANSCRIBE_MODEL: text(),
});
export type Config = z.output<typeof ConfigSchema>;
export type ConfigVar = keyof Config;

/** A var holds a value that cannot be used; the message names every such var. */
export class ConfigError extends Error {
  constructor(readonly vars: string[], problems: string[]) {
    super(`The Worker's configuration is not valid: ${problems.join("; ")}. Fix ${vars.length > 1 ? "these vars" : "this var"} in wrangler.jsonc, .dev.vars or the Worker's secrets.`);
    this.name = "ConfigError";
  }
}

const parsed = new WeakMap<object, Config>();

/**
 * The configuration in `env` (the Worker's env, or any object of vars), parsed once per env
 * object: the runtime hands the same env to every request of an isolate. Throws ConfigError.
 */
export function configOf(env: object): Config {
  const known = parsed.get(env);
  if (known) return known;
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const issues = result.error.issues;
    const vars = [...new Set(issues.map((issue) => String(issue.path[0] ?? "?")))];
    throw new ConfigError(vars, issues.map((issue) => `${issue.path.join(".")} ${issue.message}`));
  }
  parsed.set(env, result.data);
  return result.data;
}
