// The story player (issue 18, point 4): a story scene by scene — the picture (or the clip), the
// text with the spoken word lit, the narration — with scene and chapter steps, a chapter list,
// speed, and keyboard and swipe controls. Used by the member's player page, the public reading
// page, the embed and playlists; it imports only React and the model, to stay light for embeds.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { SPEEDS, chapterStep, paragraphsOf, segmentsOf, stepSpeed, stopsOf, wordAt, type PlayerMedia, type PlayerStory } from "./player-model";

export type PlayerPlace = { sceneId: string; positionMs: number };

type Props = {
  story: PlayerStory;
  /** Where to start (a reader's kept place). */
  start?: PlayerPlace | null;
  /** Called now and then while playing, and on every scene change (saving the reader's place). */
  onPlace?: (place: PlayerPlace) => void;
  /** Called when the last scene's narration ends (a playlist goes on to its next story). */
  onFinished?: () => void;
  /** Begin playing at once (the next story of a playlist, after the reader pressed play before). */
  autoPlay?: boolean;
  /** A smaller frame: the embed. */
  compact?: boolean;
};

const SWIPE_PX = 60;

/** Step icons drawn, not typed: not every phone's fonts have the media symbols. */
function StepIcon({ kind }: { kind: "chapter-back" | "back" | "forward" | "chapter-forward" }) {
  const paths = {
    "chapter-back": "M6 5h2v14H6zM20 5v14L9 12z",
    back: "M17 5v14L6 12z",
    forward: "M7 5v14l11-7z",
    "chapter-forward": "M16 5h2v14h-2zM4 5v14l11-7z",
  };
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" className="mx-auto fill-current">
      <path d={paths[kind]} />
    </svg>
  );
}
const PLACE_EVERY_MS = 5000;

function OfflineBadge({ media, what }: { media: PlayerMedia | null; what: string }) {
  if (!media?.offline) return null;
  return (
    <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs text-amber-900" title={`${what} made by the offline local provider (${media.model})`}>
      {what}: offline rendering
    </span>
  );
}

