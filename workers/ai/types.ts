// The one interface every AI provider implements (SPEC §5, catalogue C3). The pipeline picks a
// provider per modality from configuration and wraps each call with timeouts, retries, a circuit
// breaker and a fallback chain; providers themselves make one attempt and say whether it may be
// retried.
import type { ElementType, RelationshipKind, WorldStyle } from "../../drizzle/schema/constants";
import type { IssueType } from "./story-issues";
import type { ProviderName } from "../lib/config";

// The provider names are configuration (AI_PROVIDER), defined with the schema that reads it.
export { PROVIDER_NAMES, type ProviderName } from "../lib/config";

export const MODALITIES = ["text", "image", "video", "audio"] as const;
export type Modality = (typeof MODALITIES)[number];

/**
 * What the pipeline may call a provider for: the four generation modalities, and speech to text
 * (issue 19, point 6), which is a chain of its own (workers/ai/index.ts, transcribeChain).
 */
export type Capability = Modality | "transcribe";

/** What every call knows about the world it works for. */
export type WorldContext = {
  title: string;
  description: string;
  style: WorldStyle | string;
  tags: string[];
};

export type CallContext = {
  world: WorldContext;
  /** Deterministic seed (the prompt hash): the `local` provider derives everything from it. */
  seed: string;
  /** Aborted when the pipeline's per-call timeout fires or the job is cancelled. */
  signal?: AbortSignal;
};

/** Who made a text or an asset (catalogue C7). */
export type Provenance = {
  provider: ProviderName;
  model: string;
  promptHash: string;
  at: string; // ISO time
  /** True for the offline `local` renderings, which the UI labels as such. */
  offline: boolean;
};

/** A relationship proposed by the text model, by element *name* (resolved by the pipeline). */
export type RelationshipDraft = {
  to: string;
  kind: RelationshipKind;
  label?: string;
};

export type ElementDraft = {
  name: string;
  type: ElementType;
  /** Markdown, a few sentences to a few short paragraphs. */
  description: string;
  tags: string[];
  relationships: RelationshipDraft[];
  /** A short prompt for the image / clip models, derived from the element. */
  visualPrompt: string;
  /** The text read aloud as narration (plain text, no Markdown, ≤ ~600 characters). */
  narration: string;
};

/** An element as it stands, when refining it or giving neighbours as context. */
export type ElementSummary = {
  name: string;
  type: ElementType;
  description: string;
  tags: string[];
};

export type Usage = {
  /** Estimated cost in US dollars of this one call (0 for `local`). */
  costUsd: number;
  inputTokens?: number;
  outputTokens?: number;
};

export type TextResult<T> = { value: T; provider: ProviderName; model: string; usage: Usage };

export type MediaResult = {
  bytes: Uint8Array;
  mimeType: string;
  provider: ProviderName;
  model: string;
  usage: Usage;
};

/**
 * What a story generation is asked (issue 17): the story bible's context, assembled within a token
 * budget by workers/domain/stories, and what to write next.
 */
export type PassageRequest = {
  /** The assembled context, as prompt text: elements, summaries and the last scenes. */
  context: string;
  story: {
    title: string;
    premise: string;
    template: string;
    audience: "children" | "teens" | "adults";
    tone: string;
    pointOfView: "first" | "second" | "third";
  };
  scene: { title: string; pov: ElementSummary | null; location: ElementSummary | null };
  /** The scene's last words, which the passage continues (empty: the scene starts here). */
  recentText: string;
  /** What should happen next, in the person's words ("the queen learns of the betrayal"). */
  direction?: string;
  /** The elements the context chose: a writer that builds prose from the world takes its people and places from here. */
  cast: ElementSummary[];
  /** About how many words to write. */
  words: number;
};

/** What *New story* asks for (issue 17, point 2): an outline of chapters with scene beats. */
export type OutlineRequest = {
  prompt: string;
  /** A picture's description, when the story starts from one (describeImage). */
  picture?: string;
  story: PassageRequest["story"];
  /** The world's people and places the story may use. */
  cast: ElementSummary[];
  chapters: number;
  scenesPerChapter: number;
};

export type StoryOutline = {
  title: string;
  premise: string;
  chapters: Array<{
    title: string;
    summary: string;
    /** Each scene's beat: what happens in it, a sentence or two; its point of view and place by element name. */
    scenes: Array<{ title: string; beat: string; pov: string | null; location: string | null }>;
  }>;
};

/** What a provider's continuity check reads (issue 17, point 5): a scene against the world and the story so far. */
export type StoryCheckRequest = {
  text: string;
  /** The world's elements the scene may be held to (a bounded selection, never the whole world). */
  elements: Array<{ name: string; type: ElementType; description: string }>;
  /** The earlier scenes, in story order, by title and summary. */
  storySoFar: Array<{ title: string; summary: string }>;
};

/** An issue a provider found, anchored to an exact span: `quote === text.slice(start, end)`. */
export type StoryCheckIssue = {
  type: IssueType;
  severity: "error" | "warning";
  start: number;
  end: number;
  quote: string;
  explanation: string;
  /** Replacement text for the span, or null when the fix is not a rewording. */
  suggestion: string | null;
};

/** A passage as it is written: its text in pieces as they come, and what it cost once it ends. */
export type PassageStream = {
  provider: ProviderName;
  model: string;
  chunks: AsyncIterable<string>;
  /** Known once `chunks` has ended. */
  usage: () => Usage;
};

