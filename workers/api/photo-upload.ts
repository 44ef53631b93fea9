import type { Context } from "hono";
import { HttpError } from "../lib/errors";
import type { AppEnv } from "./context";

/** Photos and sketches that seed an element or a story (catalogue C4, E1). */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
export const PHOTO_TYPES: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp" };

/** The image type the bytes really are (never trust the declared one). */
export function sniffImage(bytes: Uint8Array): string | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "image/gif";
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return "image/webp";
  return null;
}

/**
 * A photo sent as multipart/form-data (the image in `file`), read and checked: its real type, its
 * size; the form's other fields as text (a field given twice, or as a file, is refused).
 */
export async function readPhotoUpload(c: Context<AppEnv>): Promise<{ bytes: Uint8Array; mimeType: string; fields: Record<string, string> }> {
  if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("multipart/form-data")) {
    throw new HttpError(415, "unsupported_media_type", "Upload the photo as multipart/form-data with the image in the field `file`.");
  }
  let form: Record<string, string | File | (string | File)[]>;
  try {
    form = await c.req.parseBody();
  } catch {
    throw new HttpError(400, "invalid_form", "The upload could not be read as multipart/form-data.");
  }
  const file = form.file;
  if (!(file instanceof File)) throw new HttpError(400, "validation_failed", "Attach the photo or sketch in the field `file`.");
  if (file.size > MAX_PHOTO_BYTES) throw new HttpError(413, "payload_too_large", "Photos are limited to 10 MB.");
  const bytes = new Uint8Array(await file.arrayBuffer());
  const mimeType = sniffImage(bytes);
  if (!mimeType) throw new HttpError(415, "unsupported_media_type", "Only PNG, JPEG, GIF and WebP images can be used.");
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(form)) {
    if (name === "file") continue;
    if (typeof value !== "string") throw new HttpError(400, "invalid_form", `The field ${name} must be text, given once.`);
    fields[name] = value;
  }
  return { bytes, mimeType, fields };
}
