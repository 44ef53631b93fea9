// Generated SVG art for an element: one composition per element type, shapes seeded by the
// element's name and the call's seed, colours from the world style's palette.
import type { ElementType, WorldStyle } from "../../../drizzle/schema/constants";
import type { ElementDraft } from "../types";
import { paletteFor, type Palette } from "./colours";
import { createRandom, hashString, type Random } from "./random";
import { SIZE, escapeXml, initials, n, points, svgDocument } from "./svg";
import { resolveStyle } from "./words";

type Canvas = { random: Random; palette: Palette; style: WorldStyle; id: (name: string) => string; element: ElementDraft };
type Composition = (canvas: Canvas) => { defs: string; body: string };

const DARK_STYLES = new Set<WorldStyle>(["sci-fi", "horror", "cyberpunk"]);

function sky(c: Canvas): { defs: string; body: string } {
  const { palette, random } = c;
  const defs = `<linearGradient id="${c.id("sky")}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${palette.skyTop}"/><stop offset="1" stop-color="${palette.skyBottom}"/></linearGradient>`;
  let body = `<rect width="${SIZE}" height="${SIZE}" fill="url(#${c.id("sky")})"/>`;
  if (DARK_STYLES.has(c.style)) {
    for (let i = 0; i < 40; i++) {
      body += `<circle cx="${n(random.range(0, SIZE))}" cy="${n(random.range(0, 300))}" r="${n(random.range(0.6, 1.8))}" fill="${palette.glow}" fill-opacity="${n(random.range(0.3, 0.9))}"/>`;
    }
  }
  return { defs, body };
}

function ridge(random: Random, baseline: number, height: number, peaks: number): [number, number][] {
  const list: [number, number][] = [[0, SIZE]];
  for (let i = 0; i <= peaks; i++) {
    const x = (i / peaks) * SIZE;
    list.push([x, baseline - random.range(0.2, 1) * height]);
  }
  list.push([SIZE, SIZE]);
  return list;
}

