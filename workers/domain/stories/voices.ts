// Which voices may be chosen (issue 18, point 2): those of the providers that narrate here (the
// audio chain, e.g. Polly then the offline synthesiser), and, for a character, an element of the
// world that can speak.
import { and, eq, inArray } from "drizzle-orm";
import { elements } from "../../../drizzle/schema";
import { providerChains } from "../../ai";
import { PREVIEW_TEXT, hasVoice, voiceCatalogue, type VoiceCatalogue } from "../../ai/voices";
import { bedrockConfigFromEnv } from "../../ai/bedrock";
import type { ProviderName } from "../../ai/types";
import { configOf } from "../../lib/config";
import type { Database } from "../../lib/db";
import { HttpError } from "../../lib/errors";

export { PREVIEW_TEXT };

/** The providers that narrate here, first the one asked first. */
export function narratingProviders(env: object): ProviderName[] {
  try {
    return [...new Set(providerChains(env).audio.map((provider) => provider.name))];
  } catch {
    // A provider that is not configured (missing keys) narrates nothing; the offline voices remain.
    return ["local"];
  }
}

/** Voices per provider of the chain (and `local` always, for offline narration). */
export function voiceCataloguesOf(env: object): { active: string; providers: Array<VoiceCatalogue & { voices: Array<VoiceCatalogue["voices"][number] & { previewUrl: string }> }> } {
  const names = narratingProviders(env);
  if (!names.includes("local")) names.push("local");
  const pollyVoice = configOf(env).AI_PROVIDER === "bedrock" || names.includes("bedrock") ? safePollyVoice(env) : undefined;
  return {
    active: names[0]!,
    providers: names.map((name) => {
      const catalogue = voiceCatalogue(name, { bedrock: pollyVoice });
      // Each voice with where its short preview plays (GET /api/voices/:provider/:voice/preview).
      return { ...catalogue, voices: catalogue.voices.map((voice) => ({ ...voice, previewUrl: `/api/voices/${name}/${voice.id}/preview` })) };
    }),
  };
}

function safePollyVoice(env: object): string | undefined {
  try {
    return bedrockConfigFromEnv(env).pollyVoice;
  } catch {
    return undefined;
  }
}

/** 400 unless the voice is one of a narrating provider's. */
export function requireKnownVoice(env: object, voice: string, field: string) {
  const names = narratingProviders(env);
  if (!names.some((name) => hasVoice(name, voice))) {
    throw new HttpError(400, "unknown_voice", `There is no voice “${voice}” here; see GET /api/voices.`, { field });
  }
}

const SPEAKING_TYPES = ["character", "creature"] as const;

/** A story's voice changes: every voice known, every character an element of the world that can speak. */
export async function requireStoryVoices(env: object, db: Database, worldId: string, changes: { narratorVoice?: string | null; characterVoices?: Record<string, string> }) {
  if (changes.narratorVoice) requireKnownVoice(env, changes.narratorVoice, "narratorVoice");
  const characters = Object.entries(changes.characterVoices ?? {});
  for (const [elementId, voice] of characters) requireKnownVoice(env, voice, `characterVoices.${elementId}`);
  if (characters.length === 0) return;
  const ids = characters.map(([id]) => id);
  const found = await db
    .select({ id: elements.id })
    .from(elements)
    .where(and(eq(elements.worldId, worldId), inArray(elements.id, ids), inArray(elements.type, [...SPEAKING_TYPES])));
  const missing = ids.find((id) => !found.some((row) => row.id === id));
  if (missing) throw new HttpError(400, "invalid_element", `There is no character ${missing} in this world.`, { field: `characterVoices.${missing}` });
}
