// Sentence templates per element type. They are functions of a filled-in Scene rather than strings
// with placeholders, so a missing slot is a type error instead of a stray "{name}" in a world. A
// scene knows whether its name is plural ("The Tide-Priests are…", "The Cursed Blades have…").
import type { ElementType, RelationshipKind } from "../../../drizzle/schema/constants";
import { mention, withArticle } from "./reading";
import type { Lexicon } from "./words";

export type SceneLink = { kind: RelationshipKind; name: string; type: ElementType };

export type Scene = {
  name: string;
  type: ElementType;
  /** The name is plural: "The Tide-Priests", "The Ancient Woods". */
  plural: boolean;
  lexicon: Lexicon;
  /** What the element is, as a noun phrase with its article ("a gaslit city", "cursed blades"). */
  subject: string;
  /** What the prompt says about it, ready to follow the subject (", ruled by the Tide-Priests"). */
  tail: string;
  /** The world, or the place at its heart, as it reads mid-sentence. */
  setting: string;
  adjective: string;
  material: string;
  sense: string;
  threat: string;
  secret: string;
  goal: string;
  role: string;
  links: SceneLink[];
};

export type Sentence = (s: Scene) => string;
type TypeTemplates = { openings: Sentence[]; details: Sentence[]; hooks: Sentence[] };

/** Number agreement with the element's name. */
const is = (s: Scene) => (s.plural ? "are" : "is");
const was = (s: Scene) => (s.plural ? "were" : "was");
const has = (s: Scene) => (s.plural ? "have" : "has");
const it = (s: Scene) => (s.plural ? "they" : "it");
const its = (s: Scene) => (s.plural ? "their" : "its");
const Its = (s: Scene) => (s.plural ? "Their" : "Its");
const v = (s: Scene, one: string, many: string) => (s.plural ? many : one);
/** The name inside a sentence ("the Tide Clock"); at the start of one it keeps its capital. */
const ref = (s: Scene) => mention(s.name);
const bold = (s: Scene) => `**${s.name}**`;
const boldRef = (s: Scene) => `**${ref(s)}**`;

