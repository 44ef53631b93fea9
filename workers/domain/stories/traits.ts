// Word tables for the rule-based checker: character traits with their opposites, and the climate
// a place can be described with. Each trait lists its words by part of speech so that a
// suggestion can keep the grammar of the word it replaces ("angrily" → "calmly").

export type WordClass = "adjective" | "adverb" | "noun";
export type Trait = { name: string; words: Record<WordClass, readonly string[]> };

const trait = (name: string, adjective: string[], adverb: string[], noun: string[]): Trait => ({ name, words: { adjective, adverb, noun } });

/** Pairs of opposite traits. */
export const TRAIT_PAIRS: ReadonlyArray<readonly [Trait, Trait]> = [
  [
    trait("brave", ["brave", "courageous", "fearless", "valiant", "bold", "heroic"], ["bravely", "courageously", "fearlessly", "valiantly", "boldly", "heroically"], ["bravery", "courage", "valour", "valor"]),
    trait("cowardly", ["cowardly", "timid", "fearful", "craven", "spineless"], ["timidly", "fearfully"], ["cowardice", "coward"]),
  ],
  [
    trait("kind", ["kind", "compassionate", "caring", "warm-hearted", "benevolent"], ["kindly", "compassionately"], ["kindness", "compassion"]),
    trait("cruel", ["cruel", "heartless", "vicious", "callous", "sadistic", "merciless"], ["cruelly", "heartlessly", "viciously", "callously", "mercilessly"], ["cruelty", "malice"]),
  ],
  [
    trait("honest", ["honest", "truthful", "sincere", "trustworthy"], ["honestly", "truthfully", "sincerely"], ["honesty", "sincerity"]),
    trait("deceitful", ["deceitful", "dishonest", "treacherous", "duplicitous", "two-faced"], ["deceitfully", "dishonestly", "treacherously"], ["deceit", "dishonesty", "treachery", "liar"]),
  ],
  [
    trait("calm", ["calm", "serene", "composed", "placid", "unflappable", "even-tempered"], ["calmly", "serenely", "placidly"], ["calmness", "composure", "serenity"]),
    trait("angry", ["angry", "furious", "enraged", "irate", "hot-tempered", "wrathful"], ["angrily", "furiously", "wrathfully"], ["anger", "fury", "rage", "wrath"]),
  ],
  [
    trait("gentle", ["gentle", "tender", "soft-spoken"], ["gently", "tenderly"], ["gentleness", "tenderness"]),
    trait("violent", ["violent", "brutal", "savage"], ["violently", "brutally", "savagely"], ["violence", "brutality"]),
  ],
  [
    trait("generous", ["generous", "charitable", "open-handed"], ["generously"], ["generosity"]),
    trait("greedy", ["greedy", "miserly", "stingy", "avaricious", "grasping"], ["greedily"], ["greed", "avarice"]),
  ],
  [
    trait("loyal", ["loyal", "faithful", "devoted"], ["loyally", "faithfully"], ["loyalty", "devotion"]),
    trait("disloyal", ["disloyal", "faithless", "traitorous"], ["disloyally"], ["disloyalty", "betrayal", "traitor"]),
  ],
  [
    trait("humble", ["humble", "modest", "unassuming"], ["humbly", "modestly"], ["humility", "modesty"]),
    trait("arrogant", ["arrogant", "haughty", "conceited", "boastful", "vain"], ["arrogantly", "haughtily", "boastfully"], ["arrogance", "conceit", "vanity"]),
  ],
  [
    trait("patient", ["patient"], ["patiently"], ["patience"]),
    trait("impatient", ["impatient"], ["impatiently"], ["impatience"]),
  ],
  [
    trait("cheerful", ["cheerful", "joyful", "merry", "optimistic"], ["cheerfully", "joyfully", "merrily"], ["cheerfulness"]),
    trait("gloomy", ["gloomy", "morose", "sullen", "pessimistic", "melancholy"], ["gloomily", "morosely", "sullenly"], ["gloom", "melancholy"]),
  ],
  [
    trait("cautious", ["cautious", "careful", "prudent", "wary"], ["cautiously", "carefully", "prudently", "warily"], ["caution", "prudence"]),
    trait("reckless", ["reckless", "careless", "impulsive"], ["recklessly", "rashly", "carelessly", "impulsively"], ["recklessness"]),
  ],
  [
    trait("polite", ["polite", "courteous", "gracious"], ["politely", "courteously", "graciously"], ["courtesy", "politeness"]),
    trait("rude", ["rude", "impolite", "discourteous", "insolent"], ["rudely", "insolently"], ["rudeness", "insolence"]),
  ],
];

/** Every trait word, lower-cased, with its trait, its opposite and its part of speech. */
export const TRAIT_WORDS: ReadonlyMap<string, { trait: Trait; opposite: Trait; wordClass: WordClass }> = (() => {
  const map = new Map<string, { trait: Trait; opposite: Trait; wordClass: WordClass }>();
  for (const [a, b] of TRAIT_PAIRS) {
    for (const [trait, opposite] of [[a, b], [b, a]] as const) {
      for (const wordClass of ["adjective", "adverb", "noun"] as const) {
        for (const word of trait.words[wordClass]) if (!map.has(word)) map.set(word, { trait, opposite, wordClass });
      }
    }
  }
  return map;
})();

/** Words that cancel a trait word a few words after them: "never cruel", "not once afraid". */
export const NEGATIONS: ReadonlySet<string> = new Set(["not", "never", "no", "nor", "hardly", "scarcely", "without", "less", "isn't", "wasn't", "weren't", "aren't", "didn't", "don't", "doesn't", "won't", "nothing", "neither", "n't"]);

/** A climate a place is described with, and the climate that contradicts it. */
export type Climate = { name: string; words: ReadonlySet<string> };

const climate = (name: string, words: string[]): Climate => ({ name, words: new Set(words) });
const FROZEN = climate("frozen", ["frozen", "icy", "ice", "snow", "snowy", "snows", "snowdrift", "snowdrifts", "snowfield", "snowfields", "glacier", "glaciers", "blizzard", "frost", "frosty", "frostbitten", "wintry", "freezing", "tundra", "ice-bound", "permafrost"]);
const SCORCHED = climate("scorched", ["desert", "deserts", "scorching", "sweltering", "sand", "sands", "dune", "dunes", "sun-baked", "sunbaked", "parched", "arid", "blistering", "oasis", "sandstorm", "sun-scorched"]);
const SODDEN = climate("sodden", ["swamp", "swamps", "marsh", "marshes", "bog", "bogs", "fen", "fens", "mire", "sodden", "waterlogged", "rain-soaked", "dripping", "humid"]);

/** Climates that cannot both describe one place. */
export const CLIMATE_OPPOSITES: ReadonlyArray<readonly [Climate, Climate]> = [
  [FROZEN, SCORCHED],
  [SODDEN, SCORCHED],
];

/** A climate word followed by one of these describes a person, not a place ("an icy stare"). */
export const NOT_A_PLACE: ReadonlySet<string> = new Set(["stare", "stares", "gaze", "glare", "voice", "eyes", "look", "looks", "smile", "tone", "heart", "silence", "glance", "reply", "grip", "hands", "fingers", "fury", "anger", "calm", "wit", "words", "laugh", "rage", "politeness", "courtesy", "fear", "dread"]);
