// The `workers-ai` provider: the Workers AI binding when Loreloom runs on Cloudflare. The binding
// is passed in (the pipeline hands over `env.AI` when the deployment has one) rather than declared
// in wrangler.jsonc, because a declared `ai` binding needs a Cloudflare login even in local dev.
import { z } from "zod";
import { estimatedAudioMinutes, imageCost, SPEECH_PRICES, textCost, TRANSCRIBE_PRICES, transcribeCost } from "./pricing";
import { createStoryTextMethods } from "./story-prompting";
import { createJsonTextProvider, passagePrompt, plainText, type Complete } from "./prompting";
import { fromBase64, notSupported, numericSeed, sniffImageType } from "./remote-call";
import { sseJson } from "./sse";
import { bodyChunks, estimatedTokens, passageStream, StreamProblem, streamWatch } from "./streaming";
import {
  ProviderError,
  type AudioProvider,
  type CallContext,
  type ImageProvider,
  type Modality,
  type PassageRequest,
  type PassageStream,
  type Providers,
  type TranscribeProvider,
  type VideoProvider,
} from "./types";

const PROVIDER = "workers-ai";

export const WORKERS_AI_MODELS = {
  text: "@cf/meta/llama-3.1-8b-instruct",
  // Meta's licence must be accepted once per account (send the prompt "agree") before first use.
  vision: "@cf/meta/llama-3.2-11b-vision-instruct",
  image: "@cf/black-forest-labs/flux-1-schnell",
  variation: "@cf/runwayml/stable-diffusion-v1-5-img2img",
  speech: "@cf/myshell-ai/melotts",
  transcribe: "@cf/openai/whisper",
} as const;

/** The part of the `Ai` binding this provider uses; `env.AI` fits it (checked below). */
export type WorkersAiBinding = {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
};
const _aiBindingFits = (ai: Ai): WorkersAiBinding => ai;

export type WorkersAiProviders = Providers & { supports: Record<Modality, boolean> };

export function workersAiProviders(ai: WorkersAiBinding, models: Partial<typeof WORKERS_AI_MODELS> = {}): WorkersAiProviders {
  const chosen = { ...WORKERS_AI_MODELS, ...models };
  return {
    text: {
      ...createJsonTextProvider(PROVIDER, textCompletion(ai, chosen.text), textCompletion(ai, chosen.vision)),
      ...createStoryTextMethods(PROVIDER, textCompletion(ai, chosen.text)),
      streamPassage: streamedText(ai, chosen.text),
    },
    image: workersAiImageProvider(ai, chosen),
    video: unsupportedVideo,
    audio: workersAiAudioProvider(ai, chosen.speech),
    supports: { text: true, image: true, video: false, audio: true },
  };
}

/**
 * One binding call. The binding takes no AbortSignal, so the pipeline's timeout is honoured by
 * racing it; errors carry only a message ("AiError: 3040: Capacity temporarily exceeded").
 */
async function run(ai: WorkersAiBinding, model: string, inputs: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
  if (signal?.aborted) throw timeout(model);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(timeout(model));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([ai.run(model, inputs), aborted]);
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    // Capacity, rate limits, timeouts and internal errors pass; bad input or an unknown model do not.
    const retryable = /capacity|rate limit|too many|429|timeout|timed out|internal|unavailable|5\d\d|network/i.test(message);
    throw new ProviderError(PROVIDER, `${model}: ${message}`, { retryable, code: retryable ? "unavailable" : "refused" });
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

function timeout(model: string): ProviderError {
  return new ProviderError(PROVIDER, `${model}: timed out or cancelled`, { retryable: true, code: "timeout" });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function textCompletion(ai: WorkersAiBinding, model: string): Complete {
  return async (request, context) => {
    const inputs: Record<string, unknown> = {
      messages: [
        { role: "system", content: request.system },
        { role: "user", content: request.user },
      ],
      max_tokens: request.maxTokens,
      temperature: 0.5,
      seed: numericSeed(context.seed),
    };
    if (request.image) inputs.image = Array.from(request.image.bytes);
    const output = await run(ai, model, inputs, context.signal);
    const usage = isRecord(output) && isRecord(output.usage) ? output.usage : {};
    const inputTokens = typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : undefined;
    const outputTokens = typeof usage.completion_tokens === "number" ? usage.completion_tokens : undefined;
    return {
      // `response` is text, or already an object when the model answered in JSON mode.
      reply: isRecord(output) ? output.response : undefined,
      model,
      usage: { costUsd: textCost(model, inputTokens ?? 0, outputTokens ?? 0), inputTokens, outputTokens },
    };
  };
}

// Story passages: with `stream: true` the binding answers with a ReadableStream of Server-Sent
// Events, `data: {"response": "…"}` per piece, usage in the last one, then `data: [DONE]`.
const StreamedTextSchema = z
  .object({
    response: z.string().nullish(),
    usage: z.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() }).partial().loose().nullish(),
  })
  .loose();

