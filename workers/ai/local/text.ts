// The offline text provider: structured element drafts from templates and word lists, seeded by
// the call's seed so tests and `npm start` see stable, plausible worlds without any model.
import type { ElementType } from "../../../drizzle/schema/constants";
import { ProviderError, type CallContext, type TextProvider, type TextResult, type Usage } from "../types";
import { formatBytes, readImageInfo, type ImageInfo } from "./image-info";
import { throwIfAborted } from "./media";
import { contentWords, readPrompt } from "./keywords";
import { writeSingle, writeWorld, type WriterContext } from "./writer";

export const LOCAL_TEXT_MODEL = "loreloom-local-text-1";

/** Rough token counts (four characters a token) so usage reports look like a real model's. */
function usage(input: string, output: unknown): Usage {
  const size = (text: string) => Math.ceil(text.length / 4);
  return { costUsd: 0, inputTokens: size(input), outputTokens: size(JSON.stringify(output)) };
}

function result<T>(value: T, input: string): TextResult<T> {
  return { value, provider: "local", model: LOCAL_TEXT_MODEL, usage: usage(input, value) };
}

function writerContext(prompt: string, context: CallContext): WriterContext {
  return { prompt, style: context.world.style, seed: context.seed, worldTitle: context.world.title || undefined };
}

/**
 * One prompt that keeps both intents: clauses of `b` that add nothing to `a` are dropped, and a
 * clause that says everything an earlier one said and more replaces it.
 */
export function mergePromptText(a: string, b: string): string {
  const clauses = (text: string) =>
    text
      .split(/[.;!?]+|,\s*(?:and\s+)?|\s+(?:and|then|also)\s+/i)
      .map((clause) => clause.trim().replace(/\b(\w+)(\s+\1\b)+/gi, "$1"))
      .filter(Boolean);
  const kept: { text: string; words: Set<string> }[] = [];
  for (const clause of [...clauses(a), ...clauses(b)]) {
    const words = contentWords(clause);
    if (words.size === 0) continue;
    const known = new Set(kept.flatMap((k) => [...k.words]));
    if ([...words].every((word) => known.has(word))) continue;
    const covered = kept.filter((k) => [...k.words].every((word) => words.has(word)));
    covered.forEach((k) => kept.splice(kept.indexOf(k), 1));
    kept.push({ text: clause, words });
  }
  if (kept.length === 0) return (a.trim() || b.trim()).replace(/\s+/g, " ");
  const texts = kept.map((k, i) => (i === 0 ? k.text.charAt(0).toUpperCase() + k.text.slice(1) : lowerFirstWord(k.text)));
  const joined = texts.length === 1 ? texts[0]! : `${texts.slice(0, -1).join(", ")} and ${texts.at(-1)}`;
  return `${joined.replace(/\s+/g, " ")}.`;
}

/** Lower-cases an opening glue word or verb ("Add a moat" → "add a moat") but leaves names alone. */
function lowerFirstWord(text: string): string {
  const first = text.split(/\s+/)[0] ?? "";
  const isName = contentWords(first).size > 0 && !/^(Remove|Keep|Show)$/.test(first);
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

  async element(request, context) {
    throwIfAborted(context);
    const draft = writeSingle(request, writerContext(request.prompt, context));
    return result(draft, request.prompt);
  },

  async world(request, context) {
    throwIfAborted(context);
    const drafts = writeWorld(request.count, writerContext(request.prompt, context));
    return result(drafts, request.prompt);
  },

  async mergePrompts(request, context) {
    throwIfAborted(context);
    return result(mergePromptText(request.a, request.b), `${request.a}\n${request.b}`);
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
    const type = (hint ? readPrompt(hint).type : undefined) ?? ORIENTATION_TYPE[shape];
    const prompt = hint || `${info.colours[0] ?? "muted"} ${ORIENTATION_NOUN[shape]}`;
    // The image's own facts join the seed, so two uploads with the same hint still differ.
    const seed = `${context.seed}\u0000${info.format}:${info.width}x${info.height}:${info.byteLength}:${info.colours.join(",")}`;
    const draft = writeSingle({ prompt, type, lead: [describeFacts(info)] }, { ...writerContext(prompt, context), seed });
    draft.tags = [...new Set([...draft.tags, ...info.colours.slice(0, 2)])].slice(0, 8);
    return result(draft, prompt);
  },
};
