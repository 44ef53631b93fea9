// Voice prompts (issue 19, point 6): a recording from the browser turned into text by the first
// provider that can transcribe (workers/ai, transcribeChain), within the generation quota, and
// recorded as a `transcribe` job so that it counts and its cost shows in the person's usage.
import { jobs } from "../../drizzle/schema";
import { callPolicy, transcribeChain } from "../ai";
import { TRANSCRIBE_SETUP } from "../ai/local";
import { callChain } from "../ai/resilience";
import { ProviderError, type ProviderName, type TranscribeProvider } from "../ai/types";
import type { Database } from "../lib/db";
import { HttpError } from "../lib/errors";
import { newId } from "../lib/ids";
import { checkGenerationLimits, limitsFrom } from "./jobs";

/** A spoken prompt is short: 10 MB is several minutes of Opus, and Whisper takes 25 MB at most. */
export const MAX_AUDIO_BYTES = 10 * 1024 * 1024;
export const AUDIO_TYPES = ["audio/webm", "audio/ogg", "audio/mp4", "audio/mpeg", "audio/wav"] as const;
export type AudioType = (typeof AUDIO_TYPES)[number];

const ascii = (bytes: Uint8Array, at: number, text: string) => [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0));

/**
 * The audio type the bytes really are, from their first bytes (never the declared type): WebM
 * (an EBML header whose DocType is "webm"), Ogg, MP4/M4A (an `ftyp` box), MP3 (an ID3 tag or an
 * MPEG audio frame header) and WAV (RIFF…WAVE). What browsers' MediaRecorder makes is among them.
 */
export function sniffAudio(bytes: Uint8Array): AudioType | null {
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    // The DocType element (0x42 0x82) sits in the EBML header, within its first few dozen bytes.
    for (let i = 4; i < Math.min(bytes.length - 6, 64); i++) {
      if (bytes[i] === 0x42 && bytes[i + 1] === 0x82 && ascii(bytes, i + 3, "webm")) return "audio/webm";
    }
    return null;
  }
  if (ascii(bytes, 0, "OggS")) return "audio/ogg";
  if (ascii(bytes, 4, "ftyp")) return "audio/mp4";
  if (ascii(bytes, 0, "RIFF") && ascii(bytes, 8, "WAVE")) return "audio/wav";
  if (ascii(bytes, 0, "ID3")) return "audio/mpeg";
  // An MPEG audio frame: 11 sync bits, a version that is not "reserved" (01) and a layer that is
  // not "reserved" (00, which is also how AAC's ADTS headers start, so those are not taken for MP3).
  const b1 = bytes[1] ?? 0;
  if (bytes[0] === 0xff && (b1 & 0xe0) === 0xe0 && (b1 & 0x18) !== 0x08 && (b1 & 0x06) !== 0) return "audio/mpeg";
  return null;
}

/** A chain with something in it that can transcribe (not `local`, which only refuses). */
const canTranscribe = (chain: TranscribeProvider[]) => chain.some((provider) => provider.name !== "local");

/** Whether this deployment can turn speech into text, and what to configure when it cannot. */
export function transcriptionStatus(env: object): { available: boolean; providers: ProviderName[]; setup: string | null } {
  const chain = transcribeChain(env);
  const available = canTranscribe(chain);
  return { available, providers: available ? chain.map((provider) => provider.name) : [], setup: available ? null : TRANSCRIBE_SETUP };
}

export type Transcript = { text: string; provider: ProviderName; model: string };

/**
 * The recording's words. 501 when no provider here can transcribe (nothing is counted), 429 past
 * the quota or the rate, 422 when the provider refused the audio, 503 when the providers are
 * unavailable (or misconfigured) just now. A transcript is recorded as a succeeded `transcribe` job.
 */
export async function transcribeSpeech(
  db: Database,
  env: object,
  userId: string,
  request: { audio: Uint8Array; mimeType: AudioType; language?: string },
): Promise<Transcript> {
  const chain = transcribeChain(env);
  if (!canTranscribe(chain)) throw new HttpError(501, "transcription_unavailable", TRANSCRIBE_SETUP);
  await checkGenerationLimits(db, userId, limitsFrom(env), Date.now());
  const outcome = await callChain("transcribe", chain, (provider, signal) => provider.transcribe(request, { signal }), callPolicy(env, "transcribe")).catch(
    (error: unknown) => {
      if (!(error instanceof ProviderError)) throw error;
      // The provider refused the audio itself: the person can try again. Anything else (throttling,
      // an outage, a key the provider refused) is the server's to fix, and never named to the client.
      if (!error.retryable && [400, 413, 415, 422].includes(error.options.status ?? 0)) {
        throw new HttpError(422, "transcription_failed", "The recording could not be transcribed; try speaking again, a little closer to the microphone.");
      }
      throw new HttpError(503, "provider_unavailable", "Speech could not be transcribed just now; please try again shortly, or type the prompt.", undefined, { "retry-after": "5" });
    },
  );
  const result = outcome.value;
  const now = new Date();
  await db.insert(jobs).values({
    id: newId(),
    worldId: null,
    userId,
    kind: "transcribe",
    status: "succeeded",
    progress: 100,
    attempts: outcome.attempts,
    input: { mimeType: request.mimeType, bytes: request.audio.byteLength },
    result: { provider: result.provider, model: result.model, characters: result.text.length },
    costEstimate: result.usage.costUsd,
    createdAt: now,
    updatedAt: now,
  });
  return { text: result.text, provider: result.provider, model: result.model };
}
