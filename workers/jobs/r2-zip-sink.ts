// A ZIP written straight to R2 as it is made (world archives, story EPUB/DOCX/ZIP files): fflate's
// streaming `Zip` emits chunks as files are added, and they go to R2 as a multipart upload in fixed
// 8 MiB parts (R2 wants equal parts but the last); an archive under one part is a single put.
import { ZipDeflate, ZipPassThrough, type Zip } from "fflate";
import { COMPRESSED_EXTENSIONS, extensionOf } from "../domain/archive-format";

export const PART_SIZE = 8 * 1024 * 1024;

/** Collects the ZIP's bytes and sends them to R2 in equal parts. */
export class R2ZipSink {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private upload: R2MultipartUpload | null = null;
  private parts: R2UploadedPart[] = [];
  size = 0;
  error: Error | null = null;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
    private readonly contentType = "application/zip",
  ) {}

  readonly ondata = (error: Error | null, chunk: Uint8Array) => {
    if (error) {
      this.error = error;
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    this.size += chunk.byteLength;
  };

  private take(length: number): Uint8Array {
    const part = new Uint8Array(length);
    let offset = 0;
    while (offset < length) {
      const chunk = this.chunks[0]!;
      const wanted = Math.min(chunk.byteLength, length - offset);
      part.set(chunk.subarray(0, wanted), offset);
      offset += wanted;
      if (wanted === chunk.byteLength) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(wanted);
    }
    this.buffered -= length;
    return part;
  }

  /** Uploads every full part buffered so far. */
  async drain(): Promise<void> {
    if (this.error) throw this.error;
    while (this.buffered >= PART_SIZE) {
      this.upload ??= await this.bucket.createMultipartUpload(this.key, { httpMetadata: { contentType: this.contentType } });
      const part = this.take(PART_SIZE);
      this.parts.push(await this.upload.uploadPart(this.parts.length + 1, part));
    }
  }

  async finish(): Promise<void> {
    await this.drain();
    const rest = this.take(this.buffered);
    if (!this.upload) {
      await this.bucket.put(this.key, rest, { httpMetadata: { contentType: this.contentType } });
      return;
    }
    if (rest.byteLength > 0) this.parts.push(await this.upload.uploadPart(this.parts.length + 1, rest));
    await this.upload.complete(this.parts);
  }

  async abort(): Promise<void> {
    await this.upload?.abort().catch(() => undefined);
  }
}

/** Adds one file: deflated, unless its type is compressed already (or `store`: EPUB's mimetype). */
export function addFile(zip: Zip, path: string, bytes: Uint8Array, store = false) {
  const entry = store || COMPRESSED_EXTENSIONS.has(extensionOf(path)) ? new ZipPassThrough(path) : new ZipDeflate(path, { level: 6 });
  entry.mtime = Date.now();
  zip.add(entry);
  entry.push(bytes, true);
}
