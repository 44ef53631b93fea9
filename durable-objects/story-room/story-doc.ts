import * as Y from "yjs";
import { z } from "zod";
import { IdSchema } from "../../workers/domain/element-fields";

/**
 * The shape of a story's live document (the story room's document kind; contract in ADR 21):
 * `chapters` and `scenes` are maps of maps by id, each scene's text a root XML fragment named
 * `scene:<id>` that the editor (TipTap through y-prosemirror) binds to. Siblings are ordered by
 * fractional-index keys (`order`), so moving one writes one key.
 */
export const CHAPTERS = "chapters";
export const SCENES = "scenes";
export const SCENE_TEXT_PREFIX = "scene:";

export const sceneTextName = (sceneId: string) => `${SCENE_TEXT_PREFIX}${sceneId}`;

export const StoryPartIdSchema = z.string().regex(/^[a-z0-9]{16}$/, "an id is 16 lowercase letters and digits");
/** A fractional-index key (npm fractional-indexing: base-62 digits). */
export const OrderKeySchema = z.string().regex(/^[0-9A-Za-z]{1,64}$/, "an order key is 1–64 base-62 digits");
export const STORY_LIMITS = { title: 200, summary: 4000, sceneText: 200_000, chapters: 500, scenes: 5000 } as const;

/** What each key of a chapter's and a scene's map may hold. */
export const CHAPTER_FIELDS = {
  title: z.string().max(STORY_LIMITS.title),
  summary: z.string().max(STORY_LIMITS.summary),
  order: OrderKeySchema,
} as const;
export const SCENE_FIELDS = {
  chapter: StoryPartIdSchema,
  order: OrderKeySchema,
  title: z.string().max(STORY_LIMITS.title),
  summary: z.string().max(STORY_LIMITS.summary),
  // Elements of the world: the point-of-view character and the place.
  pov: IdSchema.nullable(),
  location: IdSchema.nullable(),
} as const;

/** ProseMirror node names a scene's text may hold, and the attributes each may carry. */
export const TEXT_NODES: Record<string, Record<string, z.ZodType>> = {
  paragraph: {},
  heading: { level: z.number().int().min(1).max(3) },
  blockquote: {},
  hardBreak: {},
  horizontalRule: {},
};
/**
 * The AI's mark on the words it wrote: the job, and the provenance of the passage (provider, model,
 * and whether it is an offline rendering of the `local` provider, which the editor labels as such).
 */
export const AiMarkSchema = z.strictObject({
  job: z.string().max(64).nullish(),
  // The editor writes a mark's attributes back with nulls for the ones it does not know.
  provider: z.string().max(40).nullish(),
  model: z.string().max(120).nullish(),
  offline: z.boolean().nullish(),
});
export type AiMark = z.infer<typeof AiMarkSchema>;

/** Marks (formats of the text) a scene's text may carry: `ai` marks the words the AI wrote. */
export const TEXT_MARKS: Record<string, z.ZodType> = {
  bold: z.union([z.null(), z.literal(true), z.strictObject({})]),
  italic: z.union([z.null(), z.literal(true), z.strictObject({})]),
  ai: z.union([z.null(), z.literal(true), AiMarkSchema]),
};

export const chaptersOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>(CHAPTERS);
export const scenesOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>(SCENES);
export const sceneTextOf = (doc: Y.Doc, sceneId: string) => doc.getXmlFragment(sceneTextName(sceneId));

const ChapterSchema = z.object({ title: CHAPTER_FIELDS.title.catch(""), summary: CHAPTER_FIELDS.summary.catch(""), order: OrderKeySchema.catch("a0") });
const SceneSchema = z.object({
  chapter: z.string().catch(""),
  order: OrderKeySchema.catch("a0"),
  title: SCENE_FIELDS.title.catch(""),
  summary: SCENE_FIELDS.summary.catch(""),
  pov: SCENE_FIELDS.pov.catch(null),
  location: SCENE_FIELDS.location.catch(null),
});
export type ChapterState = z.infer<typeof ChapterSchema> & { id: string };
export type SceneState = z.infer<typeof SceneSchema> & { id: string; text: string; wordCount: number };

/** A chapter as the document holds it, read through its schema (a field that does not read gets its default). */
export function readChapter(doc: Y.Doc, id: string): ChapterState | null {
  const map = chaptersOf(doc).get(id);
  if (!(map instanceof Y.Map)) return null;
  return { id, ...ChapterSchema.parse(map.toJSON()) };
}

/** A scene as the document holds it, with its text as plain paragraphs. */
export function readScene(doc: Y.Doc, id: string): SceneState | null {
  const map = scenesOf(doc).get(id);
  if (!(map instanceof Y.Map)) return null;
  const { text: _ignored, ...fields } = map.toJSON() as Record<string, unknown>;
  const text = plainText(sceneTextOf(doc, id));
  return { id, ...SceneSchema.parse(fields), text, wordCount: countWords(text) };
}

/** A scene's rich text as plain text: blocks separated by blank lines, hard breaks as newlines. */
export function plainText(fragment: Y.XmlFragment): string {
  return fragment
    .toArray()
    .flatMap((node) => blocksOf(node))
    .join("\n\n");
}

