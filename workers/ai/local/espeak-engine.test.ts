// The offline synthesiser keeps speaking however long it is used: meSpeak's own single instance
// breaks after 60–80 syntheses (its heap corrupts: "Bad data", then `Invalid array length`), which a
// story's narration reached on its second reading. The engine renews its instance before that.
import { describe, expect, it } from "vitest";
import config from "mespeak/src/mespeak_config.json";
import voice from "mespeak/voices/en/en-us.json";
import { ENGINE_CALLS, createSpeaker } from "./espeak-engine";
import { parseWav } from "./wav";

describe("the offline synthesiser", () => {
  it("speaks well past the point where one eSpeak instance wears out", () => {
    const speaker = createSpeaker(config, voice);
    const variants = ["m3", "f2", "f5", "klatt"];
    for (let n = 0; n < 3 * ENGINE_CALLS; n += 1) {
      const wav = speaker.speak(`Call ${n}: the lantern burned blue over the road.`, { variant: variants[n % variants.length]!, speed: 160 });
      const pcm = parseWav(wav);
      expect(pcm.data.byteLength, `call ${n}`).toBeGreaterThan(1000);
    }
  }, 120_000);
});