/** One building in the genre's architecture, standing on `ground` with its left edge at x. */
function building(c: Canvas, x: number, ground: number): string {
  const { random, palette, style } = c;
  const w = random.range(26, 56);
  const h = random.range(60, 170);
  const top = ground - h;
  const fill = palette.near;
  const light = `fill="${palette.accent}"`;
  const windows = (cols: number, rows: number) => {
    let out = "";
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < cols; k++)
        if (random.chance(0.55)) out += `<rect x="${n(x + 5 + k * ((w - 10) / cols))}" y="${n(top + 12 + r * 16)}" width="4" height="7" ${light}/>`;
    return out;
  };
  switch (style) {
    case "fantasy":
    case "fairy-tale": {
      const roof = style === "fairy-tale" ? palette.accent : palette.far;
      const flag = random.chance(0.6) ? `<path d="M${n(x + w / 2)} ${n(top - 40)}v-22l16 6-16 6" stroke="${palette.ink}" fill="${palette.glow}"/>` : "";
      return `<rect x="${n(x)}" y="${n(top)}" width="${n(w)}" height="${n(h)}" fill="${fill}"/><polygon points="${points([[x - 6, top], [x + w / 2, top - 40], [x + w + 6, top]])}" fill="${roof}"/>${flag}${windows(1, 2)}`;
    }
    case "sci-fi":
      return `<path d="M${n(x)} ${n(ground)}v${n(-h * 0.4)}a${n(w / 2)} ${n(w / 2)} 0 0 1 ${n(w)} 0v${n(h * 0.4)}z" fill="${fill}"/><line x1="${n(x + w / 2)}" y1="${n(ground - h * 0.4 - w / 2)}" x2="${n(x + w / 2)}" y2="${n(ground - h)}" stroke="${palette.accent}" stroke-width="2"/><circle cx="${n(x + w / 2)}" cy="${n(ground - h)}" r="3" fill="${palette.glow}"/>`;
    case "steampunk": {
      let smoke = "";
      for (let i = 0; i < 4; i++) smoke += `<circle cx="${n(x + w - 8 + i * 7)}" cy="${n(top - 30 - i * 16)}" r="${n(6 + i * 4)}" fill="${palette.glow}" fill-opacity="${n(0.5 - i * 0.1)}"/>`;
      return `<rect x="${n(x)}" y="${n(top)}" width="${n(w)}" height="${n(h)}" fill="${fill}"/><rect x="${n(x + w - 12)}" y="${n(top - 28)}" width="9" height="28" fill="${fill}"/>${smoke}<circle cx="${n(x + w / 2)}" cy="${n(top + 20)}" r="8" fill="none" stroke="${palette.accent}" stroke-width="2"/>${windows(2, 3)}`;
    }
    case "horror": {
      const lean = random.range(-10, 10);
      return `<polygon points="${points([[x, ground], [x + lean, top], [x + w / 2 + lean, top - 30], [x + w + lean, top], [x + w, ground]])}" fill="${fill}"/><rect x="${n(x + w / 2 - 3 + lean / 2)}" y="${n(top + 14)}" width="6" height="9" fill="${palette.accent}" fill-opacity="0.7"/>`;
    }
    case "mythic": {
      let columns = "";
      for (let i = 0; i < 4; i++) columns += `<rect x="${n(x + 3 + i * ((w + 14) / 4))}" y="${n(ground - h * 0.6)}" width="5" height="${n(h * 0.6)}" fill="${palette.paper}"/>`;
      return `${columns}<polygon points="${points([[x - 6, ground - h * 0.6], [x + w / 2 + 7, ground - h * 0.6 - 24], [x + w + 20, ground - h * 0.6]])}" fill="${palette.paper}"/>`;
    }
    case "modern":
      return `<rect x="${n(x)}" y="${n(top)}" width="${n(w)}" height="${n(h)}" fill="${fill}"/>${windows(3, Math.floor(h / 18))}`;
    case "cyberpunk":
      return `<rect x="${n(x)}" y="${n(top - 60)}" width="${n(w)}" height="${n(h + 60)}" fill="${fill}"/><line x1="${n(x)}" y1="${n(top - 40)}" x2="${n(x + w)}" y2="${n(top - 40)}" stroke="${random.pick([palette.accent, palette.glow])}" stroke-width="3"/><rect x="${n(x + 4)}" y="${n(top)}" width="${n(w - 8)}" height="10" fill="${palette.glow}" fill-opacity="0.6"/>${windows(3, 4)}`;
    case "post-apocalyptic": {
      const jag: [number, number][] = [[x, ground], [x, top]];
      for (let i = 1; i <= 4; i++) jag.push([x + (i * w) / 4, top + random.range(-10, 30)]);
      jag.push([x + w, ground]);
      return `<polygon points="${points(jag)}" fill="${fill}"/>${windows(2, 2)}`;
    }
  }
}

const WATER = /\b(sea|lake|river|harbou?r|coast|ocean|bay|port|isle|island|shore)\b/i;
const TREES = /\b(forest|wood|woods|tree|trees|grove|jungle|glade|orchard)\b/i;

const location: Composition = (c) => {
  const { random, palette } = c;
  const text = `${c.element.name} ${c.element.description}`;
  const base = sky(c);
  let body = base.body;
  body += `<circle cx="${n(random.range(80, 430))}" cy="${n(random.range(80, 160))}" r="${n(random.range(28, 52))}" fill="${palette.accent}" fill-opacity="0.85"/>`;
  body += `<polygon points="${points(ridge(random, 300, 140, random.int(4, 7)))}" fill="${palette.far}"/>`;
  body += `<polygon points="${points(ridge(random, 360, 70, random.int(6, 10)))}" fill="${palette.near}" fill-opacity="0.75"/>`;
  const count = random.int(3, 6);
  for (let i = 0; i < count; i++) body += building(c, 40 + (i * 420) / count + random.range(-10, 10), 410);
  if (TREES.test(text)) {
    for (let i = 0; i < 14; i++) {
      const x = random.range(0, SIZE);
      const h = random.range(40, 90);
      body += `<polygon points="${points([[x - h / 4, 440], [x, 440 - h], [x + h / 4, 440]])}" fill="${palette.near}"/>`;
    }
  }
  body += `<rect x="0" y="410" width="${SIZE}" height="${SIZE - 410}" fill="${palette.near}"/>`;
  if (WATER.test(text)) {
    body += `<rect x="0" y="420" width="${SIZE}" height="40" fill="${palette.skyBottom}" fill-opacity="0.6"/>`;
    for (let i = 0; i < 6; i++) {
      const x = random.range(0, 460);
      const y = 426 + i * 6;
      body += `<line x1="${n(x)}" y1="${y}" x2="${n(x + random.range(20, 60))}" y2="${y}" stroke="${palette.glow}" stroke-opacity="0.5"/>`;
    }
  }
  return { defs: base.defs, body };
};