export function StoryPlayer({ story, start, onPlace, onFinished, autoPlay = false, compact = false }: Props) {
  const stops = useMemo(() => stopsOf(story), [story]);
  const [index, setIndex] = useState(() => Math.max(0, stops.findIndex((stop) => stop.scene.id === start?.sceneId)));
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [word, setWord] = useState(-1);
  const [showClip, setShowClip] = useState(false);
  const [showChapters, setShowChapters] = useState(false);
  const [blocked, setBlocked] = useState<string | null>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const resumeAt = useRef(start?.positionMs ?? 0);
  // Whether the reader wants sound: scene changes keep playing once they pressed play.
  const wantsPlay = useRef(autoPlay);
  const lastPlace = useRef(0);
  const touch = useRef<{ x: number; y: number } | null>(null);

  const stop = stops[index];
  const scene = stop?.scene ?? null;
  const narration = scene?.narration ?? null;
  const segments = useMemo(() => (scene ? segmentsOf(scene.text, narration?.timings) : []), [scene, narration]);
  const paragraphs = useMemo(() => paragraphsOf(segments), [segments]);

  const place = useCallback(
    (positionMs: number) => {
      if (!scene || !onPlace) return;
      lastPlace.current = Date.now();
      onPlace({ sceneId: scene.id, positionMs: Math.max(0, Math.round(positionMs)) });
    },
    [scene, onPlace],
  );

  const go = useCallback(
    (next: number | null) => {
      if (next === null || next < 0 || next >= stops.length) return;
      resumeAt.current = 0;
      setWord(-1);
      setShowClip(false);
      setIndex(next);
    },
    [stops.length],
  );

  // A new scene: its audio loads; play on if the reader was listening. The place is kept.
  useEffect(() => {
    const element = audio.current;
    place(resumeAt.current);
    if (!element || !narration) {
      setPlaying(false);
      return;
    }
    element.playbackRate = speed;
    const onReady = () => {
      if (resumeAt.current > 0) element.currentTime = resumeAt.current / 1000;
      if (wantsPlay.current) {
        element.play().then(
          () => setBlocked(null),
          () => {
            // The browser wants a tap first (autoplay rules): say so rather than sit silent.
            wantsPlay.current = false;
            setBlocked("Press play to listen.");
          },
        );
      }
    };
    element.addEventListener("loadedmetadata", onReady, { once: true });
    element.load();
    return () => element.removeEventListener("loadedmetadata", onReady);
    // The speed is applied by its own effect; this runs when the scene changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [index, narration?.url]);

  useEffect(() => {
    if (audio.current) audio.current.playbackRate = speed;
  }, [speed]);

  // The lit word follows the audio on every frame while it plays.
  useEffect(() => {
    if (!playing || !narration?.timings?.length) return;
    let frame = 0;
    const tick = () => {
      const element = audio.current;
      if (element) setWord(wordAt(narration.timings, element.currentTime * 1000));
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing, narration]);

  const toggle = useCallback(() => {
    const element = audio.current;
    if (!element || !narration) return;
    if (element.paused) {
      wantsPlay.current = true;
      element.play().then(
        () => setBlocked(null),
        () => setBlocked("This narration could not be played."),
      );
    } else {
      wantsPlay.current = false;
      element.pause();
    }
  }, [narration]);

  const onEnded = () => {
    setPlaying(false);
    if (index + 1 < stops.length) {
      go(index + 1);
    } else {
      wantsPlay.current = false;
      place(0);
      onFinished?.();
    }
  };

  const onTimeUpdate = () => {
    const element = audio.current;
    if (element && Date.now() - lastPlace.current > PLACE_EVERY_MS) place(element.currentTime * 1000);
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.target instanceof HTMLSelectElement || event.target instanceof HTMLInputElement) return;
    const keys: Record<string, () => void> = {
      " ": toggle,
      k: toggle,
      ArrowRight: () => go(index + 1),
      ArrowLeft: () => go(index - 1),
      PageDown: () => go(chapterStep(stops, index, 1)),
      PageUp: () => go(chapterStep(stops, index, -1)),
      "+": () => setSpeed((value) => stepSpeed(value, 1)),
      "-": () => setSpeed((value) => stepSpeed(value, -1)),
    };
    const action = keys[event.key];
    if (!action || event.altKey || event.ctrlKey || event.metaKey) return;
    // Space on a button presses that button; the player's own keys work everywhere else.
    if (event.key === " " && event.target instanceof HTMLButtonElement) return;
    event.preventDefault();
    action();
  };

  if (!stop || !scene) {
    return (
      <section aria-label="Story player" className="rounded-2xl border border-stone-200 bg-white p-6 text-center text-stone-600">
        This story has no scenes yet.
      </section>
    );
  }

  const button = "rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm font-medium text-stone-800 hover:bg-stone-100 disabled:opacity-40 min-h-11 min-w-11";
  const first = index === 0;
  const last = index === stops.length - 1;

  return (
    <section
      aria-label={`Story player: ${story.title}`}
      tabIndex={0}
      onKeyDown={onKeyDown}
      className="flex flex-col gap-3 rounded-2xl border border-stone-200 bg-white p-3 shadow-sm outline-none focus-visible:ring-2 focus-visible:ring-indigo-400 sm:p-4"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <p className="min-w-0 text-sm text-stone-600">
          <span className="font-medium text-stone-900" data-testid="player-chapter">
            {stop.chapter.title || `Chapter ${stop.chapterIndex + 1}`}
          </span>
          {" · "}
          <span data-testid="player-scene">{scene.title || `Scene ${index + 1}`}</span>
          <span className="text-stone-400">
            {" "}
            ({index + 1} of {stops.length})
          </span>
        </p>
        <div className="relative">
          <button type="button" className={button} aria-expanded={showChapters} onClick={() => setShowChapters((open) => !open)}>
            Chapters
          </button>
          {showChapters ? (
            <ol className="absolute right-0 z-20 mt-1 max-h-80 w-72 max-w-[80vw] overflow-auto rounded-xl border border-stone-200 bg-white p-2 shadow-lg">
              {story.chapters.map((chapter, n) => {
                const firstStop = stops.find((candidate) => candidate.chapterIndex === n);
                return (
                  <li key={chapter.id}>
                    <button
                      type="button"
                      disabled={!firstStop}
                      aria-current={stop.chapterIndex === n ? "true" : undefined}
                      onClick={() => {
                        setShowChapters(false);
                        go(firstStop?.index ?? null);
                      }}
                      className="w-full rounded-lg px-2 py-2 text-left text-sm hover:bg-indigo-50 disabled:text-stone-400 aria-[current]:font-semibold aria-[current]:text-indigo-800"
                    >
                      {chapter.title || `Chapter ${n + 1}`}
                      <span className="ml-1 text-xs text-stone-500">{chapter.scenes.length} scenes</span>
                    </button>
                  </li>
                );
              })}
            </ol>
          ) : null}
        </div>
      </header>

      <div
        className={`grid gap-4 ${compact ? "sm:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]" : "md:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]"}`}
        onTouchStart={(event) => {
          const point = event.touches[0];
          touch.current = point ? { x: point.clientX, y: point.clientY } : null;
        }}
        onTouchEnd={(event) => {
          const from = touch.current;
          const point = event.changedTouches[0];
          touch.current = null;
          if (!from || !point) return;
          const dx = point.clientX - from.x;
          // A sideways swipe turns the scene; scrolling up and down is left alone.
          if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > 2 * Math.abs(point.clientY - from.y)) go(index + (dx < 0 ? 1 : -1));
        }}
      >
        <figure className="flex min-w-0 flex-col gap-1">
          {showClip && scene.clip ? (
            <video key={scene.clip.url} src={scene.clip.url} controls autoPlay muted playsInline className="aspect-video w-full rounded-xl bg-stone-900 object-contain" />
          ) : scene.image ? (
            <img key={scene.image.url} src={scene.image.url} alt={`Illustration: ${scene.title || story.title}`} className="aspect-video w-full rounded-xl bg-stone-100 object-cover" />
          ) : (
            <div className="flex aspect-video w-full items-center justify-center rounded-xl bg-stone-100 p-4 text-center text-sm text-stone-500">
              No illustration for this scene yet.
            </div>
          )}
          <figcaption className="flex flex-wrap items-center gap-2">
            {scene.clip ? (
              <button type="button" className="text-sm text-indigo-800 underline" onClick={() => setShowClip((value) => !value)}>
                {showClip ? "Show the picture" : "Play the clip"}
              </button>
            ) : null}
            <OfflineBadge media={showClip ? scene.clip : scene.image} what={showClip ? "Clip" : "Picture"} />
          </figcaption>
        </figure>

        <div className={`min-w-0 overflow-auto ${compact ? "max-h-[min(18rem,40vh)]" : "max-h-[28rem]"} font-serif text-lg leading-relaxed text-stone-800`} data-testid="player-text" aria-live="off">
          {paragraphs.length ? (
            paragraphs.map((paragraph, n) => (
              <p key={n} className="mb-3">
                {paragraph.map((segment, m) =>
                  segment.word === null ? (
                    <span key={m}>{segment.text}</span>
                  ) : (
                    <span key={m} data-word={segment.word} className={segment.word === word ? "rounded bg-amber-200 text-stone-950" : undefined} aria-current={segment.word === word ? "true" : undefined}>
                      {segment.text}
                    </span>
                  ),
                )}
              </p>
            ))
          ) : (
            <p className="text-stone-500">This scene has no text yet.</p>
          )}
        </div>
      </div>

      {narration ? (
        <audio
          ref={audio}
          src={narration.url}
          preload="metadata"
          onPlay={() => setPlaying(true)}
          onPause={() => setPlaying(false)}
          onEnded={onEnded}
          onTimeUpdate={onTimeUpdate}
          aria-label={`Narration of ${scene.title || "this scene"}`}
        />
      ) : null}

      <footer className="flex flex-wrap items-center gap-2">
        <button type="button" className={button} disabled={chapterStep(stops, index, -1) === null} onClick={() => go(chapterStep(stops, index, -1))} aria-label="Previous chapter" title="Previous chapter (Page Up)">
          <StepIcon kind="chapter-back" />
        </button>
        <button type="button" className={button} disabled={first} onClick={() => go(index - 1)} aria-label="Previous scene" title="Previous scene (←)">
          <StepIcon kind="back" />
        </button>
        <button
          type="button"
          className="min-h-11 min-w-24 rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white hover:bg-indigo-800 disabled:opacity-50"
          disabled={!narration}
          onClick={toggle}
          aria-label={playing ? "Pause" : "Play"}
          title={narration ? "Play or pause (Space)" : "This scene has no narration yet"}
        >
          {playing ? "Pause" : "Play"}
        </button>
        <button type="button" className={button} disabled={last} onClick={() => go(index + 1)} aria-label="Next scene" title="Next scene (→)">
          <StepIcon kind="forward" />
        </button>
        <button type="button" className={button} disabled={chapterStep(stops, index, 1) === null} onClick={() => go(chapterStep(stops, index, 1))} aria-label="Next chapter" title="Next chapter (Page Down)">
          <StepIcon kind="chapter-forward" />
        </button>
        <label className="ml-auto flex items-center gap-1 text-sm text-stone-600">
          Speed
          <select value={speed} onChange={(event) => setSpeed(Number(event.target.value))} className="min-h-11 rounded-lg border border-stone-300 bg-white px-2">
            {SPEEDS.map((value) => (
              <option key={value} value={value}>
                {value}×
              </option>
            ))}
          </select>
        </label>
      </footer>
      <p className="flex flex-wrap gap-2 text-xs text-stone-500" aria-live="polite">
        {narration ? null : <span>No narration for this scene yet — read along, and use the next-scene button (or →) to go on.</span>}
        <OfflineBadge media={narration} what="Narration" />
        {blocked ? <span className="text-rose-700">{blocked}</span> : null}
      </p>
    </section>
  );
}
