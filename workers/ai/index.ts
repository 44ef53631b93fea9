// Which providers serve which modality (catalogue C3): `AI_PROVIDER` for all of them, an
// `AI_<MODALITY>_PROVIDER` per modality, each followed by its own fallback model and, unless
// `AI_FALLBACK_LOCAL` is "false", by the offline `local` provider.
import { bedrockConfigFromEnv, bedrockProviders } from "./bedrock";
import { localProviders, localTranscriber } from "./local";
import { openAiConfigFromEnv, openAiProviders, openAiTranscribeConfigFromEnv, openAiTranscriber } from "./openai";
import { DEFAULT_POLICY, type CallPolicy } from "./resilience";
import {
  type AudioProvider,
  type Capability,
  type ImageProvider,
  type Modality,
  type ProviderName,
  type TextProvider,
  type TranscribeProvider,
  type VideoProvider,
} from "./types";
import { workersAiProviders, workersAiTranscriber, type WorkersAiBinding } from "./workers-ai";
import { configOf, type Config } from "../lib/config";

export type ProviderChains = {
  text: TextProvider[];
  image: ImageProvider[];
  video: VideoProvider[];
  audio: AudioProvider[];
};

function providerName(config: Config, modality: Modality): ProviderName {
  const perModality = { text: config.AI_TEXT_PROVIDER, image: config.AI_IMAGE_PROVIDER, video: config.AI_VIDEO_PROVIDER, audio: config.AI_AUDIO_PROVIDER };
  return perModality[modality] ?? config.AI_PROVIDER;
}

/** A binding with `run`, as `env.AI` is when the deployment declares an `ai` binding named AI. */
const isAiBinding = (value: unknown): value is WorkersAiBinding =>
  typeof value === "object" && value !== null && "run" in value && typeof value.run === "function";

/** The Workers AI binding, when the deployment has one (wrangler.jsonc declares none). */
const aiBindingOf = (env: object) => ("AI" in env && isAiBinding(env.AI) ? env.AI : undefined);

/** The chain for each modality, built from the Worker's vars and secrets (configOf). */
export function providerChains(env: object): ProviderChains {
  const config = configOf(env);
  const local = localProviders();
  const chains: ProviderChains = { text: [], image: [], video: [], audio: [] };
  const built = new Map<ProviderName, ReturnType<typeof build>>();
  const get = (name: ProviderName) => {
    if (!built.has(name)) built.set(name, build(name, env));
    return built.get(name)!;
  };
  for (const modality of ["text", "image", "video", "audio"] as const) {
    const name = providerName(config, modality);
    const set = get(name);
    if (set.supports[modality]) {
      (chains[modality] as unknown[]).push(set.providers[modality]);
      const fallback = modality === "text" || modality === "image" ? set.fallbacks[modality] : undefined;
      if (fallback) (chains[modality] as unknown[]).push(fallback);
    }
    if (name !== "local" && config.AI_FALLBACK_LOCAL) (chains[modality] as unknown[]).push(local[modality]);
    if (chains[modality].length === 0) (chains[modality] as unknown[]).push(local[modality]);
  }
  return chains;
}

function build(name: ProviderName, env: object) {
  const all = { text: true, image: true, video: true, audio: true };
  switch (name) {
    case "local":
      return { providers: localProviders(), fallbacks: {}, supports: all };
    case "bedrock": {
      const { fallbacks, ...providers } = bedrockProviders(bedrockConfigFromEnv(env));
      return { providers, fallbacks, supports: all };
    }
    case "openai": {
      const { supports, ...providers } = openAiProviders(openAiConfigFromEnv(env));
      return { providers, fallbacks: {}, supports };
    }
    case "workers-ai": {
      const binding = aiBindingOf(env);
      if (!binding) throw new Error('AI_PROVIDER "workers-ai" needs an `ai` binding named AI in wrangler.jsonc.');
      const { supports, ...providers } = workersAiProviders(binding);
      return { providers, fallbacks: {}, supports };
    }
  }
}

/**
 * Who can turn a voice prompt into text (issue 19, point 6): AI_TRANSCRIBE_PROVIDER (else
 * AI_PROVIDER) first, when it can; then whichever of Workers AI (an `ai` binding) and an
 * OpenAI-compatible endpoint (OPENAI_BASE_URL) the deployment has. Bedrock has no speech to text
 * and Amazon Transcribe does not fit a Worker's request (ADR 23), so `bedrock` falls through to
 * these. When none is there, or AI_TRANSCRIBE_PROVIDER is "local", the chain is `local` alone,
 * which refuses with what to configure.
 */
export function transcribeChain(env: object): TranscribeProvider[] {
  const config = configOf(env);
  if (config.AI_TRANSCRIBE_PROVIDER === "local") return [localTranscriber];
  const order = [...new Set<ProviderName>([config.AI_TRANSCRIBE_PROVIDER ?? config.AI_PROVIDER, "workers-ai", "openai"])];
  const chain: TranscribeProvider[] = [];
  for (const name of order) {
    if (name === "workers-ai") {
      const binding = aiBindingOf(env);
      if (binding) chain.push(workersAiTranscriber(binding));
    } else if (name === "openai") {
      const openai = openAiTranscribeConfigFromEnv(env);
      if (openai) chain.push(openAiTranscriber(openai));
    }
  }
  return chain.length > 0 ? chain : [localTranscriber];
}

/** Finds the provider that started an asynchronous clip, to poll it. */
export function videoProviderNamed(chains: ProviderChains, name: string): VideoProvider | undefined {
  return chains.video.find((provider) => provider.name === name);
}

/** Timeouts and retries, overridable for tests and slow self-hosted models. */
export function callPolicy(env: object, modality: Capability): CallPolicy {
  const config = configOf(env);
  const defaultTimeout = modality === "image" || modality === "video" ? 60_000 : DEFAULT_POLICY.timeoutMs;
  return {
    timeoutMs: config.AI_TIMEOUT_MS ?? defaultTimeout,
    attempts: config.AI_ATTEMPTS ?? DEFAULT_POLICY.attempts,
    baseDelayMs: config.AI_RETRY_BASE_MS ?? DEFAULT_POLICY.baseDelayMs,
    maxDelayMs: DEFAULT_POLICY.maxDelayMs,
  };
}
