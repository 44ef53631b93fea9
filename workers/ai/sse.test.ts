// The Server-Sent Events parser (sse.ts) the openai and workers-ai streams share, fed recorded byte
// sequences: the same events however the bytes are cut (inside a line, between CR and LF, inside a
// UTF-8 character), every line ending the standard allows, and clear refusals for what is not SSE.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sseEvents, sseJson, type SseEvent } from "./sse";
import { StreamProblem } from "./streaming";

const utf8 = new TextEncoder();

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)) {
    yield bytes.slice(start, cut);
    start = cut;
  }
  yield bytes.slice(start);
}

async function events(text: string | Uint8Array, cuts: number[] = []): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const event of sseEvents(chunked(typeof text === "string" ? utf8.encode(text) : text, cuts))) out.push(event);
  return out;
}

async function json(text: string, finished?: () => boolean): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const value of sseJson(chunked(utf8.encode(text), []), finished)) out.push(value);
  return out;
}

/** What an OpenAI-compatible server sends for a short streamed reply (recorded shape). */
const OPENAI = [
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Über the"},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" sea — 🌊"},"finish_reason":null}]}',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}',
  "data: [DONE]",
].join("\n\n") + "\n\n";

describe("Server-Sent Events", () => {
  it("reads a recorded OpenAI stream: one event per data line, then [DONE]", async () => {
    const values = await json(OPENAI);
    expect(values).toHaveLength(5);
    expect(values[2]).toMatchObject({ choices: [{ delta: { content: " sea — 🌊" } }] });
  });

  it("gives the same events however the bytes are cut, at every byte and at any set of places", async () => {
    const bytes = utf8.encode(OPENAI);
    const whole = await events(bytes);
    for (let cut = 1; cut < bytes.length; cut++) expect(await events(bytes, [cut])).toEqual(whole);
    expect(await events(bytes, Array.from({ length: bytes.length }, (_, i) => i))).toEqual(whole);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: "grapheme", maxLength: 30 }).filter((s) => !/[\r\n]/.test(s)), { minLength: 1, maxLength: 8 }),
        fc.constantFrom("\n", "\r\n", "\r"),
        fc.array(fc.nat(), { maxLength: 30 }),
        async (datas, eol, cuts) => {
          const text = datas.map((data) => `data: ${data}${eol}${eol}`).join("");
          const bytes = utf8.encode(text);
          const read = await events(bytes, cuts.map((c) => c % (bytes.length + 1)));
          expect(read.map((e) => e.data)).toEqual(datas);
        },
      ),
    );
  });

  it("follows the standard: CR, LF and CRLF, comments, event names, multi-line data, one leading space dropped, a BOM", async () => {
    const text = "\uFEFF: keep-alive\r\nevent: delta\rdata:  two spaces\ndata:second line\r\n\r\nid: 7\nretry: 10\n\ndata\n\n";
    expect(await events(text)).toEqual([
      { event: "delta", data: " two spaces\nsecond line" },
      { event: "message", data: "" },
    ]);
  });

  it("at the end of the stream, dispatches an event whose lines all came, and drops a line cut short", async () => {
    expect(await events('data: {"a":1}\n')).toEqual([{ event: "message", data: '{"a":1}' }]);
    expect(await events('data: {"a":1}\n\ndata: {"b"')).toEqual([{ event: "message", data: '{"a":1}' }]);
  });

  it("refuses a line longer than the limit instead of buffering without end", async () => {
    const endless = async function* () {
      for (let i = 0; i < 100; i++) yield utf8.encode("x".repeat(1000));
    };
    const error = await (async () => {
      for await (const event of sseEvents(endless(), 10_000)) void event;
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StreamProblem);
  });

  it("as JSON: data that is not JSON is refused; a stream without [DONE] is truncated unless the payloads said they finished", async () => {
    await expect(json("data: not json\n\n")).rejects.toMatchObject({ code: "bad_response", retryable: false });
    await expect(json('data: {"a":1}\n\n')).rejects.toMatchObject({ code: "stream_truncated", retryable: true });
    expect(await json('data: {"a":1}\n\n', () => true)).toEqual([{ a: 1 }]);
    // Nothing after [DONE] is read.
    expect(await json('data: {"a":1}\n\ndata: [DONE]\n\ndata: nonsense\n\n')).toEqual([{ a: 1 }]);
  });

  it("ends on any bytes at all: random input gives events or a StreamProblem, nothing else", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat({ max: 300 }), { maxLength: 6 }), async (bytes, cuts) => {
        const values: unknown[] = [];
        try {
          for await (const value of sseJson(chunked(bytes, cuts), () => true)) values.push(value);
        } catch (error) {
          expect(error).toBeInstanceOf(StreamProblem);
        }
      }),
    );
  });
});
