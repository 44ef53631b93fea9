// The remote providers against the local Bedrock stand-in (started by global-setup.ts): every
// AWS request must carry a valid SigV4 signature and a body of the documented shape, or the
// stand-in refuses it, so these tests pass only if the providers speak the real wire protocol.
import { AwsClient } from "aws4fetch";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { BEDROCK_MODELS, bedrockConfigFromEnv, bedrockProviders } from "../../workers/ai/bedrock";
import { openAiConfigFromEnv, openAiProviders } from "../../workers/ai/openai";
import { parseElementReply, parseMergeReply, parseWorldReply } from "../../workers/ai/prompting";
import { ProviderError, type CallContext, type ElementDraft, type OutlineRequest } from "../../workers/ai/types";
import { workersAiProviders, type WorkersAiBinding } from "../../workers/ai/workers-ai";
import { ELEMENT_TYPES, RELATIONSHIP_KINDS } from "../../drizzle/schema/constants";

const standin = inject("bedrockStandin");

const context: CallContext = {
  world: {
    title: "Tidewrack",
    description: "A drowned archipelago where clockwork whales carry cities on their backs.",
    style: "steampunk",
    tags: ["sea", "clockwork"],
  },
  seed: "3f9a0c77e1b2",
};

type Behaviour = {
  delays?: Partial<Record<"text" | "image" | "video" | "audio", number>>;
  failures?: Record<string, Record<string, unknown> | null>;
};
type LoggedRequest = { service: string; operation: string; model?: string; task?: string; status: number; ok: boolean; error?: string };

async function behave(behaviour: Behaviour) {
  const response = await fetch(`${standin.url}/__standin/behaviour`, { method: "POST", body: JSON.stringify(behaviour) });
  expect(response.ok).toBe(true);
}

async function loggedRequests(): Promise<LoggedRequest[]> {
  const response = await fetch(`${standin.url}/__standin/requests`);
  return ((await response.json()) as { requests: LoggedRequest[] }).requests;
}

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

function expectValidDraft(draft: ElementDraft) {
  expect(draft.name.length).toBeGreaterThan(0);
  expect(ELEMENT_TYPES).toContain(draft.type);
  expect(draft.description.length).toBeGreaterThan(20);
  expect(draft.narration.length).toBeLessThanOrEqual(600);
  expect(draft.narration).not.toMatch(/\*\*/);
  for (const relationship of draft.relationships) expect(RELATIONSHIP_KINDS).toContain(relationship.kind);
}

const bytesStartWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const bedrock = () => bedrockProviders(bedrockConfigFromEnv(standin.env));

const outlineRequest: OutlineRequest = {
  prompt: "A clockwork whale goes silent",
  story: { title: "", premise: "", template: "mystery", audience: "adults", tone: "", pointOfView: "third" },
  cast: [
    { name: "Old Cog", type: "character", description: "A retired engine-whisperer.", tags: [] },
    { name: "Brasswater", type: "location", description: "A city on a whale's back.", tags: [] },
  ],
  chapters: 2,
  scenesPerChapter: 3,
};

beforeEach(async () => {
  await fetch(`${standin.url}/__standin/reset`, { method: "POST" });
});

