// The offline story writer (issue 17, `local`): the next passage of a scene built from the world's
// own people and places (the cast the story bible chose), the story's template and point of view,
// and the person's direction, seeded by the call so the same request writes the same passage.
// Templates carry their own words; a bedtime story keeps to gentle ones.
import type { ElementSummary, OutlineRequest, PassageRequest, StoryOutline } from "../types";
import { Ledger, capitalise, sentenceProblem } from "./prose";
import { createRandom, type Random } from "./random";

type Mood = {
  light: string[];
  sounds: string[];
  feelings: string[];
  actions: string[];
  turns: string[];
  speech: string[];
};

const MOODS: Record<string, Mood> = {
  adventure: {
    light: ["the sun stood high and hard", "wind tore at the banners", "the road ran bright with dust", "clouds raced over the ridge"],
    sounds: ["the clatter of hooves", "a horn somewhere ahead", "the creak of rope and timber", "distant shouting"],
    feelings: ["a reckless kind of hope", "the itch to keep moving", "the old thrill of the unknown", "a grin that would not go away"],
    actions: ["tightened the straps of the pack", "checked the map one more time", "scrambled up the last of the rocks", "drew a long breath and went on"],
    turns: ["Then the ground gave way", "A shout went up from the lookout", "Without warning the path ended at a drop", "Something glinted in the grass"],
    speech: ["We go on, or we go home", "Keep your eyes open and your feet quick", "I did not come this far to turn back", "There, that is the way"],
  },
  mystery: {
    light: ["lamplight pooled on the wet stones", "fog pressed against the windows", "the clock's hands stood at a quarter to nine", "a thin line of light showed under the door"],
    sounds: ["a drawer sliding shut", "footsteps that stopped too soon", "the tick of the old clock", "rain against the glass"],
    feelings: ["the sense that something had been moved", "a small, cold certainty", "the nagging feeling of a detail missed", "a patience that was almost anger"],
    actions: ["turned the letter over to read the back", "knelt to look at the scuffed floorboards", "counted the cups on the table twice", "wrote a single word in the notebook"],
    turns: ["Then the lamp went out", "There was a second key", "The ink on the page was still wet", "Someone had been here before them"],
    speech: ["Nobody leaves this room until I say so", "You were not where you said you were", "The answer is in what is missing", "Tell me again, slowly this time"],
  },
  "fairy-tale": {
    light: ["moonlight silvered the meadow", "the forest held its breath", "a golden haze lay over the hills", "stars hung low over the old well"],
    sounds: ["a bell ringing far away", "the hush of many leaves", "a fox barking at the edge of the wood", "water singing over stones"],
    feelings: ["a wonder too big for words", "that kind eyes were watching over them", "a hope as small and bright as a coin", "the ache of a promise not yet kept"],
    actions: ["picked up the little silver key", "knocked three times on the crooked door", "followed the path of white pebbles", "whispered the rhyme the old woman had taught"],
    turns: ["Then the door opened by itself", "At the stroke of midnight the spell began to stir", "The bird spoke, as clear as any child", "A light kindled in the window of the tower"],
    speech: ["A promise is a promise, even to a frog", "Be kind to what is small", "Three times I will ask, and three times you must answer", "The way home is never the way you came"],
  },
  romance: {
    light: ["late sun warmed the garden wall", "candles burned low on the table", "the river shone like poured honey", "the evening turned slowly to rose"],
    sounds: ["laughter from an open window", "the soft scrape of a chair", "music drifting from the square", "a held breath"],
    feelings: ["a warmth that had no business being there", "the dizziness of being seen", "a shyness that felt almost like courage", "the fear of saying too much"],
    actions: ["looked away, and then looked back", "brushed a stray leaf from the sleeve", "held out a hand and waited", "folded the note and tucked it away"],
    turns: ["Then their hands touched", "A name was spoken that changed everything", "The letter was not meant for them", "Neither of them moved"],
    speech: ["Stay a little longer", "I should not have come, and yet here I am", "You remember, then", "Say it again, so I know I heard it"],
  },
  horror: {
    light: ["the candle guttered in a draft from nowhere", "the corridor stretched longer than it should", "grey light seeped through the shutters", "the shadows did not quite match their owners"],
    sounds: ["a scratching inside the walls", "breathing that was not their own", "a door closing somewhere above", "a silence that pressed on the ears"],
    feelings: ["a cold that started in the spine", "the certainty of being counted", "a dread with no shape yet", "the urge to run, and nowhere to run to"],
    actions: ["pressed an ear to the wall", "lifted the lantern higher", "backed slowly toward the stairs", "counted the doors again and found one more"],
    turns: ["Then the knocking answered", "The portrait's eyes had moved", "Something wet had been dragged across the floor", "The name on the grave was their own"],
    speech: ["Do not open it", "It knows we are here", "Who lit the candles", "Keep talking, so I know you are still there"],
  },
  "science-fiction": {
    light: ["the viewport filled with the slow turn of the planet", "status lights blinked amber along the hull", "the corridor hummed under cold blue strips", "a second sun crept over the horizon"],
    sounds: ["the tick of cooling metal", "a chime from the navigation console", "the hiss of an airlock cycling", "static on an open channel"],
    feelings: ["the weightless calm of routine", "a suspicion the numbers were wrong", "the vastness pressing in from every side", "a loneliness measured in light-years"],
    actions: ["keyed in the override", "ran the diagnostic a third time", "pulled up the star charts", "sealed the helmet with a soft click"],
    turns: ["Then the signal repeated", "The readings spiked off the scale", "A second ship appeared where none should be", "The station's lights went dark, section by section"],
    speech: ["That is not one of ours", "Run it again", "We have maybe an hour of air", "Whoever sent this knew we would come"],
  },
  bedtime: {
    light: ["the moon peeked in at the window", "soft lamplight glowed in the little room", "the stars came out one by one", "the sky turned the colour of warm milk"],
    sounds: ["a sleepy owl hooting", "the gentle hush of the wind", "a kettle humming downstairs", "crickets singing their slow song"],
    feelings: ["a cosy, sleepy happiness", "the comfort of being safe at home", "a yawn as wide as the sky", "a quiet, glowing gladness"],
    actions: ["tucked the blanket up high", "gave a small, happy sigh", "said goodnight to every star", "curled up warm and snug"],
    turns: ["Then a tiny light floated by the window", "Just then, a soft knock came at the door", "Something small and friendly rustled in the garden", "A little breeze carried a sweet smell of flowers"],
    speech: ["Time to rest now", "Everyone is safe and sound", "Tomorrow will be a lovely day", "Sleep tight, little one"],
  },
};

