import type { Connection } from "partyserver";
import * as encoding from "lib0/encoding";
import { applyUpdate, mergeUpdates } from "yjs";
import type * as Y from "yjs";
import { log } from "../../workers/lib/log";
import type { RoomUser, ServerMessage } from "../world-room/protocol";
import type { LiveStorage } from "./live-storage";
import { MESSAGE_SYNC, SYNC_UPDATE } from "./sync-frames";

/** Early live updates held per connection, and how long one waits for what it continues. */
const EARLY_LIMIT = 16;
const EARLY_WAIT_MS = 2_000;

/**
 * The origin of the room catching its document up with updates it relayed earlier (see relay):
 * already stored and sent, and credited to the person who sent them (null: replayed on load).
 */
export type Relayed = { relayed: true; user: RoomUser | null };
export const isRelayed = (origin: unknown): origin is Relayed => typeof origin === "object" && origin !== null && (origin as Relayed).relayed === true;

/**
 * Where the document kind indexes the items of updates relayed but not yet applied, so that it can
 * check the next ones against them (the world's: room-view.ts's RelayedIndex).
 */
export type RelayedItems<Accepted> = { add(accepted: Accepted): void; clear(): void };

/** What the relay needs of the room. */
export type RelayPorts<Accepted> = {
  document: () => Y.Doc;
  store: () => LiveStorage;
  /** The document kind's index of relayed items. */
  relayed: () => RelayedItems<Accepted>;
  worldId: () => string;
  /** A change the projection must write (projection.ts). */
  noteChange: () => void;
  /** Folds the update log into a snapshot (it catches up first). */
  compact: () => void;
  /** Resolves once everything stored so far is durable (`storage.sync()`). */
  durable: () => Promise<void>;
  /** The room's open, vetted sockets, and a way to say a send failed (the list is stale). */
  sockets: () => WebSocket[];
  socketsChanged: () => void;
  send: (connection: Connection, message: ServerMessage) => void;
  /** Hands a held frame back to the room's message handler, as if it had just arrived. */
  redeliver: (connection: Connection, frame: Uint8Array) => void;
};

/**
 * The live relay (ADR 9, ADR 10, ADR 11): editors' live updates are stored, sent on to every other
 * socket once storage has them, and applied to the document later (catchUp); document updates the
 * room makes itself go out the same way (the outbox); a live update that arrives ahead of the one
 * it continues is held for a while instead of refused.
 */
export class RoomRelay<Accepted> {
  constructor(private readonly ports: RelayPorts<Accepted>) {}

  /** Updates relayed to everyone but not yet applied to the document, in order. */
  private pending: Array<{ update: Uint8Array; user: RoomUser | null }> = [];

  /** Whether updates wait to be applied. */
  get behind(): boolean {
    return this.pending.length > 0;
  }

  /** Updates stored but not applied when the room last stopped (room-storage.ts); applied at the next catch-up. */
  restore(unapplied: Uint8Array[]) {
    for (const update of unapplied) this.pending.push({ update, user: null });
  }

  /** The world is gone: nothing waits any more. */
  drop() {
    this.pending = [];
  }

  /**
   * An editor's live update while nothing is locked: stored, sent on to everyone once storage has
   * it, and applied to the document later (catchUp), as soon as anything reads the document: a
   * join, a request, the projection, a lock, compaction. Applying an update builds Yjs's objects
   * for it, and the room's tail latency was the garbage collector walking and moving them while
   * fifty sockets waited (ADR 10): relayed this way, a burst of typing or dragging costs the room
   * a write and the sends, and its document catches up once, in one transaction per person, when
   * the room next needs it (at the latest when the projection runs: within 300 ms of a pause, or
   * 20 s into a burst). Storage notes where the unapplied part of the log starts, so a room that
   * stops before catching up applies the rest on load.
   */
  relay(connection: Connection, user: RoomUser, update: Uint8Array, accepted: Accepted) {
    const store = this.ports.store();
    store.appendUnapplied(update);
    this.pending.push({ update, user });
    this.ports.relayed().add(accepted);
    this.ports.noteChange();
    this.broadcastUpdate(update, connection);
    if (store.needsCompaction) this.ports.compact();
  }

