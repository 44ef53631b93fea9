// A story as a book to export (issue 18, point 6): what the Markdown, EPUB and DOCX writers share —
// the chapters and scenes in reading order, the files of the pictures and narration, and the
// helpers that make user text safe in Markdown and XML.
import type { WordTiming } from "../domain/stories/scene-media";

export type BookImage = {
  /** Where it goes inside the package, e.g. `images/scene-3.png` (ASCII, no spaces). */
  path: string;
  /** The R2 key of the file, read only when the package is written (one file at a time). */
  key: string;
  mimeType: string;
  width: number | null;
  height: number | null;
  /** The address readers of a single Markdown file follow instead. */
  url: string;
};

export type BookAudio = { path: string; key: string; mimeType: string; durationMs: number | null; timings: WordTiming[] };

/** A file of a package: its text or bytes, or an R2 object copied in when the package is written. */
export type PackageFile = { path: string; bytes: Uint8Array | string | { r2Key: string }; store?: boolean };

export type BookScene = { id: string; title: string; text: string; image: BookImage | null; narration: BookAudio | null };
export type BookChapter = { id: string; title: string; scenes: BookScene[] };

export type Book = {
  id: string;
  title: string;
  premise: string;
  worldTitle: string;
  /** The story's writer, by display name only (never an address). */
  creator: string;
  language: string;
  modified: Date;
  /** Where the story lives in Loreloom (no share token: the reader signs in or it is public). */
  sourceUrl: string;
  cover: BookImage | null;
  chapters: BookChapter[];
};

/** A chapter's title, or its place when it has none. */
export const chapterTitle = (chapter: BookChapter, index: number) => chapter.title.trim() || `Chapter ${index + 1}`;

/** Characters XML 1.0 does not allow (and lone surrogates), which would make a document unreadable. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** User text as XML character data or an attribute value. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** A paragraph of a scene's plain text and where it starts in it (narration timings are offsets into that text). */
export type Paragraph = { text: string; start: number };

/** The scene's blocks (separated by blank lines, as the room writes them), with their offsets. */
export function paragraphsOf(text: string): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  const separator = /\n{2,}/g;
  let start = 0;
  for (;;) {
    const match = separator.exec(text);
    const end = match ? match.index : text.length;
    if (text.slice(start, end).trim()) paragraphs.push({ text: text.slice(start, end), start });
    if (!match) break;
    start = match.index + match[0].length;
  }
  return paragraphs;
}

/** A block the editor's horizontal rule became: a break inside the scene. */
export const isRule = (paragraph: Paragraph) => paragraph.text.trim() === "* * *";

/** User text as Markdown text: nothing in it starts a heading, list, quote, link or HTML tag. */
export function markdownText(text: string): string {
  return text
    .replace(/([\\`*_[\]<>])/g, "\\$1")
    .split("\n")
    .map((line) => line.replace(/^(\s*)([-+=#])/, "$1\\$2").replace(/^(\s*\d+)([.)])/, "$1\\$2"))
    .join("  \n");
}

/** Width and height of a PNG, GIF or JPEG from its header, or null. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 10 && bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) {
    return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return null;
      const marker = bytes[offset + 1]!;
      const length = view.getUint16(offset + 2);
      // Start-of-frame markers (not DHT, JPG or DAC, which share the range).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: view.getUint16(offset + 7), height: view.getUint16(offset + 5) };
      }
      offset += 2 + length;
    }
  }
  return null;
}

/** A file extension for the image and audio types exports carry. */
export const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/svg+xml": "svg",
  "image/webp": "webp",
  "audio/mpeg": "mp3",
  "audio/mp4": "m4a",
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/ogg": "ogg",
};
