// Refining an element offline: the instruction is read like a prompt and applied to the text that
// is there. A new name replaces the old one everywhere, describing words ("more sinister and
// underwater") join the sentence that says what the element is, things to remove take their
// sentences with them, and what the instruction adds is written as new sentences after the
// existing text, which stays as people wrote it otherwise.
import type { ElementType } from "../../../drizzle/schema/constants";
import type { ElementDraft, ElementSummary } from "../types";
import { capitalise, clampSentences, joinAnd, Ledger, plain, sentencesOf, stumblesOnName } from "./prose";
import { createRandom, type Random } from "./random";
import { clauseText, mention, nameOfThing, phraseOf, readPrompt, withArticle, type PromptReading, type Thing } from "./reading";
import { linkSentence, templatesFor, type Scene, type SceneLink } from "./templates";
import { lexiconFor, type Lexicon } from "./words";
import { kindNoun, neighbourLinks, type WriterContext } from "./writer";

export type RefineRequest = { prompt: string; existing: ElementSummary; neighbours?: ElementSummary[] };

const RENAME = /\b(?:rename[ds]?|renaming|call(?:ed)?|retitle|named?)\b/i;
const RETYPE = /\b(?:make|turn|change|convert|transform|rewrite)\b[^.]*?\b(?:into|to be|as|in ?to)\b|\bmake (?:it|her|him|them)\s+(?:a|an)\b/i;
const REMOVE = /\b(?:remove|removing|without|drop|delete|lose|get rid of|no longer|no more|take away)\b/i;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether `at` is where a sentence of `text` starts (past any Markdown or an opening quote). */
function startsSentence(text: string, at: number): boolean {
  return /(?:^|[.!?]["'”’)\]]*\s+)[*_"“‘'(]*$/.test(text.slice(0, at));
}

/**
 * Whether the old name found at `at` is part of a longer phrase a rename leaves alone: a longer
 * capitalised name ("Vale" in "the Mira Vale"), or a phrase the new name would run into ("the Vale
 * priests" renamed to "Vale priests" would read "Vale priests priests").
 */
function partOfLongerPhrase(text: string, at: number, found: string, replacement: string): boolean {
  const before = text.slice(0, at);
  const after = text.slice(at + found.length);
  const capital = /(?<![\p{L}\p{N}'’-])(\p{Lu}[\p{L}\p{N}'’-]*)\s+$/u.exec(before);
  if ((capital && !startsSentence(text, capital.index)) || /^\s+\p{Lu}/u.test(after)) return true;
  const word = (match: RegExpExecArray | null) => match?.[1]?.toLowerCase();
  const words = replacement.toLowerCase().split(/\s+/);
  return word(/([\p{L}\p{N}'-]+)\s+$/u.exec(before)) === words[0] || word(/^\s+([\p{L}\p{N}'-]+)/u.exec(after)) === words.at(-1);
}

/** Where in the instruction a thing is written, to tell what a verb applies to. */
function positionOf(prompt: string, thing: Thing): number {
  return prompt.toLowerCase().indexOf(thing.phrase.toLowerCase());
}

/** Degree-grouped describing words as the instruction said them: "more sinister and underwater". */
function qualityPhrase(qualities: PromptReading["qualities"]): string {
  const words = qualities.map((quality, i) => (quality.degree && quality.degree !== qualities[i - 1]?.degree ? `${quality.degree} ${quality.word}` : quality.word));
  return joinAnd(words);
}

/**
 * "is a tide clock" → "is a sinister, underwater tide clock": the words join the first sentence
 * that says what the element is, with the article fixed. Words already there are not added twice.
 */
function describeIn(paragraph: string, words: string[], isAdjective: (word: string) => boolean): string {
  const [first = "", ...rest] = sentencesOf(paragraph);
  const fresh = words.filter((word) => !new RegExp(`\\b${escape(word)}\\b`, "i").test(first));
  if (fresh.length === 0) return paragraph;
  const match = /\b(is|are|was|were|as|into)\s+(an?)\s+(?=([\p{L}-]+))/iu.exec(first);
  if (!match) return paragraph;
  // "a dark, cheerful castle": describing words in a row take commas.
  const comma = isAdjective(match[3] ?? "") ? "," : "";
  const changed = first.slice(0, match.index) + `${match[1]} ${withArticle(fresh.join(", "))}${comma} ` + first.slice(match.index + match[0].length);
  return [changed, ...rest].join(" ");
}

/** "a cheerful town" → "a town" for "less cheerful"; other uses of the word stay. */
function undescribe(paragraph: string, word: string): string {
  const pattern = new RegExp(`\\b(an?)\\s+${escape(word)}(?:,\\s*|\\s+)(?=(\\p{L}+))`, "giu");
  return paragraph.replace(pattern, (_match, article: string, next: string) => {
    const fixed = withArticle(next).split(" ")[0]!;
    return `${article.charAt(0) === "A" ? capitalise(fixed) : fixed} `;
  });
}

/** A thing of the instruction as a noun phrase with its article: "a moat", "the old well", "bees". */
function nounPhrase(thing: Thing, reading: PromptReading): string {
  const phrase = phraseOf(thing, reading);
  if (thing.determiner || thing.proper || thing.plural) return phrase;
  return withArticle(phrase);
}

type Refined = { name: string; type: ElementType; paragraphs: string[]; added: string[]; changed: boolean };

export function refineElement(request: RefineRequest, context: WriterContext): ElementDraft {
  const { existing } = request;
  const lexicon = lexiconFor(context.style);
  const random = createRandom(`${context.seed}\u0000refine\u0000${request.prompt}\u0000${existing.name}`);
  const reading = readPrompt(request.prompt, context.language);
  const prompt = request.prompt;
  const result: Refined = {
    name: existing.name,
    type: existing.type,
    paragraphs: existing.description.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean),
    added: [],
    changed: false,
  };
  const used = new Set<Thing>();
  const after = (pattern: RegExp) => {
    const match = pattern.exec(prompt);
    return match ? match.index : -1;
  };

  // A new name, everywhere the old one stood.
  const renameAt = after(RENAME);
  if (renameAt >= 0) {
    const target = reading.things.find((thing) => (thing.proper || thing.givenName) && positionOf(prompt, thing) > renameAt);
    const name = target ? (target.givenName ?? nameOfThing(target, reading)) : undefined;
    if (target && name && name.toLowerCase() !== existing.name.toLowerCase()) {
      used.add(target);
      result.name = name;
      // "the Rat" goes with "Rat": the new name brings its own "the" ("mention the The Tide" was a
      // slip), capital at the start of a sentence only.
      const old = new RegExp(`(?<![\\p{L}\\p{N}])(?:[Tt]he\\s+)?${escape(existing.name.replace(/^the\s+/i, ""))}(?![\\p{L}\\p{N}])`, "gu");
      result.paragraphs = result.paragraphs.map((p) =>
        p.replace(old, (found: string, at: number) => {
          const replacement = startsSentence(p, at) ? capitalise(name) : mention(name);
          return partOfLongerPhrase(p, at, found, replacement) ? found : replacement;
        }),
      );
      result.added.push(`${capitalise(name)} was once known as ${mention(existing.name)}.`);
    }
  }

  // A new kind: "turn her into a creature of the deep".
  const retypeAt = after(RETYPE);
  if (retypeAt >= 0) {
    const target = reading.things.find((thing) => thing.type && !thing.part && !used.has(thing) && positionOf(prompt, thing) > retypeAt);
    if (target?.type && target.type !== existing.type) {
      used.add(target);
      result.type = target.type;
      result.added.push(`${capitalise(result.name)} has become ${nounPhrase(target, reading)}.`);
    }
  }

  // Things to take out, with the sentences that mention them (never the opening one).
  const removeAt = after(REMOVE);
  if (removeAt >= 0) {
    for (const thing of reading.things) {
      if (thing.part || used.has(thing) || positionOf(prompt, thing) < removeAt) continue;
      used.add(thing);
      const word = new RegExp(`\\b${escape(thing.head)}(?:s|es)?\\b`, "i");
      result.paragraphs = result.paragraphs
        .map((paragraph, p) => sentencesOf(paragraph).filter((sentence, s) => (p === 0 && s === 0) || !word.test(sentence)).join(" "))
        .filter(Boolean);
    }
  }

  // The element's own words ("make the castle darker": the castle is this element).
  const self = (thing: Thing) => {
    const head = new RegExp(`\\b${escape(thing.head)}`, "i");
    return head.test(result.name) || head.test(existing.name) || (thing.definite && head.test(sentencesOf(existing.description)[0] ?? ""));
  };

  const scene = sceneOf(result, lexicon, random, reading, request, context);
  // Sentences close to one already there count as repeats ("…notice the hiss of steam" again).
  const ledger = new Ledger(result.paragraphs, 0.5);

  // Describing words join the opening sentence, and a sentence says the change.
  const more = reading.qualities.filter((quality) => quality.degree !== "less");
  const less = reading.qualities.filter((quality) => quality.degree === "less");
  if (more.length && result.paragraphs.length) {
    // "darker" describes as "dark": "is a dark tide clock", and the change says "has grown darker".
    const words = more.map((quality) => context.language.adjectiveOfComparative(quality.word) ?? quality.word);
    const isAdjective = (word: string) => Boolean(context.language.tag(word)[0]?.[0]?.tags.has("Adjective"));
    result.paragraphs[0] = describeIn(result.paragraphs[0]!, [...new Set(words)].slice(0, 3), isAdjective);
  }
  for (const quality of less) result.paragraphs = result.paragraphs.map((p) => undescribe(p, quality.word));
  if (reading.qualities.length) {
    const words = qualityPhrase(reading.qualities.slice(0, 4));
    const name = capitalise(result.name);
    result.added.push(
      ...[
        random.pick([
          `Of late, ${mention(result.name)} has grown ${words}.`,
          `${name} has grown ${words} of late.`,
          `Those who knew ${mention(result.name)} before say it has grown ${words}.`,
        ]),
      ].filter((sentence) => !ledger.has(sentence)),
    );
  }

  // What the instruction adds: each thing it names that is not this element.
  for (const thing of reading.things) {
    if (thing.part || thing.possessor || used.has(thing) || self(thing)) continue;
    used.add(thing);
    // "a rooftop garden filled with bees": the bees come with the garden.
    for (const part of thing.clause?.parts ?? []) if (typeof part !== "string") used.add(reading.things[part.thing]!);
    const phrase = `${nounPhrase(thing, reading)}${clauseText(thing, reading)}`;
    const name = capitalise(result.name);
    const candidates =
      thing.head === "secret"
        ? [`${name} is keeping a secret: ${scene.secret}.`]
        : result.type === "character"
          ? [`${name} now keeps ${phrase} close.`, `These days ${mention(result.name)} is seldom without ${phrase}.`]
          : [`${name} now has ${phrase}.`, `There is more to ${mention(result.name)} now: ${phrase}.`];
    const sentence = random.shuffle(candidates).find((candidate) => !ledger.has(candidate));
    if (sentence) result.added.push(sentence);
  }

  const templates = templatesFor(result.type);
  const names = [result.name, scene.setting, ...scene.links.map((link) => link.name)].map(mention);
  const fits = (sentence: string) => !stumblesOnName(sentence, names);
  const render = (list: ((s: Scene) => string)[]) => random.shuffle(list).map((sentence) => capitalise(sentence(scene))).filter(fits);
  // An element with no text yet gets an opening of its own.
  if (result.paragraphs.length === 0) {
    const opening = ledger.first(render(templates.openings));
    if (opening) result.paragraphs.push(opening);
  }
  const detail = ledger.first(render(templates.details));
  const links = scene.links.map((link) => capitalise(linkSentence(scene, link))).filter((sentence) => fits(sentence) && ledger.take(sentence));
  const hook = ledger.first(render(templates.hooks));
  const added = [...result.added.filter((sentence) => ledger.take(sentence)), detail, ...links, hook].filter(
    (sentence): sentence is string => Boolean(sentence),
  );
  const description = [...result.paragraphs, added.join(" ")].filter(Boolean).join("\n\n");
  const tags = [...new Set([...existing.tags, ...reading.keywords.slice(0, 4)].map((tag) => tag.toLowerCase()))].slice(0, 8);
  const opening = sentencesOf(result.paragraphs[0] ?? "")[0] ?? "";

  return {
    name: result.name,
    type: result.type,
    description,
    tags,
    relationships: scene.links.map((link) => ({ to: link.name, kind: link.kind })),
    visualPrompt: clampSentences(`${result.name}, ${result.type}: ${plain(opening)} ${reading.keywords.join(", ")}. ${lexicon.artDirection}.`.replace(/\s+/g, " "), 400),
    narration: clampSentences(plain([opening, result.added[0], hook].filter(Boolean).join(" ")), 240),
  };
}

function sceneOf(result: Refined, lexicon: Lexicon, random: Random, reading: PromptReading, request: RefineRequest, context: WriterContext): Scene {
  const quality = reading.qualities.find((q) => q.degree !== "less")?.word;
  const links: SceneLink[] = neighbourLinks(result.type, request.neighbours ?? [], random.fork("links"));
  const setting = request.neighbours?.find((n) => n.type === "location")?.name ?? context.worldTitle;
  return {
    name: result.name,
    type: result.type,
    plural: false,
    lexicon,
    subject: withArticle(`${quality ?? random.pick(lexicon.adjectives)} ${kindNoun(result.type, lexicon, random)}`),
    tail: "",
    setting: setting && setting !== result.name ? mention(setting) : "the wider world",
    adjective: quality ?? random.pick(lexicon.adjectives),
    material: random.pick(lexicon.materials),
    sense: random.pick(lexicon.senses),
    threat: random.pick(lexicon.threats),
    secret: random.pick(lexicon.secrets),
    goal: random.pick(lexicon.goals),
    role: random.pick(lexicon.roles),
    links,
  };
}