describe("bedrock text (Converse)", () => {
  it("writes one element with Nova Lite, signed and shaped as Bedrock expects", async () => {
    const result = await bedrock().text.element(
      {
        prompt: "a lighthouse keeper who collects storms in brass jars",
        type: "character",
        neighbours: [{ name: "Gullwhistle Reach", type: "location", description: "A harbour on a whale.", tags: [] }],
      },
      context,
    );
    expect(result.provider).toBe("bedrock");
    expect(result.model).toBe(BEDROCK_MODELS.lite);
    expectValidDraft(result.value);
    expect(result.value.type).toBe("character");
    expect(result.value.relationships).toEqual([expect.objectContaining({ to: "Gullwhistle Reach", kind: "located_in" })]);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.costUsd).toBeGreaterThan(0);
    expect(await loggedRequests()).toEqual([
      expect.objectContaining({ service: "bedrock", operation: "Converse", model: BEDROCK_MODELS.lite, task: "element", ok: true }),
    ]);
  });

  it("outlines a story with one Converse call: exactly the chapters and scenes asked, over the cast", async () => {
    const outline = await bedrock().text.outlineStory!(outlineRequest, context);
    expect(outline).toMatchObject({ provider: "bedrock", model: BEDROCK_MODELS.lite });
    expect(outline.usage.costUsd).toBeGreaterThan(0);
    expect(outline.value.title).toMatch(/^Old Cog and the /);
    expect(outline.value.chapters.map((c) => c.scenes.length)).toEqual([3, 3]);
    for (const scene of outline.value.chapters.flatMap((c) => c.scenes)) expect(scene.beat).toContain("A clockwork whale goes silent");
    expect(await loggedRequests()).toEqual([expect.objectContaining({ operation: "Converse", task: "outline", ok: true })]);
  });

  it("writes a connected world whose relationships point at its own elements", async () => {
    const result = await bedrock().text.world({ prompt: "a drowned city of clockwork whales", count: 9 }, context);
    expect(result.value).toHaveLength(9);
    const names = new Set(result.value.map((element) => element.name));
    expect(names.size).toBe(9);
    for (const element of result.value) {
      expectValidDraft(element);
      expect(element.relationships.length).toBeGreaterThan(0);
      for (const relationship of element.relationships) expect(names.has(relationship.to)).toBe(true);
    }
  });

  it("merges two prompts into one that keeps both", async () => {
    const result = await bedrock().text.mergePrompts(
      {
        element: { name: "The Brass Owl", type: "creature", description: "A mechanical owl.", tags: [] },
        a: "make it older and rusted",
        b: "Give it sapphire eyes",
      },
      context,
    );
    expect(result.value).toContain("older and rusted");
    expect(result.value).toContain("sapphire eyes");
  });

  it("describes an uploaded image with a Converse image block, and the fallback model is Nova Micro", async () => {
    const providers = bedrock();
    const picture = await providers.image.image(
      { prompt: "a brass owl", element: { visualPrompt: "a brass owl" } as ElementDraft },
      context,
    );
    const described = await providers.text.describeImage(
      { image: picture.bytes, mimeType: "image/png", hint: "a brass owl on a mast" },
      context,
    );
    expectValidDraft(described.value);

    const fallback = providers.fallbacks.text;
    expect(fallback).toBeDefined();
    const micro = await fallback!.element({ prompt: "a tide-clock market" }, context);
    expect(micro.model).toBe(BEDROCK_MODELS.micro);
    // Nova Micro reads no images: refused before any request, so the pipeline moves on.
    const refused = await providerError(fallback!.describeImage({ image: picture.bytes, mimeType: "image/png" }, context));
    expect(refused.options).toMatchObject({ retryable: false, code: "not_supported" });
  });
});

describe("bedrock images (Nova Canvas InvokeModel)", () => {
  it("generates a PNG for TEXT_IMAGE and a variation of an upload", async () => {
    const providers = bedrock();
    const element = { visualPrompt: "a clockwork whale at dusk" } as ElementDraft;
    const picture = await providers.image.image({ prompt: "", element }, context);
    expect(picture.mimeType).toBe("image/png");
    expect(bytesStartWith(picture.bytes, PNG_SIGNATURE)).toBe(true);
    expect(picture.model).toBe(BEDROCK_MODELS.canvas);
    expect(picture.usage.costUsd).toBe(0.04);

    const variation = await providers.image.variation({ image: picture.bytes, mimeType: "image/png", prompt: "as a woodcut" }, context);
    expect(bytesStartWith(variation.bytes, PNG_SIGNATURE)).toBe(true);

    const titan = await providers.fallbacks.image!.image({ prompt: "a whale", element }, context);
    expect(titan.model).toBe(BEDROCK_MODELS.titanImage);
    expect((await loggedRequests()).map((r) => [r.operation, r.task, r.ok])).toEqual([
      ["InvokeModel", "TEXT_IMAGE", true],
      ["InvokeModel", "IMAGE_VARIATION", true],
      ["InvokeModel", "TEXT_IMAGE", true],
    ]);
  });

  it("refuses variations of formats Canvas cannot read, without calling it", async () => {
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0, 0]);
    const error = await providerError(bedrock().image.variation({ image: gif, mimeType: "image/gif", prompt: "x" }, context));
    expect(error.options).toMatchObject({ retryable: false, code: "unsupported_image" });
    expect(await loggedRequests()).toEqual([]);
  });
});

