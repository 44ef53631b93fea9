// The AWS event-stream framing (application/vnd.amazon.eventstream) that Bedrock's ConverseStream
// answers in: each message is a prelude (total length, headers length, CRC32 of those eight
// bytes), typed headers, a payload and a CRC32 of everything before it. Smithy's codec (the AWS
// SDK's own) checks both CRCs and parses the headers; this file cuts the byte stream into messages
// and refuses lengths before trusting them, so a corrupt prelude can neither allocate gigabytes nor
// leave the reader waiting for bytes that never come.
import { Crc32 } from "@smithy/core/checksum";
import { EventStreamCodec } from "@smithy/core/event-streams";
import { StreamProblem } from "./streaming";

/** AWS caps an event-stream message at 16 MB; a passage's deltas are a few hundred bytes. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const PRELUDE_BYTES = 12;
const MIN_MESSAGE_BYTES = 16;

/** A message with its string headers (`:message-type`, `:event-type`, …); other header types are dropped. */
export type EventStreamMessage = { headers: Record<string, string>; body: Uint8Array };

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();
const codec = new EventStreamCodec(
  (bytes) => decoder.decode(bytes),
  (text) => encoder.encode(text),
);

function crc32(bytes: Uint8Array): number {
  const crc = new Crc32();
  crc.update(bytes);
  return crc.digestSync();
}

/** Bytes in, whole checked messages out. Throws StreamProblem on a bad CRC, an impossible length or a stream cut mid-message. */
export async function* eventStreamMessages(chunks: AsyncIterable<Uint8Array>, maxMessageBytes = MAX_MESSAGE_BYTES): AsyncGenerator<EventStreamMessage> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const take = (count: number): Uint8Array => {
    const all = pending.length === 1 ? pending[0]! : concat(pending, pendingBytes);
    pending = all.byteLength > count ? [all.subarray(count)] : [];
    pendingBytes = all.byteLength - count;
    return all.subarray(0, count);
  };
  const peek = (count: number): Uint8Array => {
    const all = pending.length === 1 ? pending[0]! : concat(pending, pendingBytes);
    pending = [all];
    return all.subarray(0, count);
  };
  for await (const chunk of chunks) {
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    while (pendingBytes >= PRELUDE_BYTES) {
      const prelude = peek(PRELUDE_BYTES);
      const view = new DataView(prelude.buffer, prelude.byteOffset, PRELUDE_BYTES);
      if (crc32(prelude.subarray(0, 8)) !== view.getUint32(8)) throw new StreamProblem("an event-stream prelude failed its CRC32 check", "bad_stream", true);
      const total = view.getUint32(0);
      const headersLength = view.getUint32(4);
      if (total < MIN_MESSAGE_BYTES || total > maxMessageBytes || headersLength > total - MIN_MESSAGE_BYTES) {
        throw new StreamProblem(`an event-stream message declares impossible lengths (${total} bytes, ${headersLength} of headers)`, "bad_response", false);
      }
      if (pendingBytes < total) break;
      yield decodeMessage(take(total).slice());
    }
  }
  if (pendingBytes > 0) throw new StreamProblem(`the event stream ended in the middle of a message (${pendingBytes} bytes left over)`, "stream_truncated", true);
}

function decodeMessage(bytes: Uint8Array): EventStreamMessage {
  let message: ReturnType<EventStreamCodec["decode"]>;
  try {
    message = codec.decode(bytes);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const checksum = /checksum|crc/i.test(text);
    throw new StreamProblem(`an event-stream message could not be read: ${text}`, checksum ? "bad_stream" : "bad_response", checksum);
  }
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(message.headers)) if (header.type === "string") headers[name] = header.value;
  return { headers, body: message.body };
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
