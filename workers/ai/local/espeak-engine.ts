// The offline synthesiser, driven directly: eSpeak compiled to asm.js (meSpeak's `ESpeak.js`), one
// instance at a time, replaced with a fresh one every ENGINE_CALLS syntheses.
//
// Why not meSpeak's own `speak()`: each run of eSpeak's `main()` leaves memory behind in the
// instance's fixed heap, and after 60–80 runs the heap is corrupt — eSpeak reports "Bad data" for its
// dictionary and the next run throws (`Invalid array length`) or crashes the isolate. meSpeak keeps
// one instance for the life of the module and its recovery code is never called. A story's narration
// runs the synthesiser once per voice span of every scene, so a 10-scene story reached that limit on
// its second reading. A fresh instance costs one heap allocation and writing the data files again.
import ESpeak from "mespeak/src/ESpeak.js";
import { VARIANT_FILES } from "./espeak-variants";

/** Syntheses per instance, well inside the 60–80 after which an instance breaks. */
export const ENGINE_CALLS = 40;

const ROOT = "/espeak";
const DATA = `${ROOT}/espeak-data`;
const VOICES = `${DATA}/voices`;

type ConfigData = { config: string; phontab: string; phonindex: string; phondata: string; intonations: string };
type VoiceData = { voice_id: string; dict_id: string; dict: string; voice: string; voice_encoding?: string };

type Instance = InstanceType<typeof ESpeak>;
type Engine = { instance: Instance; calls: number; voiceId: string };

const base64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const utf8 = (text: string) => new TextEncoder().encode(text);

function writeFile(instance: Instance, path: string, name: string, bytes: Uint8Array) {
  if (!instance.FS.findObject(path)) instance.FS.createPath("/", path.slice(1), true, true);
  // Emscripten's old FS keeps a file's contents as a plain array of byte values.
  instance.FS.createDataFile(path, name, Array.from(bytes), true, false);
}

function boot(config: ConfigData, voice: VoiceData): Engine {
  const instance = new ESpeak();
  // As meSpeak sets it up: the variants' folder first (the file system's root exists from then on).
  instance.FS.createPath("/", `${VOICES}/!v`.slice(1), true, true);
  instance.FS.root.write = true;
  for (const [name, text] of Object.entries(VARIANT_FILES)) writeFile(instance, `${VOICES}/!v`, name, utf8(text));
  for (const name of ["config", "phontab", "phonindex", "phondata", "intonations"] as const) writeFile(instance, DATA, name, base64(config[name]));
  writeFile(instance, DATA, voice.dict_id, base64(voice.dict));
  const parts = voice.voice_id.split("/");
  const file = parts.pop()!;
  writeFile(instance, [VOICES, ...parts].join("/"), file, voice.voice_encoding === "text" ? utf8(voice.voice) : base64(voice.voice));
  return { instance, calls: 0, voiceId: voice.voice_id };
}

export type Speaker = {
  /** The text read in a variant at a speed (words per minute), as a RIFF/WAVE file. */
  speak(text: string, options: { variant: string; speed: number }): Uint8Array;
};

/** A synthesiser that renews its eSpeak instance before the old one wears out. */
export function createSpeaker(config: ConfigData, voice: VoiceData): Speaker {
  let engine = boot(config, voice);
  return {
    speak(text, { variant, speed }) {
      if (engine.calls >= ENGINE_CALLS) engine = boot(config, voice);
      engine.calls += 1;
      const { instance } = engine;
      // eSpeak's command line, as meSpeak builds it: write a WAV file, UTF-8 input, the voice+variant.
      instance.Module.arguments = ["-w", "wav.wav", "-a", "100", "-g", "0", "-p", "50", "-s", String(speed), "-b", "1", "-v", `${engine.voiceId}+${variant}`, `--path=${ROOT}`, text];
      try {
        instance.run();
      } catch (error) {
        // An instance that threw is not trusted again.
        engine = boot(config, voice);
        throw error;
      }
      const output = instance.FS.root.contents["wav.wav"];
      const values = output?.contents ?? [];
      const wav = Uint8Array.from(values, (value) => value & 0xff);
      if (output) output.contents = [];
      return wav;
    },
  };
}