function streamedText(ai: WorkersAiBinding, model: string) {
  return async (request: PassageRequest, context: CallContext): Promise<PassageStream> => {
    const prompt = passagePrompt(request, context.world);
    const inputs = {
      messages: [
        { role: "system", content: prompt.system },
        { role: "user", content: prompt.user },
      ],
      max_tokens: prompt.maxTokens,
      temperature: 0.8,
      seed: numericSeed(context.seed),
      stream: true,
    };
    const what = `${model} (streamed)`;
    const watch = streamWatch(context.signal);
    let output: unknown;
    try {
      output = await run(ai, model, inputs, watch.signal);
    } catch (error) {
      watch.close();
      throw error;
    }
    if (!(output instanceof ReadableStream)) {
      watch.close();
      throw new ProviderError(PROVIDER, `${what}: expected a stream of events`, { retryable: false, code: "bad_response" });
    }
    const stream: ReadableStream<unknown> = output;
    const seen: { inputTokens?: number; outputTokens?: number } = {};
    let written = "";
    async function* text() {
      for await (const value of sseJson(bodyChunks(stream, watch))) {
        const parsed = StreamedTextSchema.safeParse(value);
        if (!parsed.success) throw new StreamProblem(`a streamed event has an unexpected shape: ${z.prettifyError(parsed.error)}`, "bad_response", false);
        if (parsed.data.usage) {
          seen.inputTokens = parsed.data.usage.prompt_tokens ?? seen.inputTokens;
          seen.outputTokens = parsed.data.usage.completion_tokens ?? seen.outputTokens;
        }
        const piece = parsed.data.response ?? "";
        if (piece) {
          written += piece;
          yield piece;
        }
      }
    }
    return passageStream(PROVIDER, model, what, text(), watch, () => {
      const inputTokens = seen.inputTokens ?? estimatedTokens(prompt.system + prompt.user);
      const outputTokens = seen.outputTokens ?? estimatedTokens(written);
      return { costUsd: textCost(model, inputTokens, outputTokens), inputTokens, outputTokens };
    });
  };
}

/** Image and audio models answer with base64 in a field, raw bytes, or a stream of bytes. */
async function outputBytes(output: unknown, field: string, model: string): Promise<Uint8Array> {
  if (isRecord(output) && typeof output[field] === "string") return fromBase64(output[field]);
  if (output instanceof Uint8Array) return output;
  if (output instanceof ArrayBuffer) return new Uint8Array(output);
  if (output instanceof ReadableStream) return new Uint8Array(await new Response(output).arrayBuffer());
  throw new ProviderError(PROVIDER, `${model}: unexpected output`, { retryable: false, code: "bad_response" });
}

function workersAiImageProvider(ai: WorkersAiBinding, models: typeof WORKERS_AI_MODELS): ImageProvider {
  return {
    name: PROVIDER,
    async image(request, context) {
      const prompt = `${request.prompt || request.element.visualPrompt}, ${String(context.world.style)} style illustration`;
      const output = await run(ai, models.image, { prompt: prompt.slice(0, 2048), steps: 4, seed: numericSeed(context.seed) }, context.signal);
      const bytes = await outputBytes(output, "image", models.image);
      return {
        bytes,
        mimeType: sniffImageType(bytes) ?? "image/jpeg",
        provider: PROVIDER,
        model: models.image,
        usage: { costUsd: imageCost(models.image, { width: 1024, height: 1024, quality: "standard" }) },
      };
    },
    async variation(request, context) {
      const inputs = { prompt: request.prompt.slice(0, 2048), image: Array.from(request.image), strength: 0.5, num_steps: 20 };
      const output = await run(ai, models.variation, inputs, context.signal);
      const bytes = await outputBytes(output, "image", models.variation);
      return { bytes, mimeType: sniffImageType(bytes) ?? "image/png", provider: PROVIDER, model: models.variation, usage: { costUsd: 0 } };
    },
  };
}

function workersAiAudioProvider(ai: WorkersAiBinding, model: string): AudioProvider {
  return {
    name: PROVIDER,
    async speak(request, context) {
      const text = plainText(request.text);
      if (!text) throw new ProviderError(PROVIDER, "nothing to read aloud", { retryable: false, code: "bad_request" });
      const output = await run(ai, model, { prompt: text, lang: "en" }, context.signal);
      // MeloTTS bills per audio minute; narration runs at roughly 15 characters a second.
      const minutes = text.length / 15 / 60;
      return {
        bytes: await outputBytes(output, "audio", model),
        mimeType: "audio/mpeg",
        provider: PROVIDER,
        model,
        usage: { costUsd: Math.round(minutes * SPEECH_PRICES.meloTtsPerMinute * 1e8) / 1e8 },
      };
    },
  };
}

const unsupportedVideo: VideoProvider = {
  name: PROVIDER,
  start: async () => {
    throw notSupported(PROVIDER, "video");
  },
  poll: async () => {
    throw notSupported(PROVIDER, "video");
  },
};

/**
 * Speech to text (issue 19, point 6) with Whisper on Workers AI: the audio goes in as an array of
 * byte values, the answer is `{ text, word_count?, words?, vtt? }`.
 */
export function workersAiTranscriber(ai: WorkersAiBinding, model: string = WORKERS_AI_MODELS.transcribe): TranscribeProvider {
  return {
    name: PROVIDER,
    async transcribe(request, context) {
      const output = await run(ai, model, { audio: Array.from(request.audio) }, context.signal);
      const text = isRecord(output) && typeof output.text === "string" ? output.text.trim() : undefined;
      if (text === undefined) throw new ProviderError(PROVIDER, `${model}: unexpected output`, { retryable: false, code: "bad_response" });
      return {
        text,
        provider: PROVIDER,
        model,
        usage: { costUsd: transcribeCost(TRANSCRIBE_PRICES.workersAiWhisperPerMinute, estimatedAudioMinutes(request.audio.byteLength)) },
      };
    },
  };
}
