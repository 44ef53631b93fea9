// Reading an uploaded ZIP within a budget (ADR 13). fflate's `unzipSync` trusts the archive: it
// decodes each entry to its end whatever the entry declares, and it reads whatever the central
// directory points at, so one compressed stream can be listed as many files. Here the central
// directory is parsed by hand, every entry's local header and data must lie in their own range of
// the file, and an entry is inflated in small steps into a buffer of its declared size: the first
// byte past that size stops the decoder. Work is therefore bounded by what the directory declares,
// and what it may declare is capped (per entry, in total, and as a compression ratio).
import { Inflate, strFromU8 } from "fflate";
import { HttpError } from "../lib/errors";
import { isSafeArchivePath } from "./archive-format";

export type ZipLimits = {
  /** Files (folders included) in the central directory. */
  maxEntries: number;
  /** Declared unpacked size of one entry. */
  maxEntryBytes: number;
  /** Declared unpacked size of all entries together. */
  maxUncompressedBytes: number;
  /** Declared size over compressed size, for entries above `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
  /** Wall time one entry may take to inflate, measured across the pauses between steps. */
  maxEntryMs: number;
};

export type ZipEntry = {
  name: string;
  method: 0 | 8;
  compressedSize: number;
  size: number;
  crc: number;
  /** Where the local header starts, and where the entry's data starts and ends. */
  headerStart: number;
  dataStart: number;
  dataEnd: number;
};

/** Compressed bytes handed to the decoder per step: deflate tops out near 1,032:1, so one step makes at most ~4 MiB. */
const STEP_BYTES = 4096;
/** Output between pauses that let the isolate serve other requests. */
const PAUSE_EVERY_BYTES = 1024 * 1024;

export const invalidZip = (message: string) => new HttpError(400, "invalid_zip", message);
const tooLarge = (message: string, details?: unknown) => new HttpError(413, "archive_too_large", message, details);

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The archive's entries, by name, after checking the directory against the file: no ZIP64, no
 * encryption, stored or deflated only, safe paths, names used once, declared sizes within the
 * limits, and every local header and its data inside the file, before the directory, matching its
 * directory entry and overlapping no other entry. Folders are checked but not returned.
 */
export function readZipDirectory(zip: Uint8Array, limits: ZipLimits): Map<string, ZipEntry> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = -1;
  for (let i = zip.byteLength - 22; i >= Math.max(0, zip.byteLength - 22 - 65_535); i -= 1) {
    if (view.getUint32(i, true) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw invalidZip("The file is not a ZIP archive.");
  const disk = view.getUint16(end + 4, true);
  const directoryDisk = view.getUint16(end + 6, true);
  const countOnDisk = view.getUint16(end + 8, true);
  const count = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || directoryOffset === 0xffffffff || directorySize === 0xffffffff) throw invalidZip("ZIP64 archives are not supported.");
  if (disk !== 0 || directoryDisk !== 0 || countOnDisk !== count) throw invalidZip("Archives split over several files are not supported.");
  if (directoryOffset + directorySize > end) throw invalidZip("The ZIP archive is damaged (its directory is out of bounds).");
  if (count > limits.maxEntries) throw tooLarge(`The archive has ${count} files; at most ${limits.maxEntries} are accepted.`);

  const entries = new Map<string, ZipEntry>();
  const ranges: Array<{ entry: ZipEntry; nameBytes: Uint8Array }> = [];
  let total = 0;
  let at = directoryOffset;
  for (let n = 0; n < count; n += 1) {
    if (at + 46 > directoryOffset + directorySize || view.getUint32(at, true) !== CENTRAL) throw invalidZip("The ZIP archive is damaged (bad directory entry).");
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const headerStart = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > directoryOffset + directorySize) throw invalidZip("The ZIP archive is damaged (bad directory entry).");
    const nameBytes = zip.subarray(at + 46, at + 46 + nameLength);
    const name = strFromU8(nameBytes);
    at += 46 + nameLength + extraLength + commentLength;
    if (!isSafeArchivePath(name)) {
      throw new HttpError(400, "unsafe_path", `The archive holds a path that would escape it: ${JSON.stringify(name.slice(0, 200))}.`);
    }
    const label = name.slice(0, 200);
    if (flags & 1) throw invalidZip("Encrypted ZIP archives are not supported.");
    if (method !== 0 && method !== 8) throw invalidZip(`${label} uses a compression method this importer does not read.`);
    if (compressedSize === 0xffffffff || size === 0xffffffff || headerStart === 0xffffffff) throw invalidZip("ZIP64 archives are not supported.");
    if (method === 0 && compressedSize !== size) throw invalidZip(`The ZIP archive is damaged (${label} declares two sizes).`);
    if (size > limits.maxEntryBytes) throw tooLarge(`${label} is larger than ${limits.maxEntryBytes} bytes when unpacked.`);
    if (size > limits.ratioFloorBytes && size > compressedSize * limits.maxRatio) {
      throw tooLarge(`${label} would unpack to more than ${limits.maxRatio} times its packed size.`);
    }
    total += size;
    if (total > limits.maxUncompressedBytes) throw tooLarge(`The archive unpacks to more than ${limits.maxUncompressedBytes} bytes.`);

    // The local header: where the data really starts (its name and extra field may differ in length).
    if (headerStart + 30 > directoryOffset || view.getUint32(headerStart, true) !== LOCAL) throw invalidZip(`The ZIP archive is damaged (${label} has no header).`);
    const dataStart = headerStart + 30 + view.getUint16(headerStart + 26, true) + view.getUint16(headerStart + 28, true);
    const dataEnd = dataStart + compressedSize;
    if (dataEnd > directoryOffset) throw invalidZip(`The ZIP archive is truncated (${label}).`);
    const entry: ZipEntry = { name, method, compressedSize, size, crc, headerStart, dataStart, dataEnd };
    ranges.push({ entry, nameBytes });
    if (name.endsWith("/")) continue; // a folder
    if (entries.has(name)) throw invalidZip(`The archive holds ${label} twice.`);
    entries.set(name, entry);
  }
  // Each entry owns [header, end of data): two entries that share bytes are one stream read twice.
  ranges.sort((a, b) => a.entry.headerStart - b.entry.headerStart);
  for (let i = 1; i < ranges.length; i += 1) {
    const before = ranges[i - 1]!.entry;
    const entry = ranges[i]!.entry;
    if (entry.headerStart < before.dataEnd) {
      throw invalidZip(`The ZIP archive is damaged: ${entry.name.slice(0, 200)} and ${before.name.slice(0, 200)} share data.`);
    }
  }
  // And each local header states the same name and method as the directory.
  for (const { entry, nameBytes } of ranges) {
    const localNameLength = view.getUint16(entry.headerStart + 26, true);
    const local = zip.subarray(entry.headerStart + 30, entry.headerStart + 30 + localNameLength);
    if (view.getUint16(entry.headerStart + 8, true) !== entry.method || !sameBytes(local, nameBytes)) {
      throw invalidZip(`The ZIP archive is damaged (${entry.name.slice(0, 200)} does not match its header).`);
    }
  }
  return entries;
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (the ZIP one) of `bytes`, continuing from `crc` (the value so far, 0 to start). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = crc ^ -1;
  for (let i = 0; i < bytes.byteLength; i += 1) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

