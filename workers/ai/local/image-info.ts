// Reads what can be read cheaply from an uploaded image's bytes: format and dimensions from the
// header for PNG, JPEG, GIF, WebP and SVG, and colours where they are cheap to get (PNG pixels,
// SVG fills). It never trusts the declared MIME type over the bytes.
import { unzlibSync } from "fflate";
import { nameColour, parseColour, type Rgb } from "./colours";

export type ImageFormat = "png" | "jpeg" | "gif" | "webp" | "svg" | "unknown";

export type ImageInfo = {
  format: ImageFormat;
  width?: number;
  height?: number;
  byteLength: number;
  orientation?: "landscape" | "portrait" | "square";
  /** Mean colour of the visible pixels (PNG) or of the fills (SVG). */
  average?: Rgb;
  /** Most common colours, most common first, by name. */
  colours: string[];
};

/** PNG pixel decoding is skipped beyond this size, to keep a queue message well inside its CPU budget. */
const MAX_PNG_PIXELS = 4_000_000;

export function readImageInfo(bytes: Uint8Array): ImageInfo {
  const base = { byteLength: bytes.length, colours: [] as string[] };
  const info: ImageInfo = isPng(bytes)
    ? { ...base, ...readPng(bytes) }
    : isJpeg(bytes)
      ? { ...base, format: "jpeg", ...jpegSize(bytes) }
      : isGif(bytes)
        ? { ...base, format: "gif", width: u16le(bytes, 6), height: u16le(bytes, 8) }
        : isWebp(bytes)
          ? { ...base, format: "webp", ...webpSize(bytes) }
          : looksLikeSvg(bytes)
            ? { ...base, ...readSvg(bytes) }
            : { ...base, format: "unknown" };
  if (info.width && info.height) {
    const ratio = info.width / info.height;
    info.orientation = ratio > 1.15 ? "landscape" : ratio < 1 / 1.15 ? "portrait" : "square";
  }
  return info;
}

