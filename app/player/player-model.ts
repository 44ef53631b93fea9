// What the story player reads and works out, apart from React (issue 18, point 4): the story as one
// run of scenes, the scene's text cut into the words the narration speaks, and which word is being
// spoken at a moment of the audio.

export type WordTiming = { start: number; end: number; time: number };

export type PlayerMedia = { url: string; mimeType: string; provider: string; model: string; offline: boolean; timings?: WordTiming[]; durationMs?: number };

export type PlayerScene = { id: string; title: string; text: string; image: PlayerMedia | null; clip: PlayerMedia | null; narration: PlayerMedia | null };
export type PlayerChapter = { id: string; title: string; scenes: PlayerScene[] };
export type PlayerStory = { id: string; worldId: string; worldTitle: string; title: string; premise: string; wordCount: number; chapters: PlayerChapter[] };

/** A scene in the story's single run, with where it stands. */
export type Stop = { scene: PlayerScene; chapter: PlayerChapter; chapterIndex: number; index: number };

/** Every scene of the story in reading order (chapters without scenes play nothing). */
export function stopsOf(story: PlayerStory): Stop[] {
  const stops: Stop[] = [];
  story.chapters.forEach((chapter, chapterIndex) => {
    for (const scene of chapter.scenes) stops.push({ scene, chapter, chapterIndex, index: stops.length });
  });
  return stops;
}

/** The first scene of the chapter after (+1) or before (-1) the one `index` is in; null at either end. */
export function chapterStep(stops: Stop[], index: number, direction: 1 | -1): number | null {
  const here = stops[index];
  if (!here) return null;
  if (direction === 1) {
    const next = stops.find((stop) => stop.chapterIndex > here.chapterIndex);
    return next ? next.index : null;
  }
  // Back: to the start of this chapter first, as a music player goes to the start of a track.
  const start = stops.find((stop) => stop.chapterIndex === here.chapterIndex)!;
  if (start.index < index) return start.index;
  const before = stops.filter((stop) => stop.chapterIndex < here.chapterIndex).at(-1);
  if (!before) return null;
  return stops.find((stop) => stop.chapterIndex === before.chapterIndex)!.index;
}

/** A piece of the scene's text: a spoken word (with its index in the timings) or what lies between. */
export type Segment = { text: string; word: number | null };

/**
 * The text cut at the words the narration times. Timings that do not fit the text (out of range,
 * overlapping, backwards) are skipped rather than trusted: the text always reads whole.
 */
export function segmentsOf(text: string, timings: readonly WordTiming[] | undefined): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  (timings ?? []).forEach((timing, word) => {
    if (!Number.isInteger(timing.start) || !Number.isInteger(timing.end) || timing.start < at || timing.end <= timing.start || timing.end > text.length) return;
    if (timing.start > at) segments.push({ text: text.slice(at, timing.start), word: null });
    segments.push({ text: text.slice(timing.start, timing.end), word });
    at = timing.end;
  });
  if (at < text.length) segments.push({ text: text.slice(at), word: null });
  return segments;
}

/** The word being spoken `ms` into the narration: the last one that has started (-1 before the first). */
export function wordAt(timings: readonly WordTiming[] | undefined, ms: number): number {
  if (!timings || timings.length === 0) return -1;
  let low = 0;
  let high = timings.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (timings[middle]!.time <= ms) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

export const SPEEDS = [0.75, 1, 1.25, 1.5, 2] as const;

/** The next speed up (+1) or down (-1) the list, staying at either end. */
export function stepSpeed(speed: number, direction: 1 | -1): number {
  const index = SPEEDS.findIndex((value) => value >= speed);
  const here = index === -1 ? SPEEDS.length - 1 : index;
  return SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, here + direction))]!;
}

/** The segments as paragraphs (the text's lines; blank lines dropped), each a run of segments. */
export function paragraphsOf(segments: readonly Segment[]): Segment[][] {
  const paragraphs: Segment[][] = [[]];
  for (const segment of segments) {
    segment.text.split("\n").forEach((piece, n) => {
      if (n > 0) paragraphs.push([]);
      if (piece) paragraphs.at(-1)!.push({ text: piece, word: segment.word });
    });
  }
  return paragraphs.filter((paragraph) => paragraph.some((segment) => segment.text.trim()));
}
