// Pieces of scene narration shared by the providers (issue 18, point 2): cutting a scene's voice
// spans into requests that stay under a billed-character limit, splitting at sentence ends; reading
// Polly's speech marks back as word timings in the scene's own character offsets; the length of an
// MP3; and estimated word timings where a synthesiser gives none (the offline one).
import type { NarrationRequest, WordTiming } from "./types";

export type NarrationChunk = { start: number; end: number; voice: string | undefined };

/** Where a sentence ends: terminal punctuation (with closing quotes) before a space, or a blank line. */
const SENTENCE_END = /[.!?…]+["'”’)\]]*(?=\s|$)|\n\s*\n/gu;
const HAS_WORD = /[\p{L}\p{N}]/u;

export const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

/** The characters a request is billed for: its text as escaped into SSML (tags are free, entities are not counted in our favour). */
export const billedLength = (text: string) => escapeXml(text).length;

/**
 * The requests a narration takes: each span cut at sentence ends into pieces whose billed length is
 * at most `max`; a single sentence longer than that is cut at a space. Pieces without a word in them
 * (a closing quote, a comma between two quotations) are left out: there is nothing to say.
 */
export function narrationChunks(request: NarrationRequest, max: number): NarrationChunk[] {
  const chunks: NarrationChunk[] = [];
  const push = (start: number, end: number, voice: string | undefined) => {
    while (start < end && /\s/u.test(request.text[start]!)) start++;
    while (end > start && /\s/u.test(request.text[end - 1]!)) end--;
    if (end > start && HAS_WORD.test(request.text.slice(start, end))) chunks.push({ start, end, voice });
  };
  for (const span of request.spans) {
    const text = request.text.slice(span.start, span.end);
    const ends: number[] = [];
    for (const match of text.matchAll(SENTENCE_END)) ends.push(span.start + match.index + match[0].length);
    if (ends.at(-1) !== span.end) ends.push(span.end);
    let from = span.start;
    let last = span.start;
    for (const end of ends) {
      if (billedLength(request.text.slice(from, end)) <= max) {
        last = end;
        continue;
      }
      if (last > from) {
        push(from, last, span.voice);
        from = last;
      }
      // One sentence longer than a request: cut it at spaces.
      while (billedLength(request.text.slice(from, end)) > max) {
        let cut = from + max;
        while (billedLength(request.text.slice(from, cut)) > max) cut--;
        const space = request.text.lastIndexOf(" ", cut);
        cut = space > from ? space : cut;
        push(from, cut, span.voice);
        from = cut;
      }
      last = end;
    }
    if (last > from) push(from, last, span.voice);
  }
  return chunks;
}

/** A speech mark as Polly writes it, one JSON object a line (`OutputFormat: "json"`). */
export type SpeechMark = { time: number; type: string; start: number; end: number; value: string };

/**
 * Word timings of one request in the scene's offsets: each mark's word is found in the request's
 * text from where the last one ended (Polly's own offsets count bytes of the SSML, tags and
 * entities included, so they are a hint rather than a position in the scene).
 */
export function placeMarks(text: string, chunk: { start: number; end: number }, marks: SpeechMark[], offsetMs: number): WordTiming[] {
  const timings: WordTiming[] = [];
  const piece = text.slice(chunk.start, chunk.end);
  let cursor = 0;
  for (const mark of marks) {
    if (mark.type !== "word" || !mark.value) continue;
    const at = piece.indexOf(mark.value, cursor);
    if (at < 0) continue;
    timings.push({ start: chunk.start + at, end: chunk.start + at + mark.value.length, time: Math.round(offsetMs + mark.time) });
    cursor = at + mark.value.length;
  }
  return timings;
}

const MPEG_BITRATES: Record<number, number[]> = {
  // MPEG-1 Layer III and MPEG-2/2.5 Layer III, kbit/s by index
  1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MPEG_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** How long an MP3 plays, from its frame headers (after any ID3 tag); null when it has no frames. */
export function mp3DurationMs(bytes: Uint8Array): number | null {
  let at = 0;
  if (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33 && bytes.length >= 10) {
    at = 10 + (((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f));
  }
  let seconds = 0;
  let frames = 0;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff || (bytes[at + 1]! & 0xe0) !== 0xe0) {
      at++;
      continue;
    }
    const version = (bytes[at + 1]! >> 3) & 0x03; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    const layer = (bytes[at + 1]! >> 1) & 0x03; // 1: Layer III
    const bitrate = MPEG_BITRATES[version === 3 ? 1 : 2]![(bytes[at + 2]! >> 4) & 0x0f];
    const rate = MPEG_RATES[version]?.[(bytes[at + 2]! >> 2) & 0x03];
    if (layer !== 1 || !bitrate || !rate) {
      at++;
      continue;
    }
    const samples = version === 3 ? 1152 : 576;
    const padding = (bytes[at + 2]! >> 1) & 0x01;
    const size = Math.floor(((samples / 8) * bitrate * 1000) / rate) + padding;
    seconds += samples / rate;
    frames++;
    at += Math.max(size, 1);
  }
  return frames ? Math.round(seconds * 1000) : null;
}

/**
 * Word timings spread over a stretch of speech in proportion to the words' lengths (with a pause
 * for punctuation): the offline synthesiser reports none, and this is close enough to light the
 * words as they are read.
 */
export function estimatedTimings(text: string, chunk: { start: number; end: number }, startMs: number, durationMs: number): WordTiming[] {
  const words = [...text.slice(chunk.start, chunk.end).matchAll(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*[^\s\p{L}\p{N}]*/gu)];
  const weight = (word: string) => word.length + (/[.,;:!?…]$/u.test(word) ? 3 : 1);
  const total = words.reduce((sum, word) => sum + weight(word[0]), 0) || 1;
  let spent = 0;
  return words.map((match) => {
    const core = /^[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/u.exec(match[0])![0];
    const timing = { start: chunk.start + match.index, end: chunk.start + match.index + core.length, time: Math.round(startMs + (durationMs * spent) / total) };
    spent += weight(match[0]);
    return timing;
  });
}
