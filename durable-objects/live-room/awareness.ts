/**
 * Awareness messages (y-protocols' type 1: who is here, their cursor and selection) are relayed by
 * the room to everyone, viewers and guests included, so each one is read before it goes out: it
 * must be a well-formed awareness update, not too large, and sent at a human rate. Standard
 * clients (y-partyserver's provider, y-websocket's) echo the states they learn of other people
 * back to the room, so a message may carry other participants' entries: only the sender's own
 * entries (client ids it was first to speak for) are relayed, each state at most 4 KB; the rest
 * is dropped without complaint, so nobody can speak for someone else. Presence frames (the JSON
 * `presence` message) share the rate limit.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

export const MESSAGE_AWARENESS = 1;
/** One person's awareness state at most: a name, colour, cursor and selection fit in far less. */
export const MAX_STATE_BYTES = 4 * 1024;
/** A whole message at most (an echo of a full room's states fits in it; it is never relayed as is). */
export const MAX_AWARENESS_BYTES = 128 * 1024;
/** Entries one message may hold (a full room's echo). */
const MAX_ENTRIES = 256;
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

type AwarenessEntry = { client: number; clock: number; state: unknown; json: string };

/** The entries of an awareness update, or null if it is not one. */
export function readAwarenessUpdate(update: Uint8Array): AwarenessEntry[] | null {
  try {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    if (count > MAX_ENTRIES) return null;
    const entries: AwarenessEntry[] = [];
    for (let i = 0; i < count; i += 1) {
      const client = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const json = decoding.readVarString(decoder);
      const state: unknown = JSON.parse(json);
      if (state !== null && (typeof state !== "object" || Array.isArray(state))) return null;
      entries.push({ client, clock, state, json });
    }
    return decoding.hasContent(decoder) ? null : entries;
  } catch {
    return null;
  }
}

function encodeAwarenessMessage(entries: AwarenessEntry[]): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(update, entry.client);
    encoding.writeVarUint(update, entry.clock);
    encoding.writeVarString(update, entry.json);
  }
  const message = encoding.createEncoder();
  encoding.writeVarUint(message, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(message, encoding.toUint8Array(update));
  return encoding.toUint8Array(message);
}

/** What to do with an awareness message: refuse it, relay these bytes, or relay nothing. */
export type AwarenessVerdict = { problem: RoomProblem } | { relay: Uint8Array | null };

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

  /** Reads a binary awareness message (`[1, varUint8Array(update)]`) from a connection. */
  check(connectionId: string, message: Uint8Array, now = Date.now()): AwarenessVerdict {
    if (message.length > MAX_AWARENESS_BYTES) {
      return { problem: { code: "awareness_too_large", message: `Awareness messages are limited to ${MAX_AWARENESS_BYTES} bytes.` } };
    }
    let entries: AwarenessEntry[] | null;
    try {
      const decoder = decoding.createDecoder(message);
      decoding.readVarUint(decoder); // the message type
      const update = decoding.readVarUint8Array(decoder);
      entries = decoding.hasContent(decoder) ? null : readAwarenessUpdate(update);
    } catch {
      entries = null;
    }
    if (!entries) return { problem: { code: "invalid_awareness", message: "That awareness message could not be read." } };
    const mine = this.idsOf.get(connectionId) ?? new Set<number>();
    const own: AwarenessEntry[] = [];
    for (const entry of entries) {
      const owner = this.owners.get(entry.client);
      if (owner === connectionId) own.push(entry);
      // An id nobody speaks for is this connection's once it gives it a state (an echo of
      // someone's departure, a null state, claims nothing), up to a few per connection.
      else if (owner === undefined && entry.state !== null && mine.size < MAX_IDS_PER_CONNECTION) {
        this.owners.set(entry.client, connectionId);
        mine.add(entry.client);
        own.push(entry);
      }
    }
    this.idsOf.set(connectionId, mine);
    if (own.some((entry) => entry.json.length > MAX_STATE_BYTES)) {
      return { problem: { code: "awareness_too_large", message: `An awareness state is limited to ${MAX_STATE_BYTES} bytes.` } };
    }
    if (own.length === 0) return { relay: null };
    // Only what goes out counts towards the rate (echoes of others' changes come at their rate).
    if (!this.allow(connectionId, now)) return { problem: { code: "rate_limited", message: "Too many awareness messages; slow down." } };
    return { relay: own.length === entries.length ? message : encodeAwarenessMessage(own) };
  }

  /** Forgets a closed connection. */
  forget(connectionId: string) {
    for (const client of this.idsOf.get(connectionId) ?? []) this.owners.delete(client);
    this.idsOf.delete(connectionId);
    this.buckets.delete(connectionId);
  }
}
