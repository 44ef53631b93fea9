/**
 * Reads a Yjs update (v1 encoding) without Yjs: what it holds, item by item, or null when the
 * bytes are not a well-formed update. Nothing of Yjs is built (no items, types or content
 * objects), only small records of where each item goes and what it carries: the room reads every
 * editor's update this way before storing or relaying it (update-rules.ts says what it may
 * write), and decoding it with Yjs would allocate about as much as applying it, while the room's
 * collections are its fan-out tail (ADR 9). The fuzz test (update-check.test.ts beside it) holds
 * it to one rule: what it accepts, Yjs applies without throwing.
 *
 * The layout follows Yjs 13's UpdateDecoderV1 (`readClientsStructRefs`, `readItemContent`,
 * `readDeleteSet`) and lib0's `readAny`. Content Yjs could not construct (an unknown content or
 * type reference, JSON that does not parse) is refused as well.
 */
import * as decoding from "lib0/decoding";

/** An item's id: the client that made it and its clock. */
export type StructId = { client: number; clock: number };

/** What an item carries. Only ContentAny values are decoded (they are what fields hold). */
export type ItemContent =
  | { ref: "deleted" }
  | { ref: "json" }
  | { ref: "binary" }
  | { ref: "string" }
  | { ref: "embed" }
  | { ref: "format"; key: string; value: unknown }
  | { ref: "type"; type: number; name?: string }
  | { ref: "any"; values: unknown[] }
  | { ref: "doc" };

export type DecodedItem = {
  id: StructId;
  /** Its clock span (a text item's length in UTF-16 code units). */
  length: number;
  origin: StructId | null;
  rightOrigin: StructId | null;
  /** Where it goes when it has no neighbours: a root type's name, or the item holding the type. */
  parentRoot: string | null;
  parentId: StructId | null;
  /** The map key (for items of a map). */
  parentSub: string | null;
  content: ItemContent;
};

export type DecodedUpdate = {
  items: DecodedItem[];
  /** Garbage-collected ranges: they advance the clock and write nothing. */
  gc: Array<{ id: StructId; length: number }>;
  /** Skips mark gaps in a client's clock (merged updates with something missing). */
  skips: number;
  /** The first clock of each client's structs in the update. */
  firstClock: Map<number, number>;
  deletes: Array<{ client: number; clock: number; length: number }>;
};

/** Yjs's type references (`typeRefs`). */
export const TYPE_ARRAY = 0;
export const TYPE_MAP = 1;
export const TYPE_TEXT = 2;
export const TYPE_XML_ELEMENT = 3;
export const TYPE_XML_FRAGMENT = 4;
export const TYPE_XML_TEXT = 6;

/** Whether bytes are a well-formed Yjs update (v1 encoding). */
export function isWellFormedUpdate(bytes: Uint8Array): boolean {
  return readUpdate(bytes) !== null;
}

/** The update's items, garbage-collected ranges and deletions; null if it is not well-formed. */
export function readUpdate(bytes: Uint8Array): DecodedUpdate | null {
  try {
    const reader = new Reader(bytes);
    const update: DecodedUpdate = { items: [], gc: [], skips: 0, firstClock: new Map(), deletes: [] };
    readStructs(reader, update);
    readDeleteSet(reader, update);
    return reader.pos === bytes.length ? update : null;
  } catch {
    return null;
  }
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    const value = this.bytes[this.pos++];
    if (value === undefined) throw new Error("truncated");
    return value;
  }

  /** lib0's varUint: 7 bits a byte, at most 53 bits. */
  varUint(): number {
    let value = 0;
    let multiplier = 1;
    for (;;) {
      const byte = this.byte();
      value += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return value;
      multiplier *= 128;
      if (multiplier > 2 ** 53) throw new Error("varUint too long");
    }
  }

  /** lib0's varInt: a sign bit and 6 bits in the first byte, then 7 bits a byte. */
  varInt(): void {
    let byte = this.byte();
    let bits = 6;
    while (byte & 0x80) {
      byte = this.byte();
      bits += 7;
      if (bits > 60) throw new Error("varInt too long");
    }
  }

  skip(length: number): void {
    if (this.pos + length > this.bytes.length) throw new Error("truncated");
    this.pos += length;
  }

  /** A varUint length and that many bytes (lib0's varUint8Array). */
  skipBytes(): void {
    this.skip(this.varUint());
  }

  /**
   * lib0's varString: a varUint8Array that must be UTF-8 (lib0 decodes it with `fatal: true`).
   * Returns its length in UTF-16 code units (a text item's length in Yjs).
   */
  string(): number {
    const length = this.varUint();
    this.skip(length);
    return checkUtf8(this.bytes, this.pos - length, this.pos);
  }

  /** A varString, decoded (root names and map keys). */
  text(): string {
    const length = this.varUint();
    this.skip(length);
    return textDecoder.decode(this.bytes.subarray(this.pos - length, this.pos));
  }

  /** A varString holding JSON, parsed. */
  jsonValue(): unknown {
    const length = this.varUint();
    this.skip(length);
    return JSON.parse(textDecoder.decode(this.bytes.subarray(this.pos - length, this.pos))) as unknown;
  }

  /** A varString holding JSON (Yjs's `readJSON`); "undefined" only where `allowUndefined`. */
  json(allowUndefined = false): void {
    const length = this.varUint();
    this.skip(length);
    const text = textDecoder.decode(this.bytes.subarray(this.pos - length, this.pos));
    if (!(allowUndefined && text === "undefined")) JSON.parse(text);
  }
}

