// Voice prompts (issue 19, point 6; ADR 23): `GET/POST /api/transcribe` through the real Worker,
// with the OpenAI-compatible `/audio/transcriptions` of the stand-in (which checks the multipart
// request: the key, the model, a file named with an extension Whisper knows), Workers AI's Whisper
// as a fake binding, `local` refusing with what to configure, and `bedrock` falling through.
import { createExecutionContext, env } from "cloudflare:test";
import fc from "fast-check";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { transcribeChain } from "../../workers/ai";
import { resetBreakers } from "../../workers/ai/resilience";
import { AUDIO_TYPES, MAX_AUDIO_BYTES, sniffAudio } from "../../workers/domain/transcription";
import { call, count, expectErrorShape, signUp, type Person } from "./helpers";
import worker from "./worker";

const standin = inject("voiceStandin");

beforeEach(async () => {
  resetBreakers();
  await fetch(`${standin.url}/__standin/reset`, { method: "POST" });
});

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
const padded = (head: number[], length = 2048) => {
  const bytes = new Uint8Array(length);
  bytes.set(head);
  for (let i = head.length; i < length; i++) bytes[i] = (i * 31) % 251;
  return bytes;
};

/** The first bytes of what MediaRecorder and common encoders write, padded with noise. */
const FIXTURES = {
  // EBML header: version fields, then DocType (0x42 0x82) "webm", as Chrome's MediaRecorder writes it.
  "audio/webm": padded([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0xf2, 0x81, 0x04, 0x42, 0xf3, 0x81, 0x08, 0x42, 0x82, 0x84, ...ascii("webm")]),
  "audio/ogg": padded([...ascii("OggS"), 0x00, 0x02]),
  "audio/mp4": padded([0x00, 0x00, 0x00, 0x20, ...ascii("ftypM4A "), 0x00, 0x00, 0x02, 0x00]),
  "audio/mpeg": padded([...ascii("ID3"), 0x04, 0x00]),
  "audio/wav": padded([...ascii("RIFF"), 0x24, 0x08, 0x00, 0x00, ...ascii("WAVEfmt ")]),
} as const;
const PNG = padded([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

type Transcription = { model: string; fileName: string; fileType: string; bytes: number; language?: string };
async function transcriptionRequests(): Promise<Array<{ operation: string; ok: boolean; error?: string; transcription?: Transcription }>> {
  const response = await fetch(`${standin.url}/__standin/requests`);
  return ((await response.json()) as { requests: Array<{ operation: string; ok: boolean; error?: string; transcription?: Transcription }> }).requests.filter(
    (r) => r.operation === "AudioTranscriptions",
  );
}

function recording(bytes: Uint8Array, declared = "audio/webm", fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append("file", new File([new Uint8Array(bytes)], "speech", { type: declared }));
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}

/** One request to the Worker with its vars changed (the pool's own env is `local` only). */
async function send(vars: Record<string, unknown>, method: string, person: Person | null, body?: FormData) {
  const headers = new Headers(person ? { cookie: person.cookie } : {});
  const request = new Request("http://localhost/api/transcribe", { method, headers, body });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, { ...env, ...vars } as unknown as Env, createExecutionContext());
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as any) : null, text };
}

const transcribeJobs = (person: Person) => count("jobs", "user_id = ? and kind = 'transcribe'", person.id);

/** A Workers AI binding that answers Whisper's shape and remembers what it was asked. */
function fakeAi(text = " The tide priests count every breath. ") {
  const calls: Array<{ model: string; inputs: Record<string, unknown> }> = [];
  return {
    calls,
    binding: {
      async run(model: string, inputs: Record<string, unknown>) {
        calls.push({ model, inputs });
        return { text, word_count: 6 };
      },
    },
  };
}

