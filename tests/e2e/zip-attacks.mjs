// Archives that attack an importer (issue 14, ADR 13), built by hand for the process-level tests:
// fflate cannot write entries whose directory lies about them. The layout follows APPNOTE 4.3.7
// and 4.3.12; tests/workers/zip-factory.ts builds the same ones inside the Workers pool.
import { constants, deflateRawSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Local headers and data, then a directory whose entries may point at any local entry. */
function buildZip(locals, directory = locals.map((entry, of) => ({ name: entry.name, of }))) {
  const parts = [];
  const offsets = [];
  let offset = 0;
  for (const entry of locals) {
    const name = Buffer.from(entry.name);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(entry.method, 8);
    header.writeUInt32LE(entry.crc, 14);
    header.writeUInt32LE(entry.data.length, 18);
    header.writeUInt32LE(entry.size, 22);
    header.writeUInt16LE(name.length, 26);
    offsets.push(offset);
    parts.push(header, name, entry.data);
    offset += 30 + name.length + entry.data.length;
  }
  const start = offset;
  for (const item of directory) {
    const entry = locals[item.of];
    const name = Buffer.from(item.name);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(entry.method, 10);
    record.writeUInt32LE(entry.crc, 16);
    record.writeUInt32LE(entry.data.length, 20);
    record.writeUInt32LE(entry.size, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt32LE(offsets[item.of], 42);
    parts.push(record, name);
    offset += 46 + name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(directory.length, 8);
  end.writeUInt16LE(directory.length, 10);
  end.writeUInt32LE(offset - start, 12);
  end.writeUInt32LE(start, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

const worldJson = (title, images) =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 1,
      world: { title },
      elements: images.map((image, i) => ({ id: `e${i}`, type: "item", name: `Thing ${i}`, assets: { image } })),
      relationships: [],
    }),
  );
const stored = (name, data) => ({ name, method: 0, data, size: data.length, crc: crc32(data) });

/** 512 MiB of zeros in about 520 KB: a 16 MiB deflate segment ending in a sync flush, 32 times, then a final empty block. */
function zerosStream() {
  const segment = deflateRawSync(Buffer.alloc(16 * 1024 * 1024), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  return Buffer.concat([...Array.from({ length: 32 }, () => segment), Buffer.from([0x03, 0x00])]);
}

/** The bomb of issue 14: about 520 KB whose entry (world.json, or an asset it names) declares 64 bytes and inflates to 512 MiB. */
export function zipBomb(as = "world.json") {
  const asAsset = as === "asset";
  const entry = { name: asAsset ? "assets/bomb.png" : "world.json", method: 8, data: zerosStream(), size: 64, crc: 0 };
  return asAsset ? buildZip([stored("world.json", worldJson("Bomb", ["assets/bomb.png"])), entry]) : buildZip([entry]);
}

/** Three directory entries, one compressed stream (16 MiB in 80 KB, under the ratio cap) that each of them claims. */
export function sharedStreamZip() {
  const paths = ["assets/a.png", "assets/b.png", "assets/c.png"];
  const block = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 131 + 7) % 251));
  const image = Buffer.concat(Array.from({ length: 16 * 1024 }, () => block));
  const big = { name: "assets/a.png", method: 8, data: deflateRawSync(image, { level: 9 }), size: image.length, crc: crc32(image) };
  return buildZip([stored("world.json", worldJson("Three of one", paths)), big], [{ name: "world.json", of: 0 }, ...paths.map((name) => ({ name, of: 1 }))]);
}