/**
 * What *Refine* asks of a scene (issue 18, point 5): rewrite `text` (the whole scene, or the span the
 * person selected, between `before` and `after`) as `prompt` says, true to the story bible.
 */
export type SceneRefineRequest = {
  prompt: string;
  text: string;
  /** The words just before and after a selected span (empty for the whole scene): the rewrite must join them. */
  before: string;
  after: string;
  whole: boolean;
  /** The assembled story bible, as prompt text (as for a passage). */
  context: string;
  story: PassageRequest["story"];
  scene: PassageRequest["scene"];
  cast: ElementSummary[];
};

export interface TextProvider {
  /** A scene or a span of it rewritten as the person asks (issue 18, point 5); a provider without it is passed over. */
  refineScene?(request: SceneRefineRequest, context: CallContext): Promise<TextResult<string>>;
  /**
   * The next passage of a story, streamed (issue 17, point 3). A provider without it is passed over
   * by the chain for story writing.
   */
  streamPassage?(request: PassageRequest, context: CallContext): Promise<PassageStream>;
  /** A story's outline from a prompt (issue 17, point 2); a provider without it is passed over. */
  outlineStory?(request: OutlineRequest, context: CallContext): Promise<TextResult<StoryOutline>>;
  /**
   * Continuity issues in a scene (issue 17, point 5), found by the model; they add to the rule-based
   * checker's, which always runs. A provider without it (`local`) is passed over.
   */
  checkStory?(request: StoryCheckRequest, context: CallContext): Promise<TextResult<StoryCheckIssue[]>>;
  readonly name: ProviderName;
  /** One element from a prompt; `existing` when refining, `neighbours` as context. */
  element(
    request: { prompt: string; type?: ElementType; existing?: ElementSummary; neighbours?: ElementSummary[] },
    context: CallContext,
  ): Promise<TextResult<ElementDraft>>;
  /** A whole connected world (catalogue C1): `count` elements (8–15) that reference each other by name. */
  world(request: { prompt: string; count: number }, context: CallContext): Promise<TextResult<ElementDraft[]>>;
  /** One prompt that keeps the intent of both (catalogue D4, conflict merging). */
  mergePrompts(
    request: { element: ElementSummary; a: string; b: string },
    context: CallContext,
  ): Promise<TextResult<string>>;
  /** Photo or sketch → element text (catalogue C4). */
  describeImage(
    request: { image: Uint8Array; mimeType: string; hint?: string },
    context: CallContext,
  ): Promise<TextResult<ElementDraft>>;
}

export interface ImageProvider {
  readonly name: ProviderName;
  /** TEXT_IMAGE: an illustration of the element. */
  image(request: { prompt: string; element: ElementDraft }, context: CallContext): Promise<MediaResult>;
  /** IMAGE_VARIATION: a stylised version of an uploaded photo or sketch. */
  variation(
    request: { image: Uint8Array; mimeType: string; prompt: string },
    context: CallContext,
  ): Promise<MediaResult>;
}

/** Clips may be asynchronous (Nova Reel): `start` either finishes or hands back a token to poll. */
export type VideoProgress =
  | { status: "done"; result: MediaResult }
  | { status: "pending"; token: string; pollAfterSeconds: number };

export interface VideoProvider {
  readonly name: ProviderName;
  start(
    request: { prompt: string; element: ElementDraft; image?: { bytes: Uint8Array; mimeType: string } },
    context: CallContext,
  ): Promise<VideoProgress>;
  poll(token: string, context: CallContext): Promise<VideoProgress>;
}

/**
 * A scene read aloud (issue 18, point 2): its plain text, cut into spans each read in one voice
 * (dialogue in the speaking character's, the rest in the narrator's). Spans cover the text in order.
 */
export type NarrationRequest = { text: string; spans: Array<{ start: number; end: number; voice: string | undefined }> };

/** When each word is spoken: character offsets into the request's text, and milliseconds from the start. */
export type WordTiming = { start: number; end: number; time: number };

export type NarrationResult = MediaResult & { timings: WordTiming[]; durationMs: number; voices: string[] };

export interface AudioProvider {
  readonly name: ProviderName;
  speak(request: { text: string; voice?: string }, context: CallContext): Promise<MediaResult>;
  /** A whole scene in several voices, with word timings (Polly's speech marks; estimated offline). */
  narrate?(request: NarrationRequest, context: CallContext): Promise<NarrationResult>;
}

/** Spoken audio to text (issue 19, point 6): a voice prompt recorded in the browser. */
export type TranscribeRequest = {
  audio: Uint8Array;
  /** The type the bytes really are (sniffed by the caller, never the declared one). */
  mimeType: string;
  /** An ISO 639-1 hint ("en"), when the person's language is known. */
  language?: string;
};

export type TranscriptResult = { text: string; provider: ProviderName; model: string; usage: Usage };

export interface TranscribeProvider {
  readonly name: ProviderName;
  transcribe(request: TranscribeRequest, context: { signal?: AbortSignal }): Promise<TranscriptResult>;
}

export type Providers = {
  text: TextProvider;
  image: ImageProvider;
  video: VideoProvider;
  audio: AudioProvider;
};

/**
 * What a provider throws when a call fails. `retryable` is true for throttling (429), 5xx and
 * timeouts; false for requests the provider refused (4xx, moderation, bad output).
 */
export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    message: string,
    readonly options: { retryable: boolean; status?: number; retryAfterMs?: number; code?: string } = {
      retryable: false,
    },
  ) {
    super(message);
    this.name = "ProviderError";
  }
  get retryable() {
    return this.options.retryable;
  }
}
