// A photo on its way to the server (issue 19, point 5): checked, shrunk in the browser when that
// makes it smaller, and sent with its progress. The decisions are pure (app/lib/photo.test.ts);
// the canvas and XMLHttpRequest wiring below them is what a browser test drives.
import { reportNetworkFailure, reportReachable } from "./online";

/** What the API accepts (workers/api/photo-upload.ts checks the bytes again). */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
export const PHOTO_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;
/** A phone's 12-megapixel photo is 4000 px wide; the AI and the canvas need far less. */
export const MAX_PHOTO_SIDE = 1600;
/** Files above this are not decoded at all (a canvas of a huge image can take the tab down). */
export const MAX_DECODE_BYTES = 40 * 1024 * 1024;
const QUALITY = 0.85;

export type PhotoProblem = "none" | "not-image" | "unsupported-type" | "too-large";

/** Why a chosen file cannot be sent as it is, before any decoding. `size` is checked after shrinking. */
export function checkChosenPhoto(file: { type: string; size: number }): PhotoProblem | null {
  if (file.size === 0) return "none";
  if (file.type && !file.type.startsWith("image/")) return "not-image";
  if (file.size > MAX_DECODE_BYTES) return "too-large";
  return null;
}

export const PHOTO_PROBLEM_TEXT: Record<PhotoProblem, string> = {
  none: "Choose or take a photo first.",
  "not-image": "That file is not a picture. Use a PNG, JPEG, GIF or WebP image.",
  "unsupported-type": "Use a PNG, JPEG, GIF or WebP picture.",
  "too-large": "Photos are limited to 10 MB.",
};

/** The size to draw an image at: the longest side at most `maxSide`, proportions kept, never enlarged. */
export function fitWithin(width: number, height: number, maxSide = MAX_PHOTO_SIDE): { width: number; height: number } {
  if (!(width > 0 && height > 0)) return { width: 0, height: 0 };
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Whether to re-encode at all. A GIF may be animated (a still would lose that), and a picture that
 * is already small in bytes and pixels gains nothing from a second lossy encoding.
 */
export function worthShrinking(file: { type: string; size: number }, width: number, height: number, maxSide = MAX_PHOTO_SIDE): boolean {
  if (file.type === "image/gif") return false;
  return Math.max(width, height) > maxSide || file.size > 512 * 1024;
}

/** The name the shrunk picture is sent under: the original's, with the new type's extension. */
export function renamed(name: string, type: string): string {
  const extension = type === "image/webp" ? "webp" : type === "image/jpeg" ? "jpg" : "png";
  const base = name.replace(/\.[^./\\]*$/, "").trim() || "photo";
  return `${base}.${extension}`;
}

/** A whole percentage for a progress bar, 0–100, from bytes sent so far. */
export function percentOf(loaded: number, total: number): number {
  if (!(total > 0) || !(loaded > 0)) return 0;
  return Math.min(100, Math.floor((loaded / total) * 100));
}

export type Shrunk = { file: File; shrunk: boolean; originalBytes: number; width: number; height: number };

/**
 * The picture to send: drawn upright (`imageOrientation: "from-image"` applies the EXIF rotation),
 * its longest side at most MAX_PHOTO_SIDE, as WebP (JPEG where the browser cannot encode WebP) —
 * used only when that is smaller than the original. A picture the browser cannot decode is sent
 * as it is, for the server to judge.
 */
export async function shrinkPhoto(file: File): Promise<Shrunk> {
  const unchanged = { file, shrunk: false, originalBytes: file.size, width: 0, height: 0 };
  if (typeof createImageBitmap !== "function") return unchanged;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return unchanged;
  }
  try {
    const original = { ...unchanged, width: bitmap.width, height: bitmap.height };
    if (!worthShrinking(file, bitmap.width, bitmap.height)) return original;
    const size = fitWithin(bitmap.width, bitmap.height);
    const canvas = document.createElement("canvas");
    canvas.width = size.width;
    canvas.height = size.height;
    const context = canvas.getContext("2d");
    if (!context) return original;
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, size.width, size.height);
    let blob = await toBlob(canvas, "image/webp");
    // A browser that cannot write WebP hands back a PNG instead: JPEG is the smaller fallback.
    if (!blob || blob.type !== "image/webp") blob = await toBlob(canvas, "image/jpeg");
    if (!blob || blob.size >= file.size || !PHOTO_TYPES.some((t) => t === blob.type)) return original;
    return { file: new File([blob], renamed(file.name, blob.type), { type: blob.type }), shrunk: true, originalBytes: file.size, ...size };
  } finally {
    bitmap.close();
  }
}

function toBlob(canvas: HTMLCanvasElement, type: string): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, QUALITY));
}

export type UploadAnswer = { status: number; body: unknown } | { status: 0; offline: true };

/**
 * POSTs a form with XMLHttpRequest, whose upload progress events fetch does not give, reporting
 * the whole percentage sent. Resolves with the status and the parsed JSON body (null when it is
 * not JSON), or `offline` when no answer came.
 */
export function uploadWithProgress(url: string, form: FormData, headers: Record<string, string>, onProgress: (percent: number) => void): Promise<UploadAnswer> {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.withCredentials = true;
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(percentOf(event.loaded, event.total));
    };
    request.upload.onload = () => onProgress(100);
    request.onload = () => {
      reportReachable();
      let body: unknown = null;
      try {
        body = request.responseText ? JSON.parse(request.responseText) : null;
      } catch {
        body = null;
      }
      resolve({ status: request.status, body });
    };
    request.onerror = () => {
      // XMLHttpRequest's network error is fetch's TypeError: the server was not reached.
      reportNetworkFailure();
      resolve({ status: 0, offline: true });
    };
    request.onabort = () => resolve({ status: 0, offline: true });
    request.send(form);
  });
}
