import { describe, expect, it } from "vitest";
import { openAiConfigFromEnv } from "../../workers/ai/openai";
import { limitsFrom } from "../../workers/domain/jobs";
import { importLimitsFrom } from "../../workers/domain/import-world";
import { envPositiveNumber, envString } from "../../workers/lib/env";

describe("settings read from Worker vars", () => {
  it("reads text settings trimmed, and blank as unset", () => {
    expect(envString({ A: "  value  " }, "A")).toBe("value");
    expect(envString({ A: "   " }, "A")).toBeUndefined();
    expect(envString({}, "A")).toBeUndefined();
    expect(envString({ A: 42 }, "A")).toBeUndefined();
  });

  it("reads positive numbers from text or numbers, and falls back on anything else", () => {
    expect(envPositiveNumber({ N: "12" }, "N", 5)).toBe(12);
    expect(envPositiveNumber({ N: 2.5 }, "N", 5)).toBe(2.5);
    for (const bad of ["", " ", "0", "-3", "many", undefined, null]) expect(envPositiveNumber({ N: bad }, "N", 5)).toBe(5);
  });

  it("gives generation limits, the import cap and the OpenAI endpoint from them", () => {
    expect(limitsFrom({ GENERATION_DAILY_QUOTA: "50.9", GENERATION_PER_MINUTE: "" })).toEqual({ daily: 50, perMinute: 20 });
    expect(importLimitsFrom({ IMPORT_MAX_MB: "2" }).maxBytes).toBe(2 * 1024 * 1024);
    expect(importLimitsFrom({ IMPORT_MAX_MB: "nope" })).toEqual(importLimitsFrom({}));
    expect(() => openAiConfigFromEnv({ OPENAI_BASE_URL: " ", OPENAI_MODEL: "m" })).toThrow(/OPENAI_BASE_URL and OPENAI_MODEL must be set/);
    expect(openAiConfigFromEnv({ OPENAI_BASE_URL: " http://localhost:9/v1 ", OPENAI_MODEL: "gpt" })).toMatchObject({ baseUrl: "http://localhost:9/v1", model: "gpt" });
  });
});