// As lib0 decodes strings: a leading byte-order mark is kept, never dropped.
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Throws unless bytes[start, end) are well-formed UTF-8 (as a fatal TextDecoder requires); returns
 * the string's length in UTF-16 code units.
 */
function checkUtf8(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let units = 0;
  while (i < end) {
    const first = bytes[i]!;
    if (first < 0x80) {
      i += 1;
      units += 1;
      continue;
    }
    let following: number;
    let low = 0x80;
    let high = 0xbf;
    if (first >= 0xc2 && first <= 0xdf) following = 1;
    else if (first >= 0xe0 && first <= 0xef) {
      following = 2;
      if (first === 0xe0) low = 0xa0;
      if (first === 0xed) high = 0x9f;
    } else if (first >= 0xf0 && first <= 0xf4) {
      following = 3;
      if (first === 0xf0) low = 0x90;
      if (first === 0xf4) high = 0x8f;
    } else throw new Error("not UTF-8");
    if (i + following >= end) throw new Error("not UTF-8");
    const second = bytes[i + 1]!;
    if (second < low || second > high) throw new Error("not UTF-8");
    for (let k = 2; k <= following; k += 1) {
      const next = bytes[i + k]!;
      if (next < 0x80 || next > 0xbf) throw new Error("not UTF-8");
    }
    i += following + 1;
    units += following === 3 ? 2 : 1;
  }
  return units;
}

/** Yjs's content references (`contentRefs`): 0 is GC, 10 is Skip, 1–9 are item contents. */
const GC = 0;
const SKIP = 10;
/** Type references a ContentType may carry (`typeRefs`: Array, Map, Text, XmlElement, XmlFragment, XmlHook, XmlText). */
const TYPE_REFS = 7;
const XML_ELEMENT = 3;
const XML_HOOK = 5;
/** lib0's `writeAny` tag for an object. */
const ANY_OBJECT = 118;

function readStructs(reader: Reader, update: DecodedUpdate): void {
  const clients = reader.varUint();
  for (let c = 0; c < clients; c += 1) {
    const structs = reader.varUint();
    const client = reader.varUint();
    let clock = reader.varUint();
    // Yjs keeps only the last list of a client named twice, and would drop the first unseen.
    if (update.firstClock.has(client)) throw new Error("a client listed twice");
    update.firstClock.set(client, clock);
    for (let s = 0; s < structs; s += 1) clock += readStruct(reader, client, clock, update);
  }
}

/**
 * One struct of `client` at `clock`; returns its length. An item may refer to another client's
 * items that are not there yet (Yjs keeps it pending), but an earlier item of its own client is
 * always there: a reference to its own clock or later makes Yjs throw while integrating it.
 */
function readStruct(reader: Reader, client: number, clock: number, update: DecodedUpdate): number {
  const info = reader.byte();
  const ref = info & 0b11111;
  if (ref === GC || ref === SKIP) {
    const length = reader.varUint();
    if (length < 1) throw new Error("empty struct");
    if (ref === GC) update.gc.push({ id: { client, clock }, length });
    else update.skips += 1;
    return length;
  }
  const hasOrigin = (info & 0b10000000) !== 0;
  const hasRightOrigin = (info & 0b01000000) !== 0;
  const origin = hasOrigin ? readId(reader, client, clock) : null;
  const rightOrigin = hasRightOrigin ? readId(reader, client, clock) : null;
  let parentRoot: string | null = null;
  let parentId: StructId | null = null;
  let parentSub: string | null = null;
  if (!hasOrigin && !hasRightOrigin) {
    // The parent: a root type's name, or the id of the item that holds the type.
    if (reader.varUint() === 1) parentRoot = reader.text();
    else parentId = readId(reader, client, clock);
    if (info & 0b00100000) parentSub = reader.text(); // a map key
  }
  const [length, content] = readContent(reader, ref);
  if (length < 1) throw new Error("empty item");
  update.items.push({ id: { client, clock }, length, origin, rightOrigin, parentRoot, parentId, parentSub, content });
  return length;
}

