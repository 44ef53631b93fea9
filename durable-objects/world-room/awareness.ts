/**
 * Awareness messages (y-protocols' type 1: who is here, their cursor and selection) are relayed by
 * the room to everyone, viewers and guests included, so each one is read before it goes out: it
 * must be a well-formed awareness update, small, sent at a human rate, and only about the sender's
 * own Yjs client ids. Presence frames (the JSON `presence` message) share the rate limit.
 */
import * as decoding from "lib0/decoding";

export const MESSAGE_AWARENESS = 1;
/** An awareness message's largest size: a person's name, colour, cursor and selection fit in far less. */
export const MAX_AWARENESS_BYTES = 4 * 1024;
/** Client ids one connection may speak for (a page has one document; a few to spare). */
const MAX_IDS_PER_CONNECTION = 4;
/** Messages per second a connection may send, with bursts up to twice that (a mouse sends ~60). */
const RATE_PER_SECOND = 30;
const BURST = 60;

export type RoomProblem = { code: string; message: string };

/** A token bucket: `take()` is false once the rate is exceeded. */
export class RateBucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.at = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The client ids and states of an awareness update, or null if it is not one. */
export function readAwarenessUpdate(update: Uint8Array): Array<{ client: number; clock: number; state: unknown }> | null {
  try {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    if (count > MAX_IDS_PER_CONNECTION) return null;
    const entries: Array<{ client: number; clock: number; state: unknown }> = [];
    for (let i = 0; i < count; i += 1) {
      const client = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const state: unknown = JSON.parse(decoding.readVarString(decoder));
      if (state !== null && (typeof state !== "object" || Array.isArray(state))) return null;
      entries.push({ client, clock, state });
    }
    return decoding.hasContent(decoder) ? null : entries;
  } catch {
    return null;
  }
}

/** The room's bookkeeping of awareness: rates per connection and which ids each speaks for. */
export class AwarenessLimits {
  private readonly buckets = new Map<string, RateBucket>();
  private readonly owners = new Map<number, string>();
  private readonly idsOf = new Map<string, Set<number>>();

  /** Whether a connection may send one more awareness or presence message now. */
  allow(connectionId: string, now = Date.now()): boolean {
    let bucket = this.buckets.get(connectionId);
    if (!bucket) {
      bucket = new RateBucket(RATE_PER_SECOND, BURST, now);
      this.buckets.set(connectionId, bucket);
    }
    return bucket.take(now);
  }

  /** Checks a binary awareness message (`[1, varUint8Array(update)]`); null when it may go out. */
  check(connectionId: string, message: Uint8Array, now = Date.now()): RoomProblem | null {
    if (message.length > MAX_AWARENESS_BYTES) {
      return { code: "awareness_too_large", message: `Awareness messages are limited to ${MAX_AWARENESS_BYTES} bytes.` };
    }
    let entries: ReturnType<typeof readAwarenessUpdate>;
    try {
      const decoder = decoding.createDecoder(message);
      decoding.readVarUint(decoder); // the message type
      const update = decoding.readVarUint8Array(decoder);
      entries = decoding.hasContent(decoder) ? null : readAwarenessUpdate(update);
    } catch {
      entries = null;
    }
    if (!entries) return { code: "invalid_awareness", message: "That awareness message could not be read." };
    const mine = this.idsOf.get(connectionId) ?? new Set<number>();
    for (const { client } of entries) {
      const owner = this.owners.get(client);
      if (owner !== undefined && owner !== connectionId) {
        return { code: "invalid_awareness", message: "That awareness message speaks for another participant." };
      }
      if (owner === undefined && mine.size >= MAX_IDS_PER_CONNECTION) {
        return { code: "invalid_awareness", message: "That connection already speaks for enough clients." };
      }
    }
    if (!this.allow(connectionId, now)) return { code: "rate_limited", message: "Too many awareness messages; slow down." };
    for (const { client } of entries) {
      this.owners.set(client, connectionId);
      mine.add(client);
    }
    this.idsOf.set(connectionId, mine);
    return null;
  }

  /** Forgets a closed connection. */
  forget(connectionId: string) {
    for (const client of this.idsOf.get(connectionId) ?? []) this.owners.delete(client);
    this.idsOf.delete(connectionId);
    this.buckets.delete(connectionId);
  }
}
