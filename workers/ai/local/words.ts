// Word lists for the offline text generator, one lexicon per world style. Each list is short but
// written for its genre, so a steampunk world reads differently from a horror one even offline.
import { WORLD_STYLES, type ElementType, type WorldStyle } from "../../../drizzle/schema/constants";

export type Lexicon = {
  /** How the genre is named in prose ("a steampunk world"). */
  genre: string;
  adjectives: readonly string[];
  materials: readonly string[];
  /** Kinds of place, used for location names and descriptions. */
  placeNouns: readonly string[];
  /** Syllables that make proper place names: start + end. */
  placeStarts: readonly string[];
  placeEnds: readonly string[];
  givenNames: readonly string[];
  surnames: readonly string[];
  /** Occupations and callings for characters. */
  roles: readonly string[];
  factionNouns: readonly string[];
  /** Heraldic or symbolic nouns for faction names ("the Silver Thorn"). */
  emblems: readonly string[];
  itemNouns: readonly string[];
  creatureNouns: readonly string[];
  eventNouns: readonly string[];
  loreNouns: readonly string[];
  /** Sensory details, each a noun phrase ("the smell of woodsmoke"). */
  senses: readonly string[];
  /** Dangers, each a noun phrase. */
  threats: readonly string[];
  /** Hidden things, each a noun phrase. */
  secrets: readonly string[];
  /** Aims, each a verb phrase ("to reclaim the northern passes"). */
  goals: readonly string[];
  /** Appended to visual prompts so image models render in the genre. */
  artDirection: string;
};

const fantasy: Lexicon = {
  genre: "high fantasy",
  adjectives: ["ancient", "moonlit", "gilded", "verdant", "enchanted", "hallowed", "thorned", "storied", "silver", "wind-worn", "misty", "elder"],
  materials: ["old oak", "moonstone", "weathered granite", "silvered ash", "river pearl", "dragonbone", "mithril", "living ivy"],
  placeNouns: ["keep", "vale", "citadel", "glade", "hollow", "spire", "barrow", "ford", "kingdom", "march"],
  placeStarts: ["Ael", "Bryn", "Cal", "Eld", "Fael", "Gwen", "Ith", "Lor", "Mir", "Syl", "Thal", "Wyn"],
  placeEnds: ["mere", "dor", "wyn", "holm", "gard", "thas", "ven", "moor", "reach", "iel"],
  givenNames: ["Aelric", "Brenna", "Caelan", "Elowen", "Faelan", "Isolde", "Maelis", "Rowan", "Seren", "Tamsin", "Theron", "Ysolde"],
  surnames: ["Ashgrove", "Brightwater", "Dawnmantle", "Fernwhistle", "Greycloak", "Highmoor", "Oakenshield", "Silverbough", "Stormvale", "Thornbury"],
  roles: ["ranger", "court mage", "knight-errant", "hedge witch", "bard", "warden of the roads", "exiled princess", "old druid"],
  factionNouns: ["Order", "Circle", "Court", "Brotherhood", "Wardens", "Conclave", "Free Company"],
  emblems: ["Thorn", "Stag", "Lantern", "Oak", "Raven", "Crown", "Star", "Rose"],
  itemNouns: ["blade", "circlet", "lantern", "codex", "horn", "signet ring", "staff", "amulet"],
  creatureNouns: ["wyrm", "white stag", "wisp", "griffin", "drake", "barrow-wight", "treant", "unicorn"],
  eventNouns: ["Sundering", "Crowning", "Long Winter", "Siege", "Oathbreaking", "Returning", "Tourney"],
  loreNouns: ["prophecy", "song", "oath", "chronicle", "rite", "old law", "ballad"],
  senses: ["the scent of pine resin and woodsmoke", "birdsong that stops all at once", "pale light filtering through leaves", "the distant toll of a temple bell", "cold water over mossy stones"],
  threats: ["a blight creeping from the north", "bandits who wear the old king's colours", "a dragon that has woken hungry", "a curse that withers the harvest", "a pact about to expire"],
  secrets: ["a door that opens only at midwinter", "the true heir hidden among the servants", "a sword buried beneath the roots", "a map drawn in invisible ink", "a name no one dares to speak"],
  goals: ["to restore a fallen crown", "to keep the old roads open", "to break a centuries-old curse", "to find the last of the elder trees", "to win back a stolen birthright"],
  artDirection: "painterly high-fantasy illustration, soft golden light, rich greens and golds",
};

