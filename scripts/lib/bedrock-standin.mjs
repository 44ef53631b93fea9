// A local stand-in for the AWS endpoints the `bedrock` provider calls (Bedrock runtime, Polly, S3)
// plus a small OpenAI-compatible API, for tests and `npm run bench`. It is strict where AWS is:
// every AWS request's SigV4 signature is recomputed and checked, and every body is checked against
// the documented request shape; answers use the documented response shapes. Latency and failures
// (throttling, 5xx, hung connections) are configurable per modality. Streamed answers (Bedrock
// ConverseStream in the AWS event-stream framing, OpenAI chat completions as Server-Sent Events)
// come in several pieces, with a configurable time to first token and gap between pieces.
//
//   const standin = await startBedrockStandin({ delays: { text: 200, image: 400, video: 800, audio: 300 } });
//   Object.assign(workerEnv, standinEnv(standin.url));   // endpoints, test credentials, S3 URI
//
// Control endpoints (unsigned, for tests that cannot call the JS API, e.g. from workerd):
//   POST /__standin/behaviour {delays?, failures?, stream?}   GET /__standin/requests   POST /__standin/reset
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { deflateSync } from "node:zlib";

/** The only credentials the stand-in accepts (test-only values, never real keys). */
export const STANDIN_CREDENTIALS = Object.freeze({
  accessKeyId: "AKIDLORELOOMSTANDIN0",
  secretAccessKey: "loreloom-standin-secret-not-a-real-aws-key",
  region: "us-east-1",
});
export const STANDIN_OPENAI_KEY = "loreloom-standin-openai-key";
export const STANDIN_REEL_S3_URI = "s3://loreloom-standin-clips/reel";

/** Worker vars that point every remote provider at a stand-in listening on `url`. */
export function standinEnv(url) {
  return {
    AWS_ACCESS_KEY_ID: STANDIN_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: STANDIN_CREDENTIALS.secretAccessKey,
    AWS_REGION: STANDIN_CREDENTIALS.region,
    BEDROCK_ENDPOINT: url,
    POLLY_ENDPOINT: url,
    S3_ENDPOINT: url,
    BEDROCK_REEL_S3_URI: STANDIN_REEL_S3_URI,
    BEDROCK_REEL_POLL_SECONDS: "1",
    OPENAI_BASE_URL: `${url}/v1`,
    OPENAI_API_KEY: STANDIN_OPENAI_KEY,
    OPENAI_MODEL: "standin-chat",
    OPENAI_IMAGE_MODEL: "standin-image",
    OPENAI_TTS_MODEL: "standin-tts",
  };
}

const MODALITIES = ["text", "image", "video", "audio"];
const NOVA_TEXT_MODELS = new Set(["amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0", "amazon.nova-premier-v1:0"]);
const NOVA_TEXT_ONLY = new Set(["amazon.nova-micro-v1:0"]);
const IMAGE_MODELS = new Map([
  ["amazon.nova-canvas-v1:0", { maxSeed: 858_993_459 }],
  ["amazon.titan-image-generator-v2:0", { maxSeed: 2_147_483_646 }],
]);
const REEL_MODELS = new Set(["amazon.nova-reel-v1:0", "amazon.nova-reel-v1:1"]);
const CONVERSE_KEYS = [
  "messages",
  "system",
  "inferenceConfig",
  "toolConfig",
  "guardrailConfig",
  "additionalModelRequestFields",
  "promptVariables",
  "additionalModelResponseFieldPaths",
  "requestMetadata",
  "performanceConfig",
  "serviceTier",
  "outputConfig",
];
const IMAGE_FORMATS = ["png", "jpeg", "gif", "webp"];
const POLLY_VOICES = {
  // voice: engines it supports (a subset of Polly's list: the English voices)
  Joanna: ["standard", "neural", "generative"],
  Matthew: ["standard", "neural", "generative"],
  Ruth: ["neural", "long-form", "generative"],
  Stephen: ["neural", "generative"],
  Danielle: ["neural", "long-form", "generative"],
  Gregory: ["neural", "long-form"],
  Kendra: ["standard", "neural"],
  Kimberly: ["standard", "neural"],
  Salli: ["standard", "neural"],
  Joey: ["standard", "neural"],
  Justin: ["standard", "neural"],
  Kevin: ["neural"],
  Ivy: ["standard", "neural"],
  Amy: ["standard", "neural", "generative"],
  Brian: ["standard", "neural"],
  Emma: ["standard", "neural"],
  Arthur: ["neural"],
  Olivia: ["neural"],
};
const ACCOUNT = "000000000000";
const SKEW_MS = 15 * 60 * 1000;

class Invalid extends Error {}

/**
 * Starts the stand-in. `delays` are milliseconds per modality (for video: until a clip is ready);
 * `failures` per modality are `{status: 429|500|503, times?, retryAfterSeconds?}`,
 * `{timeout: true, times?}` (hold the connection, never answer) or, for video,
 * `{jobFailure: "reason", times?}` (the clip ends Failed). `times` defaults to 1.
 * Streamed text answers also take `{streamException: "throttlingException", afterChunks?, times?}`
 * (an exception event, or an OpenAI error event, after that many pieces of text) and
 * `{streamCut: true, afterChunks?, times?}` (the connection ends in the middle of a frame).
 * `{badJson: true, times?}` makes a Converse or non-streamed chat completion answer with prose
 * where JSON was asked (a model that ignored the format); streamed calls are left alone.
 * `stream: {firstTokenMs, chunkMs}` sets the time from the answer's headers to the first piece of
 * text and the gap between pieces (the bench's time to first token).
 */
