// The offline illustration of a story's scene (issue 18, point 1): the scene's place as the
// backdrop and the people and things in it as portraits in front, each drawn as the element's own
// picture (embedded) or, when it has none, as the same generated art every scene gives it.
import type { ElementDraft } from "../types";
import { renderElementArt } from "./art";
import { paletteFor } from "./colours";
import { embeddableType } from "./media";
import { SIZE, escapeXml, n, svgDocument, toBase64 } from "./svg";

export type SceneCastMember = { id: string; draft: ElementDraft; image?: { bytes: Uint8Array; mimeType: string } };

/** The picture of one element as an SVG fragment filling `size`×`size` at (x, y). */
function portrait(member: SceneCastMember, style: string, x: number, y: number, size: number): string {
  if (member.image) {
    try {
      const type = embeddableType(member.image.bytes, member.image.mimeType);
      return `<image href="data:${type};base64,${toBase64(member.image.bytes)}" x="${n(x)}" y="${n(y)}" width="${n(size)}" height="${n(size)}" preserveAspectRatio="xMidYMid slice"/>`;
    } catch {
      // Not a picture we embed: drawn instead, below.
    }
  }
  // Seeded by the element, not the scene: the same person looks the same in every scene.
  const art = renderElementArt(member.draft, style, `element:${member.id}`, { bare: true });
  return art.replace(`width="${SIZE}" height="${SIZE}"`, `x="${n(x)}" y="${n(y)}" width="${n(size)}" height="${n(size)}"`);
}

export function renderSceneArt(scene: { title: string; summary: string }, place: SceneCastMember | null, cast: SceneCastMember[], style: string): string {
  const palette = paletteFor(style);
  const backdrop = place
    ? portrait(place, style, 0, 0, SIZE)
    : `<rect width="${SIZE}" height="${SIZE}" fill="${palette.skyTop}"/><rect y="${SIZE * 0.62}" width="${SIZE}" height="${SIZE * 0.38}" fill="${palette.near}"/>`;
  const shown = cast.slice(0, 4);
  const size = shown.length <= 2 ? 150 : 112;
  const gap = (SIZE - shown.length * size) / (shown.length + 1);
  let defs = "";
  let figures = "";
  shown.forEach((member, i) => {
    const x = gap + i * (size + gap);
    const y = SIZE - 70 - size;
    const clip = `scene-clip-${i}`;
    defs += `<clipPath id="${clip}"><circle cx="${n(x + size / 2)}" cy="${n(y + size / 2)}" r="${n(size / 2)}"/></clipPath>`;
    figures += `<circle cx="${n(x + size / 2)}" cy="${n(y + size / 2)}" r="${n(size / 2 + 5)}" fill="${palette.paper}" stroke="${palette.accent}" stroke-width="4"/>`;
    figures += `<g clip-path="url(#${clip})">${portrait(member, style, x, y, size)}</g>`;
    figures += `<text x="${n(x + size / 2)}" y="${n(y - 8)}" font-family="Georgia, serif" font-size="14" text-anchor="middle" fill="#fff" stroke="#000" stroke-width="3" paint-order="stroke">${escapeXml(member.draft.name.slice(0, 24))}</text>`;
  });
  const names = [place, ...shown].filter((m): m is SceneCastMember => m !== null).map((m) => m.draft.name);
  return svgDocument({
    title: scene.title || "A scene",
    description: `Offline rendering of the scene “${scene.title}”${names.length ? ` with ${names.join(", ")}` : ""}. ${scene.summary}`.trim(),
    defs,
    body: `${backdrop}<rect width="${SIZE}" height="${SIZE}" fill="#000" fill-opacity="0.12"/>${figures}`,
    caption: scene.title || "A scene",
  });
}
