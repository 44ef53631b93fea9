// Which providers serve which modality (catalogue C3): `AI_PROVIDER` for all of them, an
// `AI_<MODALITY>_PROVIDER` per modality, each followed by its own fallback model and, unless
// `AI_FALLBACK_LOCAL` is "false", by the offline `local` provider.
import { bedrockConfigFromEnv, bedrockProviders } from "./bedrock";
import { localProviders } from "./local";
import { openAiConfigFromEnv, openAiProviders } from "./openai";
import { DEFAULT_POLICY, type CallPolicy } from "./resilience";
import {
  PROVIDER_NAMES,
  type AudioProvider,
  type ImageProvider,
  type Modality,
  type ProviderName,
  type TextProvider,
  type VideoProvider,
} from "./types";
import { workersAiProviders, type WorkersAiBinding } from "./workers-ai";

export type ProviderChains = {
  text: TextProvider[];
  image: ImageProvider[];
  video: VideoProvider[];
  audio: AudioProvider[];
};

type Settings = Record<string, unknown>;
const read = (env: Settings, name: string) => {
  const value = env[name];
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
};

function providerName(env: Settings, modality: Modality): ProviderName {
  const chosen = read(env, `AI_${modality.toUpperCase()}_PROVIDER`) ?? read(env, "AI_PROVIDER") ?? "local";
  if (!(PROVIDER_NAMES as readonly string[]).includes(chosen)) {
    throw new Error(`AI provider "${chosen}" is not one of ${PROVIDER_NAMES.join(", ")}.`);
  }
  return chosen as ProviderName;
}

/** The chain for each modality, built from the Worker's vars and secrets. */
export function providerChains(env: Settings): ProviderChains {
  const local = localProviders();
  const chains: ProviderChains = { text: [], image: [], video: [], audio: [] };
  const built = new Map<ProviderName, ReturnType<typeof build>>();
  const get = (name: ProviderName) => {
    if (!built.has(name)) built.set(name, build(name, env));
    return built.get(name)!;
  };
  for (const modality of ["text", "image", "video", "audio"] as const) {
    const name = providerName(env, modality);
    const set = get(name);
    if (set.supports[modality]) {
      (chains[modality] as unknown[]).push(set.providers[modality]);
      const fallback = modality === "text" || modality === "image" ? set.fallbacks[modality] : undefined;
      if (fallback) (chains[modality] as unknown[]).push(fallback);
    }
    if (name !== "local" && read(env, "AI_FALLBACK_LOCAL") !== "false") (chains[modality] as unknown[]).push(local[modality]);
    if (chains[modality].length === 0) (chains[modality] as unknown[]).push(local[modality]);
  }
  return chains;
}

function build(name: ProviderName, env: Settings) {
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
      const binding = env.AI as WorkersAiBinding | undefined;
      if (!binding) throw new Error('AI_PROVIDER "workers-ai" needs an `ai` binding named AI in wrangler.jsonc.');
      const { supports, ...providers } = workersAiProviders(binding);
      return { providers, fallbacks: {}, supports };
    }
  }
}

/** Finds the provider that started an asynchronous clip, to poll it. */
export function videoProviderNamed(chains: ProviderChains, name: string): VideoProvider | undefined {
  return chains.video.find((provider) => provider.name === name);
}

/** Timeouts and retries, overridable for tests and slow self-hosted models. */
export function callPolicy(env: Settings, modality: Modality): CallPolicy {
  const number = (name: string) => {
    const value = Number(read(env, name));
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const defaultTimeout = modality === "image" || modality === "video" ? 60_000 : DEFAULT_POLICY.timeoutMs;
  return {
    timeoutMs: number("AI_TIMEOUT_MS") ?? defaultTimeout,
    attempts: number("AI_ATTEMPTS") ?? DEFAULT_POLICY.attempts,
    baseDelayMs: number("AI_RETRY_BASE_MS") ?? DEFAULT_POLICY.baseDelayMs,
    maxDelayMs: DEFAULT_POLICY.maxDelayMs,
  };
}