const TEMPLATES: Record<ElementType, TypeTemplates> = {
  location: {
    openings: [
      (s) => `${bold(s)} ${is(s)} ${s.subject}${s.tail}.`,
      (s) => `Travellers speak of ${boldRef(s)}, ${s.subject}${s.tail}.`,
      (s) => `Few maps agree on the borders of ${boldRef(s)}, ${s.subject}${s.tail}.`,
      (s) => `${bold(s)} ${v(s, "rises", "rise")} out of ${s.setting} as ${s.subject}${s.tail}.`,
    ],
    details: [
      (s) => `${Its(s)} oldest parts are built of ${s.material}, and newcomers remember ${s.sense} long after they leave.`,
      (s) => `By day ${ref(s)} ${v(s, "seems", "seem")} ${s.adjective} and calm; after dark, people notice ${s.sense}.`,
      (s) => `Those who live in ${ref(s)} learn early to respect ${s.threat}.`,
      (s) => `The locals of ${ref(s)} will tell you, for the price of a drink, about ${s.secret}.`,
      (s) => `Everything in ${ref(s)} is ${s.adjective}, from the ${s.material} underfoot to the people who keep it.`,
    ],
    hooks: [
      (s) => `Lately there are signs of ${s.threat} in ${ref(s)}, and not everyone believes the warnings.`,
      (s) => `More than one party is searching ${ref(s)} for ${s.secret}.`,
      (s) => `Whoever holds ${ref(s)} holds the road to the rest of the world, and everyone knows it.`,
      (s) => `Old records hint that ${ref(s)} ${was(s)} once something else entirely.`,
    ],
  },
  character: {
    openings: [
      (s) => `${bold(s)} is ${s.subject}${s.tail}.`,
      (s) => `Known far beyond ${s.setting}, ${boldRef(s)} is ${s.subject}${s.tail}.`,
      (s) => `${bold(s)}, ${s.subject}${s.tail}, is harder to read than most people expect.`,
      (s) => `Ask about ${s.subject}${s.tail} in ${s.setting} and you will hear the name ${boldRef(s)}.`,
    ],
    details: [
      (s) => `${s.name} carries a keepsake of ${s.material} and never explains where it came from.`,
      (s) => `Years as ${withArticle(s.role)} have left ${ref(s)} patient, watchful and quietly ${s.adjective}.`,
      (s) => `${s.name} wants, above all, ${s.goal}.`,
      (s) => `People who travel with ${ref(s)} remember ${s.sense}, and a laugh that comes too rarely.`,
      (s) => `Few know that ${ref(s)} was not always ${withArticle(s.role)}.`,
    ],
    hooks: [
      (s) => `${s.name} is hiding something: ${s.secret}.`,
      (s) => `Lately ${ref(s)} has been asking careful questions about ${s.threat}.`,
      (s) => `If pressed, ${ref(s)} will admit to fearing ${s.threat} more than any sword.`,
      (s) => `${s.name} owes a debt that will come due at the worst possible moment.`,
    ],
  },
  faction: {
    openings: [
      (s) => `${bold(s)} ${is(s)} ${s.subject}${s.tail}.`,
      (s) => `Across ${s.setting}, ${boldRef(s)} ${v(s, "is", "are")} whispered of as ${s.subject}${s.tail}.`,
      (s) => `${bold(s)} began as a handful of ${s.adjective} idealists and grew into ${s.subject}${s.tail}.`,
    ],
    details: [
      (s) => `The members of ${ref(s)} are bound by one aim: ${s.goal}.`,
      (s) => `${s.name} ${v(s, "meets", "meet")} in halls of ${s.material}, and ${its(s)} rites are remembered for ${s.sense}.`,
      (s) => `Recruits to ${ref(s)} are drawn from every walk of life, though ${withArticle(s.role)} rises fastest.`,
      (s) => `The sigil of ${ref(s)} is stitched, carved or painted wherever ${it(s)} ${has(s)} influence, and that is a great many places.`,
      (s) => `Outsiders call ${ref(s)} ${s.adjective}; members prefer the word devoted.`,
    ],
    hooks: [
      (s) => `Inside the ranks of ${ref(s)}, a quarrel is growing over ${s.secret}.`,
      (s) => `The leaders of ${ref(s)} are preparing for ${s.threat}, whether anyone else believes in it or not.`,
      (s) => `Not every member of ${ref(s)} knows what the inner circle truly serves.`,
    ],
  },
  item: {
    openings: [
      (s) => `${bold(s)} ${is(s)} ${s.subject}${s.tail}.`,
      (s) => `Made of ${s.material}, ${boldRef(s)} ${is(s)} ${s.subject}${s.tail}.`,
      (s) => `Many have sought ${boldRef(s)}, ${s.subject}${s.tail}.`,
    ],
    details: [
      (s) => `${s.name} ${is(s)} heavier than ${it(s)} ${v(s, "looks", "look")}, and those who hold ${it(s) === "it" ? "it" : "them"} notice ${s.sense}.`,
      (s) => `The surface of ${ref(s)} is worked with ${s.adjective} patterns that no living craftsman can copy.`,
      (s) => `Whoever carries ${ref(s)} is said to be drawn, sooner or later, toward ${s.threat}.`,
      (s) => `${s.name} ${was(s)} made for one purpose: ${s.goal.replace(/^to /, "to help the bearer ")}.`,
      (s) => `Scholars disagree on who made ${ref(s)}, but all agree ${it(s)} ${is(s)} older than ${s.setting}.`,
    ],
    hooks: [
      (s) => `The making of ${ref(s)} hides ${s.secret}.`,
      (s) => `${s.name} ${has(s)} changed hands many times, and rarely peacefully.`,
      (s) => `Something about ${ref(s)} stirs at the first sign of ${s.threat}.`,
    ],
  },
  creature: {
    openings: [
      (s) => `${bold(s)} ${is(s)} ${s.subject}${s.tail}.`,
      (s) => `In ${s.setting}, parents warn their children about ${boldRef(s)}, ${s.subject}${s.tail}.`,
      (s) => `Few have seen ${boldRef(s)} and returned to describe ${it(s) === "it" ? "it" : "them"}: ${s.subject}${s.tail}.`,
    ],
    details: [
      (s) => `The hide of ${ref(s)} looks like ${s.material}, and ${its(s)} coming is heralded by ${s.sense}.`,
      (s) => `${s.name} ${is(s)} ${s.adjective} and patient, and ${it(s)} ${v(s, "remembers", "remember")} those who wrong ${it(s) === "it" ? "it" : "them"}.`,
      (s) => `Hunters track ${ref(s)} by the marks ${it(s)} ${v(s, "leaves", "leave")}, but the hunted usually find the hunters first.`,
      (s) => `${s.name} ${v(s, "seems", "seem")} drawn to ${s.threat}, or perhaps ${it(s)} ${is(s)} the cause of it.`,
      (s) => `${s.name} ${is(s)} not mindless: ${it(s)} ${v(s, "seems", "seem")} to want something, perhaps ${s.goal}.`,
    ],
    hooks: [
      (s) => `The lair of ${ref(s)} is said to guard ${s.secret}.`,
      (s) => `Sightings of ${ref(s)} have grown more frequent, and closer to home.`,
      (s) => `Someone has been feeding ${ref(s)}, and not out of kindness.`,
    ],
  },
  event: {
    openings: [
      (s) => `${bold(s)} ${was(s)} ${s.subject}${s.tail}.`,
      (s) => `Everyone in ${s.setting} dates their stories from ${boldRef(s)}, ${s.subject}${s.tail}.`,
      (s) => `${bold(s)} began as ${s.subject}${s.tail}, and ended as something no one planned.`,
    ],
    details: [
      (s) => `Survivors of ${ref(s)} remember ${s.sense}, and then the world changing.`,
      (s) => `${s.name} left ${s.adjective} scars that are still visible in ${s.material}.`,
      (s) => `At the heart of ${ref(s)} was a struggle over ${s.secret}.`,
      (s) => `Each side in ${ref(s)} believed it was fighting ${s.goal}.`,
      (s) => `Songs about ${ref(s)} disagree on almost everything except how it ended.`,
    ],
    hooks: [
      (s) => `Some say ${ref(s)} ${is(s)} not truly over, and that ${s.threat} is ${its(s)} echo.`,
      (s) => `The official account of ${ref(s)} leaves out ${s.secret}.`,
      (s) => `The anniversary of ${ref(s)} is marked every year, though fewer remember why.`,
    ],
  },
  lore: {
    openings: [
      (s) => `${bold(s)} ${is(s)} ${s.subject}${s.tail}.`,
      (s) => `Every child in ${s.setting} knows some version of ${boldRef(s)}, ${s.subject}${s.tail}.`,
      (s) => `Scholars treat ${boldRef(s)}, ${s.subject}${s.tail}, as the key to much else.`,
    ],
    details: [
      (s) => `The oldest copy of ${ref(s)} is kept on ${s.material}, and reading it aloud brings ${s.sense}.`,
      (s) => `${s.name} ${v(s, "teaches", "teach")} that the world is ${s.adjective} and that patience is rewarded.`,
      (s) => `${s.name} ${v(s, "warns", "warn")} of ${s.threat}, in words many now take literally.`,
      (s) => `Believers hold that ${ref(s)} ${v(s, "shows", "show")} the way ${s.goal}.`,
      (s) => `The verses of ${ref(s)} change slightly with every teller, yet the ending never does.`,
    ],
    hooks: [
      (s) => `A missing passage of ${ref(s)} is said to describe ${s.secret}.`,
      (s) => `Some now read ${ref(s)} as a prophecy rather than a history.`,
      (s) => `Those who study ${ref(s)} too closely start to dream about ${s.setting}.`,
    ],
  },
};