describe("sniffing a recording's type", () => {
  it("knows what MediaRecorder and common encoders write, by their bytes", () => {
    for (const [type, bytes] of Object.entries(FIXTURES)) expect(sniffAudio(bytes), type).toBe(type);
    expect(sniffAudio(new Uint8Array([0xff, 0xfb, 0x90, 0x44]))).toBe("audio/mpeg"); // an MPEG-1 layer III frame
  });

  it("refuses images, text, AAC's ADTS headers, Matroska video and nothing at all", () => {
    expect(sniffAudio(PNG)).toBeNull();
    expect(sniffAudio(new TextEncoder().encode("not a recording"))).toBeNull();
    expect(sniffAudio(new Uint8Array([0xff, 0xf1, 0x50, 0x80]))).toBeNull(); // ADTS: layer bits 00
    expect(sniffAudio(padded([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88, ...ascii("matroska")]))).toBeNull();
    expect(sniffAudio(new Uint8Array())).toBeNull();
  });

  it("never throws, answers only the types it accepts, and keeps a known signature whatever follows", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        const type = sniffAudio(bytes);
        expect(type === null || (AUDIO_TYPES as readonly string[]).includes(type)).toBe(true);
      }),
      { numRuns: 500 * Number(env.FUZZ_RUNS ?? 1) },
    );
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(FIXTURES) as Array<keyof typeof FIXTURES>)), fc.uint8Array({ maxLength: 64 }), (type, tail) => {
        const bytes = new Uint8Array([...FIXTURES[type].subarray(0, 40), ...tail]);
        expect(sniffAudio(bytes)).toBe(type);
      }),
      { numRuns: 200 * Number(env.FUZZ_RUNS ?? 1) },
    );
  });
});

describe("the transcription chain", () => {
  const ai = fakeAi().binding;
  const names = (vars: Record<string, unknown>) => transcribeChain(vars).map((provider) => provider.name);

  it("puts the chosen provider first, falls through past bedrock, and is local alone when nothing can hear", () => {
    expect(names({ ...standin.env, AI_PROVIDER: "openai" })).toEqual(["openai"]);
    expect(names({ ...standin.env, AI_PROVIDER: "bedrock" })).toEqual(["openai"]);
    expect(names({ ...standin.env, AI_PROVIDER: "bedrock", AI: ai })).toEqual(["workers-ai", "openai"]);
    expect(names({ ...standin.env, AI_PROVIDER: "bedrock", AI_TRANSCRIBE_PROVIDER: "openai", AI: ai })).toEqual(["openai", "workers-ai"]);
    expect(names({ AI_PROVIDER: "bedrock" })).toEqual(["local"]);
    expect(names({ AI_PROVIDER: "local" })).toEqual(["local"]);
    expect(names({ ...standin.env, AI_PROVIDER: "openai", AI_TRANSCRIBE_PROVIDER: "local" })).toEqual(["local"]);
  });
});

