// The event-stream reader (event-stream.ts) and the ConverseStream events on top of it
// (bedrock-stream.ts), fed frames written here from the AWS specification: well-formed streams cut
// at every byte, corrupted bytes, impossible lengths, cut connections and exception events must
// end as StreamProblems or ProviderErrors — never a wrong message, a hang or another kind of crash.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { converseStreamText, type ConverseStreamState } from "./bedrock-stream";
import { eventStreamMessages, type EventStreamMessage } from "./event-stream";
import { StreamProblem } from "./streaming";
import { ProviderError } from "./types";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const utf8 = new TextEncoder();

/** One message: prelude, string headers (type 7), payload, message CRC. */
function frame(headers: Record<string, string>, body: Uint8Array): Uint8Array {
  const parts = Object.entries(headers).flatMap(([name, value]) => {
    const key = utf8.encode(name);
    const text = utf8.encode(value);
    return [Uint8Array.of(key.length), key, Uint8Array.of(7, text.length >> 8, text.length & 0xff), text];
  });
  const headerLength = parts.reduce((n, part) => n + part.length, 0);
  const total = 12 + headerLength + body.length + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headerLength);
  view.setUint32(8, crc32(out.subarray(0, 8)));
  let at = 12;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  out.set(body, at);
  view.setUint32(total - 4, crc32(out.subarray(0, total - 4)));
  return out;
}

const event = (type: string, payload: unknown) =>
  frame({ ":event-type": type, ":content-type": "application/json", ":message-type": "event" }, utf8.encode(JSON.stringify(payload)));
const exception = (type: string, message: string) =>
  frame({ ":exception-type": type, ":content-type": "application/json", ":message-type": "exception" }, utf8.encode(JSON.stringify({ message })));

function concat(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** The bytes as chunks cut at the given offsets. */
async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)) {
    yield bytes.slice(start, cut);
    start = cut;
  }
  yield bytes.slice(start);
}

async function readAll(chunks: AsyncIterable<Uint8Array>, max?: number): Promise<EventStreamMessage[]> {
  const out: EventStreamMessage[] = [];
  for await (const message of eventStreamMessages(chunks, max)) out.push(message);
  return out;
}

async function problem(promise: Promise<unknown>): Promise<StreamProblem> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StreamProblem);
  return error as StreamProblem;
}

const PASSAGE = [
  event("messageStart", { role: "assistant", p: "abcd" }),
  event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "The bell " }, p: "abcdefgh" }),
  event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "rang twice — " }, p: "ab" }),
  event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "and stopped." } }),
  event("contentBlockStop", { contentBlockIndex: 0 }),
  event("messageStop", { stopReason: "end_turn" }),
  event("metadata", { usage: { inputTokens: 812, outputTokens: 9, totalTokens: 821 }, metrics: { latencyMs: 300 } }),
];

describe("the event-stream reader", () => {
  it("reads well-formed messages: string headers and the payload bytes", async () => {
    const messages = await readAll(chunked(concat(PASSAGE), []));
    expect(messages).toHaveLength(PASSAGE.length);
    expect(messages[1]!.headers).toEqual({ ":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event" });
    expect(JSON.parse(new TextDecoder().decode(messages[1]!.body))).toMatchObject({ delta: { text: "The bell " } });
  });

  it("reads the same messages however the bytes are cut: at every single byte boundary, and at any set of boundaries", async () => {
    const bytes = concat(PASSAGE);
    const whole = await readAll(chunked(bytes, []));
    for (let cut = 1; cut < bytes.length; cut++) expect(await readAll(chunked(bytes, [cut]))).toEqual(whole);
    expect(await readAll(chunked(bytes, Array.from({ length: bytes.length }, (_, i) => i)))).toEqual(whole);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ type: fc.string({ minLength: 1, maxLength: 20 }), text: fc.string({ unit: "binary", maxLength: 60 }) }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        async (events, cuts) => {
          const frames = events.map((e) => event(e.type, { delta: { text: e.text } }));
          const stream = concat(frames);
          const messages = await readAll(chunked(stream, cuts.map((c) => c % (stream.length + 1))));
          expect(messages.map((m) => m.headers[":event-type"])).toEqual(events.map((e) => e.type));
          expect(messages.map((m) => JSON.parse(new TextDecoder().decode(m.body)).delta.text)).toEqual(events.map((e) => e.text));
        },
      ),
    );
  });

  it("notices any single corrupted byte, wherever it is, and says so instead of yielding a wrong message", async () => {
    const bytes = concat(PASSAGE.slice(0, 3));
    const whole = await readAll(chunked(bytes, []));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.array(fc.nat({ max: bytes.length }), { maxLength: 5 }), async (at, flip, cuts) => {
        const corrupt = bytes.slice();
        corrupt[at]! ^= flip;
        const read: EventStreamMessage[] = [];
        const error = await (async () => {
          for await (const message of eventStreamMessages(chunked(corrupt, cuts))) read.push(message);
        })().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(StreamProblem);
        // Whatever came before the damaged message is exactly what was sent.
        expect(read).toEqual(whole.slice(0, read.length));
      }),
    );
  });

  it("refuses a prelude CRC, a message CRC and impossible lengths with their own codes", async () => {
    const good = PASSAGE[1]!;
    const badPrelude = good.slice();
    badPrelude[9]! ^= 1;
    expect(await problem(readAll(chunked(badPrelude, [])))).toMatchObject({ code: "bad_stream", retryable: true });
    const badMessage = good.slice();
    badMessage[good.length - 1]! ^= 1;
    expect(await problem(readAll(chunked(badMessage, [])))).toMatchObject({ code: "bad_stream", retryable: true });
    // A prelude with a valid CRC that declares 4 GB: refused before anything is allocated or awaited.
    const huge = new Uint8Array(12);
    new DataView(huge.buffer).setUint32(0, 0xffffffff);
    new DataView(huge.buffer).setUint32(8, crc32(huge.subarray(0, 8)));
    expect(await problem(readAll(chunked(huge, [])))).toMatchObject({ code: "bad_response", retryable: false });
    // …even when the connection then stays open and silent: the reader does not wait for 4 GB.
    const thenSilence = async function* () {
      yield huge;
      await new Promise(() => {});
    };
    expect(await problem(readAll(thenSilence()))).toMatchObject({ code: "bad_response" });
    const corruptThenSilence = async function* () {
      yield badPrelude;
      await new Promise(() => {});
    };
    expect(await problem(readAll(corruptThenSilence()))).toMatchObject({ code: "bad_stream" });
    const tiny = new Uint8Array(12);
    new DataView(tiny.buffer).setUint32(0, 8);
    new DataView(tiny.buffer).setUint32(8, crc32(tiny.subarray(0, 8)));
    expect(await problem(readAll(chunked(tiny, [])))).toMatchObject({ code: "bad_response" });
    expect(await problem(readAll(chunked(good, []), 64))).toMatchObject({ code: "bad_response" });
  });

  it("a stream that ends in the middle of a message, at any byte, is a retryable truncation", async () => {
    const bytes = concat(PASSAGE.slice(0, 2));
    const boundary = PASSAGE[0]!.length;
    for (let end = 1; end < bytes.length; end++) {
      if (end === boundary) continue;
      expect(await problem(readAll(chunked(bytes.slice(0, end), [Math.floor(end / 2)])))).toMatchObject({ code: "stream_truncated", retryable: true });
    }
  });

  it("ends on any bytes at all: random input is read or refused, never hangs or throws anything else", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat({ max: 300 }), { maxLength: 6 }), async (bytes, cuts) => {
        await readAll(chunked(bytes, cuts)).catch((error: unknown) => expect(error).toBeInstanceOf(StreamProblem));
      }),
    );
  });
});