const sciFi: Lexicon = {
  genre: "science-fiction",
  adjectives: ["orbital", "derelict", "quantum", "chrome", "silent", "terraformed", "automated", "deep-space", "luminous", "cryogenic", "ion-scarred", "experimental"],
  materials: ["carbon lattice", "brushed titanium", "smart glass", "ceramic plating", "bioluminescent gel", "alloy panels", "plasma conduits"],
  placeNouns: ["station", "colony", "outpost", "habitat ring", "dome", "shipyard", "relay", "arcology"],
  placeStarts: ["Ara", "Ceti", "Dara", "Kepler", "Nova", "Orin", "Tau", "Vega", "Xan", "Zeta", "Lyra", "Helix"],
  placeEnds: ["-9", " Prime", " IV", " Station", "-Aurora", " Reach", " Deep", "-Theta", " Meridian", " Verge"],
  givenNames: ["Juno", "Tessa", "Kade", "Ilya", "Nadia", "Oren", "Sol", "Priya", "Ezra", "Mika", "Anselm", "Yara"],
  surnames: ["Okafor", "Varga", "Castellan", "Ishikawa", "Reyes", "Lindqvist", "Mbeki", "Halloran", "Sato", "Novak"],
  roles: ["navigator", "xenobiologist", "salvage pilot", "ship's AI", "colonial administrator", "drive engineer", "first-contact envoy", "marine"],
  factionNouns: ["Collective", "Directorate", "Union", "Consortium", "Fleet", "Accord", "Expedition"],
  emblems: ["Star", "Helix", "Comet", "Orbit", "Signal", "Vector", "Zenith", "Nebula"],
  itemNouns: ["data core", "phase rifle", "navigation key", "med-scanner", "star chart", "drive crystal", "exo-suit", "translator"],
  creatureNouns: ["void leviathan", "crystal swarm", "xenomorph", "sand strider", "drift jelly", "hive drone", "tidal grazer"],
  eventNouns: ["First Contact", "Blackout", "Exodus", "Mutiny", "Long Jump", "Signal", "Quarantine"],
  loreNouns: ["protocol", "charter", "flight log", "transmission", "directive", "colonial record", "theorem"],
  senses: ["the hum of the life-support fans", "recycled air that tastes of metal", "a planet filling the viewport", "status lights blinking in the dark", "the low thrum of the drive"],
  threats: ["a reactor leak on the lower decks", "an AI that has stopped answering", "pirates running without transponders", "a spreading alien spore", "a failing orbit"],
  secrets: ["a second crew list that was never filed", "a signal older than humanity", "coordinates to a ship that vanished", "a cloned captain", "a sealed deck on no schematic"],
  goals: ["to reach the colony before the fuel runs out", "to decode the signal", "to keep the station independent", "to chart the far side of the nebula", "to bring everyone home"],
  artDirection: "cinematic science-fiction concept art, cool blues and cyan highlights, crisp lighting",
};

