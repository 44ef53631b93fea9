// The iframe snippet a world's embed is pasted with: one function, used by the oEmbed endpoint and
// by the Share / Embed snippet, so both hand out exactly the same HTML. Pure and isomorphic: in the
// domain layer so that the API reaches it without importing app/ (ADR 16).
import { escapeHtml } from "../lib/html";

export const EMBED_DEFAULT_SIZE = { width: 800, height: 600 } as const;

export const EMBED_PRESETS = [
  { label: "Small", width: 480, height: 360 },
  { label: "Medium", width: 800, height: 600 },
  { label: "Large", width: 1200, height: 800 },
] as const;

export function embedUrl(origin: string, worldId: string): string {
  return `${origin}/embed/${encodeURIComponent(worldId)}`;
}

export function embedIframeHtml(options: { origin: string; worldId: string; title: string; width: number; height: number }): string {
  const src = escapeHtml(embedUrl(options.origin, options.worldId));
  const title = escapeHtml(`${options.title} — Loreloom`);
  return (
    `<iframe src="${src}" width="${Math.round(options.width)}" height="${Math.round(options.height)}" ` +
    `title="${title}" style="border:0;border-radius:12px;max-width:100%" loading="lazy" allowfullscreen></iframe>`
  );
}

export const STORY_EMBED_DEFAULT_SIZE = { width: 800, height: 640 } as const;

export function storyEmbedUrl(origin: string, worldId: string, storyId: string): string {
  return `${origin}/embed/${encodeURIComponent(worldId)}/stories/${encodeURIComponent(storyId)}`;
}

/** The iframe a story's player is embedded with (issue 18, point 7): from oEmbed and the reading page alike. */
export function storyEmbedIframeHtml(options: { origin: string; worldId: string; storyId: string; title: string; width: number; height: number }): string {
  const src = escapeHtml(storyEmbedUrl(options.origin, options.worldId, options.storyId));
  const title = escapeHtml(`${options.title} — Loreloom`);
  return (
    `<iframe src="${src}" width="${Math.round(options.width)}" height="${Math.round(options.height)}" ` +
    `title="${title}" style="border:0;border-radius:12px;max-width:100%" loading="lazy" allow="autoplay; fullscreen" allowfullscreen></iframe>`
  );
}
