// The `bedrock` provider (SPEC §5): Amazon Nova on Bedrock and Polly, signed with SigV4 by
// aws4fetch. One attempt per call; the pipeline owns retries, breakers and fallbacks, so the
// factory also hands it the fallback models (Nova Micro for text, Titan Image v2 for images).
//
// Wire shapes: the AWS SDK's model types (imported as types only, never its runtime) describe the
// SDK's client-side objects, where bytes are Uint8Array and times are Date. On the wire the JSON
// carries base64 strings and ISO times, so the `Wire*` types below are derived from the SDK types
// where they agree and restate only the fields where they differ. Nova Canvas and Nova Reel take
// model-specific JSON documents that the SDK types as opaque, so those follow the Nova user guide.
import type {
  ConversationRole,
  ConverseRequest,
  GetAsyncInvokeResponse,
  ImageFormat,
  StartAsyncInvokeRequest,
  StartAsyncInvokeResponse,
  TokenUsage,
} from "@aws-sdk/client-bedrock-runtime";
import type { SynthesizeSpeechInput } from "@aws-sdk/client-polly";
import { AwsClient } from "aws4fetch";
import { z } from "zod";
import { imageCost, SPEECH_PRICES, textCost, videoCost } from "./pricing";
import { configOf } from "../lib/config";
import { converseStreamText, type ConverseStreamState } from "./bedrock-stream";
import { eventStreamMessages } from "./event-stream";
import { badOutput, createJsonTextProvider, passagePrompt, plainText, type Complete } from "./prompting";
import { createStoryTextMethods } from "./story-prompting";
import { callRemote, fromBase64, numericSeed, readBody, sniffImageType, toBase64 } from "./remote-call";
import { billedLength, escapeXml, mp3DurationMs, narrationChunks, placeMarks, type SpeechMark } from "./narration";
import { bodyChunks, estimatedTokens, passageStream, streamWatch } from "./streaming";
import {
  ProviderError,
  type AudioProvider,
  type CallContext,
  type ImageProvider,
  type MediaResult,
  type NarrationResult,
  type PassageRequest,
  type PassageStream,
  type Providers,
  type TextProvider,
  type VideoProgress,
  type VideoProvider,
  type WordTiming,
} from "./types";

export const BEDROCK_MODELS = {
  lite: "amazon.nova-lite-v1:0",
  micro: "amazon.nova-micro-v1:0",
  canvas: "amazon.nova-canvas-v1:0",
  titanImage: "amazon.titan-image-generator-v2:0",
  reel: "amazon.nova-reel-v1:0",
} as const;

/** Text-only models: describeImage needs a multimodal one. */
const TEXT_ONLY_MODELS = new Set<string>([BEDROCK_MODELS.micro]);

const PROVIDER = "bedrock";
const IMAGE_SIZE = { width: 1024, height: 1024 } as const;
const IMAGE_QUALITY = "standard";
const REEL_SECONDS = 6;
/** Converse accepts images up to 3.75 MB. */
const CONVERSE_IMAGE_MAX_BYTES = 3_750_000;
/** Polly bills and accepts up to 3,000 characters of text per SynthesizeSpeech call. */
const POLLY_MAX_CHARS = 3000;

export type BedrockConfig = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  textModel: string;
  textFallbackModel?: string;
  imageModel: string;
  imageFallbackModel?: string;
  reelModel: string;
  /** `s3://bucket/prefix` where Nova Reel writes clips; video is unavailable without it. */
  reelS3Uri?: string;
  /** How long the pipeline should wait before polling a clip (a 6 s clip takes about 90 s). */
  reelPollSeconds: number;
  pollyVoice: string;
  bedrockEndpoint: string;
  pollyEndpoint: string;
  /** Path-style S3 endpoint (the stand-in); without it, virtual-hosted AWS S3 URLs are used. */
  s3Endpoint?: string;
};

