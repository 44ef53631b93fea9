// Types for the parts of meSpeak (eSpeak 1.43 compiled to asm.js, GPL) that the offline audio
// provider uses. The package ships no types of its own.
declare module "mespeak" {
  export type SpeakOptions = {
    /** "array" returns the WAV file as an array of byte values instead of playing it. */
    rawdata: "array";
    voice?: string;
    /** An eSpeak voice variant: m1–m7, f1–f5, croak, klatt, whisper… */
    variant?: string;
    /** Words per minute (default 175). */
    speed?: number;
    /** 0–99 (default 50). */
    pitch?: number;
    /** 0–200 (default 100). */
    amplitude?: number;
    /** Extra pause between words, in units of 10 ms. */
    wordgap?: number;
  };

  export type MeSpeak = {
    loadConfig(data: object): void;
    loadVoice(data: object): void;
    isConfigLoaded(): boolean;
    isVoiceLoaded(voiceId: string): boolean;
    speak(text: string, options: SpeakOptions): number[] | null;
  };

  const meSpeak: MeSpeak;
  export default meSpeak;
}

// The eSpeak instance inside meSpeak: a constructor whose every `new` is a fresh asm.js heap and
// file system (espeak-engine.ts drives it directly).
declare module "mespeak/src/ESpeak.js" {
  export default class ESpeak {
    Module: { arguments: string[] };
    FS: {
      root: { write: boolean; contents: Record<string, { contents: number[] } | undefined> };
      findObject(path: string): unknown;
      createPath(parent: string, path: string, canRead: boolean, canWrite: boolean): unknown;
      createDataFile(parent: string, name: string, data: number[], canRead: boolean, canWrite: boolean): unknown;
    };
    run(): void;
  }
}