class PastDeclaredSize extends Error {}

const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * One entry's bytes, checked against its declared size and CRC. Deflated data is decoded a few
 * kilobytes of input at a time into a buffer of exactly the declared size; output past it stops
 * the decoder at once (at most one step, a few MiB, beyond the declaration). Every MiB of output
 * the isolate pauses, so other requests are served meanwhile, and an entry that takes longer than
 * `maxEntryMs` in all is refused.
 */
export async function readZipEntry(zip: Uint8Array, entry: ZipEntry, limits: Pick<ZipLimits, "maxEntryMs">): Promise<Uint8Array> {
  const label = entry.name.slice(0, 200);
  const data = zip.subarray(entry.dataStart, entry.dataEnd);
  const out = entry.method === 0 ? data : new Uint8Array(entry.size);
  let written = 0;
  let crc = 0;
  const take = (chunk: Uint8Array) => {
    if (written + chunk.byteLength > out.byteLength) throw new PastDeclaredSize();
    if (out !== data) out.set(chunk, written);
    written += chunk.byteLength;
    crc = crc32(chunk, crc);
  };
  const inflater = entry.method === 8 ? new Inflate((chunk) => take(chunk)) : null;
  const started = Date.now();
  let sincePause = 0;
  try {
    let offset = 0;
    do {
      const step = data.subarray(offset, offset + STEP_BYTES);
      offset += step.byteLength;
      const before = written;
      if (inflater) inflater.push(step, offset >= data.byteLength);
      else take(step);
      sincePause += written - before + step.byteLength;
      if (sincePause >= PAUSE_EVERY_BYTES) {
        sincePause = 0;
        await pause();
        if (Date.now() - started > limits.maxEntryMs) throw tooLarge(`${label} took too long to unpack.`);
      }
    } while (offset < data.byteLength);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    if (error instanceof PastDeclaredSize) {
      throw tooLarge(`${label} unpacks to more than the ${entry.size} bytes it declares.`, { entry: label, declaredBytes: entry.size, unpackedBytes: written });
    }
    throw invalidZip(`${label} could not be unpacked.`);
  }
  if (written !== entry.size) throw invalidZip(`${label} does not unpack to its declared size.`);
  if (crc !== entry.crc) throw invalidZip(`${label} is damaged (its checksum does not match).`);
  return out;
}