/** The provider's configuration from Worker vars and secrets (read through configOf). */
export function bedrockConfigFromEnv(env: object): BedrockConfig {
  const config = configOf(env);
  const accessKeyId = config.AWS_ACCESS_KEY_ID;
  const secretAccessKey = config.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new ProviderError(PROVIDER, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set for the bedrock provider", {
      retryable: false,
      code: "not_configured",
    });
  }
  const region = config.AWS_REGION ?? "us-east-1";
  return {
    accessKeyId,
    secretAccessKey,
    sessionToken: config.AWS_SESSION_TOKEN,
    region,
    textModel: config.BEDROCK_TEXT_MODEL ?? BEDROCK_MODELS.lite,
    textFallbackModel: config.BEDROCK_TEXT_FALLBACK_MODEL ?? BEDROCK_MODELS.micro,
    imageModel: config.BEDROCK_IMAGE_MODEL ?? BEDROCK_MODELS.canvas,
    imageFallbackModel: config.BEDROCK_IMAGE_FALLBACK_MODEL ?? BEDROCK_MODELS.titanImage,
    reelModel: BEDROCK_MODELS.reel,
    reelS3Uri: config.BEDROCK_REEL_S3_URI,
    reelPollSeconds: config.BEDROCK_REEL_POLL_SECONDS ?? 30,
    pollyVoice: config.POLLY_VOICE ?? "Joanna",
    bedrockEndpoint: trimSlash(config.BEDROCK_ENDPOINT ?? `https://bedrock-runtime.${region}.amazonaws.com`),
    pollyEndpoint: trimSlash(config.POLLY_ENDPOINT ?? `https://polly.${region}.amazonaws.com`),
    s3Endpoint: mapOptional(config.S3_ENDPOINT, trimSlash),
  };
}

export type BedrockProviders = Providers & {
  /** Next links of the fallback chain (SPEC §5: Nova Lite → Nova Micro, Nova Canvas → Titan Image v2). */
  fallbacks: { text?: TextProvider; image?: ImageProvider };
};

export function bedrockProviders(config: BedrockConfig): BedrockProviders {
  const aws = awsClients(config);
  return {
    text: bedrockTextProvider(config, aws, config.textModel),
    image: bedrockImageProvider(config, aws, config.imageModel),
    video: bedrockVideoProvider(config, aws),
    audio: bedrockAudioProvider(config, aws),
    fallbacks: {
      text: mapOptional(config.textFallbackModel, (model) => bedrockTextProvider(config, aws, model)),
      image: mapOptional(config.imageFallbackModel, (model) => bedrockImageProvider(config, aws, model)),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Signing

type AwsClients = { bedrock: AwsClient; polly: AwsClient; s3: AwsClient };

function awsClients(config: BedrockConfig): AwsClients {
  // Service and region are explicit because aws4fetch would otherwise guess them from the host,
  // which is wrong for endpoint overrides. `retries: 0`: aws4fetch retries 5xx by default, and
  // retrying is the pipeline's decision.
  const client = (service: string) =>
    new AwsClient({
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      sessionToken: config.sessionToken,
      service,
      region: config.region,
      retries: 0,
    });
  return { bedrock: client("bedrock"), polly: client("polly"), s3: client("s3") };
}

function postJson(client: AwsClient, url: string, body: unknown, signal: AbortSignal | undefined, accept = "application/json") {
  return () =>
    client.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: JSON.stringify(body),
      signal,
    });
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

async function readBytes(response: Response, what: string, signal?: AbortSignal): Promise<Uint8Array> {
  return new Uint8Array(await readBody(PROVIDER, what, () => response.arrayBuffer(), signal));
}

// ---------------------------------------------------------------------------------------------
// Text: Converse

type WireImageBlock = { format: ImageFormat; source: { bytes: string } }; // SDK: bytes is Uint8Array
type WireContentBlock = { text: string } | { image: WireImageBlock };
type WireConverseRequest = Pick<ConverseRequest, "inferenceConfig"> & {
  messages: { role: Exclude<ConversationRole, "system">; content: WireContentBlock[] }[];
  system?: { text: string }[];
};
type WireTokenUsage = { [K in "inputTokens" | "outputTokens" | "totalTokens"]: NonNullable<TokenUsage[K]> };

const ConverseResponseSchema = z.object({
  output: z.object({
    message: z.object({
      role: z.enum(["assistant", "user"] satisfies ConversationRole[]),
      content: z.array(z.object({ text: z.string().optional() }).loose()),
    }),
  }),
  stopReason: z.string(),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() }) satisfies z.ZodType<WireTokenUsage>,
});