/** One sentence per relationship, naming both ends, so the prose says what the graph shows. */
export function linkSentence(s: Scene, link: SceneLink): string {
  const other = mention(link.name);
  const name = s.name;
  switch (link.kind) {
    case "contains":
      return `Within ${ref(s)} lies ${other}.`;
    case "located_in":
      if (s.type === "character") return `${name} can usually be found in ${other}.`;
      if (s.type === "creature") return `${name} ${v(s, "roams", "roam")} the wilder edges of ${other}.`;
      if (s.type === "faction") return `${name} ${v(s, "keeps", "keep")} ${its(s)} seat in ${other}.`;
      return `${name} ${v(s, "lies", "lie")} within ${other}.`;
    case "member_of":
      return `${name} ${is(s)} sworn to ${other}.`;
    case "allied_with":
      return `${name} ${v(s, "stands", "stand")} allied with ${other}, for now.`;
    case "enemy_of":
      return `${name} ${has(s)} long been at odds with ${other}.`;
    case "owns":
      return `${name} ${v(s, "keeps", "keep")} ${other} close and ${v(s, "lets", "let")} no one else touch it.`;
    case "parent_of":
      return `${name} ${is(s)} the parent of ${other}.`;
    case "caused":
      return `It was ${ref(s)} that set ${other} in motion.`;
    case "related_to":
      return `The story of ${ref(s)} is bound up with ${other}.`;
  }
}

/** A sentence that ties an element to something the prompt named, so the world reads as one. */
export const ECHOES: ((s: Scene, echo: string) => string)[] = [
  (s, echo) => `Like so much in ${s.setting}, ${ref(s)} ${is(s)} shaped by ${echo}.`,
  (s, echo) => `${s.name} cannot be understood apart from ${echo}.`,
  (s, echo) => `Every story about ${ref(s)} returns, sooner or later, to ${echo}.`,
  (s, echo) => `${s.name} ${v(s, "bears", "bear")} the mark of ${echo}, as most things here do.`,
  (s, echo) => `Ask about ${ref(s)} and someone will mention ${echo} before long.`,
];

export function templatesFor(type: ElementType): TypeTemplates {
  return TEMPLATES[type];
}

