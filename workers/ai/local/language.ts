// The English tagger behind the offline writer: compromise (https://compromise.cool), a maintained
// rule-and-lexicon part-of-speech tagger that runs anywhere JavaScript does, workerd included.
// Its second level (the tagger, ~200 KB) is enough: noun phrases are built from its tags here.
// Loading its lexicon takes a few hundred milliseconds of CPU, so it is imported on first use
// rather than with the Worker: requests that never call the local text provider never pay for it.
import type nlpTwo from "compromise/two";

/** One word as the tagger read it. `pre`/`post` hold the spacing and punctuation around it. */
export type Token = { text: string; normal: string; pre: string; post: string; tags: Set<string> };

export type Language = {
  /** The prompt's sentences, each a list of tagged words. */
  tag(text: string): Token[][];
  /** "priests" → "priest", "Sky-Whales" → "Sky-Whale"; words that are not plural come back as they are. */
  singular(word: string): string;
  /** "darker" → "dark" when the lexicon knows "dark" as an adjective, else undefined. */
  adjectiveOfComparative(word: string): string | undefined;
  /** The lexicon's tag for a word, if it has one ("priest" → "Actor"). */
  lexiconTag(word: string): string | undefined;
};

/** The parts of compromise's `world()` this module uses; checked once when it loads. */
type World = {
  model: { one: { lexicon: Record<string, string | string[] | undefined> } };
  methods: {
    two: {
      transform: {
        noun: { toSingular: (word: string, model: unknown) => string };
        adjective: { fromComparative: (word: string, model: unknown) => string; fromSuperlative: (word: string, model: unknown) => string };
      };
    };
  };
};

type TermJson = { text?: unknown; normal?: unknown; pre?: unknown; post?: unknown; tags?: unknown };

function isWorld(value: unknown): value is World {
  const world = value as Partial<World> | null;
  return (
    typeof world?.model?.one?.lexicon === "object" &&
    typeof world.methods?.two?.transform?.noun?.toSingular === "function" &&
    typeof world.methods.two.transform.adjective?.fromComparative === "function"
  );
}

function toToken(term: TermJson): Token {
  const text = typeof term.text === "string" ? term.text : "";
  return {
    text,
    normal: typeof term.normal === "string" ? term.normal : text.toLowerCase(),
    pre: typeof term.pre === "string" ? term.pre : "",
    post: typeof term.post === "string" ? term.post : " ",
    tags: new Set(Array.isArray(term.tags) ? term.tags.filter((tag): tag is string => typeof tag === "string") : []),
  };
}

export function createLanguage(nlp: typeof nlpTwo): Language {
  const world = nlp.world();
  if (!isWorld(world)) throw new Error("compromise's world() no longer has the shape the offline writer reads");
  const { model } = world;
  const { noun, adjective } = world.methods.two.transform;
  const lexiconTag = (word: string) => {
    const entry = model.one.lexicon[word.toLowerCase()];
    return Array.isArray(entry) ? entry[0] : entry;
  };
  return {
    tag(text) {
      const sentences = nlp(text).json({ terms: { normal: true } }) as Array<{ terms?: TermJson[] }>;
      return sentences.map((sentence) => (sentence.terms ?? []).map(toToken)).filter((terms) => terms.length > 0);
    },
    singular(word) {
      const lower = word.toLowerCase();
      const single = noun.toSingular(lower, model);
      if (!single || single === lower) return word;
      // Keep the writer's capitals: "Sky-Whales" → "Sky-Whale".
      return [...single].map((char, i) => (word[i] !== undefined && word[i] !== lower[i] ? char.toUpperCase() : char)).join("");
    },
    adjectiveOfComparative(word) {
      const lower = word.toLowerCase();
      for (const root of [adjective.fromComparative(lower, model), adjective.fromSuperlative(lower, model)]) {
        if (root && root !== lower && lexiconTag(root) === "Adjective") return root;
      }
      return undefined;
    },
    lexiconTag,
  };
}

let loading: Promise<Language> | undefined;

/** The tagger, loaded once per isolate on first use. */
export function loadLanguage(): Promise<Language> {
  loading ??= import("compromise/two").then((module) => createLanguage(module.default));
  return loading;
}