const IMAGE_FORMATS: Record<string, ImageFormat> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

function imageFormat(bytes: Uint8Array, mimeType: string): ImageFormat {
  const format = IMAGE_FORMATS[mimeType.toLowerCase()] ?? IMAGE_FORMATS[sniffImageType(bytes) ?? ""];
  if (!format) {
    throw new ProviderError(PROVIDER, `images of type ${mimeType} cannot be described; use PNG, JPEG, GIF or WebP`, {
      retryable: false,
      code: "unsupported_image",
    });
  }
  return format;
}

function converse(config: BedrockConfig, aws: AwsClients, modelId: string): Complete {
  return async (request, context) => {
    const content: WireContentBlock[] = [];
    if (request.image) {
      if (request.image.bytes.byteLength > CONVERSE_IMAGE_MAX_BYTES) {
        throw new ProviderError(PROVIDER, "the image is larger than the 3.75 MB Converse accepts", {
          retryable: false,
          code: "image_too_large",
        });
      }
      // Nova reads images best when they come before the question about them.
      const format = imageFormat(request.image.bytes, request.image.mimeType);
      content.push({ image: { format, source: { bytes: toBase64(request.image.bytes) } } });
    }
    content.push({ text: request.user });
    const body: WireConverseRequest = {
      system: [{ text: request.system }],
      messages: [{ role: "user", content }],
      inferenceConfig: { maxTokens: request.maxTokens, temperature: 0.5, topP: 0.9 },
    };
    const what = `Converse ${modelId}`;
    const url = `${config.bedrockEndpoint}/model/${encodeURIComponent(modelId)}/converse`;
    const response = await callRemote(PROVIDER, what, postJson(aws.bedrock, url, body, context.signal), context.signal);
    const reply = await readJson(response, ConverseResponseSchema, what, context.signal);
    if (reply.stopReason === "content_filtered" || reply.stopReason === "guardrail_intervened") {
      throw new ProviderError(PROVIDER, `${what}: the reply was withheld by content filters`, {
        retryable: false,
        code: "moderation",
      });
    }
    const text = reply.output.message.content.find((block) => typeof block.text === "string")?.text;
    if (text === undefined) throw badOutput(PROVIDER, "the reply has no text block");
    const { inputTokens, outputTokens } = reply.usage;
    return {
      reply: text,
      model: modelId,
      usage: { costUsd: textCost(modelId, inputTokens, outputTokens), inputTokens, outputTokens },
    };
  };
}

function bedrockTextProvider(config: BedrockConfig, aws: AwsClients, modelId: string): TextProvider {
  const complete = converse(config, aws, modelId);
  return {
    ...createJsonTextProvider(PROVIDER, complete, TEXT_ONLY_MODELS.has(modelId) ? undefined : complete),
    ...createStoryTextMethods(PROVIDER, complete),
    streamPassage: converseStream(config, aws, modelId),
  };
}

// ---------------------------------------------------------------------------------------------
// Text: ConverseStream (story passages, issue 17), answered in the event-stream framing