const steampunk: Lexicon = {
  genre: "steampunk",
  adjectives: ["brass-bound", "clockwork", "soot-stained", "gaslit", "riveted", "steam-driven", "gilded", "whirring", "copper", "Victorian", "smog-wreathed", "ingenious"],
  materials: ["polished brass", "riveted iron", "mahogany", "copper piping", "smoked glass", "oiled leather", "cast iron", "clockwork gears"],
  placeNouns: ["foundry", "airship dock", "workshop", "exchange", "district", "observatory", "mill", "arcade"],
  placeStarts: ["Ash", "Brass", "Cog", "Copper", "Gear", "Iron", "Kettle", "Smoke", "Spindle", "Tinker", "Vapor", "Wick"],
  placeEnds: ["borough", "ton", "wick", "ford", "market", "haven", "gate", "bridge", "works", "chester"],
  givenNames: ["Ambrose", "Cornelia", "Augustin", "Eliza", "Percival", "Theodora", "Barnaby", "Winifred", "Octavia", "Horatio", "Lavinia", "Jasper"],
  surnames: ["Fennimore", "Brassbridge", "Cogsworth", "Ashcombe", "Pemberton", "Quillfeather", "Holloway", "Blackwood", "Wexley", "Sprocket"],
  roles: ["inventor", "airship captain", "clockmaker", "gentleman thief", "aether scholar", "boiler engineer", "lady detective", "automaton"],
  factionNouns: ["Guild", "Society", "Company", "Syndicate", "Club", "Royal Academy", "Union"],
  emblems: ["Cog", "Gear", "Compass", "Piston", "Kettle", "Owl", "Chronometer", "Anchor"],
  itemNouns: ["pocket watch", "aether pistol", "brass goggles", "difference engine", "clockwork heart", "spyglass", "pressure gauge", "mechanical arm"],
  creatureNouns: ["clockwork hound", "steam golem", "brass beetle", "mechanical owl", "sewer leviathan", "automaton spider"],
  eventNouns: ["Great Exhibition", "Boiler Riot", "Fog Crisis", "Patent War", "Airship Race", "Strike", "Fire"],
  loreNouns: ["patent", "manifesto", "engineering treatise", "guild charter", "almanac", "penny dreadful"],
  senses: ["the hiss of escaping steam", "coal smoke hanging over the rooftops", "the tick of a thousand clocks", "the clatter of the overhead rail", "the smell of hot oil and cinders"],
  threats: ["a boiler about to burst", "a rival guild's saboteurs", "fog thick enough to hide anything", "an automaton uprising", "creditors who will not wait"],
  secrets: ["blueprints for a perpetual engine", "a forged patent", "a hidden room behind the clock face", "an heir raised in the workhouse", "a cipher stitched into a glove"],
  goals: ["to win the patent before a rival", "to keep the great engine running", "to clear a family name", "to launch the first ocean-crossing airship", "to break the guild's monopoly"],
  artDirection: "Victorian steampunk illustration, warm brass and sepia tones, gaslight glow",
};

const horror: Lexicon = {
  genre: "horror",
  adjectives: ["forsaken", "rotting", "whispering", "hollow", "blighted", "fog-bound", "nameless", "cold", "crooked", "bloodless", "shuttered", "drowned"],
  materials: ["rotting timber", "cracked plaster", "rusted iron", "yellowed bone", "damp stone", "tarnished silver", "black wax"],
  placeNouns: ["manor", "asylum", "chapel", "crossroads", "village", "cellar", "marsh", "lighthouse"],
  placeStarts: ["Black", "Grey", "Hollow", "Marrow", "Mourn", "Raven", "Shade", "Wither", "Crow", "Dun", "Grim", "Sallow"],
  placeEnds: ["moor", "hollow", "wick", "fen", "ridge", "stead", "cross", "gate", "combe", "mire"],
  givenNames: ["Silas", "Agnes", "Ezekiel", "Mercy", "Jeremiah", "Constance", "Abel", "Prudence", "Tobias", "Hester", "Lucius", "Ophelia"],
  surnames: ["Marrow", "Hollow", "Blackwood", "Crane", "Ashby", "Thorne", "Grimsby", "Vesper", "Mortlake", "Pike"],
  roles: ["gravedigger", "village priest", "occult scholar", "night nurse", "lighthouse keeper", "grieving widow", "travelling exorcist", "child who sees things"],
  factionNouns: ["Congregation", "Circle", "Coven", "Brotherhood", "Society", "Watch", "Order"],
  emblems: ["Eye", "Moth", "Candle", "Hand", "Crow", "Key", "Veil", "Bell"],
  itemNouns: ["mirror", "music box", "doll", "reliquary", "ledger", "lantern", "locket", "bone flute"],
  creatureNouns: ["wraith", "ghoul", "drowned thing", "shadow", "pale hound", "mimic", "revenant", "thing in the walls"],
  eventNouns: ["Vanishing", "Harvest", "Drowning", "Plague Year", "Night of Bells", "Burning", "Silence"],
  loreNouns: ["ritual", "curse", "nursery rhyme", "confession", "grimoire", "warning", "parish record"],
  senses: ["a chill that no fire can lift", "footsteps in an empty corridor", "the smell of wet earth and candle smoke", "a bell ringing where no bell hangs", "whispers just below hearing"],
  threats: ["something that knocks from inside the walls", "a hunger that wakes each new moon", "the fog that takes the unwary", "a debt owed to the dead", "a reflection that moves on its own"],
  secrets: ["a name scratched out of every record", "a body that was never buried", "a pact signed in the parish book", "a room bricked up a century ago", "the truth about the first drowning"],
  goals: ["to survive until dawn", "to lay a restless spirit to rest", "to keep the old rite unbroken", "to learn what happened to the missing", "to bury the past for good"],
  artDirection: "dark gothic horror illustration, desaturated greens and greys, deep shadows",
};

