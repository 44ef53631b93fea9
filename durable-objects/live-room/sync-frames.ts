import type { WSMessage } from "partyserver";
import * as decoding from "lib0/decoding";

/** The y-protocols sync message and its steps, as they arrive in binary frames. */
export const MESSAGE_SYNC = 0;
export const SYNC_STEP_1 = 0;
export const SYNC_STEP_2 = 1;
export const SYNC_UPDATE = 2;

/** A binary WebSocket message's bytes (null for a text message), without copying them. */
export function bytesOf(message: WSMessage): Uint8Array | null {
  if (typeof message === "string") return null;
  if (message instanceof ArrayBuffer) return new Uint8Array(message);
  return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
}

/** lib0's varUint8Array: a varUint length, then the bytes. */
export function readVarUint8Array(decoder: { bytes: Uint8Array; pos: number }): Uint8Array {
  let length = 0;
  let shift = 0;
  for (;;) {
    const byte = decoder.bytes[decoder.pos++];
    if (byte === undefined) throw new Error("truncated");
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
    shift += 7;
    if (shift > 35) throw new Error("length too long");
  }
  if (decoder.pos + length > decoder.bytes.length) throw new Error("truncated");
  return decoder.bytes.subarray(decoder.pos, decoder.pos + length);
}

/** Whether a sync request is `[0, 0, varUint8Array(state vector)]` and nothing else. */
export function isStateVectorMessage(bytes: Uint8Array): boolean {
  try {
    const vector = readVarUint8Array({ bytes, pos: 2 });
    if (vector.byteOffset - bytes.byteOffset + vector.length !== bytes.length) return false;
    const decoder = decoding.createDecoder(vector);
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i += 1) {
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
    }
    return !decoding.hasContent(decoder);
  } catch {
    return false;
  }
}

/** A v1 update with no structs and no deletions: what a client with nothing new sends. */
export const isEmptyUpdate = (update: Uint8Array) => update.length === 2 && update[0] === 0 && update[1] === 0;
