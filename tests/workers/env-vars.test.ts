import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openAiConfigFromEnv } from "../../workers/ai/openai";
import { limitsFrom } from "../../workers/domain/jobs";
import { importLimitsFrom } from "../../workers/domain/import-world";
import { handleQueue } from "../../workers/jobs/consumer";
import { ConfigError, configOf, type ConfigVar } from "../../workers/lib/config";
import { createWorld, signUp } from "./helpers";
import worker from "./worker";

// Seeded, so a failure reproduces; FUZZ_RUNS=50 runs it fifty times longer.
const RUNS = Number(env.FUZZ_RUNS) || 1;

/** The ConfigError `read` throws, or a failure if it does not throw one. */
function configError(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("settings read from Worker vars (workers/lib/config.ts)", () => {
  it("reads text settings trimmed, and blank as unset", () => {
    expect(configOf({ MAIL_FROM: "  value  " }).MAIL_FROM).toBe("value");
    expect(configOf({ MAIL_FROM: "   " }).MAIL_FROM).toBeUndefined();
    expect(configOf({}).MAIL_FROM).toBeUndefined();
    // Text that is not text is a mistake in wrangler.jsonc, not an unset var.
    expect(configError(() => configOf({ MAIL_FROM: 42 })).vars).toEqual(["MAIL_FROM"]);
  });

  it("reads numbers from text or numbers; unset or blank takes the default; anything else names the var", () => {
    expect(configOf({ EXPORTS_PER_MINUTE: "12" }).EXPORTS_PER_MINUTE).toBe(12);
    expect(configOf({ EXPORT_TTL_HOURS: 2.5 }).EXPORT_TTL_HOURS).toBe(2.5);
    for (const unset of ["", " ", undefined, null]) expect(configOf({ EXPORTS_PER_MINUTE: unset }).EXPORTS_PER_MINUTE).toBe(5);
    for (const bad of ["0", "-3", "many", "0.5", "1e400", true]) {
      const error = configError(() => configOf({ EXPORTS_PER_MINUTE: bad }));
      expect(error.vars).toEqual(["EXPORTS_PER_MINUTE"]);
      expect(error.message).toMatch(/EXPORTS_PER_MINUTE must be a whole number of at least 1/);
    }
  });

  it("gives generation limits, the import cap and the OpenAI endpoint from them", () => {
    expect(limitsFrom({ GENERATION_DAILY_QUOTA: "50.9", GENERATION_PER_MINUTE: "" })).toEqual({ daily: 50, perMinute: 20 });
    expect(importLimitsFrom({ IMPORT_MAX_MB: "2" }).maxBytes).toBe(2 * 1024 * 1024);
    expect(importLimitsFrom({ IMPORT_MAX_MB: " " })).toEqual(importLimitsFrom({}));
    expect(() => importLimitsFrom({ IMPORT_MAX_MB: "nope" })).toThrow(/IMPORT_MAX_MB must be a number above 0/);
    expect(() => openAiConfigFromEnv({ OPENAI_BASE_URL: " ", OPENAI_MODEL: "m" })).toThrow(/OPENAI_BASE_URL and OPENAI_MODEL must be set/);
    expect(openAiConfigFromEnv({ OPENAI_BASE_URL: " http://localhost:9/v1 ", OPENAI_MODEL: "gpt" })).toMatchObject({ baseUrl: "http://localhost:9/v1", model: "gpt" });
  });

  it("refuses a provider, a flag or an endpoint it does not know, naming each var at once", () => {
    const error = configError(() => configOf({ AI_PROVIDER: "gpt-4", AI_FALLBACK_LOCAL: "no", OPENAI_BASE_URL: "localhost:8080", GENERATION_DAILY_QUOTA: "200" }));
    expect(error.vars.sort()).toEqual(["AI_FALLBACK_LOCAL", "AI_PROVIDER", "OPENAI_BASE_URL"]);
    expect(error.message).toMatch(/AI_PROVIDER must be one of local, bedrock, openai, workers-ai/);
    expect(error.message).toMatch(/AI_FALLBACK_LOCAL must be one of false, true/);
    expect(error.message).toMatch(/OPENAI_BASE_URL must be an http\(s\) URL/);
    // The value itself stays out of the message: a var may hold a key.
    expect(error.message).not.toContain("localhost:8080");
  });

  it("keeps today's defaults for a Worker that sets nothing", () => {
    expect(configOf({})).toMatchObject({
      AI_PROVIDER: "local",
      AI_FALLBACK_LOCAL: true,
      GENERATION_DAILY_QUOTA: 200,
      GENERATION_PER_MINUTE: 20,
      QUEUE_RETRY_BASE_SECONDS: 2,
      MAX_BODY_BYTES: 256 * 1024,
      EXPORT_TTL_HOURS: 24,
      EXPORTS_PER_MINUTE: 5,
      IMPORTS_IN_FLIGHT: 3,
      DEMO_ACCOUNT_HINT: false,
    });
    expect(configOf({}).IMPORT_MAX_MB).toBeUndefined();
  });
});

describe("a misconfigured Worker says which var to fix", () => {
  // What wrangler.jsonc or a secret could hold; the generated Env types the vars as their defaults.
  const misconfigured = { ...env, GENERATION_PER_MINUTE: "lots" } as unknown as Env;
  /** One request to the Worker's own fetch handler, as the runtime would make it, with `vars`. */
  const fetchWith = (vars: Env, path: string) =>
    worker.fetch(new Request(`http://localhost${path}`) as Request<unknown, IncomingRequestCfProperties>, vars, createExecutionContext());

  it("answers every request with the var's name instead of serving with a guessed limit", async () => {
    const healthy = await fetchWith(env, "/api/health");
    expect(healthy.status).toBe(200);

    const api = await fetchWith(misconfigured, "/api/health");
    expect(api.status).toBe(500);
    const body = await api.json<{ error: { code: string; message: string; details: { vars: string[] } } }>();
    expect(body.error.code).toBe("misconfigured");
    expect(body.error.message).toMatch(/GENERATION_PER_MINUTE must be a whole number of at least 1/);
    expect(body.error.details.vars).toEqual(["GENERATION_PER_MINUTE"]);

    const page = await fetchWith(misconfigured, "/worlds");
    expect(page.status).toBe(500);
    expect(await page.text()).toMatch(/GENERATION_PER_MINUTE/);
  });

  it("fails a queued job with the var named, once, without retrying it", async () => {
    const person = await signUp("Conf");
    const world = await createWorld(person);
    await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, 'element_generate', 'queued', ?)")
      .bind("misconfigjob0001", world.id, person.id, JSON.stringify({ prompt: "a tide clock", modalities: ["text"] }))
      .run();
    const batch = createMessageBatch("loreloom-jobs", [{ id: "c1", timestamp: new Date(), attempts: 1, body: { jobId: "misconfigjob0001", kind: "element_generate" } }]);
    const ctx = createExecutionContext();
    await handleQueue(batch, { ...env, AI_PROVIDER: "gpt" } as unknown as Env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["c1"]);
    expect(result.retryMessages).toEqual([]);
    const row = await env.DB.prepare("select status, error from jobs where id = ?").bind("misconfigjob0001").first<{ status: string; error: string }>();
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/AI_PROVIDER must be one of/);
  });
});