const mythic: Lexicon = {
  genre: "mythic",
  adjectives: ["sacred", "undying", "sunlit", "primordial", "fated", "heroic", "divine", "titanic", "oracular", "golden", "wine-dark", "eternal"],
  materials: ["marble", "bronze", "olive wood", "lapis lazuli", "gold leaf", "obsidian", "sea-glass"],
  placeNouns: ["temple", "sanctuary", "isle", "mount", "underworld gate", "grove", "agora", "labyrinth"],
  placeStarts: ["Aeg", "Cal", "Del", "Ery", "Hel", "Ily", "Kor", "Ly", "Myr", "Oly", "Pel", "Thes"],
  placeEnds: ["os", "ion", "ara", "ene", "is", "amos", "ymna", "eia", "ope", "ythos"],
  givenNames: ["Aster", "Kallion", "Nerea", "Theodas", "Ione", "Lysander", "Phaedra", "Orestes", "Kyra", "Damon", "Elektra", "Iason"],
  surnames: ["of the Sea", "Sun-born", "the Far-seeing", "of Many Wiles", "Bronze-hand", "the Wanderer", "Oath-keeper", "Storm-child", "the Unbowed", "of the Grove"],
  roles: ["oracle", "demigod", "hero of the age", "priestess", "wandering king", "titan's child", "ferryman", "keeper of the flame"],
  factionNouns: ["Pantheon", "Chorus", "House", "Oracle-guild", "League", "Sisterhood", "Host"],
  emblems: ["Sun", "Serpent", "Owl", "Trident", "Laurel", "Flame", "Bull", "Moon"],
  itemNouns: ["spear", "golden fleece", "lyre", "aegis", "chalice", "sandals", "bow", "thread"],
  creatureNouns: ["hydra", "minotaur", "sphinx", "harpy", "kraken", "chimera", "winged horse", "titan"],
  eventNouns: ["Flood", "War of the Titans", "Theft of Fire", "Descent", "Games", "Judgement", "Voyage"],
  loreNouns: ["myth", "oracle", "hymn", "genealogy", "oath", "epic", "mystery rite"],
  senses: ["the smell of incense and salt", "gulls wheeling over bright water", "the ring of bronze on bronze", "a hush before thunder", "sunlight hot on white stone"],
  threats: ["the wrath of a slighted god", "a monster demanding tribute", "a prophecy of ruin", "the sea rising to claim the coast", "a curse passed down the bloodline"],
  secrets: ["a god walking in mortal guise", "the true words of the oracle", "a path into the underworld", "a child fathered by the storm", "the thread that binds fate"],
  goals: ["to win the favour of the gods", "to outrun a prophecy", "to bring fire back to the people", "to return home across the sea", "to earn a place among the stars"],
  artDirection: "mythic fresco style, terracotta, gold and deep blue, classical composition",
};