/** Who the passage is about, as it reads: "I", "you", or their name. */
type Person = { name: string; subject: string; possessive: string };

function personOf(pov: ElementSummary | null, pointOfView: PassageRequest["story"]["pointOfView"], fallback: string): Person {
  if (pointOfView === "first") return { name: "I", subject: "I", possessive: "my" };
  if (pointOfView === "second") return { name: "you", subject: "you", possessive: "your" };
  const name = pov?.name ?? fallback;
  return { name, subject: name, possessive: `${name}'s` };
}

/** The name as a sentence uses it: the full name, or now and then the first word of it ("Mira" for "Mira Vale"). */
function called(r: Random, person: Person): string {
  const short = person.subject.split(/\s+/)[0]!;
  if (person.subject === "I" || person.subject === "you" || short === person.subject || /^(the|a|an)$/i.test(short)) return person.subject;
  return r.chance(0.6) ? short : person.subject;
}

/** One sentence of a kind, filled from the mood, the people and the place. */
function beats(r: Random, mood: Mood, person: Person, others: string[], place: string | null): Array<() => string> {
  const other = () => (others.length ? r.pick(others) : null);
  return [
    () => (place ? `In ${place}, ${r.pick(mood.light)}.` : `${capitalise(r.pick(mood.light))}.`),
    () => `${capitalise(called(r, person))} heard ${r.pick(mood.sounds)}.`,
    () => `${capitalise(called(r, person))} ${r.pick(mood.actions)}.`,
    () => `${capitalise(called(r, person))} felt ${r.pick(mood.feelings)}.`,
    () => {
      const speaker = other();
      return speaker ? `"${r.pick(mood.speech)}," said ${speaker}.` : `"${r.pick(mood.speech)}," ${called(r, person)} whispered.`;
    },
    () => {
      const speaker = other();
      return speaker ? `${speaker} ${r.pick(mood.actions)}, and ${called(r, person)} watched.` : `${capitalise(r.pick(mood.sounds))} came and went.`;
    },
    () => `${r.pick(mood.turns)}.`,
  ];
}

