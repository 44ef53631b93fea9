// *Refine* offline (issue 18, point 5): the `local` provider rewrites a scene or a span of it by rules
// the request names, deterministically, and the editor labels the result as an offline rendering.
// "shorter" drops the middle sentences of long paragraphs and the filler words; "longer" adds a
// sensory sentence from the world's style; "darker" and "lighter" swap the mood's words and add a
// closing line; "from the fox's point of view" (or "first person") retells it as "I"; anything else
// joins the request's words to the text. Every rule keeps the paragraphs apart.
import type { SceneRefineRequest } from "../types";
import { capitalise, sentencesOf } from "./prose";
import { createRandom } from "./random";
import { lexiconFor } from "./words";

const SHORTER = /\b(?:shorter|shorten|trim|tighten|tighter|concise|brief|briefer|condense|cut|less wordy|fewer words)\b/i;
const LONGER = /\b(?:longer|lengthen|expand|elaborate|more detail(?:ed)?|richer|flesh (?:it )?out|more vivid)\b/i;
const DARKER = /\b(?:dark(?:er)?|grim(?:mer)?|bleak(?:er)?|sinister|ominous|gloom(?:y|ier)|menacing|creep(?:y|ier)|scar(?:y|ier)|sad(?:der)?|melanchol(?:y|ic)|eerie|eerier)\b/i;
const LIGHTER = /\b(?:light(?:er)?|bright(?:er)?|happ(?:y|ier)|cheer(?:ful|ier)|hopeful|warm(?:er)?|gentle(?:r)?|funn(?:y|ier)|joyful)\b/i;
const POINT_OF_VIEW = /\bfrom\s+(.{1,60}?)(?:'s|’s|s'|s’)\s+(?:point of view|perspective|eyes|view|side)\b|\b(?:through|in)\s+(.{1,60}?)(?:'s|’s)\s+eyes\b/i;
const FIRST_PERSON = /\bfirst[- ]person\b/i;

/** Words of a mood and their opposite: "darker" reads them left to right, "lighter" right to left. */
const MOOD_PAIRS: Array<[string, string]> = [
  ["bright", "dim"],
  ["brightly", "dimly"],
  ["sunny", "overcast"],
  ["sunlight", "grey light"],
  ["warm", "cold"],
  ["warmth", "chill"],
  ["golden", "ashen"],
  ["happy", "uneasy"],
  ["happily", "uneasily"],
  ["cheerful", "sullen"],
  ["smiled", "frowned"],
  ["smiling", "frowning"],
  ["smile", "frown"],
  ["laughed", "muttered"],
  ["laughing", "muttering"],
  ["gentle", "harsh"],
  ["gently", "harshly"],
  ["sweet", "bitter"],
  ["beautiful", "haunting"],
  ["lovely", "eerie"],
  ["friendly", "wary"],
  ["glowing", "guttering"],
  ["glowed", "guttered"],
  ["singing", "keening"],
  ["sang", "keened"],
  ["hope", "dread"],
  ["hopeful", "fearful"],
  ["joy", "dread"],
  ["joyful", "fearful"],
  ["calm", "still"],
  ["morning", "dusk"],
  ["safe", "exposed"],
  ["welcoming", "forbidding"],
];

const FILLER = /\s+\b(?:very|really|just|quite|rather|somewhat|simply|actually|suddenly|truly|extremely|basically)\b(?=\s)/gi;
const NOT_ADVERBS = new Set(["only", "early", "family", "holy", "ugly", "lovely", "friendly", "lonely", "belly", "jelly", "rally", "ally", "reply", "supply", "apply", "fly", "july", "italy", "emily", "lily", "molly", "sally", "holly", "folly", "bully", "silly", "chilly", "hilly", "curly", "likely", "daily", "elderly", "costly", "deadly", "lively", "orderly", "kindly", "ghostly", "stately", "comely", "homely", "manly", "cowardly", "surly", "burly", "wily", "oily", "gully", "tally", "valley"]);

/** Prepositions and verbs after which a person is the object ("to the fox" → "to me"). */
const OBJECT_BEFORE = /\b(?:to|at|with|for|by|from|of|on|in|into|onto|toward|towards|behind|beside|before|after|near|around|past|about|against|upon|over|under|saw|watched|followed|called|told|asked|found|heard|met|helped|left|let|made|gave|showed|took|woke)\s+$/i;
/** A verb right after a name: the name is who acts. */
const VERB_AFTER = /^\s+(?:[a-z]+ed|was|is|had|has|did|does|said|saw|went|could|would|should|might|must|will|can|felt|ran|sat|stood|took|knew|thought|came|heard|found|made|kept|sang|began|held|left|let|got|gave|grew|slept|woke|spoke|told|tried|wanted)\b/;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Keeps the case of the word it replaces: "Bright" → "Dim". */
function caseLike(found: string, replacement: string): string {
  if (found === found.toUpperCase() && found.length > 1) return replacement.toUpperCase();
  return /^\p{Lu}/u.test(found) ? capitalise(replacement) : replacement;
}

function swapWords(text: string, pairs: Array<[string, string]>): string {
  const map = new Map(pairs.map(([from, to]) => [from.toLowerCase(), to]));
  const pattern = new RegExp(`\\b(?:${[...map.keys()].sort((a, b) => b.length - a.length).map(escape).join("|")})\\b`, "gi");
  return text.replace(pattern, (found) => caseLike(found, map.get(found.toLowerCase()) ?? found));
}

const paragraphsOf = (text: string) => text.split(/\n{2,}/).map((p) => p.trim()).filter(Boolean);

function shorter(text: string): string {
  return paragraphsOf(text)
    .map((paragraph) => {
      const sentences = sentencesOf(paragraph);
      // Long paragraphs keep their first and last sentences and every other one between.
      const kept = sentences.length >= 3 ? sentences.filter((_, i) => i === 0 || i === sentences.length - 1 || i % 2 === 0) : sentences;
      return kept
        .join(" ")
        .replace(FILLER, "")
        .replace(/\s+\b([a-z]{3,}ly)\b(?=[\s,.;!?])/g, (found, word: string) => (NOT_ADVERBS.has(word.toLowerCase()) ? found : ""))
        .replace(/\s+,/g, ",");
    })
    .join("\n\n");
}

function longer(text: string, style: string, seed: string): string {
  const lexicon = lexiconFor(style);
  const random = createRandom(`${seed}\u0000refine-longer`);
  const frames = [(s: string) => `${capitalise(s)} hung in the air.`, (s: string) => `There was ${s} everywhere.`, (s: string) => `Nobody could ignore ${s}.`];
  return paragraphsOf(text)
    .map((paragraph) => {
      const [first, ...rest] = sentencesOf(paragraph);
      const added = random.pick(frames)(random.pick(lexicon.senses));
      return [first, added, ...rest].filter(Boolean).join(" ");
    })
    .join("\n\n");
}

function mood(text: string, darker: boolean, style: string, seed: string): string {
  const lexicon = lexiconFor(style);
  const random = createRandom(`${seed}\u0000refine-mood`);
  const swapped = swapWords(text, darker ? MOOD_PAIRS : MOOD_PAIRS.map(([a, b]) => [b, a]));
  const closing = darker
    ? random.pick([`Somewhere beyond, ${random.pick(lexicon.threats)} was waiting.`, `No one spoke of ${random.pick(lexicon.threats)}, but everyone felt it near.`])
    : random.pick([`For a while, even ${random.pick(lexicon.senses)} felt like a kindness.`, `Somewhere close, someone laughed, and the world seemed kinder for it.`]);
  const paragraphs = paragraphsOf(swapped);
  paragraphs[paragraphs.length - 1] = `${paragraphs.at(-1) ?? ""} ${closing}`.trim();
  return paragraphs.join("\n\n");
}

/** The ways a text may name a person: "the fox", "Fox"; "Mira Vale", "Mira". */
function namesFor(name: string): string[] {
  const bare = name.replace(/^(?:the|a|an)\s+/i, "").trim();
  const first = bare.split(/\s+/)[0] ?? bare;
  return [...new Set([`the ${bare}`, bare, first.length > 2 && /^\p{Lu}/u.test(first) ? first : bare])].sort((a, b) => b.length - a.length);
}

function firstPerson(text: string, name: string): string {
  const names = namesFor(name).map(escape).join("|");
  const possessive = new RegExp(`\\b(?:${names})(?:'s|’s)`, "gi");
  const mention = new RegExp(`\\b(?:${names})\\b`, "gi");
  if (!mention.test(text)) return `I am ${name.replace(/^the\s+/i, "the ")}, and this is how I saw it.\n\n${text}`;
  let out = text.replace(possessive, (found, at: number, whole: string) => (startsSentence(whole, at) ? "My" : "my"));
  out = out.replace(mention, (found: string, at: number, whole: string) => {
    // Before a verb it is who acts ("the fox watched" → "I watched"); after a preposition or a verb, who is acted on.
    if (startsSentence(whole, at) || VERB_AFTER.test(whole.slice(at + found.length, at + found.length + 24))) return "I";
    return OBJECT_BEFORE.test(whole.slice(Math.max(0, at - 20), at)) ? "me" : "I";
  });
  return out
    .replace(/\bI is\b/g, "I am")
    .replace(/\bI has\b/g, "I have")
    .replace(/\bI does\b/g, "I do")
    .replace(/\bI goes\b/g, "I go")
    .replace(/\bme (was|is|had|has|did|does|said|saw|went|could|would|felt)\b/g, "I $1");
}

function startsSentence(text: string, at: number): boolean {
  return /(?:^|[.!?]["'”’)\]]*\s+|\n)\s*["“‘']?$/.test(text.slice(0, at));
}

/** What the request asks, as the words to join to the text when no rule applies. */
function requestPhrase(prompt: string): string {
  return prompt
    .replace(/^\s*(?:please\s+)?(?:make|write|rewrite|turn)\s+(?:it|this|the (?:scene|text|passage))?\s*/i, "")
    .replace(/[.!?]+$/, "")
    .trim();
}

/** The span or scene rewritten offline as the request says; never the same text back. */
export function refineSceneOffline(request: SceneRefineRequest, context: { style: string; seed: string }): string {
  const prompt = request.prompt;
  let text = request.text.replace(/\r\n?/g, "\n").trim();
  const pov = POINT_OF_VIEW.exec(prompt);
  const povName = pov ? (pov[1] ?? pov[2] ?? "").trim() : FIRST_PERSON.test(prompt) ? (request.scene.pov?.name ?? "") : "";
  if (povName) text = firstPerson(text, povName);
  if (SHORTER.test(prompt)) text = shorter(text);
  if (LONGER.test(prompt)) text = longer(text, context.style, context.seed);
  if (DARKER.test(prompt)) text = mood(text, true, context.style, context.seed);
  else if (LIGHTER.test(prompt)) text = mood(text, false, context.style, context.seed);
  if (text === request.text.trim() || !text) {
    const phrase = requestPhrase(prompt) || prompt.trim();
    const paragraphs = paragraphsOf(text || request.text);
    paragraphs[paragraphs.length - 1] = `${paragraphs.at(-1) ?? ""} A change came over it all: ${phrase.charAt(0).toLowerCase()}${phrase.slice(1)}.`.trim();
    text = paragraphs.join("\n\n");
  }
  return text;
}
