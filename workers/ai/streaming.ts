// What the streaming providers share (issue 17, point 6): reading a response body piece by piece
// under a watch that gives up when the provider goes quiet or the caller cancels, and handing the
// text on as a PassageStream whose failures are always ProviderErrors. The wire formats live beside
// this: event-stream.ts (Bedrock's binary framing) and sse.ts (Server-Sent Events).
import { moderateOutput } from "./prompt-safety";
import { failureToProviderError } from "./remote-call";
import { ProviderError, type PassageStream, type ProviderName, type Usage } from "./types";

/** A stream that sends nothing for this long is given up as a retryable timeout. */
export const STREAM_IDLE_MS = 30_000;

/** Moderation looks at each new piece with this much of the text before it, so a phrase split across pieces is still seen. */
const MODERATION_OVERLAP = 400;

/** Something wrong in the bytes a provider streamed: a wire format's parser throws it. */
export class StreamProblem extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "StreamProblem";
  }
}

export type StreamWatch = {
  /** Aborts when the caller's signal does or when nothing arrived for `idleMs`. */
  readonly signal: AbortSignal;
  /** Something arrived: the idle clock starts again. */
  touch(): void;
  close(): void;
};

/** One watch per streamed call: pass `signal` to fetch, `touch` on every piece, `close` at the end. */
export function streamWatch(outer?: AbortSignal, idleMs = STREAM_IDLE_MS): StreamWatch {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    clearTimeout(timer);
    if (!controller.signal.aborted) timer = setTimeout(() => controller.abort(new Error(`nothing arrived for ${idleMs} ms`)), idleMs);
  };
  const onOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener("abort", onOuter, { once: true });
  touch();
  return {
    signal: controller.signal,
    touch,
    close() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onOuter);
    },
  };
}

/**
 * The chunks of a body as they arrive. Each read races the watch's signal (a binding's stream may
 * not honour it), and the reader is cancelled however the loop ends, which releases the connection
 * when the consumer stops early. Chunks must be bytes or text; anything else is a StreamProblem.
 */
export async function* bodyChunks(body: ReadableStream<unknown> | null, watch: StreamWatch): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(watch.signal.reason instanceof Error ? watch.signal.reason : new Error("aborted"));
    if (watch.signal.aborted) onAbort();
    else watch.signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {}); // observed through the race below; never an unhandled rejection
  const encoder = new TextEncoder();
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) return;
      watch.touch();
      const bytes = value instanceof Uint8Array ? value : typeof value === "string" ? encoder.encode(value) : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : undefined;
      if (!bytes) throw new StreamProblem("the stream carried something other than bytes", "bad_response", false);
      if (bytes.byteLength > 0) yield bytes;
    }
  } finally {
    if (onAbort) watch.signal.removeEventListener("abort", onAbort);
    reader.cancel().catch(() => {});
  }
}

/**
 * A provider's text pieces as a PassageStream: empty pieces dropped, every piece moderated with the
 * text before it (moderateOutput, as generated elements are), and every failure a ProviderError —
 * a StreamProblem keeps its code, an abort is a retryable timeout. The watch closes however it ends.
 */
export function passageStream(
  provider: ProviderName,
  model: string,
  what: string,
  pieces: AsyncIterable<string>,
  watch: StreamWatch,
  usage: () => Usage,
): PassageStream {
  async function* checked() {
    let tail = "";
    try {
      for await (const piece of pieces) {
        if (!piece) continue;
        const window = tail + piece;
        const verdict = moderateOutput(window);
        if (!verdict.ok) throw new ProviderError(provider, `${what}: the passage was stopped: ${verdict.reason}`, { retryable: false, code: "moderation" });
        tail = window.slice(-MODERATION_OVERLAP);
        yield piece;
      }
    } catch (error) {
      if (error instanceof StreamProblem) throw new ProviderError(provider, `${what}: ${error.message}`, { retryable: error.retryable, code: error.code });
      throw failureToProviderError(provider, what, error, watch.signal);
    } finally {
      watch.close();
    }
  }
  return { provider, model, chunks: checked(), usage };
}

/** Tokens estimated from characters when a provider does not report them (about four to a token). */
export function estimatedTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
