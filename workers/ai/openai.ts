// The `openai` provider: any OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama, LocalAI,
// OpenAI itself). Text through chat completions in JSON mode; images and speech only when a model
// for them is configured; clips are not offered. One attempt per call, like every provider.
import { z } from "zod";
import { estimatedAudioMinutes, textCost, TRANSCRIBE_PRICES, transcribeCost } from "./pricing";
import { createStoryTextMethods } from "./story-prompting";
import { badOutput, createJsonTextProvider, passagePrompt, plainText, type Complete } from "./prompting";
import { callRemote, fromBase64, notSupported, numericSeed, readBody, sniffImageType, toBase64 } from "./remote-call";
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
import { configOf } from "../lib/config";

const PROVIDER = "openai";

export type OpenAiConfig = {
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** A model for describeImage, when `model` cannot read images; defaults to `model`. */
  visionModel?: string;
  imageModel?: string;
  ttsModel?: string;
  ttsVoice: string;
};

/** The provider's configuration from Worker vars and secrets (read through configOf). */
export function openAiConfigFromEnv(env: object): OpenAiConfig {
  const config = configOf(env);
  const baseUrl = config.OPENAI_BASE_URL;
  const model = config.OPENAI_MODEL;
  if (!baseUrl || !model) {
    throw new ProviderError(PROVIDER, "OPENAI_BASE_URL and OPENAI_MODEL must be set for the openai provider", {
      retryable: false,
      code: "not_configured",
    });
  }
  return {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    apiKey: config.OPENAI_API_KEY,
    model,
    visionModel: config.OPENAI_VISION_MODEL,
    imageModel: config.OPENAI_IMAGE_MODEL,
    ttsModel: config.OPENAI_TTS_MODEL,
    ttsVoice: config.OPENAI_TTS_VOICE ?? "alloy",
  };
}

export type OpenAiProviders = Providers & { supports: Record<Modality, boolean> };

export function openAiProviders(config: OpenAiConfig): OpenAiProviders {
  const complete = chatCompletion(config);
  return {
    text: { ...createJsonTextProvider(PROVIDER, complete, complete), ...createStoryTextMethods(PROVIDER, complete), streamPassage: streamedChatCompletion(config) },
    image: openAiImageProvider(config),
    video: unsupportedVideo,
    audio: openAiAudioProvider(config),
    supports: { text: true, image: Boolean(config.imageModel), video: false, audio: Boolean(config.ttsModel) },
  };
}

function headers(config: OpenAiConfig): Record<string, string> {
  return {
    "content-type": "application/json",
    ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
  };
}

function post(config: OpenAiConfig, path: string, body: unknown, signal: AbortSignal | undefined) {
  return () => fetch(`${config.baseUrl}${path}`, { method: "POST", headers: headers(config), body: JSON.stringify(body), signal });
}

async function readJson<T>(response: Response, schema: z.ZodType<T>, what: string, signal?: AbortSignal): Promise<T> {
  const body = await readBody(PROVIDER, what, () => response.json(), signal);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ProviderError(PROVIDER, `${what}: unexpected response shape: ${z.prettifyError(parsed.error)}`, {
      retryable: false,
      code: "bad_response",
    });
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Text

type ChatContentPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };
type ChatCompletionRequest = {
  model: string;
  messages: { role: "system" | "user"; content: string | ChatContentPart[] }[];
  response_format: { type: "json_object" };
  max_tokens: number;
  temperature: number;
  seed: number;
};

const ChatCompletionResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).partial().nullish(),
});

