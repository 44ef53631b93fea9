// The offline writer: turns a prompt, a world style and a seed into element drafts. The things a
// prompt names become elements with those names and fitting types; the rest of a world is made up
// around them in the world's style. Everything is drawn from seeded streams, so the same seed and
// prompt always give the same text, and a world never says the same sentence twice.
import type { ElementType, RelationshipKind } from "../../../drizzle/schema/constants";
import type { ElementDraft, ElementSummary, RelationshipDraft } from "../types";
import type { Language } from "./language";
import { capitalise, clampSentences, Ledger, plain, stumblesOnName } from "./prose";
import { createRandom, type Random } from "./random";
import {
  clauseText,
  mention,
  nameOfThing,
  phraseOf,
  readPrompt,
  titleCase,
  withArticle,
  type PromptReading,
  type Thing,
} from "./reading";
import { ECHOES, linkSentence, templatesFor, type Scene, type SceneLink } from "./templates";
import { lexiconFor, type Lexicon } from "./words";

export const NARRATION_LIMIT = 600;
/** What the writer aims for: two or three short sentences, about ten seconds spoken. */
const NARRATION_TARGET = 240;

export type WriterContext = { style: string; seed: string; worldTitle?: string; language: Language };

/** Generic nouns for what an element is, used when the prompt does not say. */
export function kindNoun(type: ElementType, lexicon: Lexicon, random: Random): string {
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
 * Describing words: the prompt's own (when it has any) some of the time, then the style's. Words
 * that describe another thing of the prompt ("stolen" in "…who trade in stolen memories") stay
 * with that thing.
 */
function adjectivePicker(reading: PromptReading, lexicon: Lexicon) {
  const main = mainThing(reading);
  const elsewhere = new Set(reading.things.filter((thing) => thing !== main).flatMap((thing) => thing.modifiers));
  const own = reading.qualities.filter((q) => q.degree !== "less" && !elsewhere.has(q.word)).map((q) => q.word);
  return (random: Random) => (own.length && random.chance(0.4) ? random.pick(own) : random.pick(lexicon.adjectives));
}

/** A made-up name for an element of `type` whose prompt gave it none, built around `noun`. */
export function makeName(type: ElementType, lexicon: Lexicon, random: Random, adjective: string, noun: string): string {
  const emblem = random.pick(lexicon.emblems);
  const place = placeName(lexicon, random);
  const own = titleCase(noun);
  // "drowned" with "drowned thing" would read "The Drowned Drowned Thing".
  const adj = noun.toLowerCase().split(/\s+/).includes(adjective.toLowerCase()) ? titleCase(random.pick(lexicon.adjectives.filter((a) => !noun.includes(a)))) : titleCase(adjective);
  switch (type) {
    case "location":
      return random.pick([place, `${place} ${own}`, `The ${adj} ${own}`]);
    case "character":
      return personName(lexicon, random);
    case "faction":
      return random.pick([`The ${own} of the ${adj} ${emblem}`, `The ${emblem} ${own}`, `The ${place} ${own}`]);
    case "item":
      return random.pick([`The ${adj} ${own}`, `${random.pick(lexicon.givenNames)}'s ${own}`, `The ${own} of ${place}`]);
    case "creature":
      return random.pick([`The ${adj} ${own}`, `The ${own} of ${place}`]);
    case "event": {
      const event = random.pick(lexicon.eventNouns);
      return random.pick([`The ${event} of ${place}`, `The ${adj} ${event}`]);
    }
    case "lore":
      return random.pick([`The ${own} of the ${emblem}`, `The ${adj} ${own}`, `The ${own} of ${place}`]);
  }
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
 * Links a planned world into one connected graph: the pairs the prompt relates first ("a city
 * ruled by tide-priests"), then every element after the first attaches to an earlier one (a
 * spanning tree), then characters join factions and rivals find each other.
 */
export function linkWorld(types: ElementType[], random: Random, related: [number, number][] = []): Edge[] {
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
  const connected = (a: number, b: number) => {
    const seen = new Set([a]);
    const queue = [a];
    while (queue.length) {
      const at = queue.shift()!;
      if (at === b) return true;
      for (const e of edges) {
        const next = e.from === at ? e.to : e.to === at ? e.from : -1;
        if (next >= 0 && !seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    return false;
  };

  for (const [a, b] of related) add(b, a);
  types.forEach((type, index) => {
    if (index === 0) return;
    const earlier = types.slice(0, index).map((t, i) => ({ t, i }));
    const preferred = ATTACH_TO[type].map((want) => earlier.filter((e) => e.t === want)).find((found) => found.length > 0);
    const target = random.pick(preferred ?? earlier);
    if (!connected(index, 0)) add(index, target.i);
  });
  // Prompt pairs may have joined later elements to each other only: tie every part to the first.
  types.forEach((_type, index) => {
    if (index > 0 && !connected(index, 0)) add(index, 0);
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
const ESSENTIAL: ElementType[] = ["location", "faction", "character"];

/**
 * The types of a world of `count` elements that starts with `given` (the prompt's own things):
 * the usual mix around them, always with a place, a faction and a character.
 */
export function planWorld(given: ElementType[], count: number, random: Random): ElementType[] {
  const needed = [...WORLD_PLAN];
  for (const type of given) {
    const at = needed.indexOf(type);
    if (at >= 0) needed.splice(at, 1);
  }
  const extras = random.shuffle(WORLD_EXTRAS);
  const plan: ElementType[] = [...given, ...needed];
  for (let i = 0; plan.length < count; i++) plan.push(extras[i % extras.length] as ElementType);
  const out = plan.slice(0, Math.max(count, given.length));
  for (const type of ESSENTIAL) {
    if (out.includes(type)) continue;
    // Replace the last made-up element whose type is not the only one of its kind.
    for (let i = out.length - 1; i >= given.length; i--) {
      const current = out[i] as ElementType;
      if (out.filter((t) => t === current).length > 1 || !ESSENTIAL.includes(current)) {
        out[i] = type;
        break;
      }
    }
  }
  return out;
}

type Member = {
  type: ElementType;
  name: string;
  plural: boolean;
  /** The noun phrase the opening sentence uses, with its article. */
  subject: string;
  thing?: Thing;
  adjective?: string;
  role?: string;
  random: Random;
};

/** "corporate" with "corporate spire" is just "corporate spire". */
function describe(adjective: string, noun: string): string {
  return noun.toLowerCase().split(/[\s-]+/).includes(adjective.toLowerCase()) ? noun : `${adjective} ${noun}`;
}

/**
 * What an element made from a prompt thing *is*: its nouns with a word of the world's style
 * ("The Drowned Clockwork City is a gaslit clockwork city", "The Guild of Thieves is a soot-stained
 * guild of thieves"); a proper name is described by its head noun ("The Tide Clock is a riveted clock").
 */
function subjectOf(thing: Thing, reading: PromptReading, type: ElementType, named: boolean, adjective: string, lexicon: Lexicon, random: Random): string {
  if (!named) return withArticle(thing.phrase);
  if (thing.type !== type) return withArticle(describe(adjective, kindNoun(type, lexicon, random)));
  const inner = thing.of !== undefined ? reading.things[thing.of] : undefined;
  const ofPart = inner ? ` of ${phraseOf(inner, reading)}` : "";
  const last = thing.phrase.split(/\s+/).at(-1)!;
  if (thing.people) {
    // "The Tide-Priests are a riveted order of tide-priests."
    return withArticle(`${adjective} ${random.pick(lexicon.factionNouns).toLowerCase()} of ${last.toLowerCase()}`);
  }
  const nouns = thing.proper ? (thing.plural ? last.toLowerCase() : thing.head) : thing.core;
  const phrase = `${describe(adjective, nouns)}${ofPart}`;
  return thing.plural ? phrase : withArticle(phrase);
}

/** A clause of the prompt with the things it mentions called by their element names. */
function renderClause(thing: Thing | undefined, reading: PromptReading, names: Map<Thing, string>): string {
  if (!thing) return "";
  return clauseText(thing, reading, (other) => {
    const name = names.get(other);
    return name ? mention(name) : undefined;
  });
}

type WriteRequest = {
  member: Member;
  lexicon: Lexicon;
  tail: string;
  echo?: string;
  setting: string;
  links: SceneLink[];
  keywords: string[];
  lead?: string[];
  ledger: Ledger;
  adjective: (random: Random) => string;
};

function sceneFor(request: WriteRequest): Scene {
  const { member, lexicon } = request;
  const random = member.random;
  return {
    name: member.name,
    type: member.type,
    plural: member.plural,
    lexicon,
    subject: member.subject,
    tail: request.tail,
    setting: request.setting,
    adjective: member.adjective ?? request.adjective(random),
    material: random.pick(lexicon.materials),
    sense: random.pick(lexicon.senses),
    threat: random.pick(lexicon.threats),
    secret: random.pick(lexicon.secrets),
    goal: random.pick(lexicon.goals),
    role: member.role ?? random.pick(lexicon.roles),
    links: request.links,
  };
}

function writeElement(request: WriteRequest): ElementDraft {
  const { member, lexicon, ledger } = request;
  const { random } = member;
  const scene = sceneFor(request);
  const templates = templatesFor(member.type);
  const names = [member.name, request.setting, ...(request.echo ? [request.echo] : []), ...request.links.map((link) => link.name)].map(mention);
  const fits = (sentence: string) => !stumblesOnName(sentence, names);
  const render = (list: ((s: Scene) => string)[]) => random.shuffle(list).map((sentence) => capitalise(sentence(scene))).filter(fits);

  const opening = ledger.first(render(templates.openings)) ?? ledger.first([capitalise(`**${member.name}** ${member.plural ? "are" : "is"} ${member.subject}${request.tail}.`)]);
  const details = render(templates.details).filter((sentence) => ledger.take(sentence)).slice(0, 2);
  const hook = ledger.first(render(templates.hooks));
  const links = request.links.slice(0, 3).map((link) => capitalise(linkSentence(scene, link))).filter((sentence) => fits(sentence) && ledger.take(sentence));
  const echoes = request.echo
    ? random
        .shuffle(ECHOES)
        .map((echo) => echo(scene, request.echo!))
        .filter((sentence) => !sentence.includes(`in ${request.echo},`))
    : [];
  const echo = ledger.first(echoes.map(capitalise).filter(fits));

  const paragraphs = [
    ...(request.lead ?? []),
    [opening, details[0]].filter(Boolean).join(" "),
    [details[1], ...links, echo].filter(Boolean).join(" "),
    hook ?? "",
  ].filter(Boolean);
  const kind = member.thing?.head ?? member.subject.split(" ").at(-1) ?? member.type;
  const tags = [...new Set([member.type === "character" ? scene.role.split(" ").at(-1) : kind, ...request.keywords.slice(0, 4), scene.adjective, lexicon.genre])]
    .filter((tag): tag is string => Boolean(tag))
    .map((tag) => tag.toLowerCase())
    .slice(0, 6);

  return {
    name: member.name,
    type: member.type,
    description: paragraphs.join("\n\n"),
    tags,
    relationships: request.links.map((link): RelationshipDraft => ({ to: link.name, kind: link.kind })),
    visualPrompt: clampSentences(`${member.name}: ${member.subject}${request.tail}. ${capitalise(scene.material)}, ${scene.sense}. ${lexicon.artDirection}.`, 400),
    narration: clampSentences(plain([opening, details[0], hook].filter(Boolean).join(" ")), NARRATION_TARGET),
  };
}

/** The things of a prompt that become elements of a world, the one it is about first. */
function worldThings(reading: PromptReading): Thing[] {
  // "of" things are elements when they name something of their own: "Nareth" in "the Sky-Whales of
  // Nareth", "the salt-witches" in "the forge of the salt-witches" (not "thieves" in "a guild of thieves").
  const outerOf = (thing: Thing) => reading.things.find((other) => other.of !== undefined && reading.things[other.of] === thing);
  const ownOf = (thing: Thing) => thing.proper || (thing.type === "faction" && outerOf(thing)?.type !== "faction");
  const eligible = reading.things.filter((thing) => thing.type && (!thing.part || (thing.part === "of" && ownOf(thing))));
  const main = reading.things.find((thing) => !thing.part && !thing.possessor && thing.type) ?? reading.things.find((thing) => !thing.part);
  const ordered = main ? [main, ...eligible.filter((thing) => thing !== main)] : eligible;
  const seen = new Set<string>();
  return ordered
    .filter((thing) => {
      const key = `${thing.head}|${thing.phrase.toLowerCase()}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, 12);
}

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

export function writeWorld(prompt: string, count: number, context: WriterContext): ElementDraft[] {
  const lexicon = lexiconFor(context.style);
  const random = createRandom(`${context.seed}\u0000world\u0000${prompt}`);
  const reading = readPrompt(prompt, context.language);
  const adjective = adjectivePicker(reading, lexicon);
  const things = worldThings(reading);
  const total = Math.min(15, Math.max(8, Math.round(count) || 8, things.length + 3));
  const given = things.map((thing) => thing.type ?? "location");
  const types = planWorld(given, total, random.fork("plan"));
  const used = new Set<string>();
  const names = new Map<Thing, string>();

  const members: Member[] = types.map((type, index) => {
    const own = random.fork(`element-${index}`);
    const thing = things[index];
    if (thing) {
      const given = nameOfThing(thing, reading);
      const name = given && !used.has(given.toLowerCase()) ? given : uniqueName(() => makeName(type, lexicon, own, adjective(own), kindNoun(type, lexicon, own)), used);
      used.add(name.toLowerCase());
      names.set(thing, name);
      const adj = thing.modifiers[0] ?? adjective(own);
      return {
        type,
        name,
        plural: thing.plural && type !== "character" && !thing.givenName,
        subject: subjectOf(thing, reading, type, Boolean(given), lexicon.adjectives.includes(adj) ? adj : own.pick(lexicon.adjectives), lexicon, own),
        thing,
        adjective: adj,
        role: type === "character" && !given ? thing.phrase.toLowerCase() : undefined,
        random: own,
      };
    }
    const adj = adjective(own);
    const noun = kindNoun(type, lexicon, own);
    const name = uniqueName(() => makeName(type, lexicon, own, adjective(own), noun), used);
    // "Brass goggles" are plural; an event's name has a noun of its own, so it stays singular.
    const plural = type !== "character" && type !== "event" && context.language.singular(noun) !== noun;
    return { type, name, plural, subject: plural ? describe(adj, noun) : withArticle(describe(adj, noun)), adjective: adj, role: type === "character" ? noun : undefined, random: own };
  });

  // The pairs the prompt relates: a clause naming another thing, an owner, an "of" place.
  const indexOf = new Map(things.map((thing, i) => [thing, i]));
  const related: [number, number][] = [];
  things.forEach((thing, i) => {
    for (const part of thing.clause?.parts ?? []) {
      const other = typeof part === "string" ? undefined : indexOf.get(reading.things[part.thing]!);
      if (other !== undefined && other !== i) related.push([i, other]);
    }
    const owner = thing.owner !== undefined ? indexOf.get(reading.things[thing.owner]!) : undefined;
    if (owner !== undefined) related.push([owner, i]);
    const inner = thing.of !== undefined ? indexOf.get(reading.things[thing.of]!) : undefined;
    if (inner !== undefined) related.push([i, inner]);
  });
  const edges = linkWorld(types, random.fork("links"), related);

  // Members of a faction of people take its calling: a character of the Tide-Priests is a tide-priest.
  edges.forEach((edge) => {
    const from = members[edge.from]!;
    const to = members[edge.to]!;
    if (edge.kind === "member_of" && from.type === "character" && !from.thing && to.thing?.people) {
      from.role = to.thing.head;
      from.subject = withArticle(`${from.adjective ?? adjective(from.random)} ${to.thing.head}`);
    }
  });

  const heart = members.find((member) => member.type === "location") ?? members[0]!;
  const worldTitle = context.worldTitle?.trim();
  const ledger = new Ledger();
  // The prompt's things, by name, are what other elements echo.
  const echoNames = members.filter((member) => member.thing).map((member) => mention(member.name));
  const keywords = reading.keywords;

  return members.map((member, index) => {
    const setting = member === heart ? (worldTitle && worldTitle.toLowerCase() !== member.name.toLowerCase() ? mention(worldTitle) : "the wider world") : mention(heart.name);
    const echoes = echoNames.filter((name) => name !== mention(member.name));
    return writeElement({
      member,
      lexicon,
      tail: renderClause(member.thing, reading, names),
      echo: echoes.length ? member.random.pick(echoes) : undefined,
      setting,
      links: edges.filter((edge) => edge.from === index).map((edge) => ({ kind: edge.kind, name: members[edge.to]!.name, type: members[edge.to]!.type })),
      keywords,
      ledger,
      adjective,
    });
  });
}

/** Links from a new element to its neighbours, phrased from the new element's side. */
export function neighbourLinks(type: ElementType, neighbours: ElementSummary[], random: Random): SceneLink[] {
  return neighbours.slice(0, 3).map((neighbour) => {
    const kind = REVERSED.has(`${type}>${neighbour.type}`)
      ? ({ contains: "located_in", located_in: "contains" } as Partial<Record<RelationshipKind, RelationshipKind>>)[naturalKind(neighbour.type, type, random)] ?? "related_to"
      : naturalKind(type, neighbour.type, random);
    return { kind, name: neighbour.name, type: neighbour.type };
  });
}

export type ElementWriteRequest = {
  prompt: string;
  type?: ElementType;
  neighbours?: ElementSummary[];
  /** Paragraphs to open the description with. */
  lead?: string[];
};

/** The thing of a prompt that one element is about: the one of the asked-for type, else the first. */
export function mainThing(reading: PromptReading, type?: ElementType): Thing | undefined {
  const candidates = reading.things.filter((thing) => !thing.part && !thing.possessor);
  return (type && candidates.find((thing) => thing.type === type)) || candidates.find((thing) => thing.type) || candidates[0] || reading.things[0];
}

export function writeSingle(request: ElementWriteRequest, context: WriterContext): ElementDraft {
  const lexicon = lexiconFor(context.style);
  const random = createRandom(`${context.seed}\u0000element\u0000${request.prompt}`);
  const reading = readPrompt(request.prompt, context.language);
  const adjective = adjectivePicker(reading, lexicon);
  const neighbours = request.neighbours ?? [];
  const thing = mainThing(reading, request.type);
  const type = request.type ?? thing?.type ?? "location";
  const given = thing ? nameOfThing(thing, reading) : undefined;
  const nameRandom = random.fork("name");
  const noun = kindNoun(type, lexicon, nameRandom);
  const name = given ?? makeName(type, lexicon, nameRandom, adjective(nameRandom), noun);
  const adj = thing?.modifiers[0] ?? adjective(random);
  const subject = thing ? subjectOf(thing, reading, type, Boolean(given), lexicon.adjectives.includes(adj) ? adj : random.pick(lexicon.adjectives), lexicon, random) : withArticle(describe(adj, noun));
  const setting = neighbours.find((n) => n.type === "location")?.name ?? context.worldTitle ?? placeName(lexicon, random.fork("setting"));
  const owner = thing?.owner !== undefined ? reading.things[thing.owner] : undefined;
  const others = reading.things.filter((other) => other !== thing && other !== owner && !other.part && other.type && !isInClause(thing, other, reading));
  const member: Member = {
    type,
    name,
    plural: Boolean(thing?.plural && type !== "character" && given && !thing.givenName),
    subject,
    thing,
    adjective: adj,
    role: type === "character" && thing && !given ? thing.phrase.toLowerCase() : undefined,
    random,
  };
  const lead = [...(request.lead ?? [])];
  const draft = writeElement({
    member,
    lexicon,
    tail: renderClause(thing, reading, new Map()),
    echo: others[0] ? phraseOf(others[0], reading) : undefined,
    setting: mention(setting === name ? "the wider world" : setting),
    links: neighbourLinks(type, neighbours, random.fork("links")),
    keywords: reading.keywords,
    lead,
    ledger: new Ledger(lead),
    adjective,
  });
  if (owner) {
    // "Captain Mira Vale's stolen compass": the owner is part of the story even when not in the world.
    const ownerName = nameOfThing(owner, reading) ?? phraseOf(owner, reading);
    const sentence = `${capitalise(mention(name))} ${member.plural ? "belong" : "belongs"} to ${mention(ownerName)}.`;
    const [first, ...rest] = draft.description.split("\n\n");
    draft.description = [`${first} ${sentence}`, ...rest].join("\n\n");
  }
  return draft;
}

function isInClause(thing: Thing | undefined, other: Thing, reading: PromptReading): boolean {
  const index = reading.things.indexOf(other);
  return Boolean(thing?.clause?.parts.some((part) => typeof part !== "string" && part.thing === index));
}