export async function startBedrockStandin(options = {}) {
  const {
    port = 0,
    host = "127.0.0.1",
    credentials = STANDIN_CREDENTIALS,
    openaiKey = STANDIN_OPENAI_KEY,
  } = options;
  const region = credentials.region ?? "us-east-1";
  const initialDelays = { text: 0, image: 0, video: 0, audio: 0, ...options.delays };
  const initialStream = { firstTokenMs: 0, chunkMs: 0, ...options.stream };
  const state = { delays: { ...initialDelays }, failures: {}, stream: { ...initialStream } };
  const requests = [];
  const invocations = new Map(); // id → invocation
  const invocationsByToken = new Map();

  function setBehaviour(behaviour = {}) {
    for (const [modality, ms] of Object.entries(behaviour.delays ?? {})) {
      if (MODALITIES.includes(modality) && Number.isFinite(ms) && ms >= 0) state.delays[modality] = ms;
    }
    for (const [modality, failure] of Object.entries(behaviour.failures ?? {})) {
      if (!MODALITIES.includes(modality)) continue;
      if (failure == null) delete state.failures[modality];
      else state.failures[modality] = { ...failure, remaining: failure.times ?? 1 };
    }
    for (const key of ["firstTokenMs", "chunkMs"]) {
      const ms = behaviour.stream?.[key];
      if (Number.isFinite(ms) && ms >= 0) state.stream[key] = ms;
    }
    return { delays: { ...state.delays }, failures: structuredClone(state.failures), stream: { ...state.stream } };
  }
  setBehaviour({ failures: options.failures });

  function reset() {
    state.delays = { ...initialDelays };
    state.stream = { ...initialStream };
    state.failures = {};
    requests.length = 0;
    invocations.clear();
    invocationsByToken.clear();
  }

  /** Takes one injected failure for the modality, if any are left; failures of streams wait for a streamed call. */
  function takeFailure(modality, streamed) {
    const failure = state.failures[modality];
    if (!failure || failure.jobFailure) return undefined;
    if ((failure.streamException || failure.streamCut) && !streamed) return undefined;
    if (failure.badJson && streamed) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) delete state.failures[modality];
    return failure;
  }

  function takeJobFailure() {
    const failure = state.failures.video;
    if (!failure?.jobFailure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) delete state.failures.video;
    return String(failure.jobFailure);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) sendJson(res, 500, { message: `stand-in bug: ${error?.message ?? error}` });
    });
  });

  async function handle(req, res) {
    const body = await readBody(req);
    const [rawPath, rawQuery = ""] = (req.url ?? "/").split("?");
    const method = req.method ?? "GET";

    if (rawPath.startsWith("/__standin/")) return control(method, rawPath, body, res);

    const route = findRoute(method, rawPath);
    const entry = {
      at: new Date().toISOString(),
      service: route?.service ?? "unknown",
      operation: route?.operation ?? "unknown",
      modality: route?.modality,
      method,
      path: rawPath,
      model: route?.model,
      status: 0,
      ok: false,
      error: undefined,
    };
    requests.push(entry);
    const answer = (status, type, message, extraHeaders = {}) => {
      entry.status = status;
      entry.ok = status < 400;
      if (status >= 400) entry.error = `${type}: ${message}`;
      sendError(res, route?.service ?? "bedrock", status, type, message, extraHeaders);
    };

    if (!route) return answer(404, "UnknownOperationException", `no operation at ${method} ${rawPath}`);

    // Authentication first, as AWS does: a bad signature never reaches throttling or validation.
    const authError =
      route.service === "openai"
        ? checkBearer(req, openaiKey)
        : verifySigV4({ req, method, rawPath, rawQuery, body, service: route.service, credentials, region });
    if (authError) return answer(authError.status, authError.type, authError.message);

    const streamed = route.operation === "ConverseStream" || (route.operation === "ChatCompletions" && /"stream"\s*:\s*true/.test(body.toString("utf8")));
    const failure = takeFailure(route.modality, streamed);
    if (failure?.timeout) {
      entry.error = "held: injected timeout";
      return; // never answered; close() or the client's abort ends it
    }
    if (failure?.status) {
      const headers = failure.status === 429 ? { "retry-after": String(failure.retryAfterSeconds ?? 1) } : {};
      const [type, message] = failureText(route.service, failure.status);
      return answer(failure.status, type, message, headers);
    }

    let json;
    if (route.json) {
      try {
        json = JSON.parse(body.toString("utf8") || "null");
      } catch {
        return answer(400, route.service === "openai" ? "invalid_request_error" : "SerializationException", "the body is not valid JSON");
      }
    }

    let reply;
    try {
      reply = await route.handle({ req, json, body, rawPath, entry, failure });
    } catch (error) {
      if (error instanceof Invalid) {
        const type = route.service === "openai" ? "invalid_request_error" : error.type ?? "ValidationException";
        return answer(error.status ?? 400, type, error.message);
      }
      throw error;
    }

    const delay = route.modality === "video" ? 0 : state.delays[route.modality] ?? 0;
    if (delay > 0) await sleep(delay);
    if (res.destroyed) {
      entry.error = "client went away";
      return;
    }
    entry.status = reply.status ?? 200;
    entry.ok = entry.status < 400;
    if (entry.status >= 400) entry.error = reply.error;
    if (reply.stream) return sendStream(res, entry, reply.stream);
    if (reply.json !== undefined) {
      if (reply.json?.metrics) reply.json.metrics.latencyMs = delay;
      sendJson(res, entry.status, reply.json, { "x-amzn-requestid": requestId(), ...reply.headers });
    } else {
      res.writeHead(entry.status, { "content-length": reply.bytes.length, "x-amzn-requestid": requestId(), ...reply.headers });
      res.end(reply.bytes);
    }
  }

  /**
   * A streamed answer: headers and the opening frames at once, the first piece of text after
   * `firstTokenMs`, then one frame every `chunkMs`. Each frame is written in two parts split
   * mid-frame, so readers meet frames and lines that straddle chunks.
   */
  async function sendStream(res, entry, { contentType, opening, pieces, closing, cut }) {
    res.writeHead(entry.status, { "content-type": contentType, "x-amzn-requestid": requestId(), "cache-control": "no-cache" });
    const write = (frame) => {
      const at = Math.max(1, Math.floor(frame.length / 2));
      res.write(frame.subarray(0, at));
      res.write(frame.subarray(at));
    };
    opening.forEach(write);
    res.flushHeaders();
    for (const [i, frame] of pieces.entries()) {
      await pause(i === 0 ? state.stream.firstTokenMs : state.stream.chunkMs, res);
      if (res.destroyed) {
        entry.error = "client went away";
        return;
      }
      write(frame);
    }
    if (cut) {
      // Half a frame, then the connection ends: what a dropped connection looks like.
      res.end(cut.subarray(0, Math.max(1, Math.floor(cut.length / 2))));
      return;
    }
    closing.forEach(write);
    res.end();
  }

  function control(method, path, body, res) {
    if (method === "GET" && path === "/__standin/requests") return sendJson(res, 200, { requests });
    if (method === "DELETE" && path === "/__standin/requests") {
      requests.length = 0;
      return sendJson(res, 200, { requests });
    }
    if (method === "POST" && path === "/__standin/reset") {
      reset();
      return sendJson(res, 200, setBehaviour());
    }
    if (method === "POST" && path === "/__standin/behaviour") {
      try {
        return sendJson(res, 200, setBehaviour(JSON.parse(body.toString("utf8") || "{}")));
      } catch {
        return sendJson(res, 400, { message: "behaviour must be JSON" });
      }
    }
    return sendJson(res, 404, { message: "unknown stand-in control endpoint" });
  }

  // -------------------------------------------------------------------------------------------
  // Routes

  function findRoute(method, rawPath) {
    let match;
    if (method === "POST" && (match = /^\/model\/([^/]+)\/converse$/.exec(rawPath))) {
      const model = safeDecode(match[1]);
      return { service: "bedrock", operation: "Converse", modality: "text", model, json: true, handle: (ctx) => converse(model, ctx) };
    }
    if (method === "POST" && (match = /^\/model\/([^/]+)\/converse-stream$/.exec(rawPath))) {
      const model = safeDecode(match[1]);
      return { service: "bedrock", operation: "ConverseStream", modality: "text", model, json: true, handle: (ctx) => converseStream(model, ctx) };
    }
    if (method === "POST" && (match = /^\/model\/([^/]+)\/invoke$/.exec(rawPath))) {
      const model = safeDecode(match[1]);
      return { service: "bedrock", operation: "InvokeModel", modality: "image", model, json: true, handle: (ctx) => invokeImage(model, ctx) };
    }
    if (method === "POST" && rawPath === "/async-invoke") {
      return { service: "bedrock", operation: "StartAsyncInvoke", modality: "video", json: true, handle: startAsyncInvoke };
    }
    if (method === "GET" && (match = /^\/async-invoke\/([^/]+)$/.exec(rawPath))) {
      const arn = safeDecode(match[1]);
      return { service: "bedrock", operation: "GetAsyncInvoke", modality: "video", handle: () => getAsyncInvoke(arn) };
    }
    if (method === "POST" && rawPath === "/v1/speech") {
      return { service: "polly", operation: "SynthesizeSpeech", modality: "audio", json: true, handle: synthesizeSpeech };
    }
    if (method === "POST" && rawPath === "/v1/chat/completions") {
      return { service: "openai", operation: "ChatCompletions", modality: "text", json: true, handle: chatCompletions };
    }
    if (method === "POST" && rawPath === "/v1/images/generations") {
      return { service: "openai", operation: "ImagesGenerations", modality: "image", json: true, handle: imagesGenerations };
    }
    if (method === "POST" && rawPath === "/v1/audio/speech") {
      return { service: "openai", operation: "AudioSpeech", modality: "audio", json: true, handle: audioSpeech };
    }
    if (method === "POST" && rawPath === "/v1/audio/transcriptions") {
      return { service: "openai", operation: "AudioTranscriptions", modality: "audio", handle: audioTranscriptions };
    }
    if (method === "GET" && (match = /^\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(rawPath))) {
      const [, bucket, key] = match;
      return { service: "s3", operation: "GetObject", modality: "video", handle: () => getObject(bucket, safeDecode(key)) };
    }
    return undefined;
  }

  // Bedrock: Converse -------------------------------------------------------------------------

  function converse(model, { json, entry, failure }) {
    const { systemText, userText, images, inputTokens } = readConverseRequest(model, json);
    const reply = failure?.badJson ? NOT_JSON : JSON.stringify(cannedReply(systemText, userText, images));
    entry.task = taskOf(userText);
    const outputTokens = tokens(reply);
    return {
      json: {
        output: { message: { role: "assistant", content: [{ text: reply }] } },
        stopReason: "end_turn",
        usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
        metrics: { latencyMs: 0 },
      },
    };
  }

  /**
   * ConverseStream: the same request as Converse, answered in the AWS event-stream framing —
   * messageStart, a contentBlockDelta per few words, contentBlockStop, messageStop, metadata.
   * A "passage" task gets prose; any other task its Converse reply, streamed.
   */
  function converseStream(model, { json, entry, failure }) {
    const { systemText, userText, images, inputTokens } = readConverseRequest(model, json);
    const task = taskOf(userText);
    entry.task = task;
    const text = task === "passage" ? cannedPassage(systemText, userText) : JSON.stringify(cannedReply(systemText, userText, images));
    const outputTokens = tokens(text);
    const event = (type, payload) => eventStreamFrame({ ":event-type": type, ":content-type": "application/json", ":message-type": "event" }, { ...payload, p: padding(type) });
    const pieces = textPieces(text).map((piece) => event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: piece } }));
    const stop = failure?.streamException || failure?.streamCut ? Math.min(pieces.length, failure.afterChunks ?? 2) : pieces.length;
    if (failure?.streamException) {
      entry.error = `streamed ${failure.streamException} after ${stop} pieces`;
      const exception = eventStreamFrame(
        { ":exception-type": failure.streamException, ":content-type": "application/json", ":message-type": "exception" },
        { message: failure.streamException === "throttlingException" ? "Too many requests, please wait before trying again." : "The stand-in was told to fail this stream." },
      );
      return { stream: { contentType: "application/vnd.amazon.eventstream", opening: [event("messageStart", { role: "assistant" })], pieces: pieces.slice(0, stop), closing: [exception] } };
    }
    return {
      stream: {
        contentType: "application/vnd.amazon.eventstream",
        opening: [event("messageStart", { role: "assistant" })],
        pieces: pieces.slice(0, stop),
        cut: failure?.streamCut ? (pieces[stop] ?? event("contentBlockStop", { contentBlockIndex: 0 })) : undefined,
        closing: [
          event("contentBlockStop", { contentBlockIndex: 0 }),
          event("messageStop", { stopReason: "end_turn" }),
          event("metadata", { usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }, metrics: { latencyMs: state.stream.firstTokenMs } }),
        ],
      },
    };
  }

  /** Checks a Converse or ConverseStream body as Bedrock does; what the canned replies need from it. */
  function readConverseRequest(model, json) {
    if (!NOVA_TEXT_MODELS.has(model)) invalid("The provided model identifier is invalid.");
    object(json, "request body");
    noExtraKeys(json, CONVERSE_KEYS, "");
    array(json.messages, "messages", 1);
    let previousRole;
    json.messages.forEach((message, i) => {
      const at = `messages.${i}`;
      object(message, at);
      noExtraKeys(message, ["role", "content"], `${at}.`);
      oneOf(message.role, ["user", "assistant"], `${at}.role`);
      if (i === 0 && message.role !== "user") invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
      if (message.role === previousRole) {
        invalid("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.");
      }
      previousRole = message.role;
      array(message.content, `${at}.content`, 1);
      message.content.forEach((block, j) => contentBlock(block, `${at}.content.${j}`, model));
    });
    if (json.system !== undefined) {
      array(json.system, "system");
      json.system.forEach((block, i) => {
        object(block, `system.${i}`);
        noExtraKeys(block, ["text"], `system.${i}.`);
        nonEmptyString(block.text, `system.${i}.text`);
      });
    }
    if (json.inferenceConfig !== undefined) {
      const config = json.inferenceConfig;
      object(config, "inferenceConfig");
      noExtraKeys(config, ["maxTokens", "temperature", "topP", "stopSequences"], "inferenceConfig.");
      if (config.maxTokens !== undefined) integer(config.maxTokens, "inferenceConfig.maxTokens", 1, 10_000);
      if (config.temperature !== undefined) number(config.temperature, "inferenceConfig.temperature", 0, 1);
      if (config.topP !== undefined) number(config.topP, "inferenceConfig.topP", 0, 1);
      if (config.stopSequences !== undefined) array(config.stopSequences, "inferenceConfig.stopSequences", 0, 4);
    }

    const last = json.messages.filter((m) => m.role === "user").at(-1);
    const userText = last.content.filter((b) => typeof b.text === "string").map((b) => b.text).join("\n");
    const systemText = (json.system ?? []).map((b) => b.text).join("\n");
    const images = last.content.filter((b) => b.image).map((b) => b.image);
    const inputTokens = tokens(systemText) + json.messages.reduce((n, m) => n + m.content.reduce((k, b) => k + (b.text ? tokens(b.text) : 1300), 0), 0);
    return { systemText, userText, images, inputTokens };
  }

  function contentBlock(block, at, model) {
    object(block, at);
    const keys = Object.keys(block);
    if (keys.length !== 1) invalid(`${at} must set exactly one of text or image`);
    if ("text" in block) return nonEmptyString(block.text, `${at}.text`);
    if ("image" in block) {
      if (NOVA_TEXT_ONLY.has(model)) invalid(`This model doesn't support the image content block that you provided. Try again with a supported content block.`);
      const image = block.image;
      object(image, `${at}.image`);
      noExtraKeys(image, ["format", "source"], `${at}.image.`);
      oneOf(image.format, IMAGE_FORMATS, `${at}.image.format`);
      object(image.source, `${at}.image.source`);
      const bytes = base64Bytes(image.source.bytes, `${at}.image.source.bytes`);
      if (bytes.length > 3_750_000) invalid(`${at}.image exceeds the 3.75 MB limit`);
      if (sniffImage(bytes) !== image.format) invalid(`${at}.image.source.bytes is not a ${image.format} image`);
      return;
    }
    invalid(`${at}: the stand-in accepts text and image content blocks, not ${keys[0]}`);
  }

  // Bedrock: InvokeModel (Nova Canvas, Titan Image v2) ------------------------------------------

  function invokeImage(model, { json, entry }) {
    const spec = IMAGE_MODELS.get(model);
    if (!spec) invalid("The provided model identifier is invalid.");
    object(json, "request body");
    noExtraKeys(json, ["taskType", "textToImageParams", "imageVariationParams", "imageGenerationConfig"], "");
    oneOf(json.taskType, ["TEXT_IMAGE", "IMAGE_VARIATION"], "taskType");
    entry.task = json.taskType;
    let seedText;
    if (json.taskType === "TEXT_IMAGE") {
      const params = json.textToImageParams;
      object(params, "textToImageParams");
      noExtraKeys(params, ["text", "negativeText", "style", "conditionImage", "controlMode", "controlStrength"], "textToImageParams.");
      stringLength(params.text, "textToImageParams.text", 1, 1024);
      if (params.negativeText !== undefined) stringLength(params.negativeText, "textToImageParams.negativeText", 1, 1024);
      if (json.imageVariationParams !== undefined) invalid("imageVariationParams is not permitted for taskType TEXT_IMAGE");
      seedText = params.text;
    } else {
      const params = json.imageVariationParams;
      object(params, "imageVariationParams");
      noExtraKeys(params, ["images", "text", "negativeText", "similarityStrength"], "imageVariationParams.");
      array(params.images, "imageVariationParams.images", 1, 5);
      params.images.forEach((image, i) => {
        const bytes = base64Bytes(image, `imageVariationParams.images.${i}`);
        if (!["png", "jpeg"].includes(sniffImage(bytes))) invalid(`imageVariationParams.images.${i} must be a PNG or JPEG image`);
      });
      if (params.text !== undefined) stringLength(params.text, "imageVariationParams.text", 1, 1024);
      if (params.negativeText !== undefined) stringLength(params.negativeText, "imageVariationParams.negativeText", 1, 1024);
      if (params.similarityStrength !== undefined) number(params.similarityStrength, "imageVariationParams.similarityStrength", 0.2, 1);
      if (json.textToImageParams !== undefined) invalid("textToImageParams is not permitted for taskType IMAGE_VARIATION");
      seedText = params.text ?? params.images[0].slice(0, 64);
    }
    let count = 1;
    const config = json.imageGenerationConfig;
    if (config !== undefined) {
      object(config, "imageGenerationConfig");
      noExtraKeys(config, ["numberOfImages", "width", "height", "quality", "cfgScale", "seed"], "imageGenerationConfig.");
      if (config.numberOfImages !== undefined) count = integer(config.numberOfImages, "imageGenerationConfig.numberOfImages", 1, 5);
      if ((config.width === undefined) !== (config.height === undefined)) invalid("imageGenerationConfig: width and height must be given together");
      if (config.width !== undefined) {
        for (const side of ["width", "height"]) {
          integer(config[side], `imageGenerationConfig.${side}`, 320, 4096);
          if (config[side] % 16 !== 0) invalid(`imageGenerationConfig.${side} must be a multiple of 16 (got ${config[side]})`);
        }
        if (config.width * config.height > 4_194_304) invalid("imageGenerationConfig: width × height must not exceed 4,194,304 pixels");
        const ratio = config.width / config.height;
        if (ratio < 0.25 || ratio > 4) invalid("imageGenerationConfig: the aspect ratio must be between 1:4 and 4:1");
      }
      if (config.quality !== undefined) oneOf(config.quality, ["standard", "premium"], "imageGenerationConfig.quality");
      if (config.cfgScale !== undefined) number(config.cfgScale, "imageGenerationConfig.cfgScale", 1.1, 10);
      if (config.seed !== undefined) integer(config.seed, "imageGenerationConfig.seed", 0, spec.maxSeed);
    }
    const images = Array.from({ length: count }, (_, i) => makePng(64, 64, `${seedText}#${config?.seed ?? 0}#${i}`).toString("base64"));
    return { json: { images } };
  }

  // Bedrock: StartAsyncInvoke / GetAsyncInvoke (Nova Reel), and the clip on S3 ------------------

  function startAsyncInvoke({ json, entry }) {
    object(json, "request body");
    noExtraKeys(json, ["clientRequestToken", "modelId", "modelInput", "outputDataConfig", "tags"], "");
    if (!REEL_MODELS.has(json.modelId)) invalid("The provided model identifier is invalid.");
    entry.model = json.modelId;
    if (json.clientRequestToken !== undefined && !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/.test(String(json.clientRequestToken))) {
      invalid("clientRequestToken must match [a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}");
    }
    const input = json.modelInput;
    object(input, "modelInput");
    noExtraKeys(input, ["taskType", "textToVideoParams", "videoGenerationConfig"], "modelInput.");
    oneOf(input.taskType, ["TEXT_VIDEO"], "modelInput.taskType");
    entry.task = input.taskType;
    object(input.textToVideoParams, "modelInput.textToVideoParams");
    noExtraKeys(input.textToVideoParams, ["text", "images"], "modelInput.textToVideoParams.");
    stringLength(input.textToVideoParams.text, "modelInput.textToVideoParams.text", 1, 512);
    if (input.textToVideoParams.images !== undefined) {
      array(input.textToVideoParams.images, "modelInput.textToVideoParams.images", 1, 1);
      const image = input.textToVideoParams.images[0];
      object(image, "modelInput.textToVideoParams.images.0");
      oneOf(image.format, ["png", "jpeg"], "modelInput.textToVideoParams.images.0.format");
      object(image.source, "modelInput.textToVideoParams.images.0.source");
      const bytes = base64Bytes(image.source.bytes, "modelInput.textToVideoParams.images.0.source.bytes");
      if (sniffImage(bytes) !== image.format) invalid(`modelInput.textToVideoParams.images.0 is not a ${image.format} image`);
      const size = pngSize(bytes);
      if (size && (size.width !== 1280 || size.height !== 720)) invalid("modelInput.textToVideoParams.images.0 must be 1280x720");
    }
    const config = input.videoGenerationConfig;
    object(config, "modelInput.videoGenerationConfig");
    noExtraKeys(config, ["durationSeconds", "fps", "dimension", "seed"], "modelInput.videoGenerationConfig.");
    if (config.durationSeconds !== 6) invalid("modelInput.videoGenerationConfig.durationSeconds must be 6 for TEXT_VIDEO");
    if (config.fps !== 24) invalid("modelInput.videoGenerationConfig.fps must be 24");
    if (config.dimension !== "1280x720") invalid('modelInput.videoGenerationConfig.dimension must be "1280x720"');
    if (config.seed !== undefined) integer(config.seed, "modelInput.videoGenerationConfig.seed", 0, 2_147_483_646);
    object(json.outputDataConfig, "outputDataConfig");
    object(json.outputDataConfig.s3OutputDataConfig, "outputDataConfig.s3OutputDataConfig");
    const s3Uri = json.outputDataConfig.s3OutputDataConfig.s3Uri;
    if (typeof s3Uri !== "string" || !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(s3Uri)) {
      invalid("outputDataConfig.s3OutputDataConfig.s3Uri must be an s3://bucket/prefix URI");
    }

    const known = json.clientRequestToken && invocationsByToken.get(json.clientRequestToken);
    if (known) return { json: { invocationArn: known.arn } };
    const id = randomBytes(6).toString("hex");
    const submitAt = Date.now();
    const invocation = {
      id,
      arn: `arn:aws:bedrock:${region}:${ACCOUNT}:async-invoke/${id}`,
      modelId: json.modelId,
      token: json.clientRequestToken,
      submitAt,
      readyAt: submitAt + (state.delays.video ?? 0),
      s3Uri: `${s3Uri.replace(/\/+$/, "")}/${id}`,
      failure: takeJobFailure(),
      text: input.textToVideoParams.text,
    };
    invocations.set(id, invocation);
    if (invocation.token) invocationsByToken.set(invocation.token, invocation);
    return { json: { invocationArn: invocation.arn } };
  }

  function invocationStatus(invocation) {
    if (Date.now() < invocation.readyAt) return "InProgress";
    return invocation.failure ? "Failed" : "Completed";
  }

  function getAsyncInvoke(arn) {
    const invocation = [...invocations.values()].find((candidate) => candidate.arn === arn);
    if (!invocation) {
      if (!/^arn:aws:bedrock:[a-z0-9-]+:\d{12}:async-invoke\/[a-z0-9]+$/.test(arn)) invalid("invocationArn is not a valid async-invoke ARN");
      throw Object.assign(new Invalid(`The invocation ${arn} was not found.`), { status: 404, type: "ResourceNotFoundException" });
    }
    const status = invocationStatus(invocation);
    const done = status !== "InProgress";
    return {
      json: {
        invocationArn: invocation.arn,
        modelArn: `arn:aws:bedrock:${region}::foundation-model/${invocation.modelId}`,
        ...(invocation.token ? { clientRequestToken: invocation.token } : {}),
        status,
        ...(status === "Failed" ? { failureMessage: invocation.failure } : {}),
        submitTime: new Date(invocation.submitAt).toISOString(),
        lastModifiedTime: new Date(done ? invocation.readyAt : Date.now()).toISOString(),
        ...(done ? { endTime: new Date(invocation.readyAt).toISOString() } : {}),
        outputDataConfig: { s3OutputDataConfig: { s3Uri: invocation.s3Uri } },
      },
    };
  }

  function getObject(bucket, key) {
    const uri = `s3://${bucket}/${key}`;
    const invocation = [...invocations.values()].find((candidate) => `${candidate.s3Uri}/output.mp4` === uri);
    if (!invocation || invocationStatus(invocation) !== "Completed") {
      throw Object.assign(new Invalid("The specified key does not exist."), { status: 404, type: "NoSuchKey" });
    }
    const bytes = makeMp4(invocation.text);
    return { bytes, headers: { "content-type": "video/mp4", etag: `"${sha256(bytes).slice(0, 32)}"` } };
  }

  // Polly ----------------------------------------------------------------------------------------

  function synthesizeSpeech({ json, entry }) {
    object(json, "request body");
    noExtraKeys(json, ["Engine", "LanguageCode", "LexiconNames", "OutputFormat", "SampleRate", "SpeechMarkTypes", "Text", "TextType", "VoiceId"], "");
    const engine = json.Engine ?? "standard";
    oneOf(engine, ["standard", "neural", "long-form", "generative"], "engine");
    oneOf(json.OutputFormat, ["json", "mp3", "ogg_opus", "ogg_vorbis", "pcm", "mu-law", "a-law"], "outputFormat");
    if (json.OutputFormat !== "mp3" && json.OutputFormat !== "json") invalid(`the stand-in serves OutputFormat mp3 and json (speech marks) only (got ${json.OutputFormat})`);
    if (json.OutputFormat === "json") {
      array(json.SpeechMarkTypes, "speechMarkTypes", 1, 4);
      for (const type of json.SpeechMarkTypes) oneOf(type, ["sentence", "ssml", "viseme", "word"], "speechMarkTypes");
    } else if (json.SpeechMarkTypes !== undefined) {
      invalid("SpeechMarkTypes are only valid with OutputFormat json");
    }
    if (json.TextType === "ssml" && !/^<speak>[\s\S]*<\/speak>$/.test(json.Text)) invalid("SSML text must be one <speak> element");
    nonEmptyString(json.Text, "text");
    if (json.TextType !== undefined) oneOf(json.TextType, ["text", "ssml"], "textType");
    const engines = POLLY_VOICES[json.VoiceId];
    if (!engines) {
      invalid(`1 validation error detected: Value '${json.VoiceId}' at 'voiceId' failed to satisfy constraint: Member must satisfy enum value set`);
    }
    if (!engines.includes(engine)) {
      throw Object.assign(new Invalid(`This voice does not support the selected engine: ${engine}`), { type: "EngineNotSupportedException" });
    }
    const characters = json.TextType === "ssml" ? json.Text.replace(/<[^>]*>/g, "").length : json.Text.length;
    if (characters > 3000) {
      throw Object.assign(new Invalid("Maximum text length has been exceeded"), { type: "TextLengthExceededException" });
    }
    entry.task = json.VoiceId;
    // What the tests check a narration by: the voice, the text read (tags stripped) and what it was billed.
    entry.voice = json.VoiceId;
    entry.format = json.OutputFormat;
    entry.characters = characters;
    entry.text = json.TextType === "ssml" ? unescapeXml(json.Text.replace(/<[^>]*>/g, "")) : json.Text;
    if (json.OutputFormat === "json") {
      const body = speechMarks(json.Text, json.SpeechMarkTypes, characters);
      return { bytes: Buffer.from(body), headers: { "content-type": "application/x-json-stream", "x-amzn-requestcharacters": String(characters) } };
    }
    return { bytes: makeMp3(characters), headers: { "content-type": "audio/mpeg", "x-amzn-requestcharacters": String(characters) } };
  }

  // OpenAI-compatible ---------------------------------------------------------------------------

  /** `stream: true`: `chat.completion.chunk`s as Server-Sent Events, usage last when asked, then `[DONE]`. */
  function streamedChatCompletion(json, systemText, userText, failure) {
    const task = taskOf(userText);
    const text = task === "passage" ? cannedPassage(systemText, userText) : JSON.stringify(cannedReply(systemText, userText, []));
    const id = `chatcmpl-${randomBytes(8).toString("hex")}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (choices, extra = {}) => sseFrame({ id, object: "chat.completion.chunk", created, model: json.model, choices, ...extra });
    const pieces = textPieces(text).map((piece) => chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
    const stop = failure?.streamException || failure?.streamCut ? Math.min(pieces.length, failure.afterChunks ?? 2) : pieces.length;
    const opening = [chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }])];
    if (failure?.streamException) {
      const type = failure.streamException;
      const error = sseFrame({ error: { message: type === "rate_limit_exceeded" ? "Rate limit reached; retry later." : "The stand-in was told to fail this stream.", type, code: type } });
      return { stream: { contentType: "text/event-stream", opening, pieces: pieces.slice(0, stop), closing: [error] } };
    }
    const promptTokens = tokens(systemText + userText);
    const completionTokens = tokens(text);
    return {
      stream: {
        contentType: "text/event-stream",
        opening,
        pieces: pieces.slice(0, stop),
        cut: failure?.streamCut ? (pieces[stop] ?? sseFrame({ id })) : undefined,
        closing: [
          chunk([{ index: 0, delta: {}, finish_reason: "stop" }]),
          ...(json.stream_options?.include_usage
            ? [chunk([], { usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } })]
            : []),
          Buffer.from("data: [DONE]\n\n"),
        ],
      },
    };
  }

  function chatCompletions({ json, entry, failure }) {
    object(json, "request body");
    nonEmptyString(json.model, "model");
    entry.model = json.model;
    array(json.messages, "messages", 1);
    let userText = "";
    let systemText = "";
    json.messages.forEach((message, i) => {
      object(message, `messages[${i}]`);
      oneOf(message.role, ["system", "developer", "user", "assistant", "tool"], `messages[${i}].role`);
      const parts = typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
      array(parts, `messages[${i}].content`, 1);
      for (const part of parts) {
        object(part, `messages[${i}].content part`);
        oneOf(part.type, ["text", "image_url"], `messages[${i}].content part type`);
        if (part.type === "text") nonEmptyString(part.text, `messages[${i}].content text`);
        else {
          object(part.image_url, `messages[${i}].content image_url`);
          const match = /^data:image\/(png|jpeg|gif|webp);base64,(.+)$/.exec(String(part.image_url.url));
          if (match) base64Bytes(match[2], `messages[${i}].content image_url.url`);
          else if (!/^https?:\/\//.test(String(part.image_url.url))) invalid(`messages[${i}].content image_url.url must be a URL or a data URI`);
        }
        if (part.type === "text" && message.role === "user") userText += `${part.text}\n`;
        if (part.type === "text" && (message.role === "system" || message.role === "developer")) systemText += `${part.text}\n`;
      }
    });
    if (json.response_format !== undefined) {
      object(json.response_format, "response_format");
      oneOf(json.response_format.type, ["text", "json_object", "json_schema"], "response_format.type");
      const mentionsJson = json.messages.some((m) => JSON.stringify(m.content).toLowerCase().includes("json"));
      if (json.response_format.type === "json_object" && !mentionsJson) {
        invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.");
      }
    }
    if (json.max_tokens !== undefined) integer(json.max_tokens, "max_tokens", 1, 1_000_000);
    if (json.temperature !== undefined) number(json.temperature, "temperature", 0, 2);
    if (json.stream !== undefined && typeof json.stream !== "boolean") invalid("stream must be a boolean");
    if (json.stream_options !== undefined && json.stream_options !== null) {
      if (json.stream !== true) invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.");
      object(json.stream_options, "stream_options");
      noExtraKeys(json.stream_options, ["include_usage", "include_obfuscation"], "stream_options.");
      if (json.stream_options.include_usage !== undefined && typeof json.stream_options.include_usage !== "boolean") invalid("stream_options.include_usage must be a boolean");
    }
    entry.task = taskOf(userText);
    if (json.stream === true) return streamedChatCompletion(json, systemText, userText, failure);
    const content = failure?.badJson ? NOT_JSON : JSON.stringify(cannedReply(systemText, userText, []));
    const promptTokens = tokens(systemText + userText);
    const completionTokens = tokens(content);
    return {
      json: {
        id: `chatcmpl-${randomBytes(8).toString("hex")}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: json.model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      },
    };
  }

  function imagesGenerations({ json, entry }) {
    object(json, "request body");
    nonEmptyString(json.model, "model");
    entry.model = json.model;
    stringLength(json.prompt, "prompt", 1, 4000);
    const n = json.n === undefined ? 1 : integer(json.n, "n", 1, 10);
    if (json.size !== undefined && !/^\d{2,4}x\d{2,4}$/.test(String(json.size))) invalid("size must look like 1024x1024");
    if (json.response_format !== "b64_json") invalid('the stand-in serves response_format "b64_json" only');
    const data = Array.from({ length: n }, (_, i) => ({ b64_json: makePng(64, 64, `${json.prompt}#${i}`).toString("base64") }));
    return { json: { created: Math.floor(Date.now() / 1000), data } };
  }

  function audioSpeech({ json, entry }) {
    object(json, "request body");
    nonEmptyString(json.model, "model");
    entry.model = json.model;
    stringLength(json.input, "input", 1, 4096);
    nonEmptyString(json.voice, "voice");
    if (json.response_format !== undefined && json.response_format !== "mp3") invalid("the stand-in serves mp3 only");
    return { bytes: makeMp3(json.input.length), headers: { "content-type": "audio/mpeg" } };
  }

  /**
   * Whisper's `/audio/transcriptions` (issue 19): a multipart form with `model` and an audio `file`
   * (named with an extension Whisper knows), optionally `language` and `response_format` json. The
   * transcript is deterministic: it names the file's size and type, so a test can tell what arrived.
   */
  async function audioTranscriptions({ req, body, entry }) {
    const type = header(req, "content-type");
    if (!/^multipart\/form-data\s*;\s*boundary=/i.test(type)) invalid("the body must be multipart/form-data");
    let form;
    try {
      form = await new Response(body, { headers: { "content-type": type } }).formData();
    } catch {
      invalid("the multipart body could not be read");
    }
    const model = form.get("model");
    nonEmptyString(model, "model");
    entry.model = model;
    const file = form.get("file");
    if (!file || typeof file === "string") invalid("file must be an uploaded file");
    if (file.size === 0) invalid("file is empty");
    const extension = /\.([a-z0-9]+)$/i.exec(file.name ?? "")?.[1]?.toLowerCase();
    if (!["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"].includes(extension ?? "")) {
      invalid(`Invalid file format. Supported formats: flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm (got ${file.name})`);
    }
    const format = form.get("response_format");
    if (format !== null && format !== "json") invalid("the stand-in answers response_format json only");
    const language = form.get("language");
    if (language !== null && !/^[a-z]{2}$/.test(String(language))) invalid("language must be an ISO 639-1 code");
    entry.transcription = { model, fileName: file.name, fileType: file.type, bytes: file.size, language: language ?? undefined };
    return { json: { text: `A lighthouse keeper who talks to whales (${file.size} bytes of ${extension}).` } };
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const url = `http://${host}:${address.port}`;

  return {
    url,
    port: address.port,
    requests,
    setBehaviour,
    reset,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // includes held "timeout" requests
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// SigV4 verification (the algorithm in the AWS Signature Version 4 documentation)

function verifySigV4({ req, method, rawPath, rawQuery, body, service, credentials, region }) {
  const deny = (status, type, message) => ({ status, type, message });
  const authorization = req.headers.authorization;
  if (!authorization) return deny(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) {
    return deny(403, "IncompleteSignatureException", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
  }
  const [, accessKeyId, scopeDate, scopeRegion, scopeService, signedHeaderList, signature] = match;
  if (accessKeyId !== credentials.accessKeyId) {
    return deny(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  if (scopeService !== service) {
    return deny(403, "InvalidSignatureException", `Credential should be scoped to correct service: '${service}'.`);
  }
  if (scopeRegion !== region) {
    return deny(403, "InvalidSignatureException", `Credential should be scoped to a valid region, not '${scopeRegion}'.`);
  }
  const amzDate = header(req, "x-amz-date");
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return deny(403, "IncompleteSignatureException", "Authorization header requires existence of a valid 'X-Amz-Date' header.");
  }
  if (amzDate.slice(0, 8) !== scopeDate) {
    return deny(403, "InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.");
  }
  const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(Date.now() - signedAt) > SKEW_MS) {
    return deny(403, "InvalidSignatureException", `Signature expired: ${amzDate} is outside the 15 minute window.`);
  }
  const signedHeaders = signedHeaderList.split(";");
  const sorted = [...signedHeaders].sort();
  if (signedHeaders.join(";") !== sorted.join(";")) return deny(403, "InvalidSignatureException", "SignedHeaders must be sorted.");
  const mustSign = ["host", "x-amz-date"];
  if (req.headers["x-amz-content-sha256"] !== undefined) mustSign.push("x-amz-content-sha256");
  if (req.headers["x-amz-security-token"] !== undefined) mustSign.push("x-amz-security-token");
  for (const name of mustSign) {
    if (!signedHeaders.includes(name)) return deny(403, "InvalidSignatureException", `'${name}' must be a signed header.`);
  }
  if (credentials.sessionToken && header(req, "x-amz-security-token") !== credentials.sessionToken) {
    return deny(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
  }

  const bodyHash = sha256(body);
  const contentSha = req.headers["x-amz-content-sha256"];
  if (service === "s3" && contentSha === undefined) {
    return deny(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  }
  if (contentSha !== undefined && contentSha !== bodyHash && !(service === "s3" && contentSha === "UNSIGNED-PAYLOAD")) {
    return deny(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }

  const canonicalRequest = [
    method,
    canonicalUri(rawPath, service),
    canonicalQuery(rawQuery),
    signedHeaders.map((name) => `${name}:${header(req, name).trim().replace(/\s+/g, " ")}`).join("\n") + "\n",
    signedHeaderList,
    contentSha ?? bodyHash,
  ].join("\n");
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${credentials.secretAccessKey}`, scopeDate);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return deny(
      403,
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return undefined;
}

/** S3 encodes each path segment once; every other service encodes the path as sent once more. */
function canonicalUri(rawPath, service) {
  const segments = service === "s3" ? rawPath.split("/").map(safeDecode) : rawPath.replace(/\/+/g, "/").split("/");
  return segments.map(uriEncode).join("/") || "/";
}

function canonicalQuery(rawQuery) {
  if (!rawQuery) return "";
  return rawQuery
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf("=");
      const [key, value] = at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
      return [uriEncode(safeDecode(key)), uriEncode(safeDecode(value))];
    })
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map((pair) => pair.join("="))
    .join("&");
}

function uriEncode(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function header(req, name) {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : (value ?? "");
}

function checkBearer(req, key) {
  if (header(req, "authorization") !== `Bearer ${key}`) {
    return { status: 401, type: "invalid_api_key", message: "Incorrect API key provided." };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Canned, plausible replies derived from the prompt

function taskOf(userText) {
  return /^Task: ([a-z-]+)/m.exec(userText)?.[1] ?? "element";
}

function quotedAfter(text, label) {
  const at = text.indexOf(`${label}: <<<`);
  if (at < 0) return undefined;
  const start = at + label.length + 5;
  const end = text.indexOf(">>>", start);
  return end < 0 ? undefined : text.slice(start, end);
}

const TYPES = ["location", "character", "faction", "item", "creature", "event", "lore"];
const WORDS = {
  adjective: ["Amber", "Ashen", "Gilded", "Sunken", "Whispering", "Iron", "Verdant", "Crimson", "Pale", "Obsidian", "Copper", "Frost"],
  place: ["Reach", "Spire", "Hollow", "Crossing", "Vale", "Harbour", "Keep", "Deep", "Market", "Gate"],
  first: ["Maren", "Tobiah", "Isolde", "Corvin", "Wren", "Ysolda", "Bram", "Seraphine", "Aldous", "Nika", "Oren", "Lysa"],
  family: ["Ashdown", "Vell", "Marrow", "Quill", "Stroud", "Fenwick", "Hale", "Corrigan"],
  faction: ["Order", "Guild", "Circle", "Compact", "Wardens", "Choir", "Syndicate"],
  item: ["Lantern", "Blade", "Compass", "Codex", "Crown", "Key", "Mask", "Loom"],
  creature: ["Wyrm", "Moth", "Stag", "Hound", "Serpent", "Owl", "Wisp"],
  event: ["Burning", "Long Night", "Sundering", "Flood", "Accord", "Eclipse"],
  lore: ["Song", "Prophecy", "Legend", "Riddle", "Litany"],
};
const STOPWORDS = new Set(["about", "their", "there", "which", "where", "while", "with", "from", "that", "this", "into", "over", "under", "world", "element", "something"]);

function random(seedText) {
  let state = parseInt(sha256(seedText).slice(0, 8), 16);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function keyword(prompt) {
  const words = (prompt.match(/[A-Za-z]{4,}/g) ?? []).filter((w) => !STOPWORDS.has(w.toLowerCase()));
  const longest = words.sort((a, b) => b.length - a.length)[0] ?? "Wayfarer";
  return longest[0].toUpperCase() + longest.slice(1).toLowerCase();
}

function guessType(prompt) {
  const text = prompt.toLowerCase();
  const hints = [
    ["character", /\b(keeper|queen|king|captain|witch|man|woman|girl|boy|smith|knight|merchant|priest|thief|who)\b/],
    ["faction", /\b(guild|order|clan|army|cult|council|house|company|circle)\b/],
    ["creature", /\b(beast|dragon|wolf|creature|monster|bird|owl|whale|serpent|spirit)\b/],
    ["item", /\b(sword|blade|ring|lantern|book|crown|key|relic|amulet|map)\b/],
    ["event", /\b(war|battle|flood|festival|fall|siege|eclipse|night)\b/],
    ["lore", /\b(legend|myth|prophecy|song|tale|rite)\b/],
  ];
  return hints.find(([, pattern]) => pattern.test(text))?.[0] ?? "location";
}

function makeName(type, prompt, pick) {
  const key = keyword(prompt);
  switch (type) {
    case "character":
      return `${pick(WORDS.first)} ${pick(WORDS.family)}`;
    case "faction":
      return `The ${pick(WORDS.adjective)} ${pick(WORDS.faction)}`;
    case "item":
      return `The ${pick(WORDS.adjective)} ${pick(WORDS.item)}`;
    case "creature":
      return `${pick(WORDS.adjective)} ${pick(WORDS.creature)}`;
    case "event":
      return `The ${pick(WORDS.event)} of ${key}`;
    case "lore":
      return `The ${pick(WORDS.lore)} of the ${pick(WORDS.adjective)} ${key}`;
    default:
      return `${key} ${pick(WORDS.place)}`;
  }
}

function makeElement({ type, prompt, world, seed, relationships = [] }) {
  const rnd = random(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const name = makeName(type, prompt, pick);
  const idea = prompt.replace(/\s+/g, " ").trim().slice(0, 220) || "a half-remembered rumour";
  const description =
    `**${name}** is a ${type} of ${world.title}, born of ${idea.replace(/[.!?]$/, "")}.\n\n` +
    `Travellers speak of it in the ${world.style} manner of the place: ${pick(["with wary respect", "in hushed voices", "with open envy", "as a warning to the young"])}, ` +
    `and few agree on where its story truly begins.`;
  return {
    name,
    type,
    description,
    tags: [...new Set([type, world.style, keyword(prompt).toLowerCase()])].slice(0, 4),
    relationships,
    visualPrompt: `A ${type} in a ${world.style} world: ${idea.slice(0, 160)}, atmospheric light, detailed illustration`,
    narration: `${name}. ${name} is a ${type} of ${world.title}, born of ${idea.replace(/[.!?]$/, "")}.`.slice(0, 600),
  };
}

const KIND_BY_TYPES = {
  "character>location": "located_in",
  "creature>location": "located_in",
  "item>location": "located_in",
  "faction>location": "located_in",
  "character>faction": "member_of",
  "location>location": "contains",
  "character>item": "owns",
  "faction>item": "owns",
  "event>location": "related_to",
  "character>character": "allied_with",
  "faction>faction": "enemy_of",
  "event>faction": "caused",
};

function cannedReply(systemText, userText, images) {
  const world = {
    title: /The world is "([^"]*)"/.exec(systemText)?.[1] || "the world",
    style: /\(style: ([^;)]*)/.exec(systemText)?.[1] || "fantasy",
  };
  const task = taskOf(userText);
  if (task === "outline") return cannedOutline(userText);
  if (task === "check") return cannedCheck(userText);
  if (task === "refine-scene") return cannedRefine(userText);
  if (task === "merge-prompts") {
    const a = quotedAfter(userText, "Prompt A") ?? "";
    const b = quotedAfter(userText, "Prompt B") ?? "";
    return { prompt: `${a.trim().replace(/[.!?]$/, "")}; and ${b.trim().replace(/^./, (c) => c.toLowerCase())}`.slice(0, 2000) };
  }
  if (task === "world") {
    const prompt = quotedAfter(userText, "Prompt") ?? "";
    const count = Math.min(15, Math.max(1, Number(/^Count: (\d+)/m.exec(userText)?.[1] ?? 8)));
    const elements = [];
    const names = new Set();
    for (let i = 0; i < count; i++) {
      const type = TYPES[i % TYPES.length];
      let element = makeElement({ type, prompt, world, seed: `${prompt}#${i}` });
      for (let retry = 1; names.has(element.name); retry++) element = makeElement({ type, prompt, world, seed: `${prompt}#${i}#${retry}` });
      names.add(element.name);
      if (i > 0) {
        const target = elements[i % 3 === 0 ? i - 1 : 0];
        element.relationships = [{ to: target.name, kind: KIND_BY_TYPES[`${type}>${target.type}`] ?? "related_to" }];
      }
      elements.push(element);
    }
    // The first element points at the second so that nothing stands alone.
    if (elements.length > 1) elements[0].relationships = [{ to: elements[1].name, kind: "related_to" }];
    return { elements };
  }
  if (task === "describe-image") {
    const hint = quotedAfter(userText, "Hint") ?? "";
    const detail = hint || `a ${images[0]?.format ?? "hand-drawn"} sketch of something half-finished`;
    return makeElement({ type: hint ? guessType(hint) : "item", prompt: detail, world, seed: `image#${hint}#${images[0]?.source?.bytes?.length ?? 0}` });
  }
  const prompt = quotedAfter(userText, "Prompt") ?? userText.slice(0, 200);
  const requested = /^Type: ([a-z]+)$/m.exec(userText)?.[1];
  const type = TYPES.includes(requested) ? requested : guessType(prompt);
  const neighbour = /^- <<<([^>]*)>>> \(([a-z]+)\)/m.exec(userText.slice(userText.indexOf("Elements already in the world")));
  const element = makeElement({ type, prompt, world, seed: prompt });
  if (neighbour && userText.includes("Elements already in the world")) {
    element.relationships = [{ to: neighbour[1], kind: KIND_BY_TYPES[`${type}>${neighbour[2]}`] ?? "related_to", label: "close to" }];
  }
  return element;
}

/** What a model that ignored the reply format says (the `badJson` behaviour). */
const NOT_JSON = "Of course! Here is a wonderful outline.\n\nChapter One: the hero sets out. Chapter Two: the hero returns.";

/** The names listed under a heading of the prompt, as `- <<<Name>>> (type)` lines. */
function listedNames(userText, heading) {
  const at = userText.indexOf(heading);
  if (at < 0) return [];
  const names = [];
  for (const line of userText.slice(at + heading.length).split("\n").slice(1)) {
    const match = /^- <<<([^>]*)>>> \(/.exec(line);
    if (!match) break;
    names.push(match[1]);
  }
  return names;
}

/**
 * An outline for an "outline" prompt: exactly the chapters and scenes asked, each scene seen by one
 * of the people the prompt lists and set in one of its places, the prompt's idea in every beat.
 */
function cannedOutline(userText) {
  const chapters = Math.min(12, Math.max(1, Number(/^Chapters: (\d+)/m.exec(userText)?.[1] ?? 3)));
  const scenes = Math.min(8, Math.max(1, Number(/^Scenes per chapter: (\d+)/m.exec(userText)?.[1] ?? 3)));
  const idea = (quotedAfter(userText, "Prompt") ?? "a journey").replace(/\s+/g, " ").trim().replace(/[.!?]+$/, "");
  const people = listedNames(userText, "People of the world the story may use:");
  const places = listedNames(userText, "Places of the world the story may use:");
  const rnd = random(userText);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const hero = people[0] ?? `${pick(WORDS.first)} ${pick(WORDS.family)}`;
  return {
    title: `${hero} and the ${pick(WORDS.adjective)} ${pick(WORDS.item)}`,
    premise: `${hero} is drawn into ${idea}.`,
    chapters: Array.from({ length: chapters }, (_, c) => {
      const beats = Array.from({ length: scenes }, (_, s) => {
        const pov = people.length ? people[(c + s) % people.length] : null;
        const location = places.length ? places[(c * scenes + s) % places.length] : null;
        return {
          title: `${pick(WORDS.adjective)} ${pick(WORDS.place)}`,
          beat: `${pov ?? hero} ${pick(["follows", "doubts", "uncovers", "confronts"])} ${idea}${location ? ` at ${location}` : ""}.`,
          pov,
          location,
        };
      });
      return { title: `Chapter ${c + 1}: ${pick(WORDS.event)}`, summary: beats.map((b) => b.beat).join(" "), scenes: beats };
    }),
  };
}

/**
 * A rewrite for a "refine-scene" prompt: the passage between its delimiters, with the request said
 * before it, so a test can tell the model's rewrite from the offline one and see what it was asked.
 */
function cannedRefine(userText) {
  const passage = /to rewrite:\n<<<([\s\S]*?)>>>/.exec(userText)?.[1] ?? "";
  const request = quotedAfter(userText, "Request") ?? "";
  return { text: `[${request}] ${passage}`.trim() };
}

const SENTENCE_WORDS = new Set(["A", "An", "And", "As", "At", "But", "He", "Her", "His", "I", "If", "In", "It", "She", "So", "The", "Then", "There", "They", "We", "When", "You"]);

/**
 * Issues for a "check" prompt, as a careful model reports them: a run of capitalised words that is
 * one or two letters from a listed name is that name misspelled; one that is no listed name is a
 * stranger. Quotes come with their whitespace collapsed, as models copy text.
 */
function cannedCheck(userText) {
  const start = userText.indexOf("Text to check:\n<<<");
  const end = start < 0 ? -1 : userText.indexOf(">>>", start);
  const text = start < 0 || end < 0 ? "" : userText.slice(start + 18, end);
  const names = listedNames(userText, "Elements of the world:");
  const issues = [];
  for (const match of text.matchAll(/\b[A-Z][a-z']+(?:\s+[A-Z][a-z']+)+/g)) {
    const words = match[0].split(/\s+/);
    while (words.length && SENTENCE_WORDS.has(words[0])) words.shift();
    if (words.length < 2) continue;
    const quote = words.join(" ");
    // Whole words: "Old Cogg" is not "Old Cog", but "The Old Well" holds "Old Well".
    const run = ` ${match[0].replace(/\s+/g, " ").toLowerCase()} `;
    const known = (name) => run.includes(` ${name.toLowerCase()} `) || ` ${name.toLowerCase()} `.includes(` ${quote.toLowerCase()} `);
    if (names.some(known)) continue;
    const near = names.find((name) => editDistance(name.toLowerCase(), quote.toLowerCase()) <= 2);
    issues.push(
      near
        ? { type: "name_drift", severity: "warning", quote, explanation: `"${quote}" looks like a misspelling of ${near}.`, suggestion: near }
        : { type: "new_character", severity: "warning", quote, explanation: `${quote} is not someone the world knows.`, suggestion: null },
    );
  }
  return { issues };
}

function editDistance(a, b) {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

// ---------------------------------------------------------------------------------------------
// Streamed answers: the AWS event-stream framing, Server-Sent Events, and a canned passage

/**
 * One event-stream message, written here from the AWS specification rather than with the SDK's
 * codec that the Worker reads with, so the two check each other: prelude (total length, headers
 * length, CRC32 of those eight bytes), string headers (name length, name, type 7, value length,
 * value), the JSON payload, and a CRC32 of everything before it.
 */
export function eventStreamFrame(headers, payload) {
  const headerBytes = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const key = Buffer.from(name, "utf8");
      const text = Buffer.from(value, "utf8");
      const out = Buffer.alloc(1 + key.length + 3 + text.length);
      out[0] = key.length;
      key.copy(out, 1);
      out[1 + key.length] = 7;
      out.writeUInt16BE(text.length, 2 + key.length);
      text.copy(out, 4 + key.length);
      return out;
    }),
  );
  const body = Buffer.from(JSON.stringify(payload), "utf8");
  const total = 12 + headerBytes.length + body.length + 4;
  const frame = Buffer.alloc(total);
  frame.writeUInt32BE(total, 0);
  frame.writeUInt32BE(headerBytes.length, 4);
  frame.writeUInt32BE(crc32(frame.subarray(0, 8)), 8);
  headerBytes.copy(frame, 12);
  body.copy(frame, 12 + headerBytes.length);
  frame.writeUInt32BE(crc32(frame.subarray(0, total - 4)), total - 4);
  return frame;
}

function sseFrame(value) {
  return Buffer.from(`data: ${JSON.stringify(value)}\n\n`, "utf8");
}

/** Bedrock pads events with a "p" field of varying length so their sizes do not reveal the text. */
function padding(seed) {
  return "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".slice(0, 4 + (seed.length % 20));
}

/** Text as a model streams it: a few words per piece, spaces kept, so the pieces join to the text. */
function textPieces(text) {
  const words = text.match(/\S+\s*/g) ?? [];
  const pieces = [];
  for (let i = 0; i < words.length; i += 3) pieces.push(words.slice(i, i + 3).join(""));
  return pieces.length ? pieces : [text];
}

const PASSAGE_LINES = [
  (who, where) => `${who} stood very still in ${where}, listening.`,
  (who) => `Somewhere close, a door moved on its hinges, and ${who} turned toward the sound.`,
  (who, where) => `The light in ${where} had changed while no one was looking.`,
  (who) => `${who} drew a slow breath and let it go.`,
  () => `Nothing was quite where it had been an hour before.`,
  (who) => `"We should not wait much longer," ${who} said quietly.`,
  (who, where) => `Far off, past the edge of ${where}, something answered.`,
  (who) => `${who} took one careful step, and then another.`,
];

/**
 * A deterministic passage for a "passage" prompt: about the words asked, with the point-of-view
 * character and the location the prompt names, and the direction happening in the middle.
 */
function cannedPassage(systemText, userText) {
  const words = Math.min(1500, Math.max(20, Number(/^Words: (\d+)/m.exec(userText)?.[1] ?? 150)));
  const who = /^Point-of-view character: - <<<([^>]*)>>>/m.exec(userText)?.[1] ?? (/first person/.test(systemText) ? "I" : "The traveller");
  const where = /^Location: - <<<([^>]*)>>>/m.exec(userText)?.[1] ?? "the old house";
  const direction = quotedAfter(userText, "What should happen next");
  const rnd = random(userText);
  const sentences = [];
  let count = 0;
  let directionDone = !direction;
  while (count < words) {
    const line = !directionDone && count >= words / 2 ? `And then ${direction.trim().replace(/[.!?]+$/, "")}.` : PASSAGE_LINES[Math.floor(rnd() * PASSAGE_LINES.length)](who, where);
    if (line.startsWith("And then")) directionDone = true;
    sentences.push(line);
    count += line.split(/\s+/).length;
  }
  return sentences.join(" ");
}

// ---------------------------------------------------------------------------------------------
// Media fixtures: a real PNG, an MP4 that starts with an ftyp box, MP3 frames

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A width×height RGB gradient whose colours come from `seedText`. */
export function makePng(width, height, seedText) {
  const hash = createHash("sha256").update(seedText).digest();
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = (hash[0] + x * 3) & 0xff;
      row[2 + x * 3] = (hash[1] + y * 3) & 0xff;
      row[3 + x * 3] = (hash[2] + (x + y)) & 0xff;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(Buffer.concat(rows))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

function box(type, payload) {
  const size = Buffer.alloc(4);
  size.writeUInt32BE(8 + payload.length);
  return Buffer.concat([size, Buffer.from(type, "ascii"), payload]);
}

function makeMp4(text) {
  const ftyp = box("ftyp", Buffer.concat([Buffer.from("isom"), Buffer.from([0, 0, 2, 0]), Buffer.from("isomiso2avc1mp41")]));
  const free = box("free", Buffer.from(`loreloom stand-in clip: ${text}`.slice(0, 200)));
  const mdat = box("mdat", createHash("sha256").update(text).digest());
  return Buffer.concat([ftyp, free, mdat]);
}

/** MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz), about 26 ms each. */
const MP3_FRAME_MS = (1152 / 44100) * 1000;

/**
 * Polly's speech marks for a text: one JSON object a line, `start`/`end` in bytes of the request's
 * Text (SSML tags included, as Polly counts them), `time` in ms, spread over the length of the MP3
 * makeMp3 gives the same text.
 */
function speechMarks(text, types, characters) {
  const durationMs = Math.min(400, Math.max(8, Math.round(characters * 2.5))) * MP3_FRAME_MS;
  const lines = [];
  let spoken = 0;
  let byte = 0;
  for (const match of text.matchAll(/<[^>]*>|&[a-z]+;|[^<&\s]+|\s+/g)) {
    const piece = match[0];
    const bytes = Buffer.byteLength(piece);
    if (!piece.startsWith("<") && !/^\s+$/.test(piece)) {
      const value = piece.startsWith("&") ? unescapeXml(piece) : piece;
      const word = value.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
      if (word && types.includes("word")) {
        const lead = Buffer.byteLength(value.slice(0, value.indexOf(word)));
        lines.push(JSON.stringify({ time: Math.round((durationMs * spoken) / Math.max(characters, 1)), type: "word", start: byte + lead, end: byte + lead + Buffer.byteLength(word), value: word }));
      }
    }
    if (!piece.startsWith("<")) spoken += piece.length;
    byte += bytes;
  }
  return lines.join("\n") + (lines.length ? "\n" : "");
}

function unescapeXml(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

function makeMp3(characters) {
  const frames = Math.min(400, Math.max(8, Math.round(characters * 2.5)));
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return Buffer.concat([Buffer.from("ID3\x03\x00\x00\x00\x00\x00\x00", "latin1"), ...Array.from({ length: frames }, () => frame)]);
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

function invalid(message) {
  throw new Invalid(message);
}
function object(value, at) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid(`${at} must be an object`);
}
function array(value, at, min = 0, max = Infinity) {
  if (!Array.isArray(value)) invalid(`${at} must be an array`);
  if (value.length < min || value.length > max) invalid(`${at} must have ${min}${max === Infinity ? " or more" : `–${max}`} items (has ${value.length})`);
}
function nonEmptyString(value, at) {
  if (typeof value !== "string" || value.trim() === "") invalid(`${at} must be a non-empty string`);
}
function stringLength(value, at, min, max) {
  if (typeof value !== "string" || value.length < min || value.length > max) invalid(`${at} must be a string of ${min}–${max} characters`);
}
function number(value, at, min, max) {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) invalid(`${at} must be a number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return value;
}
function integer(value, at, min, max) {
  if (!Number.isInteger(value) || value < min || value > max) invalid(`${at} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return value;
}
function oneOf(value, allowed, at) {
  if (!allowed.includes(value)) invalid(`${at} must be one of ${allowed.join(", ")} (got ${JSON.stringify(value)})`);
}
function noExtraKeys(value, allowed, prefix) {
  const extra = Object.keys(value).find((key) => !allowed.includes(key));
  if (extra) invalid(`Malformed input request: extraneous key [${prefix}${extra}] is not permitted, please reformat your input and try again.`);
}
function base64Bytes(value, at) {
  if (typeof value !== "string" || value === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    invalid(`${at} must be base64-encoded bytes`);
  }
  return Buffer.from(value, "base64");
}
function sniffImage(bytes) {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return "png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) return "gif";
  if (bytes.subarray(0, 4).toString("latin1") === "RIFF" && bytes.subarray(8, 12).toString("latin1") === "WEBP") return "webp";
  return undefined;
}
function pngSize(bytes) {
  return sniffImage(bytes) === "png" && bytes.length >= 24 ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Plumbing

function failureText(service, status) {
  if (service === "openai") {
    return status === 429 ? ["rate_limit_exceeded", "Rate limit reached; retry later."] : ["server_error", "The server had an error while processing your request."];
  }
  if (service === "s3") return status === 503 ? ["SlowDown", "Please reduce your request rate."] : ["InternalError", "We encountered an internal error. Please try again."];
  if (status === 429) return ["ThrottlingException", "Too many requests, please wait before trying again."];
  if (status === 503) return ["ServiceUnavailableException", "Bedrock is unable to process your request."];
  return ["InternalServerException", "The server encountered an internal error while processing the request."];
}

const S3_CODES = { InvalidSignatureException: "SignatureDoesNotMatch", UnrecognizedClientException: "InvalidAccessKeyId" };

function sendError(res, service, status, type, message, headers = {}) {
  if (service === "s3") {
    const code = S3_CODES[type] ?? type;
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId()}</RequestId></Error>`;
    res.writeHead(status, { "content-type": "application/xml", ...headers });
    return res.end(xml);
  }
  if (service === "openai") return sendJson(res, status, { error: { message, type, code: type } }, headers);
  return sendJson(res, status, { message }, { "x-amzn-errortype": type, "x-amzn-requestid": requestId(), ...headers });
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function escapeXml(text) {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > 40 * 1024 * 1024) req.destroy(new Error("body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sha256(data) {
  return createHash("sha256").update(data).digest("hex");
}
function hmac(key, data) {
  return createHmac("sha256", key).update(data).digest();
}
function tokens(text) {
  return Math.max(1, Math.ceil(text.length / 4));
}
function requestId() {
  return randomBytes(16).toString("hex").replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, "$1-$2-$3-$4-$5");
}
function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
/** Waits, unless the client goes away first: a stalled stream's timer must not outlive its connection. */
function pause(ms, res) {
  return new Promise((resolve) => {
    if (ms <= 0 || res.destroyed) return resolve();
    const done = () => {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on("close", done);
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