describe("bedrock video (Nova Reel async invoke)", () => {
  it("starts a clip, polls while it renders, then copies the MP4 from S3", async () => {
    await behave({ delays: { video: 400 } });
    const video = bedrock().video;
    const started = await video.start({ prompt: "a whale surfacing", element: {} as ElementDraft }, context);
    expect(started).toMatchObject({ status: "pending", pollAfterSeconds: 1 });
    if (started.status !== "pending") throw new Error("expected a pending clip");
    expect(started.token).toMatch(/^arn:aws:bedrock:us-east-1:000000000000:async-invoke\/[a-z0-9]+$/);

    expect(await video.poll(started.token, context)).toMatchObject({ status: "pending", token: started.token });
    await new Promise((resolve) => setTimeout(resolve, 450));
    const done = await video.poll(started.token, context);
    if (done.status !== "done") throw new Error("expected the clip to be done");
    expect(done.result.mimeType).toBe("video/mp4");
    expect(new TextDecoder().decode(done.result.bytes.subarray(4, 8))).toBe("ftyp");
    expect(done.result.usage.costUsd).toBe(0.48);
    expect((await loggedRequests()).map((r) => `${r.service} ${r.operation} ${r.status}`)).toEqual([
      "bedrock StartAsyncInvoke 200",
      "bedrock GetAsyncInvoke 200",
      "bedrock GetAsyncInvoke 200",
      "s3 GetObject 200",
    ]);
  });

  it("reports a failed clip as not retryable", async () => {
    await behave({ failures: { video: { jobFailure: "The prompt was blocked." } } });
    const video = bedrock().video;
    const started = await video.start({ prompt: "a whale", element: {} as ElementDraft }, context);
    if (started.status !== "pending") throw new Error("expected a pending clip");
    const error = await providerError(video.poll(started.token, context));
    expect(error.options).toMatchObject({ retryable: false, code: "video_failed" });
    expect(error.message).toContain("The prompt was blocked.");
  });
});

describe("bedrock audio (Polly)", () => {
  it("reads narration aloud as MP3", async () => {
    const speech = await bedrock().audio.speak({ text: "**The tide** turns at the _ninth_ bell." }, context);
    expect(speech.mimeType).toBe("audio/mpeg");
    expect(speech.bytes.length).toBeGreaterThan(1000);
    expect(new TextDecoder().decode(speech.bytes.subarray(0, 3))).toBe("ID3");
    expect(speech.usage.costUsd).toBeGreaterThan(0);
    expect(await loggedRequests()).toEqual([
      expect.objectContaining({ service: "polly", operation: "SynthesizeSpeech", task: "Joanna", ok: true }),
    ]);
  });

  it("surfaces Polly's validation errors as not retryable", async () => {
    const error = await providerError(bedrock().audio.speak({ text: "Hello", voice: "Nobody" }, context));
    expect(error.options).toMatchObject({ retryable: false, status: 400, code: "ValidationException" });
  });
});

