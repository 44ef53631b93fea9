// The offline writer: turns a prompt, a world style and a seed into element drafts. Everything is
// drawn from one seeded stream per element, so the same seed and prompt always give the same text.
import type { ElementType, RelationshipKind } from "../../../drizzle/schema/constants";
import type { ElementDraft, ElementSummary, RelationshipDraft } from "../types";
import { joinClause, readPrompt, titleCase, typeOfWord, withArticle, type PromptReading } from "./keywords";
import { createRandom, type Random } from "./random";
import { linkSentence, templatesFor, type Scene, type SceneLink } from "./templates";
import { lexiconFor, type Lexicon } from "./words";

export const NARRATION_LIMIT = 600;
/** What the writer aims for: two or three short sentences, about ten seconds spoken. */
const NARRATION_TARGET = 240;

/** Generic nouns for what an element is, used when the prompt does not say. */
function kindNoun(type: ElementType, lexicon: Lexicon, random: Random): string {
  switch (type) {
    case "location":
      return random.pick(lexicon.placeNouns);
    case "character":
      return random.pick(lexicon.roles);
    case "faction":
      return random.pick(lexicon.factionNouns).toLowerCase();
    case "item":
      return random.pick(lexicon.itemNouns);
    case "creature":
      return random.pick(lexicon.creatureNouns);
    case "event":
      return random.pick(["turning point", "catastrophe", "betrayal", "war", "celebration gone wrong", "season of upheaval", "reckoning"]);
    case "lore":
      return random.pick(lexicon.loreNouns);
  }
}

function placeName(lexicon: Lexicon, random: Random): string {
  return random.pick(lexicon.placeStarts) + random.pick(lexicon.placeEnds);
}

function personName(lexicon: Lexicon, random: Random): string {
  return `${random.pick(lexicon.givenNames)} ${random.pick(lexicon.surnames)}`;
}

/**
 * A name for an element of `type` built around `noun`, the word for what it is. When the noun comes
 * from the prompt ("forest kingdom") it leads the name; otherwise the genre's names do.
 */
export function makeName(type: ElementType, lexicon: Lexicon, random: Random, noun: string, fromPrompt: boolean): string {
  const adjective = titleCase(random.pick(lexicon.adjectives));
  const emblem = random.pick(lexicon.emblems);
  const place = placeName(lexicon, random);
  const own = titleCase(noun);
  switch (type) {
    case "location":
      return fromPrompt
        ? random.pick([`The ${own} of ${place}`, `${place}, the ${own}`])
        : random.pick([place, `${place} ${own}`, `The ${adjective} ${own}`]);
    case "character":
      return personName(lexicon, random);
    case "faction":
      return random.pick([`The ${own} of the ${adjective} ${emblem}`, `The ${emblem} ${own}`, `The ${place} ${own}`]);
    case "item":
      return random.pick([`The ${adjective} ${own}`, `${random.pick(lexicon.givenNames)}'s ${own}`, `The ${own} of ${place}`]);
    case "creature":
      return random.pick([`The ${adjective} ${own}`, `The ${own} of ${place}`]);
    case "event": {
      const event = fromPrompt ? own : random.pick(lexicon.eventNouns);
      return random.pick([`The ${event} of ${place}`, `The ${adjective} ${event}`]);
    }
    case "lore":
      return random.pick([`The ${own} of the ${emblem}`, `The ${adjective} ${own}`, `The ${own} of ${place}`]);
  }
}

