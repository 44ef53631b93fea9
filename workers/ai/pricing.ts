// Published on-demand prices (US East, USD) behind every `Usage.costUsd` estimate. One table, so a
// price change is one edit. Estimates only: the bill is the source of truth.

/** Text models: USD per 1,000 tokens. */
export const TEXT_PRICES: Record<string, { inputPer1K: number; outputPer1K: number }> = {
  "amazon.nova-micro-v1:0": { inputPer1K: 0.000035, outputPer1K: 0.00014 },
  "amazon.nova-lite-v1:0": { inputPer1K: 0.00006, outputPer1K: 0.00024 },
  "amazon.nova-pro-v1:0": { inputPer1K: 0.0008, outputPer1K: 0.0032 },
  // Workers AI lists prices per million tokens.
  "@cf/meta/llama-3.1-8b-instruct": { inputPer1K: 0.000282, outputPer1K: 0.000827 },
  "@cf/meta/llama-3.2-11b-vision-instruct": { inputPer1K: 0.000049, outputPer1K: 0.000676 },
};

/** Image models: USD per image, by quality and whether the larger side exceeds 1024 pixels. */
export const IMAGE_PRICES: Record<string, { standard: number; premium: number; largeStandard: number; largePremium: number }> =
  {
    "amazon.nova-canvas-v1:0": { standard: 0.04, premium: 0.06, largeStandard: 0.06, largePremium: 0.08 },
    "amazon.titan-image-generator-v2:0": { standard: 0.01, premium: 0.012, largeStandard: 0.01, largePremium: 0.012 },
    // Flux Schnell bills per 512×512 tile and step; a 1024×1024 image at 4 steps is about this.
    "@cf/black-forest-labs/flux-1-schnell": { standard: 0.00064, premium: 0.00064, largeStandard: 0.00064, largePremium: 0.00064 },
  };

/** Video: USD per second of generated clip. */
export const VIDEO_PRICES_PER_SECOND: Record<string, number> = {
  "amazon.nova-reel-v1:0": 0.08,
};

/** Speech: USD per character (Polly) or per audio minute (Workers AI MeloTTS). */
export const SPEECH_PRICES = {
  pollyNeuralPerChar: 16 / 1_000_000,
  pollyStandardPerChar: 4 / 1_000_000,
  meloTtsPerMinute: 0.0002,
} as const;

/** Speech to text, per minute of audio: OpenAI's whisper-1, and Workers AI's Whisper (issue 19). */
export const TRANSCRIBE_PRICES = {
  openAiWhisperPerMinute: 0.006,
  workersAiWhisperPerMinute: 0.0005,
} as const;

/**
 * A recording's minutes, when the provider does not say: browsers record speech as Opus or AAC at
 * about 32 kbit/s (4 kB a second), so this errs towards a longer (dearer) estimate for richer codecs.
 */
export function estimatedAudioMinutes(bytes: number): number {
  return bytes / 4000 / 60;
}

export function transcribeCost(perMinute: number, minutes: number): number {
  return Math.round(minutes * perMinute * 1e8) / 1e8;
}

export function textCost(model: string, inputTokens: number, outputTokens: number): number {
  const price = TEXT_PRICES[model];
  if (!price) return 0;
  return round((inputTokens / 1000) * price.inputPer1K + (outputTokens / 1000) * price.outputPer1K);
}

export function imageCost(
  model: string,
  options: { width: number; height: number; quality: "standard" | "premium"; count?: number },
): number {
  const price = IMAGE_PRICES[model];
  if (!price) return 0;
  const large = Math.max(options.width, options.height) > 1024;
  const each =
    options.quality === "premium" ? (large ? price.largePremium : price.premium) : large ? price.largeStandard : price.standard;
  return round(each * (options.count ?? 1));
}

export function videoCost(model: string, seconds: number): number {
  return round((VIDEO_PRICES_PER_SECOND[model] ?? 0) * seconds);
}

// Sub-cent amounts add up over thousands of jobs; keep enough digits that they do.
function round(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}