const modern: Lexicon = {
  genre: "modern-day",
  adjectives: ["quiet", "busy", "rain-slicked", "suburban", "corporate", "run-down", "sunny", "late-night", "gentrified", "historic", "coastal", "overlooked"],
  materials: ["glass and steel", "red brick", "concrete", "reclaimed wood", "neon tubing", "chrome", "terracotta tile"],
  placeNouns: ["neighbourhood", "diner", "newsroom", "campus", "harbour", "station", "apartment block", "market"],
  placeStarts: ["Ash", "Bay", "Cedar", "Elm", "Harbor", "Lake", "Maple", "North", "Oak", "River", "Stone", "West"],
  placeEnds: ["field", "ridge", "view", "side", " Heights", " Park", "port", "dale", " Point", " Crossing"],
  givenNames: ["Maya", "Daniel", "Priya", "Marcus", "Elena", "Sam", "Aisha", "Leo", "Nora", "Jonah", "Rosa", "Theo"],
  surnames: ["Chen", "Ortiz", "Walsh", "Okoye", "Novak", "Brennan", "Patel", "Moreau", "Kowalski", "Hughes"],
  roles: ["investigative reporter", "paramedic", "barista", "city councillor", "detective", "teacher", "start-up founder", "night-shift nurse"],
  factionNouns: ["Association", "Foundation", "Group", "Collective", "Partners", "Crew", "Network"],
  emblems: ["Harbor", "Lantern", "Pine", "Bridge", "Compass", "Arrow", "Anchor", "Summit"],
  itemNouns: ["phone", "notebook", "camera", "car keys", "letter", "hard drive", "vinyl record", "photograph"],
  creatureNouns: ["stray dog", "urban fox", "raccoon", "crow flock", "coyote", "harbour seal"],
  eventNouns: ["Blackout", "Festival", "Election", "Flood", "Heatwave", "Reunion", "Strike"],
  loreNouns: ["urban legend", "town history", "family story", "local rule", "tradition", "rumour"],
  senses: ["the smell of coffee and wet pavement", "sirens somewhere across town", "fluorescent light humming overhead", "traffic hissing in the rain", "laughter drifting from a corner bar"],
  threats: ["a developer buying up the block", "a scandal about to break", "a storm heading for the coast", "debts piling up", "a stalker nobody believes in"],
  secrets: ["an affair hidden for years", "a second set of accounts", "a letter that was never sent", "a sibling nobody mentions", "a crime covered up as an accident"],
  goals: ["to keep the family business open", "to get the story out", "to start over somewhere new", "to win the election", "to find out what really happened"],
  artDirection: "contemporary cinematic photography style, natural light, muted realistic palette",
};

const cyberpunk: Lexicon = {
  genre: "cyberpunk",
  adjectives: ["neon-lit", "chrome", "rain-soaked", "augmented", "black-market", "flickering", "corporate", "hacked", "holographic", "sprawling", "synthetic", "off-grid"],
  materials: ["smart glass", "matte carbon", "scavenged chrome", "fibre-optic cable", "holo-foil", "cheap plastic", "surgical steel"],
  placeNouns: ["megablock", "night market", "data haven", "arcology", "undercity", "corporate spire", "noodle bar", "server farm"],
  placeStarts: ["Neo", "Kage", "Zero", "Hex", "Chrome", "Volt", "Shin", "Glitch", "Nova", "Ryu", "Sync", "Onyx"],
  placeEnds: ["-Tokyo", " Sprawl", " Grid", "-City", " Block 9", " Stack", " Zone", "-Kowloon", " Loop", " Nexus"],
  givenNames: ["Kiko", "Dex", "Rin", "Vesper", "Jax", "Mara", "Ozzy", "Lux", "Nix", "Sable", "Taro", "Iris"],
  surnames: ["Tanaka", "Null", "Static", "Kovacs", "Wire", "Okonkwo", "Byte", "Moreno", "Vance", "Zhang"],
  roles: ["netrunner", "street samurai", "fixer", "ripperdoc", "corporate defector", "data courier", "drone jockey", "AI in hiding"],
  factionNouns: ["Syndicate", "Corp", "Collective", "Crew", "Cartel", "Systems", "Kollektiv"],
  emblems: ["Circuit", "Dragon", "Ghost", "Static", "Eclipse", "Viper", "Pulse", "Lotus"],
  itemNouns: ["cyberdeck", "neural chip", "smart pistol", "mono-katana", "data shard", "optic implant", "holo-mask", "credstick"],
  creatureNouns: ["rogue drone", "cyber-hound", "bioengineered rat swarm", "security mech", "feral AI construct", "gene-spliced panther"],
  eventNouns: ["Crash", "Blackout", "Data Heist", "Riot", "Merger", "Purge", "Uprising"],
  loreNouns: ["ghost protocol", "leaked memo", "street code", "firmware legend", "manifesto", "backdoor rumour"],
  senses: ["neon reflected in oily puddles", "the buzz of a thousand adverts", "acid rain drumming on the awnings", "the smell of frying noodles and ozone", "bass thudding through the walls"],
  threats: ["a corporate kill team", "black ICE that fries the careless", "a virus jumping from implants to minds", "debt collectors with combat chrome", "a city-wide blackout"],
  secrets: ["a backdoor into the corporate net", "a mind uploaded without consent", "a clone in the boardroom", "a shard holding stolen memories", "an AI pretending to be human"],
  goals: ["to pull one last job and get out", "to free an imprisoned AI", "to bring down the corporation", "to pay off a life-debt", "to own the net"],
  artDirection: "cyberpunk concept art, neon magenta and cyan on deep night blue, rain and reflections",
};

