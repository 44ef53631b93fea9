// Issue 18: the time to illustrate and narrate a 10-scene story through Bedrock and Polly — the
// stand-in, answering each image after 400 ms and each speech request after 300 ms — against the sum
// of those delays over every request the story made (what it would take one request at a time), and
// to narrate it again unchanged from the cache. Reported; the issue sets no budget.
import { standinEnv, startBedrockStandin } from "../../scripts/lib/bedrock-standin.mjs";
import { STORY_MEDIA_SCENES, measureStoryMedia } from "../lib/story-media.mjs";

export const name = "story-media-bedrock";
export const serve = "wrangler";
export const title = "story media through the Bedrock stand-in (image 400 ms, speech 300 ms): illustrate and narrate a 10-scene story";

const IMAGE_MS = 400;
const AUDIO_MS = 300;
let standin = null;

export async function prepare() {
  standin = await startBedrockStandin({ delays: { image: IMAGE_MS, audio: AUDIO_MS } });
}

export function vars() {
  return { ...standinEnv(standin.url), AI_PROVIDER: "bedrock", AI_FALLBACK_LOCAL: "false", GENERATION_PER_MINUTE: "1000", GENERATION_DAILY_QUOTA: "100000" };
}

export async function cleanup() {
  await standin?.close();
  standin = null;
}

export async function run({ url }) {
  standin.requests.length = 0;
  const rows = await measureStoryMedia(url, { label: "bedrock stand-in" });
  // The baseline: each scene's image, and each Polly request (speech marks and audio, per voice
  // span), one after another. Counted from what the stand-in actually answered.
  const speech = standin.requests.filter((request) => request.service === "polly").length;
  const images = standin.requests.filter((request) => request.modality === "image").length;
  const rounds = Number(process.env.BENCH_STORY_MEDIA_ROUNDS ?? 3);
  console.log(`  the stand-in answered ${images} image and ${speech} speech requests over ${rounds} rounds`);
  rows[0]["provider delays summed ms"] = STORY_MEDIA_SCENES * IMAGE_MS;
  rows[0]["× summed delays"] = Math.round((rows[0]["p50 ms"] / (STORY_MEDIA_SCENES * IMAGE_MS)) * 100) / 100;
  const speechFloor = (speech * AUDIO_MS) / rounds; // all from the first narration of each round: the cached one asks nothing
  if (speechFloor > 0) {
    rows[1]["provider delays summed ms"] = Math.round(speechFloor);
    rows[1]["× summed delays"] = Math.round((rows[1]["p50 ms"] / speechFloor) * 100) / 100;
  }
  return {
    rows,
    checks: [{ what: "stand-in requests signed and well-formed", value: `${standin.requests.filter((r) => r.ok).length}/${standin.requests.length}`, budget: "all", ok: standin.requests.every((r) => r.ok) }],
  };
}