function chatCompletion(config: OpenAiConfig): Complete {
  return async (request, context) => {
    const model = request.image ? (config.visionModel ?? config.model) : config.model;
    const user: ChatCompletionRequest["messages"][number]["content"] = request.image
      ? [
          { type: "text", text: request.user },
          {
            type: "image_url",
            image_url: {
              url: `data:${sniffImageType(request.image.bytes) ?? request.image.mimeType};base64,${toBase64(request.image.bytes)}`,
            },
          },
        ]
      : request.user;
    const body: ChatCompletionRequest = {
      model,
      messages: [
        { role: "system", content: request.system },
        { role: "user", content: user },
      ],
      response_format: { type: "json_object" },
      max_tokens: request.maxTokens,
      temperature: 0.5,
      seed: numericSeed(context.seed),
    };
    const what = `chat completion ${model}`;
    const response = await callRemote(PROVIDER, what, post(config, "/chat/completions", body, context.signal), context.signal);
    const reply = await readJson(response, ChatCompletionResponseSchema, what, context.signal);
    const choice = reply.choices[0];
    if (choice?.finish_reason === "content_filter") {
      throw new ProviderError(PROVIDER, `${what}: the reply was withheld by content filters`, {
        retryable: false,
        code: "moderation",
      });
    }
    if (!choice?.message.content) throw badOutput(PROVIDER, "the reply is empty");
    const inputTokens = reply.usage?.prompt_tokens;
    const outputTokens = reply.usage?.completion_tokens;
    return {
      reply: choice.message.content,
      model,
      // Self-hosted models cost what their hardware costs; only models in the price table get a figure.
      usage: { costUsd: textCost(model, inputTokens ?? 0, outputTokens ?? 0), inputTokens, outputTokens },
    };
  };
}

// ---------------------------------------------------------------------------------------------
// Story passages: streamed chat completions (Server-Sent Events of `chat.completion.chunk`s)

type StreamedChatCompletionRequest = Omit<ChatCompletionRequest, "response_format" | "messages"> & {
  messages: { role: "system" | "user"; content: string }[];
  stream: true;
  stream_options: { include_usage: true };
};

const ChatCompletionChunkSchema = z
  .object({
    choices: z
      .array(z.object({ delta: z.object({ content: z.string().nullish() }).loose().nullish(), finish_reason: z.string().nullish() }).loose())
      .default([]),
    usage: z.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() }).partial().loose().nullish(),
  })
  .loose();

/** Servers report a failure after the stream began as an event of its own. */
const StreamErrorSchema = z.object({
  error: z.union([
    z.string().transform((message) => ({ message, code: undefined, type: undefined })),
    z.object({ message: z.string().optional(), code: z.union([z.string(), z.number()]).nullish(), type: z.string().nullish() }).loose(),
  ]),
});