const postApocalyptic: Lexicon = {
  genre: "post-apocalyptic",
  adjectives: ["scorched", "rusted", "irradiated", "overgrown", "abandoned", "dust-choked", "salvaged", "shattered", "sun-bleached", "makeshift", "toxic", "last"],
  materials: ["scrap metal", "sun-bleached bone", "rebar", "patched canvas", "cracked concrete", "salvaged tyres", "hand-forged steel"],
  placeNouns: ["settlement", "wasteland", "bunker", "scrapyard", "convoy camp", "dead city", "water hold", "fortified mall"],
  placeStarts: ["Ash", "Dust", "Rust", "Scrap", "Bone", "Cinder", "Dry", "Salt", "Sun", "Tin", "Wreck", "Grit"],
  placeEnds: ["town", "hold", "yard", "pit", "haven", "fall", "flats", "stop", "gulch", "berg"],
  givenNames: ["Mara", "Jonah", "Rook", "Ada", "Cass", "Bram", "Wren", "Hollis", "Tess", "Quill", "Rhett", "Sage"],
  surnames: ["the Scav", "Rustwater", "Dusk", "Ironside", "of the Convoy", "Sixgun", "Ashfield", "Longroad", "Cinder", "Burnside"],
  roles: ["scavenger", "water merchant", "convoy driver", "wasteland medic", "raider chief", "mechanic", "vault dweller", "preacher of the old world"],
  factionNouns: ["Raiders", "Convoy", "Remnant", "Brotherhood", "Clans", "Militia", "Caravan Union"],
  emblems: ["Skull", "Wheel", "Gear", "Flame", "Crow", "Sun", "Wrench", "Fang"],
  itemNouns: ["gas mask", "water purifier", "geiger counter", "scrap rifle", "radio", "fuel can", "map of the old roads", "seed vault key"],
  creatureNouns: ["mutant boar", "rad-scorpion", "dust wolf pack", "carrion bird", "ghoul", "sand worm"],
  eventNouns: ["Collapse", "Last Rain", "Water War", "Burning", "Great Migration", "Fallout", "Reckoning"],
  loreNouns: ["old-world myth", "survival code", "broadcast", "trading law", "scripture of the before-times", "campfire tale"],
  senses: ["wind hissing through broken windows", "the tick of a geiger counter", "dust grinding between the teeth", "the smell of diesel and smoke", "silence where traffic used to be"],
  threats: ["a raider war-band on the horizon", "a dust storm rolling in", "poisoned water", "radiation creeping from the dead city", "the last fuel running out"],
  secrets: ["a sealed vault full of seeds", "a working satellite uplink", "a cure the old world hid", "a map to clean water", "the truth about who started the war"],
  goals: ["to find clean water", "to keep the settlement alive through winter", "to rebuild the old world", "to unite the clans", "to reach the rumoured green zone"],
  artDirection: "post-apocalyptic concept art, dusty ochre and rust tones, harsh sunlight",
};

