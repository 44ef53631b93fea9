// The archive reader under attack (issue 14 finding 4): what it refuses, how little of a bomb it
// decodes before refusing, and that an honest archive reads back byte for byte.
import { strToU8, unzipSync, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { buildZip, deflated, overlappingZip, stored, zerosStream, zipBomb } from "../../tests/workers/zip-factory";
import { DEFAULT_IMPORT_LIMITS } from "./import-world";
import { readZipDirectory, readZipEntry } from "./zip-reader";

const limits = DEFAULT_IMPORT_LIMITS;

async function refusal(work: () => unknown) {
  try {
    await work();
  } catch (error) {
    return error as { status: number; code: string; message: string; details?: { declaredBytes?: number; unpackedBytes?: number } };
  }
  throw new Error("the archive was accepted");
}

describe("reading a ZIP within a budget", () => {
  it("reads an honest archive back byte for byte", async () => {
    const files = { "world.json": strToU8('{"schemaVersion":1}'), "assets/a.png": new Uint8Array(3000).map((_, i) => i % 7), "elements/x.md": strToU8("# X\n".repeat(500)) };
    const zip = zipSync(files);
    const entries = readZipDirectory(zip, limits);
    expect([...entries.keys()].sort()).toEqual(Object.keys(files).sort());
    const expected = unzipSync(zip);
    for (const [name, entry] of entries) expect(await readZipEntry(zip, entry, limits)).toEqual(expected[name]);
  });

  it("stops decoding the 512 MiB bomb a few MiB past the 64 bytes it declares", async () => {
    const zip = zipBomb();
    expect(zip.byteLength).toBeLessThan(600 * 1024);
    const entry = readZipDirectory(zip, limits).get("world.json")!;
    expect(entry.size).toBe(64);
    const error = await refusal(() => readZipEntry(zip, entry, limits));
    expect(error).toMatchObject({ status: 413, code: "archive_too_large", details: { declaredBytes: 64 } });
    // What was decoded before the refusal: at most one step of input (4 KiB at ~1,032:1).
    expect(error.details?.unpackedBytes).toBeLessThanOrEqual(64);
  });

  it("refuses an entry whose declared size passes the compression ratio cap, without decoding it", async () => {
    const stream = zerosStream(16);
    const zip = buildZip([{ name: "world.json", method: 8, data: stream, size: 16 * 1024 * 1024, crc: 0 }]);
    const error = await refusal(() => readZipDirectory(zip, limits));
    expect(error).toMatchObject({ status: 413, code: "archive_too_large" });
    expect(error.message).toContain(`${limits.maxRatio} times`);
  });

  it("refuses three directory entries that point at one compressed stream", async () => {
    const error = await refusal(() => readZipDirectory(overlappingZip(), limits));
    expect(error).toMatchObject({ status: 400, code: "invalid_zip" });
    expect(error.message).toMatch(/share data/);
  });

  it("refuses an entry whose data runs into the next one's header", async () => {
    const a = deflated("a.txt", strToU8("alpha ".repeat(100)));
    const b = stored("b.txt", strToU8("beta"));
    const zip = buildZip([a, b], [
      { name: "a.txt", of: 0, compressedSize: a.data.byteLength + 10 },
      { name: "b.txt", of: 1 },
    ]);
    expect(await refusal(() => readZipDirectory(zip, limits))).toMatchObject({ status: 400, code: "invalid_zip" });
  });

  it("refuses a directory name its local header does not repeat, a bad checksum and a short stream", async () => {
    const a = stored("a.txt", strToU8("alpha"));
    expect(await refusal(() => readZipDirectory(buildZip([a], [{ name: "b.txt", of: 0 }]), limits))).toMatchObject({ code: "invalid_zip" });
    const badCrc = buildZip([a], [{ name: "a.txt", of: 0, crc: 1234 }]);
    const entry = readZipDirectory(badCrc, limits).get("a.txt")!;
    expect((await refusal(() => readZipEntry(badCrc, entry, limits))).message).toMatch(/checksum/);
    const long = deflated("long.txt", strToU8("lorem ipsum ".repeat(2000)));
    const short = buildZip([{ ...long, size: long.size + 100 }]);
    const shortEntry = readZipDirectory(short, limits).get("long.txt")!;
    expect(await refusal(() => readZipEntry(short, shortEntry, limits))).toMatchObject({ code: "invalid_zip" });
  });
});