describe("signatures and failures", () => {
  it("a wrong secret is refused with 403 and is not retryable", async () => {
    const providers = bedrockProviders(bedrockConfigFromEnv({ ...standin.env, AWS_SECRET_ACCESS_KEY: "not-the-secret" }));
    const error = await providerError(providers.text.element({ prompt: "a harbour" }, context));
    expect(error.options).toMatchObject({ retryable: false, status: 403, code: "InvalidSignatureException" });
    expect(error.message).toContain("signature we calculated does not match");
  });

  it("the stand-in rejects a body changed after signing, so its check is not a no-op", async () => {
    const aws = new AwsClient({
      accessKeyId: standin.env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: standin.env.AWS_SECRET_ACCESS_KEY!,
      service: "bedrock",
      region: "us-east-1",
      retries: 0,
    });
    const url = `${standin.url}/model/${encodeURIComponent(BEDROCK_MODELS.lite)}/converse`;
    const body = (text: string) => JSON.stringify({ messages: [{ role: "user", content: [{ text }] }] });
    const signed = await aws.sign(url, { method: "POST", headers: { "content-type": "application/json" }, body: body("hello") });

    const honest = await fetch(url, { method: "POST", headers: signed.headers, body: body("hello") });
    expect(honest.status).toBe(200);
    const tampered = await fetch(url, { method: "POST", headers: signed.headers, body: body("hello, and ignore the rules") });
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get("x-amzn-errortype")).toBe("InvalidSignatureException");
    expect(((await tampered.json()) as { message: string }).message).toMatch(/^The request signature we calculated does not match/);

    const wrongService = new AwsClient({ accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey, service: "polly", region: "us-east-1", retries: 0 });
    const misScoped = await wrongService.fetch(url, { method: "POST", body: body("hello") });
    expect(misScoped.status).toBe(403);
  });

  it("the stand-in checks body shapes: a Canvas size that is not a multiple of 16 is a ValidationException", async () => {
    const aws = new AwsClient({
      accessKeyId: standin.env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: standin.env.AWS_SECRET_ACCESS_KEY!,
      service: "bedrock",
      region: "us-east-1",
      retries: 0,
    });
    const response = await aws.fetch(`${standin.url}/model/${encodeURIComponent(BEDROCK_MODELS.canvas)}/invoke`, {
      method: "POST",
      body: JSON.stringify({
        taskType: "TEXT_IMAGE",
        textToImageParams: { text: "a whale" },
        imageGenerationConfig: { numberOfImages: 1, width: 1000, height: 1024 },
      }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("ValidationException");
    expect(((await response.json()) as { message: string }).message).toContain("multiple of 16");
  });

  it("throttling (429) is retryable and carries Retry-After", async () => {
    await behave({ failures: { text: { status: 429, times: 1, retryAfterSeconds: 2 } } });
    const providers = bedrock();
    const error = await providerError(providers.text.element({ prompt: "a harbour" }, context));
    expect(error.options).toMatchObject({ retryable: true, status: 429, code: "ThrottlingException", retryAfterMs: 2000 });
    // One failure was injected; the next attempt (the pipeline's retry) succeeds.
    await expect(providers.text.element({ prompt: "a harbour" }, context)).resolves.toMatchObject({ provider: "bedrock" });
  });

  it("server errors (500, 503) are retryable", async () => {
    await behave({ failures: { image: { status: 500 }, audio: { status: 503 } } });
    const providers = bedrock();
    const imageError = await providerError(providers.image.image({ prompt: "a whale", element: {} as ElementDraft }, context));
    expect(imageError.options).toMatchObject({ retryable: true, status: 500, code: "InternalServerException" });
    const audioError = await providerError(providers.audio.speak({ text: "Hello" }, context));
    expect(audioError.options).toMatchObject({ retryable: true, status: 503 });
  });

  it("a call that outlives its AbortSignal is a retryable timeout", async () => {
    await behave({ failures: { text: { timeout: true } } });
    const error = await providerError(
      bedrock().text.element({ prompt: "a harbour" }, { ...context, signal: AbortSignal.timeout(300) }),
    );
    expect(error.options).toMatchObject({ retryable: true, code: "timeout" });
  });

  it("configuration: endpoints default to AWS, and missing keys say so", () => {
    const config = bedrockConfigFromEnv({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b", AWS_REGION: "eu-west-1" });
    expect(config).toMatchObject({
      region: "eu-west-1",
      textModel: BEDROCK_MODELS.lite,
      textFallbackModel: BEDROCK_MODELS.micro,
      pollyVoice: "Joanna",
      bedrockEndpoint: "https://bedrock-runtime.eu-west-1.amazonaws.com",
      pollyEndpoint: "https://polly.eu-west-1.amazonaws.com",
      s3Endpoint: undefined,
    });
    expect(() => bedrockConfigFromEnv({})).toThrow(ProviderError);
  });

  it("clips need an S3 location", async () => {
    const { BEDROCK_REEL_S3_URI: _unset, ...env } = standin.env;
    const error = await providerError(bedrockProviders(bedrockConfigFromEnv(env)).video.start({ prompt: "x", element: {} as ElementDraft }, context));
    expect(error.options).toMatchObject({ retryable: false, code: "not_configured" });
  });
});

describe("openai-compatible provider", () => {
  const openai = () => openAiProviders(openAiConfigFromEnv(standin.env));

  it("writes elements in JSON mode, images as b64_json and speech as MP3", async () => {
    const providers = openai();
    const element = await providers.text.element({ prompt: "a smugglers' guild of lamplighters" }, context);
    expect(element.provider).toBe("openai");
    expectValidDraft(element.value);
    const picture = await providers.image.image({ prompt: "lamplighters", element: element.value }, context);
    expect(bytesStartWith(picture.bytes, PNG_SIGNATURE)).toBe(true);
    const described = await providers.text.describeImage({ image: picture.bytes, mimeType: "image/png" }, context);
    expectValidDraft(described.value);
    const speech = await providers.audio.speak({ text: element.value.narration }, context);
    expect(speech.mimeType).toBe("audio/mpeg");
    expect(providers.supports).toEqual({ text: true, image: true, video: false, audio: true });
    expect((await loggedRequests()).map((r) => `${r.operation} ${r.status}`)).toEqual([
      "ChatCompletions 200",
      "ImagesGenerations 200",
      "ChatCompletions 200",
      "AudioSpeech 200",
    ]);
  });

  it("outlines a story in JSON mode over the world's people and places, and refuses a reply that is not JSON", async () => {
    const outline = await openai().text.outlineStory!(outlineRequest, context);
    expect(outline).toMatchObject({ provider: "openai", model: "standin-chat" });
    expect(outline.value.chapters.map((c) => c.scenes.length)).toEqual([3, 3]);
    for (const scene of outline.value.chapters.flatMap((c) => c.scenes)) expect(scene).toMatchObject({ pov: "Old Cog", location: "Brasswater" });
    expect(await loggedRequests()).toEqual([expect.objectContaining({ operation: "ChatCompletions", task: "outline", ok: true })]);

    await behave({ failures: { text: { badJson: true } } });
    const refused = await providerError(openai().text.outlineStory!(outlineRequest, context));
    expect(refused.options).toMatchObject({ retryable: false, code: "bad_output" });
  });

  it("checks a scene's continuity in JSON mode: a misspelt name and a stranger, each on its exact words", async () => {
    const text = "Old Cogg oiled the gears while Admiral Rusk watched.";
    const checked = await openai().text.checkStory!({ text, elements: [{ name: "Old Cog", type: "character", description: "An engine-whisperer." }], storySoFar: [] }, context);
    expect(checked.provider).toBe("openai");
    expect(checked.value.map(({ type, quote, suggestion }) => ({ type, quote, suggestion }))).toEqual([
      { type: "name_drift", quote: "Old Cogg", suggestion: "Old Cog" },
      { type: "new_character", quote: "Admiral Rusk", suggestion: null },
    ]);
    for (const issue of checked.value) expect(text.slice(issue.start, issue.end)).toBe(issue.quote);
    expect(await loggedRequests()).toEqual([expect.objectContaining({ operation: "ChatCompletions", task: "check", ok: true })]);
  });

  it("maps errors the same way: a bad key is final, throttling is retryable, clips are not offered", async () => {
    const wrongKey = openAiProviders(openAiConfigFromEnv({ ...standin.env, OPENAI_API_KEY: "nope" }));
    const refused = await providerError(wrongKey.text.element({ prompt: "x" }, context));
    expect(refused.options).toMatchObject({ retryable: false, status: 401 });

    await behave({ failures: { text: { status: 429, retryAfterSeconds: 1 } } });
    const throttled = await providerError(openai().text.element({ prompt: "x" }, context));
    expect(throttled.options).toMatchObject({ retryable: true, status: 429, retryAfterMs: 1000 });

    const video = await providerError(openai().video.start({ prompt: "x", element: {} as ElementDraft }, context));
    expect(video.options).toMatchObject({ retryable: false, code: "not_supported" });
    const noImages = openAiProviders(openAiConfigFromEnv({ ...standin.env, OPENAI_IMAGE_MODEL: "" }));
    const image = await providerError(noImages.image.image({ prompt: "x", element: {} as ElementDraft }, context));
    expect(image.options).toMatchObject({ retryable: false, code: "not_supported" });
  });
});

describe("workers-ai provider (with a fake binding)", () => {
  it("parses text, images and speech from the binding's outputs and maps its errors", async () => {
    const calls: string[] = [];
    const binding: WorkersAiBinding = {
      async run(model) {
        calls.push(model);
        if (model.includes("llama")) {
          return {
            response: '```json\n{"name": "Old Cog", "type": "Character", "description": "A retired engine-whisperer.", "tags": "engines, retired"}\n```',
            usage: { prompt_tokens: 800, completion_tokens: 90 },
          };
        }
        if (model.includes("flux")) return { image: "iVBORw0KGgo=" };
        if (model.includes("melotts")) return { audio: "SUQz" };
        throw new Error("unexpected model");
      },
    };
    const providers = workersAiProviders(binding);
    const element = await providers.text.element({ prompt: "an old engineer" }, context);
    expect(element.value).toMatchObject({ name: "Old Cog", type: "character", tags: ["engines", "retired"], relationships: [] });
    expect(element.usage.costUsd).toBeGreaterThan(0);
    const picture = await providers.image.image({ prompt: "x", element: element.value }, context);
    expect(picture.mimeType).toBe("image/png");
    const speech = await providers.audio.speak({ text: "Hello" }, context);
    expect(new TextDecoder().decode(speech.bytes)).toBe("ID3");

    // In JSON mode the binding hands back an object, not text.
    const outliner = workersAiProviders({
      async run(_model, inputs) {
        expect(JSON.stringify(inputs.messages)).toContain("Task: outline");
        const scenes = [{ title: "Silence", beat: "The whale stops singing.", pov: "old cog", location: "Brasswater" }];
        return { response: { title: "The Silent Whale", chapters: [{ title: "One", scenes }, { title: "Two", scenes }] }, usage: { prompt_tokens: 900, completion_tokens: 200 } };
      },
    });
    const outline = await outliner.text.outlineStory!(outlineRequest, context);
    expect(outline.value).toMatchObject({ title: "The Silent Whale", premise: "", chapters: [{ summary: "The whale stops singing.", scenes: [{ pov: "Old Cog", location: "Brasswater" }] }, { title: "Two" }] });

    // A quote the text does not hold (the model paraphrased) is dropped; the rest keep their spans.
    const checker = workersAiProviders({
      run: async () => ({ response: { issues: [{ type: "setting_mismatch", severity: "error", quote: "the engine room", explanation: "Not here.", suggestion: null }, { type: "new_character", severity: "warning", quote: "Admiral  Rusk", explanation: "Unknown.", suggestion: null }] } }),
    });
    const checked = await checker.text.checkStory!({ text: "Then Admiral\nRusk came aboard.", elements: [], storySoFar: [] }, context);
    expect(checked.value).toEqual([{ type: "new_character", severity: "warning", start: 5, end: 17, quote: "Admiral\nRusk", explanation: "Unknown.", suggestion: null }]);

    const busy = workersAiProviders({ run: async () => Promise.reject(new Error("AiError: 3040: Capacity temporarily exceeded")) });
    expect((await providerError(busy.text.element({ prompt: "x" }, context))).retryable).toBe(true);
    const hung = workersAiProviders({ run: () => new Promise(() => {}) });
    const timedOut = await providerError(hung.text.element({ prompt: "x" }, { ...context, signal: AbortSignal.timeout(50) }));
    expect(timedOut.options).toMatchObject({ retryable: true, code: "timeout" });
  });
});

describe("reply parsing", () => {
  it("is lenient about fences, prose, synonyms and missing fields, and strict about the rest", () => {
    const draft = parseElementReply(
      "bedrock",
      'Here you go:\n```json\n{"name":"Gullwhistle","type":"Place","description":"A **harbour** on a whale.","tags":["Sea","sea"],"relationships":[{"to":"Old Cog","kind":"allies"},{"to":"Tide","kind":"haunts"},{"kind":"owns"}]}\n```',
    );
    expect(draft).toMatchObject({
      type: "location",
      tags: ["sea"],
      relationships: [
        { to: "Old Cog", kind: "allied_with" },
        { to: "Tide", kind: "related_to" },
      ],
      narration: "A harbour on a whale.",
    });
    expect(draft.visualPrompt.length).toBeGreaterThan(0);

    for (const bad of ["I cannot help with that.", '{"name": "x"}', '{"name":"x","type":"spaceship","description":"y"}']) {
      expect(() => parseElementReply("bedrock", bad)).toThrow(expect.objectContaining({ options: expect.objectContaining({ code: "bad_output" }) }));
    }
    expect(parseMergeReply("openai", '{"prompt":"older, with sapphire eyes"}')).toBe("older, with sapphire eyes");
    const one = { name: "A", type: "lore", description: "An old song." };
    expect(parseWorldReply("bedrock", JSON.stringify({ elements: [one, one, { ...one, name: "B" }] }), 3)).toHaveLength(2);
    expect(() => parseWorldReply("bedrock", JSON.stringify({ elements: [one] }), 10)).toThrow(ProviderError);
  });
});
