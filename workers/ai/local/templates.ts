// Sentence templates per element type. They are functions of a filled-in Scene rather than strings
// with placeholders, so a missing slot is a type error instead of a stray "{name}" in a world.
import type { ElementType, RelationshipKind } from "../../../drizzle/schema/constants";
import { joinClause, withArticle } from "./keywords";
import type { Lexicon } from "./words";

export type SceneLink = { kind: RelationshipKind; name: string; type: ElementType };

export type Scene = {
  name: string;
  type: ElementType;
  lexicon: Lexicon;
  /** What the element is, as a noun phrase without article ("mystical forest kingdom"). */
  subject: string;
  /** What the prompt says about it ("hidden in ancient woods"), if anything. */
  clause?: string;
  /** A phrase from the prompt to weave in when the element is not the prompt's subject. */
  echo?: string;
  /** The world, or the place at its heart, by name. */
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

type Sentence = (s: Scene) => string;
type TypeTemplates = { openings: Sentence[]; details: Sentence[]; hooks: Sentence[] };

const tail = (s: Scene) => joinClause(s.clause);

const TEMPLATES: Record<ElementType, TypeTemplates> = {
  location: {
    openings: [
      (s) => `**${s.name}** is ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `Travellers speak of **${s.name}**, ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `Few maps agree on the borders of **${s.name}**, ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `**${s.name}** rises out of ${s.setting === s.name ? "the land" : s.setting} as ${withArticle(s.subject)}${tail(s)}.`,
    ],
    details: [
      (s) => `Its oldest parts are built of ${s.material}, and newcomers remember ${s.sense} long after they leave.`,
      (s) => `By day it seems ${s.adjective} and calm; after dark, people notice ${s.sense}.`,
      (s) => `Those who live here learn early to respect ${s.threat}.`,
      (s) => `The locals will tell you, for the price of a drink, about ${s.secret}.`,
      (s) => `Everything here is ${s.adjective}, from the ${s.material} underfoot to the people who keep it.`,
    ],
    hooks: [
      (s) => `Lately there are signs of ${s.threat}, and not everyone believes the warnings.`,
      (s) => `Somewhere within lies ${s.secret}, and more than one party is searching for it.`,
      (s) => `Whoever holds ${s.name} holds the road to the rest of the world, and everyone knows it.`,
      (s) => `Old records hint that ${s.name} was once something else entirely.`,
    ],
  },
  character: {
    openings: [
      (s) => `**${s.name}** is ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `Known far beyond ${s.setting}, **${s.name}** is ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `**${s.name}**, ${withArticle(s.subject)}${tail(s)}, is harder to read than most people expect.`,
      (s) => `Ask about ${withArticle(s.subject)} in ${s.setting} and you will hear the name **${s.name}**.`,
    ],
    details: [
      (s) => `${s.name} carries a keepsake of ${s.material} and never explains where it came from.`,
      (s) => `Years as ${withArticle(s.role)} have left ${s.name} patient, watchful and quietly ${s.adjective}.`,
      (s) => `${s.name} wants, above all, ${s.goal}.`,
      (s) => `People who travel with ${s.name} remember ${s.sense}, and a laugh that comes too rarely.`,
      (s) => `Few know that ${s.name} was not always ${withArticle(s.role)}.`,
    ],
    hooks: [
      (s) => `${s.name} is hiding something: ${s.secret}.`,
      (s) => `Lately ${s.name} has been asking careful questions about ${s.threat}.`,
      (s) => `If pressed, ${s.name} will admit to fearing ${s.threat} more than any sword.`,
      (s) => `${s.name} owes a debt that will come due at the worst possible moment.`,
    ],
  },
  faction: {
    openings: [
      (s) => `**${s.name}** is ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `Across ${s.setting}, **${s.name}** is whispered of as ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `**${s.name}** began as a handful of ${s.adjective} idealists and grew into ${withArticle(s.subject)}${tail(s)}.`,
    ],
    details: [
      (s) => `Its members are bound by one aim: ${s.goal}.`,
      (s) => `They meet in halls of ${s.material}, and their rites are remembered for ${s.sense}.`,
      (s) => `Recruits are drawn from every walk of life, though ${withArticle(s.role)} rises fastest.`,
      () => `Their sigil is stitched, carved or painted wherever they have influence, and that is a great many places.`,
      (s) => `Outsiders call them ${s.adjective}; members prefer the word devoted.`,
    ],
    hooks: [
      (s) => `Inside the ranks, a quarrel is growing over ${s.secret}.`,
      (s) => `Their leaders are preparing for ${s.threat}, whether anyone else believes in it or not.`,
      () => `Not every member knows what the inner circle truly serves.`,
    ],
  },
  item: {
    openings: [
      (s) => `**${s.name}** is ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `Made of ${s.material}, **${s.name}** is ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `Many have sought **${s.name}**, ${withArticle(s.subject)}${tail(s)}.`,
    ],
    details: [
      (s) => `It is heavier than it looks, and those who hold it notice ${s.sense}.`,
      (s) => `Its surface is worked with ${s.adjective} patterns that no living craftsman can copy.`,
      (s) => `Whoever carries it is said to be drawn, sooner or later, toward ${s.threat}.`,
      (s) => `It was made for one purpose: ${s.goal.replace(/^to /, "to help its bearer ")}.`,
      (s) => `Scholars disagree on who made it, but all agree it is older than ${s.setting}.`,
    ],
    hooks: [
      (s) => `Hidden in its making is ${s.secret}.`,
      () => `It has changed hands many times, and rarely peacefully.`,
      (s) => `Something about it answers when ${s.threat} draws near.`,
    ],
  },
  creature: {
    openings: [
      (s) => `**${s.name}** is ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `In ${s.setting}, parents warn their children about **${s.name}**, ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `Few have seen **${s.name}** and returned to describe it: ${withArticle(s.subject)}${tail(s)}.`,
    ],
    details: [
      (s) => `Its hide looks like ${s.material}, and its coming is heralded by ${s.sense}.`,
      (s) => `It is ${s.adjective} and patient, and it remembers those who wrong it.`,
      () => `Hunters track it by the marks it leaves, but it usually finds them first.`,
      (s) => `It seems drawn to ${s.threat}, or perhaps it is the cause of it.`,
      (s) => `It is not mindless: it seems to want something, perhaps ${s.goal}.`,
    ],
    hooks: [
      (s) => `Its lair is said to guard ${s.secret}.`,
      () => `Sightings have grown more frequent, and closer to home.`,
      () => `Someone has been feeding it, and not out of kindness.`,
    ],
  },
  event: {
    openings: [
      (s) => `**${s.name}** was ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `Everyone in ${s.setting} dates their stories from **${s.name}**, ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `**${s.name}** began as ${withArticle(s.subject)}${tail(s)}, and ended as something no one planned.`,
    ],
    details: [
      (s) => `Survivors remember ${s.sense}, and then the world changing.`,
      (s) => `It left ${s.adjective} scars that are still visible in ${s.material}.`,
      (s) => `At its heart was a struggle over ${s.secret}.`,
      (s) => `Each side believed it was fighting ${s.goal}.`,
      () => `Songs about it disagree on almost everything except how it ended.`,
    ],
    hooks: [
      (s) => `Some say it is not truly over, and that ${s.threat} is its echo.`,
      (s) => `The official account leaves out ${s.secret}.`,
      () => `Its anniversary is marked every year, though fewer remember why.`,
    ],
  },
  lore: {
    openings: [
      (s) => `**${s.name}** is ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `Every child in ${s.setting} knows some version of **${s.name}**, ${withArticle(s.subject)}${tail(s)}.`,
      (s) => `Scholars treat **${s.name}**, ${withArticle(s.subject)}${tail(s)}, as the key to much else.`,
    ],
    details: [
      (s) => `The oldest copy is kept on ${s.material}, and reading it aloud brings ${s.sense}.`,
      (s) => `It teaches that the world is ${s.adjective} and that patience is rewarded.`,
      (s) => `It warns of ${s.threat}, in words many now take literally.`,
      (s) => `Believers hold that it shows the way ${s.goal}.`,
      () => `Its verses change slightly with every teller, yet the ending never does.`,
    ],
    hooks: [
      (s) => `A missing passage is said to describe ${s.secret}.`,
      () => `Some now read it as a prophecy rather than a history.`,
      (s) => `Those who study it too closely start to dream about ${s.setting}.`,
    ],
  },
};

/** One sentence per relationship, so the prose names the same neighbours the graph does. */
export function linkSentence(s: Scene, link: SceneLink): string {
  const subject = s.type === "character" ? s.name : s.type === "faction" ? `The ${stripThe(s.name)}` : "It";
  switch (link.kind) {
    case "contains":
      return `Within it lies ${link.name}.`;
    case "located_in":
      if (s.type === "character") return `${s.name} can usually be found in ${link.name}.`;
      if (s.type === "creature") return `It roams the wilder edges of ${link.name}.`;
      if (s.type === "faction") return `${subject} keeps its seat in ${link.name}.`;
      return `It lies within ${link.name}.`;
    case "member_of":
      return `${subject} is sworn to ${link.name}.`;
    case "allied_with":
      return `${subject} stands allied with ${link.name}, for now.`;
    case "enemy_of":
      return `${subject} has long been at odds with ${link.name}.`;
    case "owns":
      return `${subject} keeps ${link.name} close and lets no one else touch it.`;
    case "parent_of":
      return `${subject} is the parent of ${link.name}.`;
    case "caused":
      return `It was ${subject === "It" ? "this" : subject} that set ${link.name} in motion.`;
    case "related_to":
      return `Its story is bound up with ${link.name}.`;
  }
}

function stripThe(name: string): string {
  return name.replace(/^the\s+/i, "");
}

export function templatesFor(type: ElementType): TypeTemplates {
  return TEMPLATES[type];
}