  /** Applies the relayed updates the document has not seen, a transaction per person's run of them. */
  catchUp() {
    if (this.pending.length === 0) return;
    const document = this.ports.document();
    const pending = this.pending;
    this.pending = [];
    this.ports.relayed().clear();
    for (let start = 0, end = 0; start < pending.length; start = end) {
      const user = pending[start]!.user;
      end = start + 1;
      while (end < pending.length && pending[end]!.user?.id === user?.id) end += 1;
      const origin: Relayed = { relayed: true, user };
      document.transact(() => {
        for (let index = start; index < end; index += 1) {
          try {
            applyUpdate(document, pending[index]!.update, origin);
          } catch (error) {
            // update-check.ts let it through, so Yjs should not throw (its fuzz test holds it to that)
            log.error("room.catch_up_failed", { worldId: this.ports.worldId(), error: String(error) });
          }
        }
      }, origin);
    }
    this.ports.store().markApplied();
  }

  /**
   * Document updates go to every other socket as sync `update` messages once storage has confirmed
   * them (`storage.sync()`), so nothing anyone receives can be lost. This replaces y-partyserver's
   * broadcast (see the room's onStart), which re-checked each socket's state three times per send
   * through native getters (a third of the room's time at 200 updates a second to 50 sockets), and
   * sent each update as soon as it was stored, leaving the output gate to hold fifty sends per
   * update until the commit; sending after the commit measured better at the tail (fan-out bench,
   * p99 median 12 → 9 ms). Updates stored while the room waits go out merged, one message per
   * socket. A listener of the document's `update` event.
   */
  readonly broadcastUpdate = (update: Uint8Array, origin: unknown) => {
    if (isRelayed(origin)) return; // sent when it arrived
    this.outbox.push({ update, origin });
    if (this.outbox.length === 1) void this.ports.durable().then(this.flushOutbox, this.flushOutbox);
  };

  /** Document updates stored but not yet confirmed durable, in order. */
  private outbox: Array<{ update: Uint8Array; origin: unknown }> = [];

  private readonly flushOutbox = () => {
    const outbox = this.outbox;
    this.outbox = [];
    if (outbox.length === 0) return;
    const update = outbox.length === 1 ? outbox[0]!.update : mergeUpdates(outbox.map((entry) => entry.update));
    // The sender has its updates already (a Yjs client would ignore the echo anyway); a merged
    // message with updates from several people goes to all of them.
    const origin = outbox.every((entry) => entry.origin === outbox[0]!.origin) ? outbox[0]!.origin : null;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    encoding.writeVarUint(encoder, SYNC_UPDATE);
    encoding.writeVarUint8Array(encoder, update);
    const message = encoding.toUint8Array(encoder);
    for (const socket of this.ports.sockets()) {
      if (socket === origin) continue;
      try {
        socket.send(message);
      } catch {
        this.ports.socketsChanged();
      }
    }
  };

  /**
   * Live updates that came ahead of the ones they continue, per connection. A client sends its
   * updates in order, but they have been seen to reach the room out of order (in the Workers test
   * pool); Yjs would keep such an update pending, so the room holds it instead of refusing it —
   * outside the document, relayed to nobody — and tries it again each time this connection's next
   * update is accepted. One still waiting after EARLY_WAIT_MS, or more than EARLY_LIMIT of them,
   * is refused as before (error and resync): what it continues is not coming.
   */
  private readonly early = new Map<string, Array<{ frame: Uint8Array; at: number }>>();
  /** While an early update is tried again: when it first arrived. */
  private retryingSince: number | null = null;

  holdEarly(connection: Connection, frame: Uint8Array): boolean {
    const held = this.early.get(connection.id) ?? [];
    if (held.length >= EARLY_LIMIT) return false;
    const at = this.retryingSince ?? Date.now();
    held.push({ frame: frame.slice(), at });
    this.early.set(connection.id, held);
    setTimeout(() => this.expireEarly(connection), Math.max(0, at + EARLY_WAIT_MS - Date.now()) + 1);
    return true;
  }

  releaseEarly(connection: Connection) {
    const held = this.early.get(connection.id);
    if (!held) return;
    this.early.delete(connection.id);
    for (const { frame, at } of held) {
      this.retryingSince = at;
      try {
        this.ports.redeliver(connection, frame); // a sync update is handled without awaiting
      } finally {
        this.retryingSince = null;
      }
    }
  }

  private expireEarly(connection: Connection) {
    const held = this.early.get(connection.id);
    if (!held?.some(({ at }) => Date.now() - at >= EARLY_WAIT_MS)) return;
    this.early.delete(connection.id);
    log.warn("room.update_refused", { worldId: this.ports.worldId(), code: "invalid_update", held: held.length });
    this.ports.send(connection, { type: "error", code: "invalid_update", message: "Your change was not applied: That update continues changes this room does not have.", resync: true });
  }

  /** A connection closed: its held updates go with it. */
  forget(connectionId: string) {
    this.early.delete(connectionId);
  }
}
