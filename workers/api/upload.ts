import { Buffer } from "node:buffer";
import { HttpError } from "../lib/errors";

/**
 * The bytes of one file field of a multipart/form-data request, read with a single copy: the body
 * is gathered into one buffer (refused past `maxBytes`) and the file is a view into it. Parsing
 * the form the usual way keeps the body, the parsed form and the file's bytes at once — three
 * copies of a 50 MB archive would not fit a Worker's 128 MB.
 */
export async function readMultipartFile(request: Request, field: string, maxBytes: number): Promise<{ name: string; bytes: Uint8Array } | null> {
  const type = request.headers.get("content-type") ?? "";
  const boundary = /^multipart\/form-data\s*;.*\bboundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(type);
  if (!boundary) throw new HttpError(400, "invalid_form", "Upload the archive as multipart/form-data with the ZIP in the field `file`.");
  const body = await readBody(request, maxBytes);
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const headersStart = at + delimiter.length;
    if (body[headersStart] === 0x2d && body[headersStart + 1] === 0x2d) break; // the closing delimiter
    const headersEnd = body.indexOf("\r\n\r\n", headersStart);
    if (headersEnd < 0) break;
    const headers = body.subarray(headersStart, headersEnd).toString("utf8");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headersEnd + 4);
    if (next < 0) break;
    const disposition = /content-disposition:\s*form-data\s*;([^\r\n]*)/i.exec(headers)?.[1] ?? "";
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name === field && filename !== undefined) {
      const bytes = body.subarray(headersEnd + 4, next);
      return { name: filename, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    }
    at = next + 2;
  }
  return null;
}

async function readBody(request: Request, maxBytes: number): Promise<Buffer> {
  if (!request.body) return Buffer.alloc(0);
  const tooLarge = () => new HttpError(413, "payload_too_large", `Archives are limited to ${Math.round(maxBytes / 1024 / 1024)} MB.`);
  const declared = Number(request.headers.get("content-length"));
  if (declared > maxBytes) throw tooLarge();
  let buffer = Buffer.alloc(Number.isFinite(declared) && declared > 0 ? declared : 1024 * 1024);
  let length = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (length + value.byteLength > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    if (length + value.byteLength > buffer.length) {
      const grown = Buffer.alloc(Math.min(maxBytes, Math.max(buffer.length * 2, length + value.byteLength)));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    buffer.set(value, length);
    length += value.byteLength;
  }
  return buffer.subarray(0, length);
}
