// Hand-built ZIP archives for the attacks on import (issue 14, ADR 13): entries whose directory
// says one thing and whose data another, and directories that list one stream several times.
// fflate's zipSync cannot make these; the layout here follows APPNOTE 4.3.7 and 4.3.12.
import { constants, deflateRawSync } from "node:zlib";
import { strToU8 } from "fflate";
import { crc32 } from "../../workers/domain/zip-reader";

export type LocalEntry = { name: string; method: 0 | 8; data: Uint8Array; size: number; crc: number };
/** A directory entry: the local entry it points at, and what it declares (by default, the truth). */
export type DirectoryEntry = { name: string; of: number; size?: number; compressedSize?: number; crc?: number };

export function stored(name: string, bytes: Uint8Array): LocalEntry {
  return { name, method: 0, data: bytes, size: bytes.byteLength, crc: crc32(bytes) };
}

export function deflated(name: string, bytes: Uint8Array): LocalEntry {
  return { name, method: 8, data: new Uint8Array(deflateRawSync(bytes, { level: 9 })), size: bytes.byteLength, crc: crc32(bytes) };
}

/**
 * `mib` MiB of zeros as one raw deflate stream of about 1 KB per MiB: a 16 MiB segment ending in
 * a sync flush (byte aligned, not final) repeated, then an empty final block.
 */
export function zerosStream(mib: number): Uint8Array {
  const segment = deflateRawSync(new Uint8Array(16 * 1024 * 1024), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const count = Math.ceil(mib / 16);
  const out = new Uint8Array(segment.byteLength * count + 2);
  for (let i = 0; i < count; i += 1) out.set(segment, i * segment.byteLength);
  out.set([0x03, 0x00], segment.byteLength * count);
  return out;
}

/** Local headers and data in order, then the directory (one entry per local entry unless given). */
export function buildZip(locals: LocalEntry[], directory?: DirectoryEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const entry of locals) {
    const name = strToU8(entry.name);
    const header = new Uint8Array(30 + name.byteLength);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x04034b50, true);
    view.setUint16(4, 20, true);
    view.setUint16(8, entry.method, true);
    view.setUint32(14, entry.crc, true);
    view.setUint32(18, entry.data.byteLength, true);
    view.setUint32(22, entry.size, true);
    view.setUint16(26, name.byteLength, true);
    header.set(name, 30);
    offsets.push(offset);
    parts.push(header, entry.data);
    offset += header.byteLength + entry.data.byteLength;
  }
  const listed: DirectoryEntry[] = directory ?? locals.map((entry, of) => ({ name: entry.name, of }));
  const directoryStart = offset;
  for (const item of listed) {
    const entry = locals[item.of]!;
    const name = strToU8(item.name);
    const record = new Uint8Array(46 + name.byteLength);
    const view = new DataView(record.buffer);
    view.setUint32(0, 0x02014b50, true);
    view.setUint16(4, 20, true);
    view.setUint16(6, 20, true);
    view.setUint16(10, entry.method, true);
    view.setUint32(16, item.crc ?? entry.crc, true);
    view.setUint32(20, item.compressedSize ?? entry.data.byteLength, true);
    view.setUint32(24, item.size ?? entry.size, true);
    view.setUint16(28, name.byteLength, true);
    view.setUint32(42, offsets[item.of]!, true);
    record.set(name, 46);
    parts.push(record);
    offset += record.byteLength;
  }
  const end = new Uint8Array(22);
  const view = new DataView(end.buffer);
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(8, listed.length, true);
  view.setUint16(10, listed.length, true);
  view.setUint32(12, offset - directoryStart, true);
  view.setUint32(16, directoryStart, true);
  parts.push(end);
  const zip = new Uint8Array(offset + 22);
  let at = 0;
  for (const part of parts) {
    zip.set(part, at);
    at += part.byteLength;
  }
  return zip;
}

/** A minimal valid world.json with one element per given image path. */
export function worldJson(title: string, images: string[] = []): Uint8Array {
  return strToU8(
    JSON.stringify({
      schemaVersion: 1,
      world: { title, style: "fantasy", tags: [], settings: {} },
      elements: images.map((image, i) => ({ id: `e${i}`, type: "item", name: `Thing ${i}`, assets: { image } })),
      relationships: [],
    }),
  );
}

/**
 * The bomb of issue 14: about 520 KB whose entry declares 64 bytes and inflates to 512 MiB.
 * `as` picks the entry: world.json itself, or an asset a valid world.json points at.
 */
export function zipBomb(as: "world.json" | "asset" = "world.json"): Uint8Array {
  const stream = zerosStream(512);
  const bomb: LocalEntry = { name: as === "asset" ? "assets/bomb.png" : "world.json", method: 8, data: stream, size: 64, crc: 0 };
  return as === "asset" ? buildZip([stored("world.json", worldJson("Bomb", ["assets/bomb.png"])), bomb]) : buildZip([bomb]);
}

/** Three directory entries, one compressed stream: three "files" the archive holds once. */
export function overlappingZip(): Uint8Array {
  const image = new Uint8Array(4096).map((_, i) => (i * 31) % 251);
  const paths = ["assets/a.png", "assets/b.png", "assets/c.png"];
  return buildZip(
    [stored("world.json", worldJson("Three of one", paths)), deflated("assets/a.png", image)],
    [{ name: "world.json", of: 0 }, ...paths.map((name) => ({ name, of: 1 }))],
  );
}