const fairyTale: Lexicon = {
  genre: "fairy-tale",
  adjectives: ["enchanted", "gingerbread", "rose-covered", "wicked", "golden", "sleeping", "whispering", "tiny", "glass", "starlit", "briar-bound", "merry"],
  materials: ["spun gold", "glass", "gingerbread", "rose briars", "silver thread", "painted wood", "moonbeams"],
  placeNouns: ["castle", "cottage", "wood", "tower", "village", "mill", "well", "kingdom"],
  placeStarts: ["Bramble", "Briar", "Candle", "Clover", "Honey", "Lily", "Pepper", "Rose", "Thistle", "Willow", "Wish", "Moss"],
  placeEnds: ["dale", "wood", "brook", "thorpe", "hill", "glen", "meadow", "shire", "ton", "well"],
  givenNames: ["Rosalind", "Tom", "Gretel", "Jack", "Marigold", "Hansel", "Lisbet", "Pip", "Clara", "Florin", "Elsa", "Wilhelm"],
  surnames: ["Thistle", "Bramble", "Goodfellow", "Applewood", "Candlewick", "Featherstone", "Honeysuckle", "Miller", "Woodcutter", "Whitethorn"],
  roles: ["woodcutter's daughter", "youngest prince", "fairy godmother", "witch of the wood", "miller's son", "talking cat", "goose girl", "clever tailor"],
  factionNouns: ["Court", "Guild", "Circle", "Sisterhood", "Company", "Household", "Fellowship"],
  emblems: ["Rose", "Swan", "Apple", "Spindle", "Star", "Mirror", "Frog", "Key"],
  itemNouns: ["glass slipper", "magic mirror", "spinning wheel", "golden apple", "seven-league boots", "wishing well coin", "enchanted comb", "cloak of feathers"],
  creatureNouns: ["talking wolf", "goose that lays golden eggs", "giant", "troll", "frog prince", "firebird", "dragon", "swan maiden"],
  eventNouns: ["Christening", "Hundred-Year Sleep", "Ball", "Wedding", "Enchantment", "Wager", "Great Frost"],
  loreNouns: ["riddle", "rhyme", "bargain", "curse", "wish", "moral", "fable"],
  senses: ["the smell of fresh bread from a cottage door", "roses climbing higher every night", "a spinning wheel humming in an empty room", "laughter from somewhere in the trees", "snow falling softly at midsummer"],
  threats: ["a witch who keeps every bargain", "a curse that falls at the stroke of midnight", "wolves that speak sweetly", "a jealous queen", "a bargain with a hidden price"],
  secrets: ["a name that breaks the spell", "a prince turned into a bird", "a path of breadcrumbs that leads home", "a mirror that tells the truth", "a promise made at a christening"],
  goals: ["to break the enchantment", "to win the hand of the princess", "to find the way home", "to outwit the witch", "to make three wishes count"],
  artDirection: "storybook illustration, soft watercolour, rose pinks and forest greens, gentle ink lines",
};

export const LEXICONS: Record<WorldStyle, Lexicon> = {
  fantasy,
  "sci-fi": sciFi,
  steampunk,
  horror,
  mythic,
  modern,
  cyberpunk,
  "post-apocalyptic": postApocalyptic,
  "fairy-tale": fairyTale,
};

/** Worlds may carry a free-form style; anything unknown reads as fantasy. */
export function resolveStyle(style: string): WorldStyle {
  const normalised = style.trim().toLowerCase().replace(/[\s_]+/g, "-");
  const known = WORLD_STYLES.find((s) => s === normalised || s.replace("-", "") === normalised.replace("-", ""));
  return known ?? "fantasy";
}

export function lexiconFor(style: string): Lexicon {
  return LEXICONS[resolveStyle(style)];
}

/**
 * What kind of element a noun names, by its singular form: the tagger finds the nouns, this says
 * which of them are places, people, groups and so on. Checked in this order, so "house" is a
 * faction ("House Vey") and "temple" a place.
 */
