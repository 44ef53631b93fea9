// Small helpers for writing standalone SVG by hand: escaping, rounding and the document frame every
// offline rendering shares (title for screen readers, the "offline rendering" caption).

export const SIZE = 512;
export const SVG_MIME = "image/svg+xml";

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

/** Rounds coordinates so the markup stays short and stable across runtimes. */
export function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

export function points(list: readonly (readonly [number, number])[]): string {
  return list.map(([x, y]) => `${n(x)},${n(y)}`).join(" ");
}

/** Up to two initials from the words that carry a name ("The Order of the Thorn" → "OT"). */
export function initials(name: string): string {
  const words = name.split(/[\s'-]+/).filter((word) => /^[\p{L}\d]/u.test(word) && !/^(the|of|and|a|an)$/i.test(word));
  return (words.slice(0, 2).map((word) => word.charAt(0).toUpperCase()).join("") || "?").slice(0, 2);
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export type SvgDocument = {
  title: string;
  description?: string;
  defs?: string;
  body: string;
  /** Shown above the "offline rendering" note. */
  caption?: string;
  note?: string;
  /** Leave out the caption band, for art nested inside another rendering. */
  bare?: boolean;
};

export function svgDocument(doc: SvgDocument): string {
  const caption = doc.caption ? escapeXml(doc.caption.length > 42 ? `${doc.caption.slice(0, 41)}…` : doc.caption) : "";
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE} ${SIZE}" width="${SIZE}" height="${SIZE}" role="img">`,
    `<title>${escapeXml(doc.title)}</title>`,
    doc.description ? `<desc>${escapeXml(doc.description)}</desc>` : "",
    doc.defs ? `<defs>${doc.defs}</defs>` : "",
    doc.body,
    doc.bare ? "" : captionBand(caption, doc.note),
    `</svg>`,
  ].join("");
}

function captionBand(caption: string, note = "offline rendering"): string {
  return [
    `<g font-family="Georgia, 'Times New Roman', serif" text-anchor="middle">`,
    `<rect x="0" y="${SIZE - 58}" width="${SIZE}" height="58" fill="#000" fill-opacity="0.45"/>`,
    caption ? `<text x="${SIZE / 2}" y="${SIZE - 30}" font-size="20" fill="#fff">${caption}</text>` : "",
    `<text x="${SIZE / 2}" y="${SIZE - 12}" font-size="11" fill="#fff" fill-opacity="0.8" letter-spacing="1">${escapeXml(note)}</text>`,
    `</g>`,
  ].join("");
}