const HEADWEAR: Record<WorldStyle, (c: Canvas) => string> = {
  fantasy: (c) => `<path d="M196 236q60-110 120 0l-6 40q-54-50-108 0z" fill="${c.palette.far}"/>`,
  "sci-fi": (c) => `<rect x="206" y="196" width="100" height="30" rx="14" fill="${c.palette.accent}" fill-opacity="0.8"/>`,
  steampunk: (c) => `<rect x="216" y="112" width="80" height="60" fill="${c.palette.ink}"/><rect x="196" y="168" width="120" height="10" fill="${c.palette.ink}"/><circle cx="236" cy="212" r="13" fill="none" stroke="${c.palette.accent}" stroke-width="5"/><circle cx="276" cy="212" r="13" fill="none" stroke="${c.palette.accent}" stroke-width="5"/>`,
  horror: (c) => `<circle cx="236" cy="214" r="9" fill="${c.palette.accent}"/><circle cx="276" cy="214" r="9" fill="${c.palette.accent}"/><path d="M190 190q66-90 132 0v120h-132z" fill="${c.palette.ink}" fill-opacity="0.35"/>`,
  mythic: (c) => Array.from({ length: 7 }, (_, i) => `<ellipse cx="${n(200 + i * 19)}" cy="${n(176 - Math.sin((i / 6) * Math.PI) * 16)}" rx="9" ry="5" fill="${c.palette.accent}"/>`).join(""),
  modern: (c) => `<path d="M200 210q56-80 112 0q-20-30-56-30t-56 30z" fill="${c.palette.ink}"/>`,
  cyberpunk: (c) => `<rect x="200" y="202" width="112" height="18" fill="${c.palette.ink}"/><line x1="204" y1="211" x2="308" y2="211" stroke="${c.palette.accent}" stroke-width="4"/>`,
  "post-apocalyptic": (c) => `<circle cx="256" cy="246" r="22" fill="${c.palette.far}"/><circle cx="236" cy="212" r="11" fill="${c.palette.glow}" fill-opacity="0.7"/><circle cx="276" cy="212" r="11" fill="${c.palette.glow}" fill-opacity="0.7"/>`,
  "fairy-tale": (c) => `<polygon points="${points([[214, 170], [222, 140], [238, 160], [256, 132], [274, 160], [290, 140], [298, 170]])}" fill="${c.palette.accent}"/>`,
};

function monogram(c: Canvas, cx: number, cy: number, r: number): string {
  return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${c.palette.paper}" stroke="${c.palette.accent}" stroke-width="3"/><text x="${cx}" y="${n(cy + r * 0.36)}" font-family="Georgia, serif" font-size="${n(r)}" text-anchor="middle" fill="${c.palette.ink}">${escapeXml(initials(c.element.name))}</text>`;
}