function streamedChatCompletion(config: OpenAiConfig) {
  return async (request: PassageRequest, context: CallContext): Promise<PassageStream> => {
    const model = config.model;
    const prompt = passagePrompt(request, context.world);
    const body: StreamedChatCompletionRequest = {
      model,
      messages: [
        { role: "system", content: prompt.system },
        { role: "user", content: prompt.user },
      ],
      max_tokens: prompt.maxTokens,
      temperature: 0.8,
      seed: numericSeed(context.seed),
      stream: true,
      stream_options: { include_usage: true },
    };
    const what = `streamed chat completion ${model}`;
    const watch = streamWatch(context.signal);
    let response: Response;
    try {
      response = await callRemote(PROVIDER, what, post(config, "/chat/completions", body, watch.signal), watch.signal);
    } catch (error) {
      watch.close();
      throw error;
    }
    const seen: { finishReason?: string; inputTokens?: number; outputTokens?: number } = {};
    let written = "";
    async function* text() {
      for await (const value of sseJson(bodyChunks(response.body, watch), () => seen.finishReason !== undefined)) {
        const failure = StreamErrorSchema.safeParse(value);
        if (failure.success) {
          const { message, code, type } = failure.data.error;
          const name = String(code ?? type ?? "stream_error");
          const retryable = /rate|overload|server|unavailable|timeout|capacity|5\d\d|429/i.test(`${name} ${message ?? ""}`);
          throw new ProviderError(PROVIDER, `${what}: ${name}: ${message ?? "no message"}`, { retryable, code: name });
        }
        const parsed = ChatCompletionChunkSchema.safeParse(value);
        if (!parsed.success) throw new StreamProblem(`a streamed chunk has an unexpected shape: ${z.prettifyError(parsed.error)}`, "bad_response", false);
        const chunk = parsed.data;
        if (chunk.usage) {
          seen.inputTokens = chunk.usage.prompt_tokens ?? seen.inputTokens;
          seen.outputTokens = chunk.usage.completion_tokens ?? seen.outputTokens;
        }
        const choice = chunk.choices[0];
        if (choice?.finish_reason) {
          seen.finishReason = choice.finish_reason;
          if (choice.finish_reason === "content_filter") {
            throw new ProviderError(PROVIDER, `${what}: the passage was withheld by content filters`, { retryable: false, code: "moderation" });
          }
        }
        const piece = choice?.delta?.content ?? "";
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

// ---------------------------------------------------------------------------------------------
// Images and speech

const ImagesResponseSchema = z.object({ data: z.array(z.object({ b64_json: z.string() })).min(1) });

function openAiImageProvider(config: OpenAiConfig): ImageProvider {
  return {
    name: PROVIDER,
    async image(request, context) {
      const model = config.imageModel;
      if (!model) throw notSupported(PROVIDER, "image generation");
      const body = {
        model,
        prompt: `${request.prompt || request.element.visualPrompt}, ${String(context.world.style)} style illustration`,
        n: 1,
        size: "1024x1024",
        response_format: "b64_json",
      };
      const what = `image generation ${model}`;
      const response = await callRemote(PROVIDER, what, post(config, "/images/generations", body, context.signal), context.signal);
      const reply = await readJson(response, ImagesResponseSchema, what, context.signal);
      const bytes = fromBase64(reply.data[0]?.b64_json ?? "");
      return { bytes, mimeType: sniffImageType(bytes) ?? "image/png", provider: PROVIDER, model, usage: { costUsd: 0 } };
    },
    // Variations need multipart image edits that compatible servers implement unevenly.
    variation: async () => {
      throw notSupported(PROVIDER, "image variation");
    },
  };
}

function openAiAudioProvider(config: OpenAiConfig): AudioProvider {
  return {
    name: PROVIDER,
    async speak(request, context) {
      const model = config.ttsModel;
      if (!model) throw notSupported(PROVIDER, "speech");
      const body = { model, input: plainText(request.text).slice(0, 4096), voice: request.voice ?? config.ttsVoice, response_format: "mp3" };
      const what = `speech ${model}`;
      const response = await callRemote(PROVIDER, what, post(config, "/audio/speech", body, context.signal), context.signal);
      const bytes = new Uint8Array(await readBody(PROVIDER, what, () => response.arrayBuffer(), context.signal));
      return { bytes, mimeType: "audio/mpeg", provider: PROVIDER, model, usage: { costUsd: 0 } };
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

// ---------------------------------------------------------------------------------------------
// Speech to text (issue 19, point 6): `POST /audio/transcriptions`, multipart, as Whisper takes it

export type OpenAiTranscribeConfig = { baseUrl: string; apiKey?: string; model: string };

/**
 * Transcription needs only the endpoint (not OPENAI_MODEL): a deployment may write with Bedrock and
 * hear with Whisper. Undefined when OPENAI_BASE_URL is unset.
 */
export function openAiTranscribeConfigFromEnv(env: object): OpenAiTranscribeConfig | undefined {
  const config = configOf(env);
  if (!config.OPENAI_BASE_URL) return undefined;
  return { baseUrl: config.OPENAI_BASE_URL.replace(/\/+$/, ""), apiKey: config.OPENAI_API_KEY, model: config.OPENAI_TRANSCRIBE_MODEL ?? "whisper-1" };
}

/** Whisper tells the format by the file name's extension. */
const AUDIO_EXTENSIONS: Record<string, string> = { "audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/mpeg": "mp3", "audio/wav": "wav" };

const TranscriptionResponseSchema = z.object({ text: z.string(), duration: z.number().nonnegative().optional() });

export function openAiTranscriber(config: OpenAiTranscribeConfig): TranscribeProvider {
  return {
    name: PROVIDER,
    async transcribe(request, context) {
      const form = new FormData();
      form.append("model", config.model);
      form.append("response_format", "json");
      if (request.language) form.append("language", request.language);
      const extension = AUDIO_EXTENSIONS[request.mimeType] ?? "webm";
      form.append("file", new Blob([new Uint8Array(request.audio)], { type: request.mimeType }), `speech.${extension}`);
      const what = `transcription ${config.model}`;
      const send = () =>
        fetch(`${config.baseUrl}/audio/transcriptions`, {
          method: "POST",
          headers: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {},
          body: form,
          signal: context.signal,
        });
      const response = await callRemote(PROVIDER, what, send, context.signal);
      const reply = await readJson(response, TranscriptionResponseSchema, what, context.signal);
      const minutes = reply.duration !== undefined ? reply.duration / 60 : estimatedAudioMinutes(request.audio.byteLength);
      return {
        text: reply.text.trim(),
        provider: PROVIDER,
        model: config.model,
        usage: { costUsd: transcribeCost(TRANSCRIBE_PRICES.openAiWhisperPerMinute, minutes) },
      };
    },
  };
}