/** The plain-text blocks of one node of a scene's text (a quote holds several). */
export function blocksOf(node: unknown): string[] {
  const blocks: string[] = [];
  const inline = (node: Y.XmlElement | Y.XmlText | Y.XmlHook): string => {
    if (node instanceof Y.XmlText) return node.toDelta().map((op: { insert?: unknown }) => (typeof op.insert === "string" ? op.insert : "")).join("");
    if (node instanceof Y.XmlElement) {
      if (node.nodeName === "hardBreak") return "\n";
      return node.toArray().map((child) => inline(child as Y.XmlElement | Y.XmlText)).join("");
    }
    return "";
  };
  const block = (node: unknown) => {
    if (!(node instanceof Y.XmlElement)) return;
    if (node.nodeName === "blockquote") return node.toArray().forEach(block);
    if (node.nodeName === "horizontalRule") return blocks.push("* * *");
    blocks.push(inline(node));
  };
  block(node);
  return blocks;
}

export function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)?.length ?? 0;
}

/** Writes plain text (blocks separated by blank lines) into an empty scene fragment as paragraphs. */
export function writePlainText(fragment: Y.XmlFragment, text: string) {
  const paragraphs = text.split(/\n{2,}/).map((p) => p.trim()).filter(Boolean);
  fragment.insert(
    fragment.length,
    paragraphs.map((paragraph) => {
      const element = new Y.XmlElement("paragraph");
      element.insert(0, [new Y.XmlText(paragraph)]);
      return element;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// A scene's rich text as JSON nodes (issue 18, point 5: what a revision keeps and a restore writes)

type JsonMark = { type: string; attrs?: Record<string, unknown> };
type JsonText = { type: "text"; text: string; marks?: JsonMark[] };
export type JsonNode = { type: string; attrs?: Record<string, unknown>; content?: Array<JsonNode | JsonText> };

const isEmptyObject = (value: unknown) => typeof value === "object" && value !== null && Object.keys(value).length === 0;

/** A scene's text as ProseMirror's JSON: blocks with their attributes, runs of text with their marks. */
export function contentOf(fragment: Y.XmlFragment): JsonNode[] {
  const node = (element: Y.XmlElement): JsonNode => {
    const attrs = element.getAttributes() as Record<string, unknown>;
    const content = element.toArray().flatMap((child): Array<JsonNode | JsonText> => {
      if (child instanceof Y.XmlElement) return [node(child)];
      if (!(child instanceof Y.XmlText)) return [];
      return (child.toDelta() as Array<{ insert?: unknown; attributes?: Record<string, unknown> }>).flatMap((op) => {
        if (typeof op.insert !== "string" || op.insert === "") return [];
        const marks = Object.entries(op.attributes ?? {})
          .filter(([, value]) => value !== null && value !== undefined)
          .map(([type, value]): JsonMark => (value === true || isEmptyObject(value) || typeof value !== "object" ? { type } : { type, attrs: value as Record<string, unknown> }));
        return [{ type: "text", text: op.insert, ...(marks.length ? { marks } : {}) }];
      });
    });
    return { type: element.nodeName, ...(Object.keys(attrs).length ? { attrs } : {}), ...(content.length ? { content } : {}) };
  };
  return fragment.toArray().flatMap((child) => (child instanceof Y.XmlElement ? [node(child)] : []));
}

/**
 * JSON nodes as the document's types, keeping only what a scene's text may hold (the same rules a
 * live update is held to, story-rules.ts): unknown nodes keep their text as a paragraph, unknown
 * attributes and marks are left out.
 */
export function elementsOf(nodes: readonly JsonNode[]): Y.XmlElement[] {
  const build = (node: JsonNode, depth: number): Y.XmlElement => {
    const known = TEXT_NODES[node.type] !== undefined && depth < 4;
    const element = new Y.XmlElement(known ? node.type : "paragraph");
    if (known) {
      for (const [key, value] of Object.entries(node.attrs ?? {})) {
        if (TEXT_NODES[node.type]![key]?.safeParse(value).success) element.setAttribute(key, value as string);
      }
    }
    const children: Array<Y.XmlElement | Y.XmlText> = [];
    // A text node not in a document yet has no length to read: where the next run goes is counted here.
    let run: { node: Y.XmlText; length: number } | null = null;
    for (const child of node.content ?? []) {
      if (child.type === "text" && "text" in child) {
        if (typeof child.text !== "string" || child.text === "") continue;
        const attributes: Record<string, unknown> = {};
        for (const mark of child.marks ?? []) {
          const value = mark.attrs ?? {};
          if (TEXT_MARKS[mark.type]?.safeParse(value).success) attributes[mark.type] = value;
        }
        // Consecutive runs are one text node with formats, as the editor writes them.
        if (!run) {
          run = { node: new Y.XmlText(), length: 0 };
          children.push(run.node);
        }
        run.node.insert(run.length, child.text, attributes);
        run.length += child.text.length;
        continue;
      }
      run = null;
      children.push(build(child as JsonNode, depth + 1));
    }
    if (children.length) element.insert(0, children);
    return element;
  };
  return nodes.map((node) => build(node, 0));
}