describe("ConverseStream events", () => {
  async function text(frames: Uint8Array[], state: ConverseStreamState = {}) {
    let out = "";
    for await (const piece of converseStreamText(eventStreamMessages(chunked(concat(frames), [])), state, "ConverseStream test")) out += piece;
    return out;
  }
  async function failure(frames: Uint8Array[]): Promise<unknown> {
    return text(frames).then(
      () => undefined,
      (caught: unknown) => caught,
    );
  }

  it("joins the deltas' text and records the stop reason and the metadata's usage", async () => {
    const state: ConverseStreamState = {};
    expect(await text(PASSAGE, state)).toBe("The bell rang twice — and stopped.");
    expect(state).toEqual({ stopReason: "end_turn", inputTokens: 812, outputTokens: 9 });
  });

  it("passes over events it does not use, such as reasoning deltas and kinds added later", async () => {
    const frames = [
      PASSAGE[0]!,
      event("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "thinking" } } }),
      event("somethingNew", { whatever: true }),
      ...PASSAGE.slice(1),
    ];
    expect(await text(frames)).toBe("The bell rang twice — and stopped.");
  });

  it("a throttlingException is a retryable ProviderError; a validationException is final", async () => {
    const throttled = await failure([PASSAGE[0]!, PASSAGE[1]!, exception("throttlingException", "Too many requests")]);
    expect(throttled).toBeInstanceOf(ProviderError);
    expect((throttled as ProviderError).options).toMatchObject({ retryable: true, code: "throttlingException", status: 429 });
    expect((throttled as ProviderError).message).toContain("Too many requests");
    for (const retryable of ["internalServerException", "serviceUnavailableException", "modelStreamErrorException"]) {
      expect(((await failure([exception(retryable, "x")])) as ProviderError).retryable).toBe(true);
    }
    const invalid = await failure([exception("validationException", "bad input")]);
    expect((invalid as ProviderError).options).toMatchObject({ retryable: false, code: "validationException" });
    // An exception whose payload is not even JSON still says what it was.
    const garbled = frame({ ":exception-type": "throttlingException", ":message-type": "exception" }, utf8.encode("<html>"));
    expect(((await failure([garbled])) as ProviderError).options).toMatchObject({ retryable: true, code: "throttlingException" });
  });

  it("a content filter stopping the message is a final moderation error", async () => {
    const filtered = await failure([PASSAGE[0]!, PASSAGE[1]!, event("messageStop", { stopReason: "content_filtered" })]);
    expect((filtered as ProviderError).options).toMatchObject({ retryable: false, code: "moderation" });
  });

  it("a stream that ends before messageStop was cut off; payloads of the wrong shape are refused", async () => {
    expect(await failure(PASSAGE.slice(0, 3))).toMatchObject({ code: "stream_truncated", retryable: true });
    expect(await failure([event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: 42 } })])).toMatchObject({ code: "bad_response", retryable: false });
    expect(await failure([event("metadata", { usage: { inputTokens: "many" } })])).toMatchObject({ code: "bad_response" });
    const notJson = frame({ ":event-type": "contentBlockDelta", ":message-type": "event" }, utf8.encode("{"));
    expect(await failure([notJson])).toMatchObject({ code: "bad_response" });
    expect(await failure([frame({ ":message-type": "surprise" }, new Uint8Array())])).toMatchObject({ code: "bad_response" });
    expect(await failure([...PASSAGE.slice(0, 6), PASSAGE[1]!])).toMatchObject({ code: "bad_response" });
  });
});