/** An item id an item of `client` at `clock` refers to: never its own clock or later. */
function readId(reader: Reader, client: number, clock: number): StructId {
  const idClient = reader.varUint();
  const idClock = reader.varUint();
  if (idClient === client && idClock >= clock) throw new Error("refers to itself or later");
  return { client: idClient, clock: idClock };
}

/** An item's content and the item's length (its clock span). */
function readContent(reader: Reader, ref: number): [number, ItemContent] {
  switch (ref) {
    case 1: // ContentDeleted
      return [reader.varUint(), { ref: "deleted" }];
    case 2: {
      // ContentJSON: each value is a JSON string ("undefined" stands for undefined)
      const count = reader.varUint();
      for (let i = 0; i < count; i += 1) reader.json(true);
      return [count, { ref: "json" }];
    }
    case 3: // ContentBinary
      reader.skipBytes();
      return [1, { ref: "binary" }];
    case 4: // ContentString
      return [reader.string(), { ref: "string" }];
    case 5: // ContentEmbed
      reader.json();
      return [1, { ref: "embed" }];
    case 6: {
      // ContentFormat: a key and a JSON value (a mark of rich text and its attributes)
      const key = reader.text();
      return [1, { ref: "format", key, value: reader.jsonValue() }];
    }
    case 7: {
      // ContentType
      const typeRef = reader.varUint();
      if (typeRef >= TYPE_REFS) throw new Error("unknown type");
      // An XML element's node name, or a hook's name
      if (typeRef === XML_ELEMENT || typeRef === XML_HOOK) return [1, { ref: "type", type: typeRef, name: reader.text() }];
      return [1, { ref: "type", type: typeRef }];
    }
    case 8: {
      // ContentAny: checked by skipping first, then decoded by lib0 itself, as Yjs will decode it
      const count = reader.varUint();
      const start = reader.pos;
      for (let i = 0; i < count; i += 1) readAny(reader, 0);
      const decoder = decoding.createDecoder(reader.bytes.subarray(start, reader.pos));
      const values: unknown[] = [];
      for (let i = 0; i < count; i += 1) values.push(decoding.readAny(decoder));
      return [count, { ref: "any", values }];
    }
    case 9: // ContentDoc: a guid and the subdocument's options (Yjs reads properties of them)
      reader.string();
      if (reader.bytes[reader.pos] !== ANY_OBJECT) throw new Error("subdocument options are not an object");
      readAny(reader, 0);
      return [1, { ref: "doc" }];
    default:
      throw new Error("unknown content");
  }
}

/** lib0's `readAny`, skipped: a tag byte, then the value. */
function readAny(reader: Reader, depth: number): void {
  if (depth > 256) throw new Error("too deep");
  const tag = reader.byte();
  switch (tag) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return;
    case 125: // integer
      reader.varInt();
      return;
    case 124: // float32
      reader.skip(4);
      return;
    case 123: // float64
    case 122: // bigint64
      reader.skip(8);
      return;
    case 119: // string
      reader.string();
      return;
    case 116: // Uint8Array
      reader.skipBytes();
      return;
    case ANY_OBJECT: {
      // object: a count, then key and value pairs
      const count = reader.varUint();
      for (let i = 0; i < count; i += 1) {
        reader.string();
        readAny(reader, depth + 1);
      }
      return;
    }
    case 117: {
      // array
      const count = reader.varUint();
      for (let i = 0; i < count; i += 1) readAny(reader, depth + 1);
      return;
    }
    default:
      throw new Error("unknown value");
  }
}

function readDeleteSet(reader: Reader, update: DecodedUpdate): void {
  const clients = reader.varUint();
  for (let c = 0; c < clients; c += 1) {
    const client = reader.varUint();
    const ranges = reader.varUint();
    for (let r = 0; r < ranges; r += 1) {
      const clock = reader.varUint();
      const length = reader.varUint();
      if (length < 1) throw new Error("empty deletion"); // Yjs cannot re-encode one
      update.deletes.push({ client, clock, length });
    }
  }
}
