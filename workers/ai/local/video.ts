// The offline clip provider: an animated SVG "fly-over" (slow pan and zoom with SMIL, drifting
// motes) of the element's picture. It always finishes at once, so there is nothing to poll.
import { ProviderError, type VideoProvider } from "../types";
import { renderElementArt } from "./art";
import { paletteFor } from "./colours";
import { embeddableType, mediaResult, throwIfAborted } from "./media";
import { createRandom } from "./random";
import { SIZE, SVG_MIME, n, svgDocument, toBase64 } from "./svg";

export const LOCAL_VIDEO_MODEL = "loreloom-local-flyover-1";
const DURATION_SECONDS = 9;

export function renderFlyover(
  request: Parameters<VideoProvider["start"]>[0],
  style: string,
  seed: string,
): string {
  const random = createRandom(`${seed}\u0000flyover\u0000${request.element.name}`);
  const palette = paletteFor(style);
  const picture = request.image
    ? `<image href="data:${embeddableType(request.image.bytes, request.image.mimeType)};base64,${toBase64(request.image.bytes)}" width="${SIZE}" height="${SIZE}" preserveAspectRatio="xMidYMid slice"/>`
    : renderElementArt(request.element, style, seed, { bare: true });

  // Pan across the picture while zooming in and back out; the picture is drawn larger than the
  // frame so the edges never show.
  const dx = n(random.range(-40, 40));
  const dy = n(random.range(-30, 30));
  const camera = [
    `<g transform="translate(${SIZE / 2} ${SIZE / 2})">`,
    `<g><animateTransform attributeName="transform" type="scale" values="1.15;1.4;1.15" keyTimes="0;0.5;1" calcMode="spline" keySplines="0.45 0 0.55 1;0.45 0 0.55 1" dur="${DURATION_SECONDS}s" repeatCount="indefinite"/>`,
    `<g transform="translate(${-SIZE / 2} ${-SIZE / 2})">`,
    `<g><animateTransform attributeName="transform" type="translate" values="0 0;${dx} ${dy};0 0" keyTimes="0;0.5;1" calcMode="spline" keySplines="0.45 0 0.55 1;0.45 0 0.55 1" dur="${DURATION_SECONDS}s" repeatCount="indefinite"/>`,
    picture,
    `</g></g></g></g>`,
  ].join("");

  let motes = "";
  for (let i = 0; i < 18; i++) {
    const x = n(random.range(0, SIZE));
    const duration = n(random.range(4, 9));
    const begin = n(random.range(0, 6));
    motes += `<circle cx="${x}" cy="${SIZE + 10}" r="${n(random.range(1.5, 4))}" fill="${random.pick([palette.glow, palette.accent])}" fill-opacity="0"><animate attributeName="cy" values="${SIZE + 10};-10" dur="${duration}s" begin="${begin}s" repeatCount="indefinite"/><animate attributeName="fill-opacity" values="0;0.8;0" dur="${duration}s" begin="${begin}s" repeatCount="indefinite"/></circle>`;
  }
  const defs = `<radialGradient id="flyover-vignette"><stop offset="0.6" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.55"/></radialGradient>`;
  const body = `<rect width="${SIZE}" height="${SIZE}" fill="${palette.skyTop}"/>${camera}${motes}<rect width="${SIZE}" height="${SIZE}" fill="url(#flyover-vignette)"/>`;
  return svgDocument({
    title: `${request.element.name}: fly-over`,
    description: `An animated offline fly-over of ${request.element.name}. ${request.prompt}`.trim(),
    defs,
    body,
    caption: request.element.name,
    note: "offline rendering · animated",
  });
}

export const localVideo: VideoProvider = {
  name: "local",

  async start(request, context) {
    throwIfAborted(context);
    const svg = renderFlyover(request, context.world.style, context.seed);
    return { status: "done", result: mediaResult(new TextEncoder().encode(svg), SVG_MIME, LOCAL_VIDEO_MODEL) };
  },

  async poll() {
    // `start` never answers "pending", so any token handed here did not come from this provider.
    throw new ProviderError("local", "the local video provider finishes in start() and has nothing to poll", {
      retryable: false,
      code: "nothing_to_poll",
    });
  },
};