describe("POST /api/transcribe", () => {
  it("sends the recording to an OpenAI-compatible /audio/transcriptions and answers its words, counted as a job", async () => {
    const person = await signUp("Speaker");
    const vars = { ...standin.env, AI_PROVIDER: "openai" };
    const status = await send(vars, "GET", person);
    expect(status.json).toEqual({ available: true, providers: ["openai"], setup: null });

    const response = await send(vars, "POST", person, recording(FIXTURES["audio/ogg"], "application/octet-stream", { language: "en" }));
    expect(response.status, response.text).toBe(200);
    expect(response.json).toEqual({ text: "A lighthouse keeper who talks to whales (2048 bytes of ogg).", provider: "openai", model: "whisper-1" });
    const [seen, ...more] = await transcriptionRequests();
    expect(more).toHaveLength(0);
    expect(seen).toMatchObject({ ok: true, transcription: { model: "whisper-1", fileName: "speech.ogg", fileType: "audio/ogg", bytes: 2048, language: "en" } });
    expect(await transcribeJobs(person)).toBe(1);
    const job = await env.DB.prepare("select status, world_id as worldId, cost_estimate as cost from jobs where user_id = ? and kind = 'transcribe'").bind(person.id).first<{ status: string; worldId: string | null; cost: number }>();
    expect(job).toMatchObject({ status: "succeeded", worldId: null });
    expect(job!.cost).toBeGreaterThan(0);
  });

  it("uses OPENAI_TRANSCRIBE_MODEL; a key the endpoint refuses is a 503 that names nothing, and is not counted", async () => {
    const person = await signUp("Speaker");
    const ok = await send({ ...standin.env, AI_PROVIDER: "openai", OPENAI_TRANSCRIBE_MODEL: "gpt-4o-mini-transcribe" }, "POST", person, recording(FIXTURES["audio/webm"]));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.model).toBe("gpt-4o-mini-transcribe");
    expect((await transcriptionRequests())[0]?.transcription).toMatchObject({ model: "gpt-4o-mini-transcribe", fileName: "speech.webm" });

    const refused = await send({ ...standin.env, AI_PROVIDER: "openai", OPENAI_API_KEY: "wrong" }, "POST", person, recording(FIXTURES["audio/webm"]));
    expect(refused.status, refused.text).toBe(503);
    expectErrorShape(refused.json, "provider_unavailable");
    expect(refused.text).not.toContain("wrong");
    expect(await transcribeJobs(person)).toBe(1);
  });

  it("hands Workers AI's Whisper the bytes through the binding", async () => {
    const person = await signUp("Speaker");
    const ai = fakeAi();
    const response = await send({ AI_PROVIDER: "workers-ai", AI: ai.binding }, "POST", person, recording(FIXTURES["audio/mp4"], "audio/x-m4a"));
    expect(response.status, response.text).toBe(200);
    expect(response.json).toEqual({ text: "The tide priests count every breath.", provider: "workers-ai", model: "@cf/openai/whisper" });
    expect(ai.calls).toHaveLength(1);
    expect(ai.calls[0]!.model).toBe("@cf/openai/whisper");
    expect(ai.calls[0]!.inputs.audio).toEqual(Array.from(FIXTURES["audio/mp4"]));
    expect(await transcribeJobs(person)).toBe(1);
  });

  it("falls through from bedrock, which cannot transcribe (ADR 23), to the next provider that can", async () => {
    const person = await signUp("Speaker");
    const vars = { ...standin.env, AI_PROVIDER: "bedrock", AI_FALLBACK_LOCAL: "false" };
    expect((await send(vars, "GET", person)).json).toEqual({ available: true, providers: ["openai"], setup: null });
    const response = await send(vars, "POST", person, recording(FIXTURES["audio/wav"], "audio/wav"));
    expect(response.status, response.text).toBe(200);
    expect(response.json.provider).toBe("openai");
    expect((await transcriptionRequests())[0]?.transcription?.fileName).toBe("speech.wav");
  });

  it("with only `local`, says what to configure, and counts nothing", async () => {
    const person = await signUp("Speaker");
    const status = await call("GET", "/api/transcribe", { cookie: person.cookie });
    expect(status.status).toBe(200);
    expect(status.json.available).toBe(false);
    expect(status.json.providers).toEqual([]);
    expect(status.json.setup).toMatch(/offline transcription is not available; configure OPENAI_\*.*Workers AI/i);

    const response = await call("POST", "/api/transcribe", { cookie: person.cookie, body: recording(FIXTURES["audio/webm"]) });
    expect(response.status, response.text).toBe(501);
    expectErrorShape(response.json, "transcription_unavailable");
    expect(response.json.error.message).toMatch(/configure OPENAI_\*/);
    expect(await transcribeJobs(person)).toBe(0);
  });

  it("counts against the generation rate", async () => {
    const person = await signUp("Speaker");
    const vars = { ...standin.env, AI_PROVIDER: "openai", GENERATION_PER_MINUTE: "1" };
    expect((await send(vars, "POST", person, recording(FIXTURES["audio/ogg"]))).status).toBe(200);
    const limited = await send(vars, "POST", person, recording(FIXTURES["audio/ogg"]));
    expect(limited.status).toBe(429);
    expectErrorShape(limited.json, "rate_limited");
    expect(await transcriptionRequests()).toHaveLength(1);
  });

  it("refuses bad input with a 4xx before any provider is asked", async () => {
    const person = await signUp("Speaker");
    const vars = { ...standin.env, AI_PROVIDER: "openai" };
    const cases: Array<[string, Person | null, FormData | undefined, number, string]> = [
      ["not signed in", null, recording(FIXTURES["audio/webm"]), 401, ""],
      ["no file", person, (() => { const f = new FormData(); f.append("language", "en"); return f; })(), 400, "validation_failed"],
      ["not multipart", person, undefined, 415, "unsupported_media_type"],
      ["a PNG declared as audio", person, recording(PNG, "audio/webm"), 415, "unsupported_media_type"],
      ["an empty file", person, recording(new Uint8Array(), "audio/webm"), 400, "validation_failed"],
      ["a bad language", person, recording(FIXTURES["audio/ogg"], "audio/ogg", { language: "english" }), 400, "validation_failed"],
      ["an unknown field", person, recording(FIXTURES["audio/ogg"], "audio/ogg", { prompt: "x" }), 400, "validation_failed"],
      ["too large", person, recording(padded([...FIXTURES["audio/ogg"].subarray(0, 8)], MAX_AUDIO_BYTES + 1)), 413, "payload_too_large"],
    ];
    for (const [what, who, body, status, code] of cases) {
      const response = await send(vars, "POST", who, body);
      expect(response.status, `${what}: ${response.text}`).toBe(status);
      if (code) expectErrorShape(response.json, code);
    }
    expect((await send(vars, "GET", null)).status).toBe(401);
    expect(await transcriptionRequests()).toHaveLength(0);
    expect(await transcribeJobs(person)).toBe(0);
  });
});