const ECHOES: ((who: string, echo: string, setting: string) => string)[] = [
  (who, echo, setting) => `Like so much in ${setting}, ${who} is shaped by the ${echo}.`,
  (who, echo) => `${capitalise(who)} cannot be understood apart from the ${echo}.`,
  (who, echo) => `Every story about ${who} returns, sooner or later, to the ${echo}.`,
];

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Markdown to one line of plain text, for narration and prompts. */
export function plain(markdown: string): string {
  return markdown.replace(/\*\*|__|[*_`#>]/g, "").replace(/\s+/g, " ").trim();
}

/** Whole sentences up to `limit` characters, so narration never stops mid-word. */
export function clampSentences(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const sentences = text.match(/[^.!?]+[.!?]+["')\]]*\s*/g) ?? [text];
  let out = "";
  for (const sentence of sentences) {
    if ((out + sentence).trim().length > limit) break;
    out += sentence;
  }
  return (out.trim() || `${text.slice(0, limit - 1).replace(/\s+\S*$/, "")}…`).trim();
}

export type WriteRequest = {
  name: string;
  type: ElementType;
  lexicon: Lexicon;
  random: Random;
  subject: string;
  clause?: string;
  echo?: string;
  setting: string;
  links: SceneLink[];
  /** Prompt words to keep as tags. */
  keywords: string[];
  /** Overrides for scene slots, e.g. an adjective the prompt asked for or a character's calling. */
  adjective?: string;
  role?: string;
  /** Paragraphs placed before the generated ones (image facts, an existing description). */
  lead?: string[];
};

export function sceneFor(request: WriteRequest): Scene {
  const { lexicon, random } = request;
  return {
    name: request.name,
    type: request.type,
    lexicon,
    subject: request.subject,
    clause: request.clause,
    echo: request.echo,
    setting: request.setting,
    adjective: request.adjective ?? random.pick(lexicon.adjectives),
    material: random.pick(lexicon.materials),
    sense: random.pick(lexicon.senses),
    threat: random.pick(lexicon.threats),
    secret: random.pick(lexicon.secrets),
    goal: random.pick(lexicon.goals),
    role: request.role ?? random.pick(lexicon.roles),
    links: request.links,
  };
}

export function writeElement(request: WriteRequest): ElementDraft {
  const { random, lexicon } = request;
  const scene = sceneFor(request);
  const templates = templatesFor(request.type);
  const opening = random.pick(templates.openings)(scene);
  const [first, second] = random.sample(templates.details, 2).map((sentence) => sentence(scene));
  const hook = random.pick(templates.hooks)(scene);
  const who = request.type === "character" ? request.name : "it";
  const echo = request.echo ? random.pick(ECHOES)(who, request.echo, request.setting) : undefined;
  const links = request.links.slice(0, 3).map((link) => linkSentence(scene, link));

  const paragraphs = [
    ...(request.lead ?? []),
    [opening, first].join(" "),
    [second, ...links, echo].filter(Boolean).join(" "),
    hook,
  ];
  const kind = request.subject.split(" ").at(-1) ?? request.type;
  const tags = [...new Set([request.type === "character" ? scene.role.split(" ").at(-1) : kind, ...request.keywords.slice(0, 4), scene.adjective, lexicon.genre])]
    .filter((tag): tag is string => Boolean(tag))
    .map((tag) => tag.toLowerCase())
    .slice(0, 6);

  return {
    name: request.name,
    type: request.type,
    description: paragraphs.join("\n\n"),
    tags,
    relationships: request.links.map((link): RelationshipDraft => ({ to: link.name, kind: link.kind })),
    visualPrompt: clampSentences(
      `${request.name}: ${withArticle(request.subject)}${joinClause(request.clause)}. ${capitalise(scene.material)}, ${scene.sense}. ${lexicon.artDirection}.`,
      400,
    ),
    narration: clampSentences(plain([opening, first, hook].join(" ")), NARRATION_TARGET),
  };
}

/** The kind of an edge from an element of type `from` to one of type `to`, as the world sees it. */
export function naturalKind(from: ElementType, to: ElementType, random: Random): RelationshipKind {
  const key = `${from}>${to}`;
  switch (key) {
    case "location>location":
    case "character>location":
    case "faction>location":
    case "creature>location":
      return "located_in";
    case "location>item":
    case "location>character":
    case "location>creature":
      return "contains";
    case "character>faction":
      return "member_of";
    case "character>character":
      return random.chance(0.5) ? "allied_with" : "enemy_of";
    case "faction>faction":
      return random.chance(0.65) ? "enemy_of" : "allied_with";
    case "character>item":
    case "faction>item":
      return "owns";
    case "creature>faction":
    case "creature>character":
    case "faction>creature":
      return "enemy_of";
    case "faction>event":
    case "character>event":
    case "creature>event":
      return "caused";
    default:
      return "related_to";
  }
}

/** Which earlier element types a new element most naturally attaches to. */
const ATTACH_TO: Record<ElementType, ElementType[]> = {
  location: ["location", "faction", "character"],
  character: ["faction", "location", "character"],
  faction: ["location", "faction", "character"],
  item: ["character", "location", "faction"],
  creature: ["location", "faction", "character"],
  event: ["faction", "character", "location"],
  lore: ["faction", "item", "location", "character", "event"],
};

/** Edges stored on the element they start from; for these pairs the edge reads better reversed. */
const REVERSED = new Set(["item>character", "item>location", "item>faction", "event>faction", "event>character", "location>location"]);

type Edge = { from: number; to: number; kind: RelationshipKind };

/**
 * Links a planned world into one connected graph: every element after the first attaches to an
 * earlier one (a spanning tree), then characters join factions and rivals find each other.
 */
export function linkWorld(types: ElementType[], random: Random): Edge[] {
  const edges: Edge[] = [];
  const linked = (a: number, b: number) => edges.some((e) => (e.from === a && e.to === b) || (e.from === b && e.to === a));
  const add = (from: number, to: number) => {
    if (from === to || linked(from, to)) return;
    const fromType = types[from] as ElementType;
    const toType = types[to] as ElementType;
    // Keep the bigger place as the container: the newer location lies within the older one.
    if (fromType === "location" && toType === "location") {
      edges.push({ from: Math.max(from, to), to: Math.min(from, to), kind: "located_in" });
    } else if (REVERSED.has(`${fromType}>${toType}`)) {
      edges.push({ from: to, to: from, kind: naturalKind(toType, fromType, random) });
    } else {
      edges.push({ from, to, kind: naturalKind(fromType, toType, random) });
    }
  };

  types.forEach((type, index) => {
    if (index === 0) return;
    const earlier = types.slice(0, index).map((t, i) => ({ t, i }));
    const preferred = ATTACH_TO[type].map((want) => earlier.filter((e) => e.t === want)).find((found) => found.length > 0);
    const target = random.pick(preferred ?? earlier);
    add(index, target.i);
  });

  const indicesOf = (type: ElementType) => types.flatMap((t, i) => (t === type ? [i] : []));
  const factions = indicesOf("faction");
  const locations = indicesOf("location");
  indicesOf("character").forEach((character, n) => {
    const faction = factions[n % Math.max(1, factions.length)];
    if (faction !== undefined && !edges.some((e) => e.from === character && e.kind === "member_of")) add(character, faction);
    if (locations.length && !edges.some((e) => e.from === character && e.kind === "located_in")) add(character, random.pick(locations));
  });
  if (factions.length >= 2) add(factions[1] as number, factions[0] as number);
  for (const creature of indicesOf("creature")) if (factions.length) add(creature, random.pick(factions));
  return edges;
}

const WORLD_PLAN: ElementType[] = ["location", "faction", "character", "character", "location", "item", "creature", "event", "lore"];
const WORLD_EXTRAS: ElementType[] = ["character", "location", "faction", "item", "creature", "lore", "event"];

export function planWorld(primary: ElementType, count: number, random: Random): ElementType[] {
  const base = [...WORLD_PLAN];
  base.splice(base.indexOf(primary), 1);
  const extras = random.shuffle(WORLD_EXTRAS);
  const plan: ElementType[] = [primary, ...base];
  for (let i = 0; plan.length < count; i++) plan.push(extras[i % extras.length] as ElementType);
  return plan.slice(0, count);
}

export type WriterContext = { prompt: string; style: string; seed: string; worldTitle?: string };

function uniqueName(make: () => string, used: Set<string>): string {
  for (let attempt = 0; attempt < 12; attempt++) {
    const name = make();
    if (!used.has(name.toLowerCase())) {
      used.add(name.toLowerCase());
      return name;
    }
  }
  const name = `${make()} ${used.size + 1}`;
  used.add(name.toLowerCase());
  return name;
}

type Identity = { subject: string; clause?: string; noun: string; role?: string; fromPrompt: boolean };

/** What an element *is*: the prompt's subject when it names this type, else a genre phrase. */
function identityFor(type: ElementType, reading: PromptReading, lexicon: Lexicon, random: Random, usePrompt: boolean): Identity {
  if (usePrompt && reading.subject && reading.core && (!reading.type || reading.type === type)) {
    const role = type === "character" ? reading.head : undefined;
    return { subject: reading.subject, clause: reading.clause, noun: reading.core, role, fromPrompt: true };
  }
  const noun = kindNoun(type, lexicon, random);
  return { subject: `${random.pick(lexicon.adjectives)} ${noun}`, noun, role: type === "character" ? noun : undefined, fromPrompt: false };
}

export function writeWorld(count: number, context: WriterContext): ElementDraft[] {
  const lexicon = lexiconFor(context.style);
  const random = createRandom(`${context.seed}\u0000world\u0000${context.prompt}`);
  const reading = readPrompt(context.prompt);
  const total = Math.min(15, Math.max(8, Math.round(count) || 8));
  const types = planWorld(reading.type ?? "location", total, random.fork("plan"));
  const used = new Set<string>();

  const plans = types.map((type, index) => {
    const own = random.fork(`element-${index}`);
    const identity = identityFor(type, reading, lexicon, own, index === 0);
    const name =
      index === 0 && reading.givenName
        ? reading.givenName
        : uniqueName(() => makeName(type, lexicon, own, identity.noun, identity.fromPrompt), used);
    used.add(name.toLowerCase());
    return { type, name, identity, random: own };
  });

  const edges = linkWorld(types, random.fork("links"));
  const setting = plans.find((plan) => plan.type === "location")?.name ?? context.worldTitle ?? plans[0]!.name;
  const echoes = [reading.core, ...reading.phrases].filter((phrase): phrase is string => Boolean(phrase));

  return plans.map((plan, index) =>
    writeElement({
      name: plan.name,
      type: plan.type,
      lexicon,
      random: plan.random,
      subject: plan.identity.subject,
      clause: plan.identity.clause,
      role: plan.identity.role,
      // Elements other than the prompt's subject still carry its words, so the world reads as one.
      echo: index === 0 ? reading.phrases[0] : echoes.length ? plan.random.pick(echoes) : undefined,
      setting: plan.name === setting ? (context.worldTitle ?? "the world") : setting,
      links: edges
        .filter((edge) => edge.from === index)
        .map((edge) => ({ kind: edge.kind, name: plans[edge.to]!.name, type: plans[edge.to]!.type })),
      keywords: reading.keywords,
    }),
  );
}

/** Links from a new element to its neighbours, phrased from the new element's side. */
function neighbourLinks(type: ElementType, neighbours: ElementSummary[], random: Random): SceneLink[] {
  return neighbours.slice(0, 3).map((neighbour) => {
    const kind = REVERSED.has(`${type}>${neighbour.type}`)
      ? ({ contains: "located_in", located_in: "contains" } as Partial<Record<RelationshipKind, RelationshipKind>>)[
          naturalKind(neighbour.type, type, random)
        ] ?? "related_to"
      : naturalKind(type, neighbour.type, random);
    return { kind, name: neighbour.name, type: neighbour.type };
  });
}

export type ElementWriteRequest = {
  prompt: string;
  type?: ElementType;
  existing?: ElementSummary;
  neighbours?: ElementSummary[];
  /** Paragraphs to open the description with. */
  lead?: string[];
};

export function writeSingle(request: ElementWriteRequest, context: WriterContext): ElementDraft {
  const lexicon = lexiconFor(context.style);
  const random = createRandom(`${context.seed}\u0000element\u0000${request.prompt}`);
  const reading = readPrompt(request.prompt);
  const neighbours = request.neighbours ?? [];
  const setting = neighbours.find((n) => n.type === "location")?.name ?? context.worldTitle ?? placeName(lexicon, random.fork("setting"));

  if (request.existing) return refine(request.existing, request, reading, lexicon, random, setting);

  const type = request.type ?? reading.type ?? "location";
  const identity = identityFor(type, reading, lexicon, random, true);
  const name = reading.givenName ?? makeName(type, lexicon, random.fork("name"), identity.noun, identity.fromPrompt);
  return writeElement({
    name,
    type,
    lexicon,
    random,
    subject: identity.subject,
    clause: identity.clause,
    role: identity.role,
    echo: identity.fromPrompt ? reading.phrases[0] : reading.core,
    setting: setting === name ? "the world" : setting,
    links: neighbourLinks(type, neighbours, random.fork("links")),
    keywords: reading.keywords,
    lead: request.lead,
  });
}

/** "make it into a guild", "turn her into a creature": the type a refinement explicitly asks for. */
function requestedType(prompt: string): ElementType | undefined {
  const match = /\b(?:make|turn|change|convert|rewrite)\b[^.]*?\b(?:into|to be|as)\s+(?:an?\s+|the\s+)?([a-z-]+)/i.exec(prompt);
  return match?.[1] ? typeOfWord(match[1].toLowerCase()) : undefined;
}

function refine(
  existing: ElementSummary,
  request: ElementWriteRequest,
  reading: PromptReading,
  lexicon: Lexicon,
  random: Random,
  setting: string,
): ElementDraft {
  const renamed = /\b(rename|call (?:it|her|him|them)|named)\b/i.test(request.prompt) ? reading.givenName : undefined;
  const name = renamed ?? existing.name;
  const type = requestedType(request.prompt) ?? existing.type;
  const more = /\bmore\s+([a-z-]+)/i.exec(request.prompt)?.[1]?.toLowerCase();
  const adjectives = reading.adjectives.map((adjective) => (adjective === more ? `more ${adjective}` : adjective));
  const nounPhrase = reading.subject && reading.subject !== reading.adjectives.join(" ") ? reading.subject : reading.nouns[0];

  const change = adjectives.length
    ? `Of late, **${name}** has become ${joinAnd(adjectives.slice(0, 3))}${nounPhrase ? `, and much now turns on ${withArticle(nounPhrase)}` : ""}.`
    : nounPhrase
      ? `There is more to **${name}** than first appears: ${withArticle(nounPhrase)}${reading.clause ? ` ${reading.clause}` : ""}.`
      : `**${name}** has changed in ways that are only beginning to show.`;

  const scene = sceneFor({
    name,
    type,
    lexicon,
    random,
    subject: nounPhrase ?? type,
    setting,
    links: [],
    keywords: reading.keywords,
    adjective: reading.adjectives[0],
  });
  const templates = templatesFor(type);
  const detail = random.pick(templates.details)(scene);
  const hook = random.pick(templates.hooks)(scene);
  const links = neighbourLinks(type, request.neighbours ?? [], random.fork("links"));

  // Keep what people already wrote (the first paragraphs) and add the refinement after it, so a
  // series of refinements reads as the element's history rather than replacing it each time.
  const kept = existing.description.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean).slice(0, 3);
  if (renamed) kept.forEach((p, i) => (kept[i] = p.split(existing.name).join(renamed)));
  const added = [change, detail, ...links.map((link) => linkSentence(scene, link)), hook].join(" ");
  const description = [...kept, added].join("\n\n");
  const tags = [...new Set([...existing.tags, ...reading.keywords.slice(0, 4)].map((tag) => tag.toLowerCase()))].slice(0, 8);

  return {
    name,
    type,
    description,
    tags,
    relationships: links.map((link) => ({ to: link.name, kind: link.kind })),
    visualPrompt: clampSentences(`${name}, ${type}: ${plain(kept[0] ?? "")} ${reading.keywords.join(", ")}. ${lexicon.artDirection}.`, 400),
    narration: clampSentences(plain(`${kept[0] ?? ""} ${change} ${hook}`), NARRATION_TARGET),
  };
}

function joinAnd(items: string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