function converseStream(config: BedrockConfig, aws: AwsClients, modelId: string) {
  return async (request: PassageRequest, context: CallContext): Promise<PassageStream> => {
    const prompt = passagePrompt(request, context.world);
    const body: WireConverseRequest = {
      system: [{ text: prompt.system }],
      messages: [{ role: "user", content: [{ text: prompt.user }] }],
      inferenceConfig: { maxTokens: prompt.maxTokens, temperature: 0.8, topP: 0.9 },
    };
    const what = `ConverseStream ${modelId}`;
    const url = `${config.bedrockEndpoint}/model/${encodeURIComponent(modelId)}/converse-stream`;
    // The watch gives up when the stream goes quiet, so a stalled connection cannot hold the job.
    const watch = streamWatch(context.signal);
    let response: Response;
    try {
      response = await callRemote(PROVIDER, what, postJson(aws.bedrock, url, body, watch.signal, "application/vnd.amazon.eventstream"), watch.signal);
    } catch (error) {
      watch.close();
      throw error;
    }
    const type = response.headers.get("content-type") ?? "";
    if (!type.includes("application/vnd.amazon.eventstream")) {
      watch.close();
      await response.body?.cancel().catch(() => {});
      throw new ProviderError(PROVIDER, `${what}: expected an event stream, got ${type || "no content type"}`, { retryable: false, code: "bad_response" });
    }
    const state: ConverseStreamState = {};
    let written = "";
    async function* text() {
      for await (const piece of converseStreamText(eventStreamMessages(bodyChunks(response.body, watch)), state, what)) {
        written += piece;
        yield piece;
      }
    }
    return passageStream(PROVIDER, modelId, what, text(), watch, () => {
      // Bedrock reports tokens in its last event; until then (or if it never comes) they are estimated.
      const inputTokens = state.inputTokens ?? estimatedTokens(prompt.system + prompt.user);
      const outputTokens = state.outputTokens ?? estimatedTokens(written);
      return { costUsd: textCost(modelId, inputTokens, outputTokens), inputTokens, outputTokens };
    });
  };
}

// ---------------------------------------------------------------------------------------------
// Images: InvokeModel with Nova Canvas (Titan Image v2 takes the same document)

type CanvasGenerationConfig = {
  numberOfImages: number;
  width: number;
  height: number;
  quality: "standard" | "premium";
  cfgScale: number;
  seed: number;
};
type CanvasRequest =
  | {
      taskType: "TEXT_IMAGE";
      textToImageParams: { text: string; negativeText?: string };
      imageGenerationConfig: CanvasGenerationConfig;
    }
  | {
      taskType: "IMAGE_VARIATION";
      imageVariationParams: { images: string[]; text?: string; negativeText?: string; similarityStrength: number };
      imageGenerationConfig: CanvasGenerationConfig;
    };

const CanvasResponseSchema = z.object({
  images: z.array(z.string()).optional(),
  error: z.string().nullish(),
});

// Canvas reads negative prompts as things to leave out; they must not themselves be negations.
const NEGATIVE_PROMPT = "text, letters, watermark, signature, blurry, low quality, deformed";
const CANVAS_TEXT_MAX = 1024;

function bedrockImageProvider(config: BedrockConfig, aws: AwsClients, modelId: string): ImageProvider {
  const generationConfig = (context: CallContext): CanvasGenerationConfig => ({
    numberOfImages: 1,
    ...IMAGE_SIZE,
    quality: IMAGE_QUALITY,
    cfgScale: 6.5,
    seed: numericSeed(context.seed, 858_993_459),
  });

  const invoke = async (body: CanvasRequest, context: CallContext): Promise<MediaResult> => {
    const what = `InvokeModel ${modelId} ${body.taskType}`;
    const url = `${config.bedrockEndpoint}/model/${encodeURIComponent(modelId)}/invoke`;
    const response = await callRemote(PROVIDER, what, postJson(aws.bedrock, url, body, context.signal), context.signal);
    const reply = await readJson(response, CanvasResponseSchema, what, context.signal);
    const image = reply.images?.[0];
    if (reply.error || !image) {
      throw new ProviderError(PROVIDER, `${what}: ${reply.error ?? "no image returned"}`, {
        retryable: false,
        code: reply.error ? "moderation" : "bad_response",
      });
    }
    return {
      bytes: fromBase64(image),
      mimeType: "image/png",
      provider: PROVIDER,
      model: modelId,
      usage: { costUsd: imageCost(modelId, { ...IMAGE_SIZE, quality: IMAGE_QUALITY }) },
    };
  };

  return {
    name: PROVIDER,
    image: (request, context) =>
      invoke(
        {
          taskType: "TEXT_IMAGE",
          textToImageParams: {
            text: withStyle(request.prompt || request.element.visualPrompt, context).slice(0, CANVAS_TEXT_MAX),
            negativeText: NEGATIVE_PROMPT,
          },
          imageGenerationConfig: generationConfig(context),
        },
        context,
      ),
    variation: async (request, context) => {
      const type = sniffImageType(request.image) ?? request.mimeType;
      if (type !== "image/png" && type !== "image/jpeg") {
        throw new ProviderError(PROVIDER, "image variations take a PNG or JPEG", {
          retryable: false,
          code: "unsupported_image",
        });
      }
      return invoke(
        {
          taskType: "IMAGE_VARIATION",
          imageVariationParams: {
            images: [toBase64(request.image)],
            text: withStyle(request.prompt, context).slice(0, CANVAS_TEXT_MAX),
            negativeText: NEGATIVE_PROMPT,
            similarityStrength: 0.7,
          },
          imageGenerationConfig: generationConfig(context),
        },
        context,
      );
    },
  };
}