describe("the configuration schema (property)", () => {
  const NUMERIC: ConfigVar[] = [
    "GENERATION_DAILY_QUOTA",
    "GENERATION_PER_MINUTE",
    "QUEUE_RETRY_BASE_SECONDS",
    "MAX_BODY_BYTES",
    "EXPORT_TTL_HOURS",
    "EXPORTS_PER_MINUTE",
    "IMPORT_MAX_MB",
    "IMPORTS_IN_FLIGHT",
    "AI_TIMEOUT_MS",
    "AI_ATTEMPTS",
    "BEDROCK_REEL_POLL_SECONDS",
  ];
  const OTHER: ConfigVar[] = ["AI_PROVIDER", "AI_TEXT_PROVIDER", "AI_FALLBACK_LOCAL", "DEMO_ACCOUNT_HINT", "MAIL_API_URL", "OPENAI_BASE_URL", "MAIL_FROM"];
  const value = fc.oneof(
    fc.constantFrom("", "  ", "0", "-1", "1", "2.5", "20", " 7 ", "1e3", "NaN", "Infinity", "lots", "true", "false", "0", "1", "local", "bedrock", "http://127.0.0.1:9", "ftp://x"),
    fc.string({ maxLength: 12 }),
    fc.double({ noNaN: false }).map(String),
    fc.integer({ min: -5, max: 1_000_000 }),
  );
  const vars = fc.dictionary(fc.constantFrom(...NUMERIC, ...OTHER), value, { maxKeys: 8 });

  const outcome = (settings: Record<string, unknown>) => {
    try {
      return { config: configOf(settings) };
    } catch (error) {
      if (error instanceof ConfigError) return { error };
      throw error;
    }
  };

  it("blames exactly the vars that are wrong on their own, and reads back what it read", () => {
    fc.assert(
      fc.property(vars, (settings) => {
        const result = outcome(settings);
        // Each var is judged alone: a var is named exactly when it fails by itself.
        const wrong = Object.keys(settings).filter((name) => "error" in outcome({ [name]: settings[name] }));
        if ("error" in result) {
          expect(result.error!.vars.sort()).toEqual(wrong.sort());
          for (const name of wrong) expect(result.error!.message).toContain(name);
          return;
        }
        expect(wrong).toEqual([]);
        const config = result.config!;
        const defaults = configOf({});
        for (const name of NUMERIC) {
          const read = config[name];
          if (!(name in settings) || String(settings[name] ?? "").trim() === "") expect(read).toBe(defaults[name]);
          // What was read, written back as text, reads the same: no second guess.
          else expect(configOf({ [name]: String(read) })[name]).toBe(read);
        }
      }),
      { seed: 1605, numRuns: 300 * RUNS },
    );
  });
});
