// The `local` provider (SPEC §5): offline, deterministic from the call's seed, free. The default
// for `npm start` and the one the tests use; its media are labelled as offline renderings.
import { ProviderError, type Providers, type TranscribeProvider } from "../types";
import { localAudio } from "./audio";
import { localImage } from "./image";
import { localText } from "./text";
import { localVideo } from "./video";

export function localProviders(): Providers {
  return { text: localText, image: localImage, video: localVideo, audio: localAudio };
}

/** What to configure for voice prompts when no provider here can transcribe (issue 19, ADR 23). */
export const TRANSCRIBE_SETUP =
  "Offline transcription is not available; configure OPENAI_* (OPENAI_BASE_URL and OPENAI_API_KEY, for an OpenAI-compatible /audio/transcriptions) or Workers AI (an `ai` binding named AI).";

/** `local` has no speech to text: it says what to configure instead (a 501 at the API). */
export const localTranscriber: TranscribeProvider = {
  name: "local",
  transcribe: async () => {
    throw new ProviderError("local", TRANSCRIBE_SETUP, { retryable: false, status: 501, code: "not_supported" });
  },
};

export { localAudio, localImage, localText, localVideo };
export { LOCAL_TEXT_MODEL } from "./text";
export { LOCAL_IMAGE_MODEL } from "./image";
export { LOCAL_VIDEO_MODEL } from "./video";
export { LOCAL_AUDIO_MODEL } from "./audio";