const character: Composition = (c) => {
  const { palette, random } = c;
  const defs = `<radialGradient id="${c.id("halo")}"><stop offset="0" stop-color="${palette.accent}" stop-opacity="0.7"/><stop offset="1" stop-color="${palette.skyTop}" stop-opacity="0"/></radialGradient>`;
  const tilt = random.range(-4, 4);
  let body = `<rect width="${SIZE}" height="${SIZE}" fill="${palette.skyTop}"/><rect width="${SIZE}" height="${SIZE}" fill="${palette.skyBottom}" fill-opacity="0.25"/><circle cx="256" cy="230" r="190" fill="url(#${c.id("halo")})"/>`;
  for (let i = 0; i < 10; i++) body += `<circle cx="${n(random.range(40, 470))}" cy="${n(random.range(40, 420))}" r="${n(random.range(2, 6))}" fill="${palette.glow}" fill-opacity="0.4"/>`;
  body += `<g transform="rotate(${n(tilt)} 256 300)">`;
  body += `<path d="M${n(116 + random.range(-10, 10))} 460q10-120 140-130q130 10 140 130z" fill="${palette.near}"/>`;
  body += `<rect x="236" y="270" width="40" height="50" fill="${palette.near}"/>`;
  body += `<ellipse cx="256" cy="${n(226 + random.range(-6, 6))}" rx="${n(random.range(50, 60))}" ry="${n(random.range(62, 72))}" fill="${palette.near}"/>`;
  body += HEADWEAR[c.style](c);
  body += `</g>`;
  body += monogram(c, 420, 400, 30);
  return { defs, body };
};

const faction: Composition = (c) => {
  const { palette, random } = c;
  const base = sky(c);
  let body = base.body;
  const stripes = random.int(2, 4);
  body += `<line x1="150" y1="40" x2="150" y2="460" stroke="${palette.ink}" stroke-width="8"/><circle cx="150" cy="36" r="9" fill="${palette.accent}"/>`;
  body += `<path d="M154 70h220v300l-110-50l-110 50z" fill="${palette.paper}" stroke="${palette.ink}" stroke-width="3"/>`;
  for (let i = 0; i < stripes; i++) body += `<path d="M154 ${n(90 + i * 16)}h220" stroke="${palette.accent}" stroke-width="6"/>`;
  const spikes = random.int(5, 9);
  const star: [number, number][] = [];
  const r1 = random.range(52, 70);
  const r2 = r1 * random.range(0.4, 0.6);
  for (let i = 0; i < spikes * 2; i++) {
    const angle = (Math.PI * i) / spikes - Math.PI / 2;
    const r = i % 2 === 0 ? r1 : r2;
    star.push([264 + Math.cos(angle) * r, 210 + Math.sin(angle) * r]);
  }
  body += `<circle cx="264" cy="210" r="${n(r1 + 10)}" fill="none" stroke="${palette.far}" stroke-width="4"/><polygon points="${points(star)}" fill="${palette.accent}" stroke="${palette.ink}" stroke-width="2"/>`;
  body += `<text x="264" y="${n(210 + 12)}" font-family="Georgia, serif" font-size="32" text-anchor="middle" fill="${palette.ink}">${escapeXml(initials(c.element.name))}</text>`;
  return { defs: base.defs, body };
};

const OBJECTS: ((c: Canvas) => string)[] = [
  (c) => `<polygon points="${points([[256, 120], [272, 300], [256, 320], [240, 300]])}" fill="${c.palette.glow}" stroke="${c.palette.ink}" stroke-width="2"/><rect x="216" y="300" width="80" height="12" fill="${c.palette.accent}"/><rect x="250" y="312" width="12" height="30" fill="${c.palette.ink}"/>`,
  (c) => `<polygon points="${points([[256, 190], [306, 240], [256, 330], [206, 240]])}" fill="${c.palette.accent}" stroke="${c.palette.ink}" stroke-width="2"/><polyline points="${points([[206, 240], [306, 240]])}" stroke="${c.palette.ink}" fill="none"/><polyline points="${points([[236, 240], [256, 190], [276, 240], [256, 330]])}" stroke="${c.palette.ink}" fill="none" stroke-opacity="0.5"/>`,
  (c) => `<circle cx="256" cy="270" r="62" fill="url(#${c.id("orb")})" stroke="${c.palette.ink}" stroke-width="2"/>`,
  (c) => `<circle cx="220" cy="270" r="34" fill="none" stroke="${c.palette.accent}" stroke-width="12"/><rect x="250" y="264" width="100" height="12" fill="${c.palette.accent}"/><rect x="320" y="276" width="10" height="22" fill="${c.palette.accent}"/><rect x="338" y="276" width="10" height="16" fill="${c.palette.accent}"/>`,
  (c) => `<path d="M236 190h40v40q40 30 40 70v40h-120v-40q0-40 40-70z" fill="${c.palette.glow}" fill-opacity="0.8" stroke="${c.palette.ink}" stroke-width="3"/><rect x="230" y="176" width="52" height="14" fill="${c.palette.accent}"/>`,
];