/** Words a direction may start with that are not names ("The queen…" → "the queen…"). */
const LOWERED = new Set(["the", "a", "an", "some", "someone", "something", "everyone", "nobody", "it", "they", "he", "she", "we", "you", "there", "this", "that", "all", "his", "her", "their", "our", "my"]);

/** A direction as a sentence of the story, in the person's words ("the queen learns of the betrayal"). */
function directionSentence(direction: string): string | null {
  const text = direction.trim().replace(/[.!?]+$/, "");
  if (!text) return null;
  const first = text.split(/\s+/)[0]!;
  const lead = LOWERED.has(first.toLowerCase()) ? first.toLowerCase() : first;
  return `And so it came to pass that ${lead}${text.slice(first.length)}.`;
}

/**
 * The passage, as paragraphs of whole sentences, about `words` long. Sentences the scene already
 * has are not written again.
 */
export function writePassage(request: PassageRequest, seed: string): string[] {
  const r = createRandom(`${seed}:passage`);
  const mood = MOODS[request.story.template] ?? MOODS.adventure!;
  const characters = request.cast.filter((e) => e.type === "character" || e.type === "creature").map((e) => e.name);
  const places = request.cast.filter((e) => e.type === "location").map((e) => e.name);
  const pov = request.scene.pov;
  const person = personOf(pov, request.story.pointOfView, characters[0] ?? (request.story.template === "bedtime" ? "the little one" : "the traveller"));
  const others = characters.filter((name) => name !== pov?.name);
  const place = request.scene.location?.name ?? places[0] ?? null;
  const ledger = new Ledger([request.recentText]);
  const sentences = beats(r, mood, person, others, place);
  const paragraphs: string[] = [];
  let written = 0;
  const direction = request.direction ? directionSentence(request.direction) : null;
  let directionDone = direction === null;
  for (let paragraph = 0; written < request.words && paragraph < 12; paragraph += 1) {
    const lines: string[] = [];
    const length = r.int(3, 5);
    for (let tries = 0; lines.length < length && tries < 40; tries += 1) {
      const sentence = capitalise(r.pick(sentences)());
      if (sentenceProblem(sentence) || !ledger.take(sentence)) continue;
      lines.push(sentence);
    }
    // The person's direction happens in the middle of the passage, not as its first words.
    if (!directionDone && (paragraph >= 1 || written + 60 >= request.words)) {
      lines.push(direction!);
      directionDone = true;
    }
    if (lines.length === 0) break;
    paragraphs.push(lines.join(" "));
    written += lines.join(" ").split(/\s+/).length;
  }
  return paragraphs;
}

/** Chapter shapes per template: what each chapter of a story of that kind is for. */
const ARCS: Record<string, string[]> = {
  adventure: ["The Call", "The Road", "The Trial", "The Turning", "The Return"],
  mystery: ["The Discovery", "The Questions", "The False Trail", "The Truth", "The Reckoning"],
  "fairy-tale": ["Once Upon a Time", "The Enchantment", "The Three Tasks", "The Breaking of the Spell", "Ever After"],
  romance: ["The Meeting", "Sparks", "The Misunderstanding", "The Confession", "Together"],
  horror: ["The Arrival", "The First Sign", "The Haunting", "The Descent", "Morning"],
  "science-fiction": ["The Signal", "Launch", "First Contact", "The Breach", "The Long Way Home"],
  bedtime: ["Getting Ready", "A Little Adventure", "A New Friend", "The Way Home", "Sweet Dreams"],
};

type Beat = { title: string; beat: (hero: string, other: string, place: string, aim: string) => string };

