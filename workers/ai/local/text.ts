// The offline text provider: element drafts from the prompt as the tagger reads it, written with
// templates and the world style's word lists, seeded by the call's seed so tests and `npm start`
// see stable worlds that are about what was asked, without any model.
import type { ElementType } from "../../../drizzle/schema/constants";
import { ProviderError, type CallContext, type TextProvider, type TextResult, type Usage } from "../types";
import { formatBytes, readImageInfo, type ImageInfo } from "./image-info";
import { throwIfAborted } from "./media";
import { loadLanguage, type Language } from "./language";
import { contentWords, readPrompt, undouble } from "./reading";
import { refineElement } from "./refine";
import { mainThing, writeSingle, writeWorld, type WriterContext } from "./writer";
import { sentencesOf } from "./prose";
import { writeOutline, writePassage } from "./story";
import { refineSceneOffline } from "./scene-refine";

export const LOCAL_TEXT_MODEL = "loreloom-local-text-1";

/** Rough token counts (four characters a token) so usage reports look like a real model's. */
function usage(input: string, output: unknown): Usage {
  const size = (text: string) => Math.ceil(text.length / 4);
  return { costUsd: 0, inputTokens: size(input), outputTokens: size(JSON.stringify(output)) };
}

function result<T>(value: T, input: string): TextResult<T> {
  return { value, provider: "local", model: LOCAL_TEXT_MODEL, usage: usage(input, value) };
}

async function writerContext(context: CallContext): Promise<WriterContext> {
  const language = await loadLanguage();
  return { style: context.world.style, seed: context.seed, worldTitle: context.world.title || undefined, language };
}

/**
 * One prompt that keeps both intents: clauses of `b` that add nothing to `a` are dropped, and a
 * clause that says everything an earlier one said and more replaces it.
 */
export function mergePromptText(a: string, b: string, language: Language): string {
  const clauses = (text: string) =>
    text
      .split(/[.;!?]+|,\s*(?:and\s+)?|\s+(?:and|then|also)\s+/i)
      .map((clause) => undouble(clause.trim()))
      .filter(Boolean);
  const kept: { text: string; words: Set<string> }[] = [];
  for (const clause of [...clauses(a), ...clauses(b)]) {
    const words = contentWords(clause, language);
    if (words.size === 0) continue;
    const known = new Set(kept.flatMap((k) => [...k.words]));
    if ([...words].every((word) => known.has(word))) continue;
    const covered = kept.filter((k) => [...k.words].every((word) => words.has(word)));
    covered.forEach((k) => kept.splice(kept.indexOf(k), 1));
    kept.push({ text: clause, words });
  }
  if (kept.length === 0) return (a.trim() || b.trim()).replace(/\s+/g, " ");
  const texts = kept.map((k, i) => (i === 0 ? k.text.charAt(0).toUpperCase() + k.text.slice(1) : lowerFirstWord(k.text, language)));
  const joined = texts.length === 1 ? texts[0]! : `${texts.slice(0, -1).join(", ")} and ${texts.at(-1)}`;
  return `${joined.replace(/\s+/g, " ")}.`;
}

/** Lower-cases an opening verb or article ("Add a moat" → "add a moat") but leaves names alone. */
function lowerFirstWord(text: string, language: Language): string {
  const first = language.tag(text)[0]?.[0];
  const isName = first !== undefined && first.tags.has("ProperNoun") && !first.tags.has("Verb") && !first.tags.has("Determiner");
  return isName ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

const ORIENTATION_NOUN: Record<NonNullable<ImageInfo["orientation"]>, string> = {
  landscape: "vista",
  portrait: "figure",
  square: "relic",
};

const ORIENTATION_TYPE: Record<NonNullable<ImageInfo["orientation"]>, ElementType> = {
  landscape: "location",
  portrait: "character",
  square: "item",
};

function describeFacts(info: ImageInfo): string {
  const size = info.width && info.height ? `${info.width}×${info.height} pixels` : "of unknown size";
  const kind = info.format === "svg" ? "drawing" : "image";
  const colours = info.colours.length
    ? `, mostly ${info.colours[0]}${info.colours.length > 1 ? ` with touches of ${info.colours.slice(1).join(" and ")}` : ""}`
    : "";
  return `_Drawn from an uploaded ${info.orientation ?? ""} ${info.format.toUpperCase()} ${kind} (${size}, ${formatBytes(info.byteLength)})${colours}._`.replace(/\s+/g, " ");
}

export const localText: TextProvider = {
  name: "local",

  /** A story's outline from the template's arc and the world's people and places (story.ts). */
  async outlineStory(request, context) {
    throwIfAborted(context);
    return result(writeOutline(request, context.seed), request.prompt);
  },

  /** The next passage, sentence by sentence (story.ts): written at once, handed over as a stream like a model's. */
  async streamPassage(request, context) {
    throwIfAborted(context);
    const paragraphs = writePassage(request, context.seed);
    const text = paragraphs.join("\n\n");
    async function* pieces() {
      for (const [p, paragraph] of paragraphs.entries()) {
        for (const [i, sentence] of sentencesOf(paragraph).entries()) {
          throwIfAborted(context);
          yield `${i > 0 ? " " : p > 0 ? "\n\n" : ""}${sentence}`;
        }
      }
    }
    return { provider: "local", model: LOCAL_TEXT_MODEL, chunks: pieces(), usage: () => usage(request.context, text) };
  },

  /** A scene or a span of it rewritten by rules the request names (scene-refine.ts); the editor labels it an offline rendering. */
  async refineScene(request, context) {
    throwIfAborted(context);
    return result(refineSceneOffline(request, { style: context.world.style, seed: context.seed }), request.text);
  },

  async element(request, context) {
    throwIfAborted(context);
    const writer = await writerContext(context);
    const draft = request.existing
      ? refineElement({ prompt: request.prompt, existing: request.existing, neighbours: request.neighbours }, writer)
      : writeSingle(request, writer);
    return result(draft, request.prompt);
  },

  async world(request, context) {
    throwIfAborted(context);
    const drafts = writeWorld(request.prompt, request.count, await writerContext(context));
    return result(drafts, request.prompt);
  },

  async mergePrompts(request, context) {
    throwIfAborted(context);
    const { language } = await writerContext(context);
    return result(mergePromptText(request.a, request.b, language), `${request.a}\n${request.b}`);
  },

  async describeImage(request, context) {
    throwIfAborted(context);
    const info = readImageInfo(request.image);
    if (info.format === "unknown") {
      throw new ProviderError("local", `cannot read an image of type ${request.mimeType}`, {
        retryable: false,
        code: "unsupported_image",
      });
    }
    const hint = request.hint?.trim();
    const shape = info.orientation ?? "square";
    const writer = await writerContext(context);
    const type = (hint ? mainThing(readPrompt(hint, writer.language))?.type : undefined) ?? ORIENTATION_TYPE[shape];
    const prompt = hint || `${info.colours[0] ?? "muted"} ${ORIENTATION_NOUN[shape]}`;
    // The image's own facts join the seed, so two uploads with the same hint still differ.
    const seed = `${context.seed}\u0000${info.format}:${info.width}x${info.height}:${info.byteLength}:${info.colours.join(",")}`;
    const draft = writeSingle({ prompt, type, lead: [describeFacts(info)] }, { ...writer, seed });
    draft.tags = [...new Set([...draft.tags, ...info.colours.slice(0, 2)])].slice(0, 8);
    return result(draft, prompt);
  },
};
