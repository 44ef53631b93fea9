// A small world and story for the continuity and context tests: the story bible of "The Long
// Winter at Frosthold". Test data only; imported by *.test.ts files.
import type { EarlierScene, StoryElement } from "./continuity";

const element = (id: string, type: StoryElement["type"], name: string, description: string, aliases: string[] = [], tags: string[] = []): StoryElement => ({
  id,
  type,
  name,
  aliases,
  description,
  tags,
});

export const WORLD: StoryElement[] = [
  element("mira", "character", "Mira Vell", "A brave and honest scout of the Northern Watch. Calm under pressure; she is never cruel.", ["Mira"], ["scout"]),
  element("kael", "character", "Kael Ardent", "A cruel, arrogant lord who rules Frosthold with an iron hand. His sister Isolde died young.", ["Kael", "the Iron Lord"]),
  element("tomas", "character", "Tomas Reed", "A gentle blacksmith who forged the Dawnblade.", ["Tomas"]),
  element("brann", "character", "Old Brann", "The keeper of the northern gate.", ["Brann"], ["deceased"]),
  element("isolde", "character", "Isolde Ardent", "Kael's sister. She died in the first winter of the siege.", ["Isolde"]),
  element("frosthold", "location", "Frosthold", "A frozen fortress of ice and snow, high in the Northern Wastes."),
  element("wastes", "location", "Northern Wastes", "An endless tundra of snow and wind.", ["the Wastes"]),
  element("sunspire", "location", "Sunspire", "A city of sandstone towers at the edge of the desert, scorching by day."),
  element("order", "faction", "Silver Order", "Knights sworn to guard the passes.", ["the Order"]),
  element("dawnblade", "item", "Dawnblade", "A sword that glows at first light."),
  element("siege", "event", "Siege of Frosthold", "The long siege that began the winter Isolde died."),
];

export const STORY_SO_FAR: EarlierScene[] = [
  { id: "s1", title: "The Gate", text: "The raiders came at night. Tomas died at the gate, the Dawnblade still in his hand. Mira carried the sword back to Frosthold." },
  { id: "s2", title: "Council", text: "Kael called the council together. \"We hold,\" he said, and no one argued." },
];

/** Clean passages: realistic prose that must raise no issue, set in Frosthold from Mira's view. */
export const CLEAN_PASSAGES: string[] = [
  `Snow drifted against the walls of Frosthold as Mira climbed the eastern stair. Kael waited at the top, his cloak heavy with frost. "You are late," he said coldly. Mira did not answer. She set the Dawnblade on the table between them and met his eyes.`,
  `"The Silver Order will not come," said Mira. "Then we hold the gate ourselves," Kael replied. Mira laughed, though there was nothing to laugh about. Outside, the wind howled across the Northern Wastes.`,
  `Mira remembered the day Tomas had laughed at her clumsy sword work. The forge was cold now, its coals grey. She ran a thumb along the Dawnblade's edge and thought of him.`,
  `Mira bravely stepped forward. Kael sneered, cruel as ever, and drew his sword. For a long moment neither of them moved; then the Iron Lord lowered his blade and turned away.`,
  `At dawn on Midwinter Day the garrison gathered in the courtyard. Breath smoked in the icy air. Somewhere below, a door banged in the wind, and the horses stamped and snorted in their stalls.`,
  `It was past midnight when the messenger reached the hall. He was young, no older than sixteen, and his boots were caked with ice. Mira gave him bread and a place by the fire, and listened while he spoke of the riders he had seen on the northern road.`,
  `Nobody in Frosthold slept that night. The soldiers sharpened their spears, the cooks baked what little bread remained, and Mira walked the battlements until the stars faded. When the first grey light touched the snowfields, the Dawnblade began to glow.`,
  `Winter's grip tightened on the fortress. Smoke rose from the chimneys and hung low over the roofs. Hunger gnawed at the garrison, and the dogs grew thin. Lanterns swayed in the gatehouse; footsteps echoed on the frozen stones.`,
  `"Tell me what you saw," Kael said. The boy swallowed. "Riders, my lord. Forty, maybe fifty. They carried the banner of the Order." Kael turned to the window, and for once the Iron Lord had nothing to say.`,
  `Mira rose before the bells. She checked the ropes on the eastern wall, counted the arrows in the armoury twice, and wrote the numbers on a slate for Kael. By noon the sky had darkened, and a thin, bitter snow began to fall.`,
];

/** A second world, in another register: a space station, with names that are also English words. */
export const STATION: StoryElement[] = [
  element("hope", "character", "Hope Okafor", "The station's chief engineer: patient, gentle and loyal to her crew.", ["Hope", "the Chief"]),
  element("dax", "character", "Dax Moreau", "A reckless, impatient pilot with a gambler's luck.", ["Dax"]),
  element("ansel", "character", "Captain Ansel Brant", "Commander of Meridian Station. Honest to a fault.", ["Ansel", "the Captain", "Brant"]),
  element("meridian", "location", "Meridian Station", "A ring station in orbit around a gas giant, humming with recyclers.", ["Meridian", "the station"]),
  element("hydro", "location", "Hydroponics Bay", "A humid bay of dripping vines and grow-lights.", ["the bay"]),
  element("kestrel", "item", "Kestrel", "Dax's battered shuttle."),
  element("union", "faction", "Outer Union", "The miners' union of the outer belt."),
];

/** Clean passages in the station, set in Meridian Station from Hope's view. */
export const STATION_PASSAGES: string[] = [
  `Hope woke to the hum of the recyclers. Somewhere below deck a pump was failing again; she could hear it in the rhythm, a stutter every ninth beat. She pulled on her overalls, grabbed her kit and went to find it before Ansel noticed.`,
  `"You flew the Kestrel through the debris field?" Hope asked. Dax shrugged. "It was faster." "It was stupid." "Faster and stupid," he agreed, grinning. Behind them, the Captain cleared his throat, and both of them fell silent.`,
  `On Tuesday the supply run from the Outer Union arrived three hours late. Nobody was surprised. Hope signed for the crates, checked the seals, and sent the filters straight down to the Hydroponics Bay, where the vines had begun to yellow.`,
  `Ansel Brant had commanded Meridian for eleven years, and in all that time he had never once lied to his crew. He did not intend to start now. "We have enough air for nine days," he said. "Maybe ten. After that, we improvise."`,
  `The corridor lights dimmed to their night setting. Dax sat alone in the galley with a cold cup of coffee, watching the gas giant turn beneath the viewport, its storms slow and enormous. He thought about his mother, and about Earth, and about nothing at all.`,
];
