// The voices narration may be read in (issue 18, point 2), per provider: Polly's neural English
// voices for `bedrock`, the offline synthesiser's variants for `local`. Story, person and world
// settings name a voice by its id; a voice a provider does not have is passed over for the next in
// the fallback order (chosen → story narrator → person's default → world's default → provider's).
import type { ProviderName } from "./types";

export type Voice = { id: string; name: string; language: string; gender: "female" | "male" | "neutral" };
export type VoiceCatalogue = { provider: ProviderName; defaultVoice: string; offline: boolean; voices: Voice[] };

/** Polly voices that the neural engine reads (English ones; SynthesizeSpeech refuses others with Engine "neural"). */
export const POLLY_NEURAL_VOICES: readonly Voice[] = [
  { id: "Joanna", name: "Joanna", language: "en-US", gender: "female" },
  { id: "Matthew", name: "Matthew", language: "en-US", gender: "male" },
  { id: "Ruth", name: "Ruth", language: "en-US", gender: "female" },
  { id: "Stephen", name: "Stephen", language: "en-US", gender: "male" },
  { id: "Danielle", name: "Danielle", language: "en-US", gender: "female" },
  { id: "Gregory", name: "Gregory", language: "en-US", gender: "male" },
  { id: "Kendra", name: "Kendra", language: "en-US", gender: "female" },
  { id: "Kimberly", name: "Kimberly", language: "en-US", gender: "female" },
  { id: "Salli", name: "Salli", language: "en-US", gender: "female" },
  { id: "Joey", name: "Joey", language: "en-US", gender: "male" },
  { id: "Justin", name: "Justin", language: "en-US", gender: "male" },
  { id: "Kevin", name: "Kevin", language: "en-US", gender: "male" },
  { id: "Ivy", name: "Ivy", language: "en-US", gender: "female" },
  { id: "Amy", name: "Amy", language: "en-GB", gender: "female" },
  { id: "Brian", name: "Brian", language: "en-GB", gender: "male" },
  { id: "Emma", name: "Emma", language: "en-GB", gender: "female" },
  { id: "Arthur", name: "Arthur", language: "en-GB", gender: "male" },
  { id: "Olivia", name: "Olivia", language: "en-AU", gender: "female" },
];

/** The offline synthesiser's (eSpeak's) variants, as workers/ai/local/audio.ts plays them. */
export const LOCAL_VOICES: readonly Voice[] = [
  ...[1, 2, 3, 4, 5, 6, 7].map((k): Voice => ({ id: `m${k}`, name: `Offline male ${k}`, language: "en-US", gender: "male" })),
  ...[1, 2, 3, 4, 5].map((k): Voice => ({ id: `f${k}`, name: `Offline female ${k}`, language: "en-US", gender: "female" })),
  { id: "croak", name: "Offline croak", language: "en-US", gender: "neutral" },
  { id: "klatt", name: "Offline Klatt", language: "en-US", gender: "neutral" },
  { id: "klatt2", name: "Offline Klatt 2", language: "en-US", gender: "neutral" },
  { id: "klatt3", name: "Offline Klatt 3", language: "en-US", gender: "neutral" },
];

/** What a voice preview reads. */
export const PREVIEW_TEXT = "Once upon a time, in a world of our own making, a story began.";

/** The voices of a provider; none for providers without a voice list of ours (they read in their own default). */
export function voiceCatalogue(provider: ProviderName, defaults: { bedrock?: string } = {}): VoiceCatalogue {
  switch (provider) {
    case "bedrock":
      return { provider, defaultVoice: defaults.bedrock ?? "Joanna", offline: false, voices: [...POLLY_NEURAL_VOICES] };
    case "local":
      return { provider, defaultVoice: "m3", offline: true, voices: [...LOCAL_VOICES] };
    default:
      return { provider, defaultVoice: "", offline: false, voices: [] };
  }
}

export const hasVoice = (provider: ProviderName, voice: string) => voiceCatalogue(provider).voices.some((known) => known.id === voice);

/** The first of the candidates the provider has, or undefined (the provider's own default). */
export function firstVoiceOf(provider: ProviderName, candidates: ReadonlyArray<string | null | undefined>): string | undefined {
  return candidates.find((voice): voice is string => typeof voice === "string" && hasVoice(provider, voice));
}
