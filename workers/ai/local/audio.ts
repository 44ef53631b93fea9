// The offline narration provider: real speech from meSpeak (eSpeak compiled to plain asm.js, so it
// runs inside workerd with no eval, no WebAssembly compilation and no download), returned as a
// 16-bit mono RIFF/WAVE file.
import type { Speaker } from "./espeak-engine";
import type { WorldStyle } from "../../../drizzle/schema/constants";
import { ProviderError, type AudioProvider, type WordTiming } from "../types";
import { mediaResult, throwIfAborted } from "./media";
import { durationSeconds, encodeWav, parseWav, type Pcm } from "./wav";
import { estimatedTimings, narrationChunks } from "../narration";
import { resolveStyle } from "./words";
import { clampSentences, plain } from "./prose";
import { NARRATION_LIMIT } from "./writer";

export const LOCAL_AUDIO_MODEL = "mespeak-2.0.2-espeak-en-us";
export const WAV_MIME = "audio/wav";

/** eSpeak voice variants callers may ask for by name. */
export const VOICES = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "croak", "klatt", "klatt2", "klatt3"] as const;

/** A narrator per genre when the caller does not choose one. */
const STYLE_VOICE: Record<WorldStyle, (typeof VOICES)[number]> = {
  fantasy: "m3",
  "sci-fi": "f2",
  steampunk: "m1",
  horror: "m4",
  mythic: "m2",
  modern: "f1",
  cyberpunk: "f4",
  "post-apocalyptic": "m6",
  "fairy-tale": "f5",
};

let engine: Promise<Speaker> | undefined;

/**
 * The synthesiser is ~5 MB of asm.js plus ~0.7 MB of voice data, and building it allocates a 50 MB
 * heap, so it is imported on first use rather than at Worker start-up, then kept for the isolate.
 */
function loadEngine(): Promise<Speaker> {
  engine ??= (async () => {
    const [{ createSpeaker: create }, { default: config }, { default: voice }] = await Promise.all([
      import("./espeak-engine"),
      import("mespeak/src/mespeak_config.json"),
      import("mespeak/voices/en/en-us.json"),
    ]);
    return create(config, voice);
  })().catch((error: unknown) => {
    engine = undefined;
    throw error;
  });
  return engine;
}

/** Plain sentences eSpeak reads well: no Markdown, no leading dash (it would parse it as a flag). */
export function prepareNarration(text: string): string {
  const cleaned = plain(text)
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, ", ")
    .replace(/…/g, "...")
    .replace(/^[\s-]+/, "");
  return clampSentences(cleaned, NARRATION_LIMIT);
}

export async function synthesise(text: string, voice: string | undefined, style: string): Promise<Uint8Array> {
  const narration = prepareNarration(text);
  if (!narration) throw new ProviderError("local", "nothing to narrate", { retryable: false, code: "empty_text" });
  const variant = VOICES.find((known) => known === voice) ?? STYLE_VOICE[resolveStyle(style)];
  const speaker = await loadEngine();
  const wav = speaker.speak(narration, { variant, speed: 160 });
  if (!wav?.length) throw new ProviderError("local", "the speech synthesiser produced no audio", { retryable: true, code: "no_audio" });
  return encodeWav(parseWav(wav));
}

/** Text as eSpeak reads it, unshortened (a scene is read whole): curly quotes and dashes made plain. */
const speakable = (text: string) =>
  text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d"]/g, " ")
    .replace(/[\u2013\u2014]/g, ", ")
    .replace(/…/g, "...")
    .replace(/^[\s-]+/, "");

/** The variant a voice names, or the world style's narrator. */
const variantOf = (voice: string | undefined, style: string) => VOICES.find((known) => known === voice) ?? STYLE_VOICE[resolveStyle(style)];

/** How much text one call to the synthesiser reads: its heap is fixed, so a long scene is read in pieces. */
const LOCAL_PIECE_CHARS = 1500;

export const localAudio: AudioProvider = {
  name: "local",

  async speak(request, context) {
    throwIfAborted(context);
    const wav = await synthesise(request.text, request.voice, context.world.style);
    return mediaResult(wav, WAV_MIME, LOCAL_AUDIO_MODEL);
  },

  /** A scene in the synthesiser's voice variants, one piece per voice span, with word timings estimated from the audio's length. */
  async narrate(request, context) {
    throwIfAborted(context);
    const chunks = narrationChunks(request, LOCAL_PIECE_CHARS);
    if (chunks.length === 0) throw new ProviderError("local", "nothing to narrate", { retryable: false, code: "empty_text" });
    const speaker = await loadEngine();
    const pieces: Pcm[] = [];
    const timings: WordTiming[] = [];
    const voices = new Set<string>();
    let elapsed = 0;
    for (const chunk of chunks) {
      throwIfAborted(context);
      const variant = variantOf(chunk.voice, context.world.style);
      voices.add(variant);
      const wav = speaker.speak(speakable(request.text.slice(chunk.start, chunk.end)), { variant, speed: 160 });
      if (!wav?.length) throw new ProviderError("local", "the speech synthesiser produced no audio", { retryable: true, code: "no_audio" });
      const pcm = parseWav(wav);
      const ms = durationSeconds(pcm) * 1000;
      timings.push(...estimatedTimings(request.text, chunk, elapsed, ms));
      pieces.push(pcm);
      elapsed += ms;
    }
    const first = pieces[0]!;
    const data = new Uint8Array(pieces.reduce((sum, pcm) => sum + pcm.data.byteLength, 0));
    pieces.reduce((at, pcm) => (data.set(pcm.data, at), at + pcm.data.byteLength), 0);
    return { ...mediaResult(encodeWav({ ...first, data }), WAV_MIME, LOCAL_AUDIO_MODEL), timings, durationMs: Math.round(elapsed), voices: [...voices] };
  },
};