export const KIND_NOUNS: Record<ElementType, readonly string[]> = {
  event: (
    "war battle siege festival feast plague uprising rebellion coronation eclipse flood storm revolution massacre treaty wedding " +
    "heist tournament invasion disaster collapse fire exodus migration election strike riot harvest funeral trial duel crusade " +
    "schism famine earthquake eruption founding sundering reckoning blackout crash event celebration ceremony coup mutiny " +
    "conquest raid ambush downfall apocalypse cataclysm"
  ).split(" "),
  lore: (
    "legend myth prophecy history religion law custom tradition language tale song ritual rite magic belief scripture lore saga " +
    "creed code faith doctrine curse oath hymn riddle fable chronicle ballad epic gospel heresy superstition taboo spell " +
    "incantation philosophy teaching commandment"
  ).split(" "),
  faction: (
    "guild order cult clan house syndicate council army brotherhood sisterhood company corporation corp gang tribe league church " +
    "faction society union crew coven alliance cartel court circle conclave senate navy fleet legion militia dynasty family band " +
    "horde party college priesthood inquisition collective consortium federation republic resistance rebellion conspiracy " +
    "fellowship host pantheon parliament assembly"
  ).split(" "),
  creature: (
    "dragon wolf beast monster spirit ghost creature serpent wyrm golem demon troll giant hound bird spider kraken drake griffin " +
    "gryphon unicorn horse mutant robot drone animal wraith whale leviathan fish shark eel squid crab bear cat fox owl raven crow " +
    "rat snake worm wyvern basilisk hydra phoenix sphinx chimera harpy siren vampire werewolf zombie ghoul elemental insect beetle " +
    "moth bat stag deer boar lion tiger eagle hawk jellyfish automaton construct behemoth wyrmling imp sprite fae fairy mermaid bee wasp hornet ant butterfly"
  ).split(" "),
  item: (
    "sword ring amulet blade crown key map device gun rifle staff wand book tome artifact artefact relic weapon armour armor shield " +
    "potion mirror watch lantern chalice implant item gem orb compass cloak boot locket coin spear hammer axe dagger helm helmet " +
    "chip clock engine machine bell harp lute flute horn scroll letter diary journal ledger mask goggle glove necklace bracelet " +
    "pendant jewel diamond pearl chest box cup grail idol statue totem talisman charm banner flag throne telescope lens needle " +
    "spindle loom pipe pistol cannon bomb vial elixir crystal shard lock seal sigil hourglass astrolabe music-box doll puppet"
  ).split(" "),
  character: (
    "knight queen king wizard witch detective hacker girl boy man woman captain hero heroine villain merchant thief priest priestess " +
    "princess prince mage warrior soldier pilot scientist inventor keeper hunter child lord lady oracle character person ranger " +
    "smith blacksmith bard doctor engineer runner sailor pirate monk nun sorcerer sorceress necromancer alchemist assassin spy " +
    "scholar librarian healer shaman druid paladin emperor empress duke duchess baron count countess mayor chief chieftain elder " +
    "sage prophet seer poet musician apprentice orphan widow widower stranger traveller traveler wanderer exile outlaw bandit " +
    "mercenary guard watchman clockmaker tinker cartographer navigator ferryman gravedigger hermit mother father daughter son " +
    "sister brother twin heir heiress servant maid butler cook farmer fisherman miner tyrant regent rebel"
  ).split(" "),
  location: (
    "kingdom city forest castle tower town village realm island mountain cave ruin station planet world valley harbour harbor port " +
    "desert swamp temple market tavern inn district wood sea lake river fortress citadel colony land empire place location library " +
    "academy capital country nation continent archipelago isle coast shore beach bay cliff canyon glacier plain steppe jungle marsh " +
    "bog fen moor hill peak volcano crater abyss chasm underworld labyrinth maze dungeon crypt tomb catacomb mine quarry mill " +
    "factory forge foundry workshop observatory lighthouse bridge gate wall road street alley square plaza palace manor mansion cottage " +
    "hut camp outpost base bunker vault ship airship vessel train garden park grove glade orchard field farm school university " +
    "hospital asylum prison arena theatre cathedral chapel monastery abbey shrine sanctuary spire reef lagoon ocean trench depth " +
    "dome habitat arcology megacity sprawl slum quarter neighbourhood neighborhood suburb metropolis hamlet settlement dimension " +
    "plane moon lowland highland wasteland badland"
  ).split(" "),
};
