import fc from "fast-check";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_SYNC, bytesOf, isEmptyUpdate, isStateVectorMessage, readVarUint8Array } from "./sync-frames";

/** A sync request as a Yjs client makes it, for a document with these clients' edits. */
function syncRequest(edits: Array<{ client: number; text: string }>): Uint8Array {
  const doc = new Y.Doc();
  for (const { client, text } of edits) {
    doc.clientID = client;
    doc.getText("t").insert(0, text);
  }
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

const edits = fc.array(fc.record({ client: fc.integer({ min: 1, max: 2 ** 32 - 1 }), text: fc.string({ minLength: 1, maxLength: 20 }) }), { maxLength: 5 });

describe("readVarUint8Array", () => {
  it("reads back what lib0 writes, from where it starts", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 8 }), (payload, prefix) => {
        const encoder = encoding.createEncoder();
        for (const byte of prefix) encoding.writeUint8(encoder, byte);
        encoding.writeVarUint8Array(encoder, payload);
        const bytes = encoding.toUint8Array(encoder);
        const read = readVarUint8Array({ bytes, pos: prefix.length });
        expect([...read]).toEqual([...payload]);
        expect(read.byteOffset - bytes.byteOffset + read.length).toBe(bytes.length);
      }),
    );
  });

  it("throws on a length that runs past the end instead of reading beyond it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 200 }), (payload, cut) => {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint8Array(encoder, payload);
        const bytes = encoding.toUint8Array(encoder);
        const truncated = bytes.subarray(0, Math.max(0, bytes.length - cut));
        expect(() => readVarUint8Array({ bytes: truncated, pos: 0 })).toThrow();
      }),
    );
    // A length whose varUint never ends.
    expect(() => readVarUint8Array({ bytes: new Uint8Array(8).fill(0xff), pos: 0 })).toThrow();
  });
});

describe("isStateVectorMessage", () => {
  it("accepts every sync request a Yjs client sends", () => {
    fc.assert(
      fc.property(edits, (made) => {
        expect(isStateVectorMessage(syncRequest(made))).toBe(true);
      }),
    );
  });

  it("refuses a request with bytes after it, or cut short", () => {
    fc.assert(
      fc.property(edits, fc.uint8Array({ minLength: 1, maxLength: 8 }), (made, extra) => {
        const request = syncRequest(made);
        expect(isStateVectorMessage(new Uint8Array([...request, ...extra]))).toBe(false);
        expect(isStateVectorMessage(request.subarray(0, request.length - 1))).toBe(false);
      }),
    );
  });
});

describe("the small readers", () => {
  it("knows the empty update a client with nothing new sends, and only that", () => {
    const doc = new Y.Doc();
    expect(isEmptyUpdate(Y.encodeStateAsUpdate(doc))).toBe(true);
    doc.getText("t").insert(0, "x");
    expect(isEmptyUpdate(Y.encodeStateAsUpdate(doc))).toBe(false);
  });

  it("reads a frame's bytes in place and leaves text alone", () => {
    const buffer = new Uint8Array([9, 0, 1, 2, 9]);
    const view = buffer.subarray(1, 4);
    expect([...bytesOf(view)!]).toEqual([0, 1, 2]);
    expect(bytesOf(view)!.buffer).toBe(buffer.buffer);
    expect([...bytesOf(buffer.buffer)!]).toEqual([9, 0, 1, 2, 9]);
    expect(bytesOf("text")).toBeNull();
  });
});