const item: Composition = (c) => {
  const { palette, random } = c;
  const defs = `<radialGradient id="${c.id("orb")}" cx="0.35" cy="0.35"><stop offset="0" stop-color="${palette.glow}"/><stop offset="1" stop-color="${palette.accent}"/></radialGradient>`;
  let body = `<rect width="${SIZE}" height="${SIZE}" fill="${palette.skyTop}"/>`;
  const rays = random.int(10, 18);
  for (let i = 0; i < rays; i++) {
    const angle = (i / rays) * Math.PI * 2 + random.range(0, 0.2);
    body += `<line x1="256" y1="260" x2="${n(256 + Math.cos(angle) * 300)}" y2="${n(260 + Math.sin(angle) * 300)}" stroke="${palette.accent}" stroke-opacity="0.18" stroke-width="${n(random.range(6, 18))}"/>`;
  }
  body += `<polygon points="${points([[176, 360], [336, 360], [316, 400], [196, 400]])}" fill="${palette.far}"/><rect x="206" y="400" width="100" height="60" fill="${palette.near}"/><rect x="180" y="452" width="152" height="12" fill="${palette.far}"/>`;
  body += random.pick(OBJECTS)(c);
  return { defs, body };
};

const creature: Composition = (c) => {
  const { palette, random } = c;
  const base = sky(c);
  let body = base.body + `<rect x="0" y="400" width="${SIZE}" height="112" fill="${palette.near}"/>`;
  const bodyW = random.range(140, 190);
  const bodyH = random.range(70, 100);
  const cx = 240;
  const cy = 330;
  body += `<path d="M${n(cx - bodyW)} ${n(cy + 20)}q${n(-60)} ${n(-30)} ${n(-70)} ${n(-90)}" stroke="${palette.ink}" stroke-width="14" fill="none" stroke-linecap="round"/>`;
  body += `<ellipse cx="${cx}" cy="${cy}" rx="${n(bodyW)}" ry="${n(bodyH)}" fill="${palette.ink}"/>`;
  const spikes = random.int(4, 9);
  for (let i = 0; i < spikes; i++) {
    const x = cx - bodyW * 0.7 + (i / spikes) * bodyW * 1.4;
    body += `<polygon points="${points([[x - 12, cy - bodyH * 0.8], [x, cy - bodyH - random.range(20, 50)], [x + 12, cy - bodyH * 0.8]])}" fill="${palette.ink}"/>`;
  }
  for (let i = 0; i < 4; i++) body += `<rect x="${n(cx - bodyW * 0.6 + i * bodyW * 0.38)}" y="${n(cy + bodyH * 0.6)}" width="16" height="${n(420 - cy - bodyH * 0.6)}" fill="${palette.ink}"/>`;
  const headX = cx + bodyW * 0.9;
  const headY = cy - bodyH * 0.7;
  body += `<circle cx="${n(headX)}" cy="${n(headY)}" r="48" fill="${palette.ink}"/>`;
  const eyes = random.pick([2, 2, 3, 4, 6]);
  for (let i = 0; i < eyes; i++) {
    const ex = headX - 18 + (i % 3) * 18;
    const ey = headY - 6 + Math.floor(i / 3) * 16;
    body += `<circle cx="${n(ex)}" cy="${n(ey)}" r="6" fill="${palette.glow}"/><circle cx="${n(ex)}" cy="${n(ey)}" r="2.5" fill="${palette.accent}"/>`;
  }
  return { defs: base.defs, body };
};

