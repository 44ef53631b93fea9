// A Yjs room client for Node-side tests and the bench: the `ws` package (Node 20 has no global
// WebSocket), the standard Yjs sync protocol on binary frames, JSON messages collected.
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import WebSocket from "ws";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";

export class NodeRoomClient {
  constructor(url, { cookie } = {}) {
    this.doc = new Y.Doc();
    this.messages = [];
    /** While recording, incoming document updates are kept (with arrival times), not applied. */
    this.recording = null;
    this.socket = new WebSocket(url.replace(/^http/, "ws"), { headers: cookie ? { cookie } : {}, perMessageDeflate: false });
    // Buffers, not ArrayBuffers: ws would copy every binary frame into an ArrayBuffer of its own,
    // and at 10,000 frames a second those made the bench process's scavenges several times longer.
    this.socket.binaryType = "nodebuffer";
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", resolve);
      this.socket.once("error", reject);
      this.socket.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    this.socket.on("message", (data, isBinary) => {
      if (!isBinary) {
        this.messages.push(JSON.parse(data.toString()));
        return;
      }
      if (this.recording && data[0] === 0 && data[1] === 2) {
        this.recording.add(performance.now(), data);
        return;
      }
      const bytes = new Uint8Array(data);
      const decoder = decoding.createDecoder(bytes);
      if (decoding.readVarUint(decoder) !== 0) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
      if (encoding.length(encoder) > 1) this.socket.send(encoding.toUint8Array(encoder));
    });
    this.doc.on("update", (update, origin) => {
      if (origin === this || this.socket.readyState !== WebSocket.OPEN) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.writeUpdate(encoder, update);
      this.socket.send(encoding.toUint8Array(encoder));
    });
  }

  /** Opens, asks the room for its state, and waits for the welcome and the state. */
  async ready() {
    await this.opened;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.socket.send(encoding.toUint8Array(encoder));
    await until(() => this.messages.some((m) => m.type === "welcome"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    return this;
  }

  /** Keeps incoming updates aside, so a test can time their arrival without applying them. */
  record() {
    this.recording = new UpdateRecorder();
  }

  /** Applies what was recorded and returns it (each with its arrival time and raw update). */
  applyRecorded() {
    const recorded = this.recording?.entries() ?? [];
    this.recording = null;
    for (const { bytes } of recorded) {
      const decoder = decoding.createDecoder(bytes);
      decoding.readVarUint(decoder);
      syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), this.doc, this);
    }
    return recorded.map(({ at, bytes }) => {
      const decoder = decoding.createDecoder(bytes);
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
      return { at, update: decoding.readVarUint8Array(decoder) };
    });
  }

  close() {
    this.socket.close();
  }
}

/**
 * Arrival times and bytes of recorded messages, copied into a few growing typed arrays. Keeping
 * an object and a buffer per message instead made the bench process's own garbage collection
 * (scavenges of 3–6 ms every few dozen milliseconds, with a hundred thousand live messages) part of
 * the latency it measures.
 */
export class UpdateRecorder {
  count = 0;
  #times = new Float64Array(4096);
  #ends = new Uint32Array(4096);
  #bytes = new Uint8Array(1 << 20);

  add(at, bytes) {
    const start = this.count === 0 ? 0 : this.#ends[this.count - 1];
    if (this.count === this.#times.length) {
      this.#times = grow(this.#times, this.count * 2);
      this.#ends = grow(this.#ends, this.count * 2);
    }
    if (start + bytes.length > this.#bytes.length) this.#bytes = grow(this.#bytes, Math.max(this.#bytes.length * 2, start + bytes.length));
    this.#bytes.set(bytes, start);
    this.#times[this.count] = at;
    this.#ends[this.count] = start + bytes.length;
    this.count += 1;
  }

  entries() {
    return Array.from({ length: this.count }, (_, i) => ({
      at: this.#times[i],
      bytes: this.#bytes.subarray(i === 0 ? 0 : this.#ends[i - 1], this.#ends[i]),
    }));
  }
}

function grow(array, length) {
  const bigger = new array.constructor(length);
  bigger.set(array);
  return bigger;
}

export async function until(check, timeoutMs = 10_000, what = "a condition") {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function signInCookie(baseUrl, email, password) {
  const response = await fetch(`${baseUrl}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`sign-in failed: ${response.status}`);
  return response.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
}

// The world document's shape (durable-objects/world-room/graph-doc.ts), for clients in plain JS.
export const elementsOf = (doc) => doc.getMap("elements");

export function addElement(doc, id, name, type = "lore") {
  doc.transact(() => {
    const map = new Y.Map();
    map.set("type", type);
    map.set("name", name);
    map.set("description", new Y.Text(""));
    map.set("pos", { x: 0, y: 0 });
    map.set("tags", []);
    map.set("media", { assets: {}, metadata: {} });
    map.set("meta", { version: 0, createdBy: null, createdAt: Date.now(), updatedAt: Date.now() });
    elementsOf(doc).set(id, map);
  });
}

export function setField(doc, id, key, value) {
  doc.transact(() => elementsOf(doc).get(id).set(key, value));
}
