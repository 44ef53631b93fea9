// Bedrock's ConverseStream events (issue 17, point 6), read from the event-stream messages of
// event-stream.ts: the text of `contentBlockDelta` events as it comes, the stop reason of
// `messageStop`, the token counts of `metadata`, and exceptions as ProviderErrors that say whether
// a retry may help. Every payload is parsed with a schema; events this reader does not use
// (reasoning, tool use, new kinds AWS adds) are passed over.
import { z } from "zod";
import type { EventStreamMessage } from "./event-stream";
import { StreamProblem } from "./streaming";
import { ProviderError } from "./types";

const PROVIDER = "bedrock";

/** What the stream has said so far; `stopReason` set means the model finished its message. */
export type ConverseStreamState = { stopReason?: string; inputTokens?: number; outputTokens?: number };

const DeltaSchema = z.object({ contentBlockIndex: z.number().int().nonnegative(), delta: z.object({ text: z.string().optional() }).loose() }).loose();
const StopSchema = z.object({ stopReason: z.string().min(1) }).loose();
const MetadataSchema = z
  .object({
    usage: z.object({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative(), totalTokens: z.number().int().nonnegative().optional() }).loose(),
  })
  .loose();
const ExceptionSchema = z.object({ message: z.string().optional(), Message: z.string().optional() }).loose();

/** Exceptions a later attempt may not meet: throttling, capacity, a model still loading, a stream error AWS says to retry. */
const RETRYABLE_EXCEPTIONS = new Set([
  "throttlingException",
  "serviceUnavailableException",
  "internalServerException",
  "modelStreamErrorException",
  "modelNotReadyException",
  "modelTimeoutException",
  "serviceQuotaExceededException",
]);

const decoder = new TextDecoder();

function payload<T>(message: EventStreamMessage, schema: z.ZodType<T>, event: string): T {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(message.body));
  } catch {
    throw new StreamProblem(`the ${event} event's payload is not JSON`, "bad_response", false);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new StreamProblem(`the ${event} event has an unexpected shape: ${z.prettifyError(parsed.error)}`, "bad_response", false);
  return parsed.data;
}

/**
 * One message of the stream: the text it adds (possibly ""), with `state` updated. Exceptions and
 * protocol errors throw; a content filter stopping the message throws a final "moderation" error.
 */
export function readConverseStreamMessage(message: EventStreamMessage, state: ConverseStreamState, what: string): string {
  const type = message.headers[":message-type"];
  if (type === "exception") {
    const name = message.headers[":exception-type"] ?? "unknownException";
    const body = (() => {
      try {
        return payload(message, ExceptionSchema, name);
      } catch {
        return {};
      }
    })();
    const detail = body.message ?? body.Message ?? "no message";
    const retryable = RETRYABLE_EXCEPTIONS.has(name);
    throw new ProviderError(PROVIDER, `${what}: ${name}: ${detail}`, { retryable, code: name, status: retryable ? (name === "throttlingException" ? 429 : 503) : 400 });
  }
  if (type === "error") {
    const code = message.headers[":error-code"] ?? "error";
    throw new ProviderError(PROVIDER, `${what}: ${code}: ${message.headers[":error-message"] ?? "no message"}`, { retryable: /throttl|internal|unavailable/i.test(code), code });
  }
  if (type !== "event") throw new StreamProblem(`a message of unknown type ${JSON.stringify(type ?? null)}`, "bad_response", false);
  const event = message.headers[":event-type"];
  switch (event) {
    case "contentBlockDelta": {
      if (state.stopReason) throw new StreamProblem("text arrived after messageStop", "bad_response", false);
      return payload(message, DeltaSchema, event).delta.text ?? "";
    }
    case "messageStop": {
      state.stopReason = payload(message, StopSchema, event).stopReason;
      if (state.stopReason === "content_filtered" || state.stopReason === "guardrail_intervened") {
        throw new ProviderError(PROVIDER, `${what}: the passage was withheld by content filters`, { retryable: false, code: "moderation" });
      }
      return "";
    }
    case "metadata": {
      const { usage } = payload(message, MetadataSchema, event);
      state.inputTokens = usage.inputTokens;
      state.outputTokens = usage.outputTokens;
      return "";
    }
    default:
      // messageStart, contentBlockStart/Stop and kinds added later carry nothing a passage needs.
      return "";
  }
}

/** The text of a whole ConverseStream, piece by piece; a stream that ends before `messageStop` was cut off. */
export async function* converseStreamText(messages: AsyncIterable<EventStreamMessage>, state: ConverseStreamState, what: string): AsyncGenerator<string> {
  for await (const message of messages) {
    const text = readConverseStreamMessage(message, state, what);
    if (text) yield text;
  }
  if (!state.stopReason) throw new StreamProblem("the stream ended before the model finished its message", "stream_truncated", true);
}
