// Issue 18: the time to illustrate and narrate a 10-scene story on the offline `local` provider
// (bench/lib/story-media.mjs), and to narrate it again unchanged from the cache. Reported; the issue
// sets no budget.
import { measureStoryMedia } from "../lib/story-media.mjs";

export const name = "story-media";
export const serve = "wrangler";
export const title = "story media on local: illustrate and narrate a 10-scene story, and narrate it again (cached)";

export function vars() {
  return { AI_PROVIDER: "local", GENERATION_PER_MINUTE: "1000", GENERATION_DAILY_QUOTA: "100000" };
}

export async function run({ url }) {
  return { rows: await measureStoryMedia(url, { label: "local" }), checks: [] };
}
