// The `local` provider (SPEC §5): offline, deterministic from the call's seed, free. The default
// for `npm start` and the one the tests use; its media are labelled as offline renderings.
import type { Providers } from "../types";
import { localAudio } from "./audio";
import { localImage } from "./image";
import { localText } from "./text";
import { localVideo } from "./video";

export function localProviders(): Providers {
  return { text: localText, image: localImage, video: localVideo, audio: localAudio };
}

export { localAudio, localImage, localText, localVideo };
export { LOCAL_TEXT_MODEL } from "./text";
export { LOCAL_IMAGE_MODEL } from "./image";
export { LOCAL_VIDEO_MODEL } from "./video";
export { LOCAL_AUDIO_MODEL } from "./audio";
