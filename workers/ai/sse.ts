// Server-Sent Events as the streaming chat APIs send them (OpenAI-compatible servers with
// `stream: true`, the Workers AI binding): lines of `field: value`, events ended by a blank line,
// `data` lines joined with newlines. Parsed per the HTML standard's event-stream rules: any of
// CRLF, LF or CR ends a line, a line may arrive split across any number of chunks (a UTF-8
// character too), comments start with ":", and only a leading space after the colon is dropped.
import { StreamProblem } from "./streaming";

/** A line this long without a break is not SSE: refuse it rather than buffer without end. */
export const MAX_SSE_LINE = 1024 * 1024;

export type SseEvent = { event: string; data: string };

/**
 * Bytes in, events with data out, in order. When the stream ends, an event whose lines all arrived
 * is dispatched even without its final blank line (browsers drop it), but a line cut short is not.
 */
export async function* sseEvents(chunks: AsyncIterable<Uint8Array>, maxLine = MAX_SSE_LINE): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let first = true;
  let afterCr = false;
  function* line(text: string): Generator<SseEvent> {
    if (text === "") {
      if (data.length > 0) yield { event: event || "message", data: data.join("\n") };
      data = [];
      event = "";
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
  }
  function* feed(text: string): Generator<SseEvent> {
    if (!text) return;
    if (first) {
      text = text.replace(/^\uFEFF/, "");
      first = false;
    }
    // A CR that ended the previous chunk may be the first half of a CRLF.
    if (afterCr && text.startsWith("\n")) text = text.slice(1);
    afterCr = false;
    buffer += text;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      yield* line(buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 === buffer.length) afterCr = true;
        else if (buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    buffer = buffer.slice(start);
    if (buffer.length > maxLine) throw new StreamProblem(`an event-stream line is longer than ${maxLine} characters`, "bad_response", false);
  }
  for await (const chunk of chunks) yield* feed(decoder.decode(chunk, { stream: true }));
  yield* feed(decoder.decode());
  // A last line without its line break was cut off and is dropped; whole lines still waiting for
  // the blank line that ends their event are dispatched.
  yield* line("");
}

/**
 * The `data` of each event parsed as JSON, until `[DONE]`. A data line that is not JSON is a
 * StreamProblem (the server is not speaking the protocol), and so is a stream that ends without
 * `[DONE]` unless `finished()` says the payloads already told of the end (a finish reason).
 */
export async function* sseJson(chunks: AsyncIterable<Uint8Array>, finished: () => boolean = () => false): AsyncGenerator<unknown> {
  for await (const { data } of sseEvents(chunks)) {
    if (data.trim() === "[DONE]") return;
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      throw new StreamProblem(`a streamed event is not JSON: ${data.slice(0, 120)}`, "bad_response", false);
    }
    yield value;
  }
  if (!finished()) throw new StreamProblem("the stream ended before the model finished", "stream_truncated", true);
}