const u16le = (b: Uint8Array, i: number) => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
const u16be = (b: Uint8Array, i: number) => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
const u24le = (b: Uint8Array, i: number) => u16le(b, i) | ((b[i + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, i: number) => ((u16be(b, i) << 16) | u16be(b, i + 2)) >>> 0;
const ascii = (b: Uint8Array, start: number, length: number) => String.fromCharCode(...b.subarray(start, start + length));

const isPng = (b: Uint8Array) => b.length > 24 && b[0] === 0x89 && ascii(b, 1, 3) === "PNG";
const isJpeg = (b: Uint8Array) => b.length > 4 && b[0] === 0xff && b[1] === 0xd8;
const isGif = (b: Uint8Array) => b.length > 10 && ascii(b, 0, 4) === "GIF8";
const isWebp = (b: Uint8Array) => b.length > 30 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP";
const looksLikeSvg = (b: Uint8Array) => /<svg[\s>]/i.test(new TextDecoder().decode(b.subarray(0, 4096)));

/** Width and height from the first start-of-frame marker (SOF0–SOF15, less DHT/JPG/DAC). */
function jpegSize(b: Uint8Array): { width?: number; height?: number } {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return {};
    const marker = b[i + 1] ?? 0;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const length = u16be(b, i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    i += 2 + length;
  }
  return {};
}

function webpSize(b: Uint8Array): { width?: number; height?: number } {
  const chunk = ascii(b, 12, 4);
  if (chunk === "VP8X") return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  if (chunk === "VP8L") {
    const bits = (b[21] ?? 0) | ((b[22] ?? 0) << 8) | ((b[23] ?? 0) << 16) | ((b[24] ?? 0) << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8 ") return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  return {};
}

function readPng(b: Uint8Array): Partial<ImageInfo> & { format: "png" } {
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const bitDepth = b[24] ?? 0;
  const colourType = b[25] ?? 0;
  const interlaced = b[28] === 1;
  const result = { format: "png" as const, width, height };

  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  if (!channels || interlaced || (bitDepth !== 8 && bitDepth !== 16) || width * height > MAX_PNG_PIXELS) return result;

  const idat: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  for (let i = 8; i + 8 <= b.length; ) {
    const length = u32be(b, i);
    const type = ascii(b, i + 4, 4);
    const data = b.subarray(i + 8, i + 8 + length);
    if (type === "IDAT") idat.push(data);
    else if (type === "PLTE") palette = data;
    else if (type === "IEND") break;
    i += 12 + length;
  }
  try {
    const joined = new Uint8Array(idat.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of idat) {
      joined.set(part, offset);
      offset += part.length;
    }
    const pixels = unfilter(unzlibSync(joined), width, height, channels * (bitDepth / 8));
    return { ...result, ...summarisePixels(pixels, width * height, channels, bitDepth / 8, palette) };
  } catch {
    // A damaged or truncated stream still has a readable header: report what we know.
    return result;
  }
}

/** Undoes PNG's per-scanline filters (None, Sub, Up, Average, Paeth). */
function unfilter(data: Uint8Array, width: number, height: number, bytesPerPixel: number): Uint8Array {
  const stride = width * bytesPerPixel;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = data[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const raw = data[src + x] ?? 0;
      const left = x >= bytesPerPixel ? (out[row + x - bytesPerPixel] ?? 0) : 0;
      const up = y > 0 ? (out[row - stride + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= bytesPerPixel ? (out[row - stride + x - bytesPerPixel] ?? 0) : 0;
      let value = raw;
      if (filter === 1) value = raw + left;
      else if (filter === 2) value = raw + up;
      else if (filter === 3) value = raw + ((left + up) >> 1);
      else if (filter === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        value = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
      }
      out[row + x] = value & 0xff;
    }
  }
  return out;
}

function summarisePixels(
  pixels: Uint8Array,
  count: number,
  channels: number,
  bytesPerChannel: number,
  palette: Uint8Array | undefined,
): Pick<ImageInfo, "average" | "colours"> {
  // Sampling ~20k pixels is plenty for an average and a rough histogram.
  const step = Math.max(1, Math.floor(count / 20_000));
  const sums = [0, 0, 0];
  let seen = 0;
  const buckets = new Map<number, { n: number; r: number; g: number; b: number }>();
  for (let p = 0; p < count; p += step) {
    const at = (c: number) => pixels[(p * channels + c) * bytesPerChannel] ?? 0;
    let rgb: [number, number, number];
    let alpha = 255;
    if (channels === 1 && palette) {
      const index = at(0) * 3;
      rgb = [palette[index] ?? 0, palette[index + 1] ?? 0, palette[index + 2] ?? 0];
    } else if (channels <= 2) {
      rgb = [at(0), at(0), at(0)];
      if (channels === 2) alpha = at(1);
    } else {
      rgb = [at(0), at(1), at(2)];
      if (channels === 4) alpha = at(3);
    }
    if (alpha < 16) continue;
    seen++;
    sums[0]! += rgb[0];
    sums[1]! += rgb[1];
    sums[2]! += rgb[2];
    const key = ((rgb[0] >> 5) << 6) | ((rgb[1] >> 5) << 3) | (rgb[2] >> 5);
    const bucket = buckets.get(key) ?? { n: 0, r: 0, g: 0, b: 0 };
    bucket.n++;
    bucket.r += rgb[0];
    bucket.g += rgb[1];
    bucket.b += rgb[2];
    buckets.set(key, bucket);
  }
  if (!seen) return { colours: [] };
  const ranked = [...buckets.values()].sort((a, b) => b.n - a.n);
  const colours = [...new Set(ranked.map((bucket) => nameColour([bucket.r / bucket.n, bucket.g / bucket.n, bucket.b / bucket.n])))];
  return { average: [sums[0]! / seen, sums[1]! / seen, sums[2]! / seen], colours: colours.slice(0, 3) };
}

function readSvg(b: Uint8Array): Partial<ImageInfo> & { format: "svg" } {
  const text = new TextDecoder().decode(b.subarray(0, 200_000));
  const tag = /<svg\b[^>]*>/i.exec(text)?.[0] ?? "";
  const attribute = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']+)["']`, "i").exec(tag)?.[1];
  const number = (value?: string) => (value && /^\s*[\d.]+\s*(px)?\s*$/.test(value) ? Math.round(parseFloat(value)) : undefined);
  const viewBox = attribute("viewBox")?.trim().split(/[\s,]+/).map(Number);
  const width = number(attribute("width")) ?? (viewBox?.length === 4 ? Math.round(viewBox[2]!) : undefined);
  const height = number(attribute("height")) ?? (viewBox?.length === 4 ? Math.round(viewBox[3]!) : undefined);

  const counts = new Map<string, number>();
  const fills: Rgb[] = [];
  for (const match of text.matchAll(/(?:fill|stop-color|stroke)\s*[:=]\s*["']?\s*(#[0-9a-f]{3,6}\b|rgba?\([^)]*\)|[a-z]+)/gi)) {
    const rgb = parseColour(match[1] ?? "");
    if (!rgb) continue;
    fills.push(rgb);
    const name = nameColour(rgb);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const mean = (channel: 0 | 1 | 2) => fills.reduce((sum, rgb) => sum + rgb[channel], 0) / fills.length;
  const average: Rgb | undefined = fills.length ? [mean(0), mean(1), mean(2)] : undefined;
  const colours = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([name]) => name).slice(0, 3);
  return { format: "svg", width, height, average, colours };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
