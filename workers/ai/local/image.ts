// The offline image provider: generated SVG illustrations, and a framed "variation" of an upload.
import type { ImageProvider } from "../types";
import { renderElementArt } from "./art";
import { paletteFor } from "./colours";
import { embeddableType, mediaResult, throwIfAborted } from "./media";
import { createRandom } from "./random";
import { SIZE, SVG_MIME, n, svgDocument, toBase64 } from "./svg";

export const LOCAL_IMAGE_MODEL = "loreloom-local-svg-1";

const encode = (svg: string) => new TextEncoder().encode(svg);

/** A decorative frame in the world's palette around the uploaded picture, embedded as a data URI. */
export function renderVariation(image: Uint8Array, mimeType: string, prompt: string, style: string, seed: string): string {
  const type = embeddableType(image, mimeType);
  const palette = paletteFor(style);
  const random = createRandom(`${seed}\u0000variation`);
  const inset = 56;
  const inner = SIZE - inset * 2;
  let ornaments = "";
  for (const [x, y] of [[inset, inset], [SIZE - inset, inset], [inset, SIZE - inset], [SIZE - inset, SIZE - inset]] as const) {
    ornaments += `<rect x="${x - 14}" y="${y - 14}" width="28" height="28" transform="rotate(45 ${x} ${y})" fill="${palette.accent}" stroke="${palette.ink}" stroke-width="2"/>`;
  }
  const beads = random.int(10, 16);
  for (let i = 0; i < beads; i++) {
    const along = inset + ((i + 0.5) / beads) * inner;
    ornaments += `<circle cx="${n(along)}" cy="${inset / 2}" r="4" fill="${palette.glow}"/><circle cx="${n(along)}" cy="${SIZE - inset / 2 - 8}" r="4" fill="${palette.glow}"/>`;
  }
  const body = [
    `<rect width="${SIZE}" height="${SIZE}" fill="url(#frame-bg)"/>`,
    `<rect x="${inset - 10}" y="${inset - 10}" width="${inner + 20}" height="${inner + 20}" fill="none" stroke="${palette.accent}" stroke-width="6"/>`,
    `<rect x="${inset - 20}" y="${inset - 20}" width="${inner + 40}" height="${inner + 40}" fill="none" stroke="${palette.ink}" stroke-width="2"/>`,
    `<image href="data:${type};base64,${toBase64(image)}" x="${inset}" y="${inset}" width="${inner}" height="${inner}" preserveAspectRatio="xMidYMid slice" clip-path="url(#frame-clip)"/>`,
    `<rect x="${inset}" y="${inset}" width="${inner}" height="${inner}" fill="${palette.skyTop}" fill-opacity="0.18"/>`,
    ornaments,
  ].join("");
  const defs = `<linearGradient id="frame-bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${palette.skyTop}"/><stop offset="1" stop-color="${palette.skyBottom}"/></linearGradient><clipPath id="frame-clip"><rect x="${inset}" y="${inset}" width="${inner}" height="${inner}"/></clipPath>`;
  const title = prompt.trim() || "Uploaded image";
  return svgDocument({ title, description: `A framed variation of an uploaded image: ${title}`, defs, body, caption: title });
}

export const localImage: ImageProvider = {
  name: "local",

  async image(request, context) {
    throwIfAborted(context);
    const svg = renderElementArt(request.element, context.world.style, context.seed);
    return mediaResult(encode(svg), SVG_MIME, LOCAL_IMAGE_MODEL);
  },

  async variation(request, context) {
    throwIfAborted(context);
    const svg = renderVariation(request.image, request.mimeType, request.prompt, context.world.style, context.seed);
    return mediaResult(encode(svg), SVG_MIME, LOCAL_IMAGE_MODEL);
  },
};
