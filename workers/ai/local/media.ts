// Shared pieces of the offline media providers: result shape and which uploads may be embedded.
import { ProviderError, type CallContext, type MediaResult } from "../types";
import { readImageInfo, type ImageFormat } from "./image-info";

/** Offline calls finish in milliseconds; they only honour an abort that came before they started. */
export function throwIfAborted(context: CallContext): void {
  if (context.signal?.aborted) throw new ProviderError("local", "call aborted", { retryable: true, code: "aborted" });
}

export function mediaResult(bytes: Uint8Array, mimeType: string, model: string): MediaResult {
  return { bytes, mimeType, provider: "local", model, usage: { costUsd: 0 } };
}

const EMBEDDABLE: Record<string, ImageFormat> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/svg+xml": "svg",
};

/**
 * The MIME type to embed an upload under. Only raster types and SVG are allowed, and the bytes
 * must agree with the declared type, so a mislabelled file cannot ride inside our SVG.
 */
export function embeddableType(bytes: Uint8Array, mimeType: string): string {
  const declared = mimeType.split(";")[0]?.trim().toLowerCase() ?? "";
  const expected = EMBEDDABLE[declared];
  const actual = readImageInfo(bytes).format;
  if (!expected || expected !== actual) {
    throw new ProviderError("local", `cannot embed ${declared || "an unknown type"} (looks like ${actual})`, {
      retryable: false,
      code: "unsupported_image",
    });
  }
  return declared === "image/jpg" ? "image/jpeg" : declared;
}
