import { SELF, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import type { ServerMessage } from "../../durable-objects/world-room/protocol";
import { RoomStorage } from "../../durable-objects/world-room/room-storage";
import { ORIGIN, waitUntil, whenTestEnds } from "./helpers";

/**
 * A minimal room client for tests: speaks the Yjs sync protocol on binary frames (with its own
 * Y.Doc) and collects the JSON messages, as any Yjs client plus a JSON reader would.
 */
export class RoomClient {
  readonly doc = new Y.Doc();
  readonly messages: ServerMessage[] = [];
  /** Awareness frames received (type 1), as they came. */
  readonly awareness: Uint8Array[] = [];
  /** Document update frames received (sync `update`), as they came. */
  readonly updates: Uint8Array[] = [];
  /** Sync answers (step 2) received: each follows a sync request this client sent. */
  private syncAnswers = 0;
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", async (event) => {
      if (typeof event.data === "string") {
        this.messages.push(JSON.parse(event.data) as ServerMessage);
      } else {
        const data = event.data instanceof Blob ? await event.data.arrayBuffer() : (event.data as ArrayBuffer);
        this.onBinary(new Uint8Array(data));
      }
      this.wake();
    });
    socket.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.wake();
    });
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === this) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.writeUpdate(encoder, update);
      this.socket.send(encoding.toUint8Array(encoder));
    });
  }

  static async connect(worldId: string, cookie?: string, headers: Record<string, string> = {}, query = "") {
    return RoomClient.connectTo(`/api/worlds/${worldId}/room${query}`, cookie, headers);
  }

  /** Joins the room at `path` (a world's, or a story's: /api/worlds/:id/stories/:sid/room). */
  static async connectTo(path: string, cookie?: string, headers: Record<string, string> = {}) {
    const response = await SELF.fetch(`${ORIGIN}${path}`, {
      headers: { upgrade: "websocket", ...(cookie ? { cookie } : {}), ...headers },
    });
    if (!response.webSocket) return { response, client: null };
    response.webSocket.accept();
    const client = new RoomClient(response.webSocket);
    await client.waitFor((m) => m.type === "welcome");
    await client.synced();
    return { response, client };
  }

  private onBinary(bytes: Uint8Array) {
    const decoder = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(decoder);
    if (type === 1) this.awareness.push(bytes);
    if (type !== 0) return;
    if (bytes[1] === syncProtocol.messageYjsSyncStep2) this.syncAnswers += 1;
    if (bytes[1] === syncProtocol.messageYjsUpdate) this.updates.push(bytes);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
    if (encoding.length(encoder) > 1) this.socket.send(encoding.toUint8Array(encoder));
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits until a JSON message matching `match` has arrived, and returns it; the test's timeout is the one limit. */
  async waitFor<T = ServerMessage>(match: (m: ServerMessage) => boolean): Promise<T> {
    const ended = whenTestEnds();
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found as unknown as T;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting`);
      if (ended()) throw new Error(`the test ended; messages so far: ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Waits until `check` holds (document state changes arrive as binary frames); the test's timeout is the one limit. */
  async until(check: () => boolean) {
    const ended = whenTestEnds();
    while (!check()) {
      if (ended()) throw new Error("the test ended waiting for the document");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Asks the room for its state and waits for the answer. */
  async synced() {
    await this.flushed();
  }

  /**
   * Waits until the room has dealt with every frame this client sent before: the room reads a
   * socket's frames in order, and answers a sync request (step 1) with its state (step 2).
   */
  async flushed() {
    const before = this.syncAnswers;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.socket.send(encoding.toUint8Array(encoder));
    await this.until(() => this.syncAnswers > before || this.closed !== null);
  }

  sendJson(message: unknown) {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  close() {
    this.socket.close(1000, "done");
  }
}

/**
 * Live edits are projected by the room's alarm once the room has been quiet for 300 ms: waits that
 * long and runs the alarm (it may have run by itself already), until nothing is left to project.
 */
export async function projectOnceQuiet(worldId: string) {
  const room = env.WORLD_ROOM.getByName(worldId);
  await waitUntil(
    "the room's projection",
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 350));
      await runDurableObjectAlarm(room);
      return (await runInDurableObject(room, (_room, state) => new RoomStorage(state.storage.sql).dirtyCount())) === 0;
    },
    0,
  );
}
