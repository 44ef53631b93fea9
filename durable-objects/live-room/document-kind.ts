import type * as Y from "yjs";
import type { z } from "zod";
import type { ClientMessage, RoomUser, ServerMessage } from "../world-room/protocol";
import type { LiveStorage } from "./live-storage";
import type { RelayedItems } from "./relay";
import type { DecodedUpdate } from "./update-check";

/**
 * The origin of transactions the room makes itself (hydrating from D1, stamping versions after a
 * projection): nobody's change, so nothing is marked for the projection.
 */
export const PROJECTOR = Symbol("projector");

/**
 * A part of the document whose changes the projection writes, and the ids a change touched (marked
 * in the room's storage under `name`). Usually one top-level Yjs type observed deeply (`type` and
 * `touched`: the world's `element` and `relationship`); a kind whose collection spans several
 * top-level types watches the document itself (`observe`: a story's scenes, each with its text in
 * a root of its own).
 */
export type Collection = {
  name: string;
  /** Someone changed these ids (over a socket, relayed, or through RPC): the kind's own bookkeeping. */
  edited?: (ids: string[], user: RoomUser) => void;
} & (
  | {
      type: (doc: Y.Doc) => Y.AbstractType<unknown>;
      touched: (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => string[];
    }
  | { observe: (doc: Y.Doc, touched: (ids: string[], transaction: Y.Transaction) => void) => void }
);

/** A live update the kind refuses. `uncertain`: it may decide otherwise once the document caught up; `early`: it continues changes not here yet. */
export type UpdateRefusal = {
  ok: false;
  code: string;
  message: string;
  field?: string;
  uncertain?: boolean;
  early?: boolean;
};
/** A live update the kind accepts: whether it changes anything, and the Yjs client ids it writes with. */
export type UpdateAcceptance = {
  ok: true;
  changes: boolean;
  clients: number[];
};

/** Where a kind's document goes in a world's archive (export, import, fork): the file and its schema. */
export type ArchiveEntry = { path: string; schema: z.ZodType };

/**
 * A document kind: what a live room's document holds, and everything that depends on it. The room
 * machinery (live-room.ts) joins people, relays and stores updates, catches the document up,
 * paces the projection and runs the alarm; it asks the kind everything else. A kind is an object
 * made for one room (its closures reach the room's document, storage and D1).
 */
export interface DocumentKind<Store extends LiveStorage, Accepted extends UpdateAcceptance> {
  /** The room's SQLite storage: the machinery's tables (LiveStorage) and the kind's own. */
  openStorage(sql: SqlStorage): Store;
  /** The collections changes are marked in, in the order the projection writes them. */
  readonly collections: readonly Collection[];
  /**
   * Fills a room that has no storage of its own from D1 (in a PROJECTOR transaction); false when
   * D1 holds nothing for it. Rows are read through schemas: one that does not read is repaired or
   * left out, and logged, never the end of the room.
   */
  hydrate(): Promise<boolean>;
  /** What a live update writes, checked against the document and the updates relayed since. */
  inspect(update: DecodedUpdate, user: RoomUser): Accepted | UpdateRefusal;
  /** Whether an accepted update may go ahead now (the world: nobody else holds a lock on what it touches). */
  admit(accepted: Accepted, user: RoomUser): { code: string; message: string } | null;
  /** The index of items relayed but not yet applied, which `inspect` reads (ADR 10, 11). */
  readonly relayed: RelayedItems<Accepted>;
  /**
   * Writes one batch of at most `size` marked changes to D1 (catching the document up first);
   * true when more are waiting. The machinery decides when and how often (pacing.ts).
   */
  projectBatch(size: number): Promise<boolean>;
  /** After the projection has written everything (the world: the gallery's search row). */
  afterProjection(): Promise<void>;
  /** The kind's part of an archive. */
  readonly archive: ArchiveEntry;
}

/**
 * What a room built on the machinery adds besides its kind: its own JSON messages (chat, locks),
 * what a person joining is sent, what closing a socket releases, and alarm work of its own.
 */
export type RoomFeatures = {
  /** Sent to someone who joined, once their sync request is answered (users: everyone here). */
  greet: (you: RoomUser, users: RoomUser[]) => ServerMessage[];
  /** A JSON message other than `presence` (which the machinery relays). */
  message: (connectionId: string, user: RoomUser, readOnly: boolean, message: ClientMessage, reply: (message: ServerMessage) => void) => Promise<void>;
  /** A socket closed. */
  left: (connectionId: string) => void;
  /** Once the document is loaded and observed, before relayed updates are caught up. */
  loaded: () => Promise<void>;
  /** The alarm fired: work before the projection's turn. */
  alarm: () => Promise<void>;
  /** After the projection's turn: when the alarm must come back for this work (null: not needed). */
  nextAlarm: () => number | null;
};