const event: Composition = (c) => {
  const { palette, random } = c;
  const base = sky(c);
  let body = base.body;
  const spikes = random.int(12, 22);
  const burst: [number, number][] = [];
  for (let i = 0; i < spikes * 2; i++) {
    const angle = (Math.PI * i) / spikes;
    const r = i % 2 === 0 ? random.range(150, 220) : random.range(50, 80);
    burst.push([256 + Math.cos(angle) * r, 220 + Math.sin(angle) * r]);
  }
  body += `<polygon points="${points(burst)}" fill="${palette.accent}" fill-opacity="0.85"/><circle cx="256" cy="220" r="44" fill="${palette.glow}"/>`;
  for (let i = 0; i < 30; i++) body += `<circle cx="${n(random.range(20, 492))}" cy="${n(random.range(20, 380))}" r="${n(random.range(1.5, 4))}" fill="${palette.glow}"/>`;
  body += `<rect x="0" y="400" width="${SIZE}" height="112" fill="${palette.near}"/>`;
  const figures = random.int(5, 11);
  for (let i = 0; i < figures; i++) {
    const x = 30 + (i / figures) * 450 + random.range(0, 20);
    const h = random.range(26, 40);
    body += `<rect x="${n(x)}" y="${n(400 - h)}" width="9" height="${n(h)}" fill="${palette.ink}"/><circle cx="${n(x + 4.5)}" cy="${n(400 - h - 7)}" r="7" fill="${palette.ink}"/>`;
  }
  return { defs: base.defs, body };
};

function glyph(random: Random, x: number, y: number, ink: string): string {
  let d = `M${n(x)} ${n(y + random.range(0, 10))}`;
  for (let i = 0; i < random.int(2, 4); i++) d += `L${n(x + random.range(0, 12))} ${n(y + random.range(0, 14))}`;
  return `<path d="${d}" stroke="${ink}" stroke-width="2" fill="none" stroke-linecap="round"/>`;
}

const lore: Composition = (c) => {
  const { palette, random } = c;
  let body = `<rect width="${SIZE}" height="${SIZE}" fill="${palette.skyTop}"/><rect width="${SIZE}" height="${SIZE}" fill="${palette.far}" fill-opacity="0.35"/>`;
  body += `<path d="M256 120q-90-30-190 0v290q100-30 190 0z" fill="${palette.paper}" stroke="${palette.ink}" stroke-width="3"/><path d="M256 120q90-30 190 0v290q-100-30-190 0z" fill="${palette.paper}" stroke="${palette.ink}" stroke-width="3"/><line x1="256" y1="120" x2="256" y2="410" stroke="${palette.ink}" stroke-width="3"/>`;
  for (const left of [86, 276]) {
    for (let row = 0; row < 11; row++) {
      for (let col = 0; col < 8; col++) {
        if (random.chance(0.8)) body += glyph(random, left + col * 19, 140 + row * 22, palette.ink);
      }
    }
  }
  body += `<circle cx="${n(random.range(120, 390))}" cy="${n(random.range(160, 360))}" r="18" fill="${palette.accent}" fill-opacity="0.5"/>`;
  body += monogram(c, 256, 440, 26);
  return { defs: "", body };
};

const COMPOSITIONS: Record<ElementType, Composition> = { location, character, faction, item, creature, event, lore };

/** The element's illustration as a standalone SVG document. */
export function renderElementArt(element: ElementDraft, style: string, seed: string, options: { bare?: boolean } = {}): string {
  const key = `${seed}\u0000${element.type}\u0000${element.name}`;
  const prefix = `ll${hashString(key).toString(36)}`;
  const canvas: Canvas = {
    random: createRandom(key),
    palette: paletteFor(style),
    style: resolveStyle(style),
    id: (name) => `${prefix}-${name}`,
    element,
  };
  const { defs, body } = COMPOSITIONS[element.type](canvas);
  return svgDocument({
    title: element.name,
    description: `Offline rendering of ${element.name} (${element.type}). ${element.visualPrompt}`,
    defs,
    body,
    caption: element.name,
    bare: options.bare,
  });
}