/** Scene beats, by the part of the arc they belong to: opening, middle, closing. */
const BEATS: Record<"open" | "middle" | "close", Beat[]> = {
  open: [
    { title: "The News", beat: (hero, _other, place, aim) => `In ${place}, ${hero} first hears of ${aim}.` },
    { title: "A Visitor", beat: (hero, other, place) => `${other} comes to ${place} with news that will not wait, and ${hero} listens.` },
    { title: "Waking", beat: (hero, _other, place, aim) => `${hero} wakes in ${place} to find that ${aim} has changed everything.` },
  ],
  middle: [
    { title: "On the Way", beat: (hero, other, place) => `${hero} and ${other} set out across ${place}, and not everything goes to plan.` },
    { title: "A Secret", beat: (hero, other, _place, aim) => `${other} tells ${hero} a secret about ${aim}.` },
    { title: "The Choice", beat: (hero, _other, place) => `In ${place}, ${hero} faces a choice with no easy answer.` },
    { title: "Apart", beat: (hero, other) => `${hero} and ${other} quarrel, and part ways for a while.` },
  ],
  close: [
    { title: "Homecoming", beat: (hero, other, place) => `Back in ${place}, ${hero} and ${other} see how far they have come.` },
    { title: "The Truth", beat: (hero, _other, _place, aim) => `${hero} finally understands the truth about ${aim}.` },
    { title: "The Promise", beat: (hero, other) => `${hero} keeps a promise made to ${other}, whatever it costs.` },
  ],
};

/** The heart of a prompt as a phrase a beat can carry ("a stolen bell" from "a story about a stolen bell in winter"). */
function aimOf(prompt: string): string {
  const text = prompt
    .trim()
    .replace(/[.!?]+$/, "")
    .replace(/^(?:write |tell )?(?:me )?(?:a |an )?(?:\w+ )?(?:story|tale) (?:about|of|where|in which) /i, "");
  const short = text.split(/\s+/).slice(0, 8).join(" ");
  return /^(?:a|an|the|my|our|their)\b/i.test(short) ? short.charAt(0).toLowerCase() + short.slice(1) : `the matter of ${short.charAt(0).toLowerCase()}${short.slice(1)}`;
}

/** An outline from the prompt, the template's arc and the world's own people and places. */
export function writeOutline(request: OutlineRequest, seed: string): StoryOutline {
  const r = createRandom(`${seed}:outline`);
  const people = request.cast.filter((e) => e.type === "character" || e.type === "creature").map((e) => e.name);
  const places = request.cast.filter((e) => e.type === "location").map((e) => e.name);
  const hero = people[0] ?? (request.story.template === "bedtime" ? "Little Bear" : "the traveller");
  const others = people.slice(1);
  const aim = aimOf(request.picture ? `${request.prompt} ${request.picture}` : request.prompt);
  const arc = ARCS[request.story.template] ?? ARCS.adventure!;
  const chapters = Array.from({ length: request.chapters }, (_, c) => {
    const part = c === 0 ? "open" : c === request.chapters - 1 ? "close" : "middle";
    const titles = arc.length >= request.chapters ? [arc[0]!, ...arc.slice(1, -1).slice(0, Math.max(0, request.chapters - 2)), arc.at(-1)!].slice(0, request.chapters) : arc;
    const scenes = Array.from({ length: request.scenesPerChapter }, (_, s) => {
      const other = others.length ? others[(c + s) % others.length]! : "a stranger";
      const place = places.length ? places[(c * request.scenesPerChapter + s) % places.length]! : "the old town";
      const chosen = r.pick(BEATS[s === 0 && part === "open" ? "open" : s === request.scenesPerChapter - 1 && part === "close" ? "close" : "middle"]);
      return {
        title: chosen.title,
        beat: capitalise(chosen.beat(hero, other, place, aim)),
        pov: people.length ? hero : null,
        location: places.length ? place : null,
      };
    });
    return { title: titles[c] ?? `Chapter ${c + 1}`, summary: scenes.map((scene) => scene.beat).join(" "), scenes };
  });
  const title = `${hero.replace(/^the /i, "The ")} and ${aim.replace(/^the matter of /, "").replace(/^(a|an|the) /i, "the ")}`.replace(/\s+/g, " ");
  return { title: capitalise(title).slice(0, 200), premise: capitalise(`${hero} and ${aim.replace(/^the matter of /, "")}: ${request.prompt.trim()}`).slice(0, 4000), chapters };
}
