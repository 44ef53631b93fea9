// Colours: names for describing uploaded images, and one palette per world style for the SVG art.
import type { WorldStyle } from "../../../drizzle/schema/constants";
import { resolveStyle } from "./words";

export type Rgb = readonly [number, number, number];

const NAMED: readonly (readonly [string, Rgb])[] = [
  ["black", [0, 0, 0]],
  ["charcoal", [54, 69, 79]],
  ["slate grey", [112, 128, 144]],
  ["silver", [192, 192, 192]],
  ["white", [255, 255, 255]],
  ["ivory", [255, 255, 240]],
  ["cream", [255, 253, 208]],
  ["beige", [225, 198, 153]],
  ["sand", [194, 178, 128]],
  ["tan", [210, 180, 140]],
  ["brown", [121, 85, 61]],
  ["chestnut", [149, 69, 53]],
  ["rust", [183, 65, 14]],
  ["maroon", [128, 0, 0]],
  ["crimson", [220, 20, 60]],
  ["red", [230, 30, 30]],
  ["coral", [255, 127, 80]],
  ["orange", [255, 140, 0]],
  ["amber", [255, 191, 0]],
  ["gold", [212, 175, 55]],
  ["yellow", [250, 230, 40]],
  ["olive", [128, 128, 0]],
  ["lime", [160, 220, 40]],
  ["green", [40, 150, 60]],
  ["forest green", [34, 90, 34]],
  ["moss", [138, 154, 91]],
  ["teal", [0, 128, 128]],
  ["turquoise", [64, 224, 208]],
  ["cyan", [0, 230, 240]],
  ["sky blue", [135, 206, 235]],
  ["steel blue", [70, 130, 180]],
  ["blue", [30, 80, 220]],
  ["navy", [0, 0, 110]],
  ["indigo", [75, 0, 130]],
  ["violet", [143, 80, 200]],
  ["lavender", [200, 180, 240]],
  ["magenta", [230, 0, 180]],
  ["pink", [255, 170, 200]],
  ["rose", [230, 90, 130]],
];

/** The nearest named colour, by the "redmean" approximation of perceived distance. */
export function nameColour([r, g, b]: Rgb): string {
  let best = NAMED[0]![0];
  let bestDistance = Infinity;
  for (const [name, [r2, g2, b2]] of NAMED) {
    const mean = (r + r2) / 2;
    const dr = r - r2;
    const dg = g - g2;
    const db = b - b2;
    const distance = (2 + mean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - mean) / 256) * db * db;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = name;
    }
  }
  return best;
}

export function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(Math.max(0, Math.min(255, c))).toString(16).padStart(2, "0")).join("")}`;
}

/** Parses #rgb, #rrggbb and rgb(r, g, b); undefined for anything else. */
export function parseColour(text: string): Rgb | undefined {
  const value = text.trim().toLowerCase();
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(value);
  if (short) return [parseInt(short[1]! + short[1]!, 16), parseInt(short[2]! + short[2]!, 16), parseInt(short[3]! + short[3]!, 16)];
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(value);
  if (long) return [parseInt(long[1]!, 16), parseInt(long[2]!, 16), parseInt(long[3]!, 16)];
  const rgb = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/.exec(value);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  const named = NAMED.find(([name]) => name.replace(" ", "") === value);
  return named?.[1];
}

export type Palette = {
  /** Top and bottom of the sky or backdrop. */
  skyTop: string;
  skyBottom: string;
  /** Far and near ground layers. */
  far: string;
  near: string;
  /** Highlights: lit windows, eyes, glyphs, emblems. */
  accent: string;
  /** A second highlight for variety. */
  glow: string;
  /** Outlines and text. */
  ink: string;
  /** Paper, parchment, banners. */
  paper: string;
};

export const PALETTES: Record<WorldStyle, Palette> = {
  fantasy: { skyTop: "#27406b", skyBottom: "#e8b86a", far: "#4f6b5a", near: "#1f3b2c", accent: "#f3d27a", glow: "#b9e4c9", ink: "#10201a", paper: "#efe2c2" },
  "sci-fi": { skyTop: "#050b1f", skyBottom: "#1b4a7a", far: "#24355c", near: "#0d1630", accent: "#5ce1ff", glow: "#c3f5ff", ink: "#e6f7ff", paper: "#dfe9f5" },
  steampunk: { skyTop: "#6b4a2b", skyBottom: "#e0b77a", far: "#7d5a3a", near: "#3b2618", accent: "#d9a441", glow: "#f5deb3", ink: "#2a1a0e", paper: "#f1e0c0" },
  horror: { skyTop: "#0c0f0e", skyBottom: "#4b5a4f", far: "#2b332e", near: "#0f1411", accent: "#c9d8a0", glow: "#8f1d1d", ink: "#d7dccf", paper: "#3b3a30" },
  mythic: { skyTop: "#1d3c78", skyBottom: "#f2c66d", far: "#b5643b", near: "#6b3420", accent: "#f6d365", glow: "#fff3d1", ink: "#2a140b", paper: "#f3e3c3" },
  modern: { skyTop: "#6f8fb3", skyBottom: "#dfe6ec", far: "#8a96a3", near: "#3c4650", accent: "#f2b134", glow: "#ffffff", ink: "#1d232a", paper: "#f6f6f3" },
  cyberpunk: { skyTop: "#0a0620", skyBottom: "#3a0d5c", far: "#1e1440", near: "#07051a", accent: "#ff2bd6", glow: "#22f3ff", ink: "#f2eaff", paper: "#1b1233" },
  "post-apocalyptic": { skyTop: "#8a5a2b", skyBottom: "#e9c27a", far: "#9c7a4d", near: "#4a3621", accent: "#ff7a1a", glow: "#ffe0a3", ink: "#2b1d10", paper: "#e4d1aa" },
  "fairy-tale": { skyTop: "#f6b8d1", skyBottom: "#fff1d6", far: "#9ccf9a", near: "#4f8a5b", accent: "#ffd166", glow: "#ffffff", ink: "#3d2a4f", paper: "#fff7e8" },
};

export function paletteFor(style: string): Palette {
  return PALETTES[resolveStyle(style)];
}