function withStyle(prompt: string, context: CallContext): string {
  const style = String(context.world.style);
  const text = prompt.trim() || context.world.title;
  return text.toLowerCase().includes(style.toLowerCase()) ? text : `${text}, ${style} style illustration`;
}

// ---------------------------------------------------------------------------------------------
// Video: StartAsyncInvoke / GetAsyncInvoke with Nova Reel, then the clip from S3

type WireS3OutputDataConfig = { s3OutputDataConfig: { s3Uri: string } };
type ReelInput = {
  taskType: "TEXT_VIDEO";
  textToVideoParams: { text: string; images?: WireImageBlock[] };
  videoGenerationConfig: { durationSeconds: number; fps: number; dimension: string; seed: number };
};
type WireStartAsyncInvokeRequest = Pick<StartAsyncInvokeRequest, "clientRequestToken"> & {
  modelId: string;
  modelInput: ReelInput; // SDK: an opaque document
  outputDataConfig: WireS3OutputDataConfig;
};

const StartAsyncInvokeResponseSchema = z.object({ invocationArn: z.string().min(1) }) satisfies z.ZodType<
  Required<StartAsyncInvokeResponse>
>;

const GetAsyncInvokeResponseSchema = z.object({
  invocationArn: z.string(),
  status: z.enum(["InProgress", "Completed", "Failed"] satisfies NonNullable<GetAsyncInvokeResponse["status"]>[]),
  failureMessage: z.string().nullish(),
  // SDK: submitTime/endTime are Date; on the wire they are ISO strings, and not needed here.
  outputDataConfig: z.object({ s3OutputDataConfig: z.object({ s3Uri: z.string() }) }),
});

const REEL_TEXT_MAX = 512;

function bedrockVideoProvider(config: BedrockConfig, aws: AwsClients): VideoProvider {
  const modelId = config.reelModel;

  const fetchClip = async (s3Uri: string, context: CallContext): Promise<MediaResult> => {
    const what = "S3 GetObject (Nova Reel clip)";
    const url = s3ObjectUrl(config, `${s3Uri.replace(/\/+$/, "")}/output.mp4`);
    const response = await callRemote(PROVIDER, what, () => aws.s3.fetch(url, { signal: context.signal }), context.signal);
    return {
      bytes: await readBytes(response, what, context.signal),
      mimeType: "video/mp4",
      provider: PROVIDER,
      model: modelId,
      usage: { costUsd: videoCost(modelId, REEL_SECONDS) },
    };
  };

  return {
    name: PROVIDER,
    async start(request, context) {
      if (!config.reelS3Uri) {
        throw new ProviderError(PROVIDER, "BEDROCK_REEL_S3_URI must be set for Nova Reel clips", {
          retryable: false,
          code: "not_configured",
        });
      }
      const body: WireStartAsyncInvokeRequest = {
        // Idempotent on the prompt hash, so a redelivered queue message does not pay for a second clip.
        clientRequestToken: `loreloom-${context.seed.replace(/[^a-zA-Z0-9]/g, "").slice(0, 64) || "clip"}`,
        modelId,
        modelInput: {
          taskType: "TEXT_VIDEO",
          textToVideoParams: {
            text: withStyle(request.prompt || request.element.visualPrompt, context).slice(0, REEL_TEXT_MAX),
            ...reelStartImage(request.image),
          },
          videoGenerationConfig: { durationSeconds: REEL_SECONDS, fps: 24, dimension: "1280x720", seed: numericSeed(context.seed) },
        },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: config.reelS3Uri } },
      };
      const what = `StartAsyncInvoke ${modelId}`;
      const url = `${config.bedrockEndpoint}/async-invoke`;
      const response = await callRemote(PROVIDER, what, postJson(aws.bedrock, url, body, context.signal), context.signal);
      const { invocationArn } = await readJson(response, StartAsyncInvokeResponseSchema, what, context.signal);
      return { status: "pending", token: invocationArn, pollAfterSeconds: config.reelPollSeconds };
    },

    async poll(token, context): Promise<VideoProgress> {
      const what = `GetAsyncInvoke ${modelId}`;
      const url = `${config.bedrockEndpoint}/async-invoke/${encodeURIComponent(token)}`;
      const response = await callRemote(PROVIDER, what, () => aws.bedrock.fetch(url, { signal: context.signal }), context.signal);
      const job = await readJson(response, GetAsyncInvokeResponseSchema, what, context.signal);
      if (job.status === "InProgress") return { status: "pending", token, pollAfterSeconds: config.reelPollSeconds };
      if (job.status === "Failed") {
        throw new ProviderError(PROVIDER, `${what}: the clip failed: ${job.failureMessage ?? "no reason given"}`, {
          retryable: false,
          code: "video_failed",
        });
      }
      return { status: "done", result: await fetchClip(job.outputDataConfig.s3OutputDataConfig.s3Uri, context) };
    },
  };
}

/** Nova Reel takes a start frame only at exactly 1280×720; anything else would be refused. */
function reelStartImage(image: { bytes: Uint8Array; mimeType: string } | undefined): { images?: WireImageBlock[] } {
  if (!image) return {};
  const size = pngSize(image.bytes);
  if (!size || size.width !== 1280 || size.height !== 720) return {};
  return { images: [{ format: "png", source: { bytes: toBase64(image.bytes) } }] };
}

function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (sniffImageType(bytes) !== "image/png" || bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function s3ObjectUrl(config: BedrockConfig, s3Uri: string): string {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(s3Uri);
  if (!match?.[1] || !match[2]) {
    throw new ProviderError(PROVIDER, `not an S3 object URI: ${s3Uri}`, { retryable: false, code: "bad_response" });
  }
  const [, bucket, key] = match;
  const path = key.split("/").map(encodeURIComponent).join("/");
  return config.s3Endpoint
    ? `${config.s3Endpoint}/${bucket}/${path}`
    : `https://${bucket}.s3.${config.region}.amazonaws.com/${path}`;
}

// ---------------------------------------------------------------------------------------------
// Audio: Polly SynthesizeSpeech

type WireSynthesizeSpeechRequest = Required<Pick<SynthesizeSpeechInput, "Engine" | "OutputFormat" | "Text" | "TextType" | "VoiceId">>;

function bedrockAudioProvider(config: BedrockConfig, aws: AwsClients): AudioProvider {
  return {
    name: PROVIDER,
    async speak(request, context) {
      const text = plainText(request.text).slice(0, POLLY_MAX_CHARS);
      if (!text) throw new ProviderError(PROVIDER, "nothing to read aloud", { retryable: false, code: "bad_request" });
      const body: WireSynthesizeSpeechRequest = {
        Engine: "neural",
        OutputFormat: "mp3",
        Text: text,
        TextType: "text",
        // The voice list is Polly's to check; an unknown one comes back as a ValidationException.
        VoiceId: (request.voice ?? config.pollyVoice) as WireSynthesizeSpeechRequest["VoiceId"],
      };
      const what = "Polly SynthesizeSpeech";
      const url = `${config.pollyEndpoint}/v1/speech`;
      const response = await callRemote(PROVIDER, what, postJson(aws.polly, url, body, context.signal, "audio/mpeg"), context.signal);
      return {
        bytes: await readBytes(response, what, context.signal),
        mimeType: "audio/mpeg",
        provider: PROVIDER,
        model: `polly-neural-${body.VoiceId}`,
        usage: { costUsd: Math.round(text.length * SPEECH_PRICES.pollyNeuralPerChar * 1e8) / 1e8 },
      };
    },

    /**
     * A scene in several voices: each voice's span cut at sentence ends into requests of at most
     * 3,000 billed characters, each read as SSML (the audio) and asked again for its word speech
     * marks (the timings); the MP3s are joined in order, which MP3 players play as one file.
     */
    async narrate(request, context): Promise<NarrationResult> {
      const chunks = narrationChunks(request, POLLY_MAX_CHARS);
      if (chunks.length === 0) throw new ProviderError(PROVIDER, "nothing to read aloud", { retryable: false, code: "bad_request" });
      const url = `${config.pollyEndpoint}/v1/speech`;
      const parts: Uint8Array[] = [];
      const timings: WordTiming[] = [];
      const voices = new Set<string>();
      let elapsed = 0;
      let billed = 0;
      for (const chunk of chunks) {
        const voiceId = chunk.voice ?? config.pollyVoice;
        voices.add(voiceId);
        // The voice list is Polly's to check (the caller chose from ours); an unknown one is a ValidationException.
        const voice = voiceId as WireSynthesizeSpeechRequest["VoiceId"];
        const ssml = `<speak>${escapeXml(request.text.slice(chunk.start, chunk.end))}</speak>`;
        const audioBody: WireSynthesizeSpeechRequest = { Engine: "neural", OutputFormat: "mp3", Text: ssml, TextType: "ssml", VoiceId: voice };
        const marksBody: WireSpeechMarksRequest = { Engine: "neural", OutputFormat: "json", SpeechMarkTypes: ["word"], Text: ssml, TextType: "ssml", VoiceId: voice };
        const [audioResponse, marksResponse] = await Promise.all([
          callRemote(PROVIDER, "Polly SynthesizeSpeech", postJson(aws.polly, url, audioBody, context.signal, "audio/mpeg"), context.signal),
          callRemote(PROVIDER, "Polly SynthesizeSpeech (speech marks)", postJson(aws.polly, url, marksBody, context.signal, "application/x-json-stream"), context.signal),
        ]);
        const audio = await readBytes(audioResponse, "Polly SynthesizeSpeech", context.signal);
        const marks = parseSpeechMarks(new TextDecoder().decode(await readBytes(marksResponse, "Polly speech marks", context.signal)));
        timings.push(...placeMarks(request.text, chunk, marks, elapsed));
        parts.push(audio);
        billed += 2 * billedLength(request.text.slice(chunk.start, chunk.end));
        // A clip whose frames do not read is timed by its last word.
        const lastMark = marks.at(-1)?.time ?? 0;
        elapsed += Math.max(mp3DurationMs(audio) ?? 0, lastMark + 300);
      }
      const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
      parts.reduce((at, part) => (bytes.set(part, at), at + part.byteLength), 0);
      return {
        bytes,
        mimeType: "audio/mpeg",
        provider: PROVIDER,
        model: "polly-neural",
        usage: { costUsd: Math.round(billed * SPEECH_PRICES.pollyNeuralPerChar * 1e8) / 1e8 },
        timings,
        durationMs: Math.round(elapsed),
        voices: [...voices],
      };
    },
  };
}

type WireSpeechMarksRequest = Omit<WireSynthesizeSpeechRequest, "OutputFormat"> & { OutputFormat: "json"; SpeechMarkTypes: Array<"word" | "sentence"> };

const SpeechMarkSchema = z.object({ time: z.number(), type: z.string(), start: z.number(), end: z.number(), value: z.string() });

/** Polly's speech marks: one JSON object a line; a line that does not read is a bad response. */
function parseSpeechMarks(body: string): SpeechMark[] {
  return body
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = null;
      }
      const parsed = SpeechMarkSchema.safeParse(value);
      if (!parsed.success) throw new ProviderError(PROVIDER, "Polly speech marks: a line is not a speech mark", { retryable: false, code: "bad_response" });
      return parsed.data;
    });
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function mapOptional<T, U>(value: T | undefined, map: (value: T) => U): U | undefined {
  return value === undefined ? undefined : map(value);
}
