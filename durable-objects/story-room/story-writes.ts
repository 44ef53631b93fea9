import { generateKeyBetween } from "fractional-indexing";
import * as Y from "yjs";
import { blocksOf, chaptersOf, contentOf, elementsOf, plainText, type JsonNode, readChapter, type AiMark, readScene, sceneTextOf, scenesOf, writePlainText, type ChapterState, type SceneState } from "./story-doc";

/**
 * Writes to a story's document on behalf of the API (the room's RPC entry points call these inside
 * a transaction): the same shapes the story editor writes, so every co-author sees them live.
 */

/** Where a chapter or scene goes among its siblings: after one of them (null: first), or last. */
export type Placement = { after?: string | null };

type Sibling = { id: string; order: string };

const byOrder = (a: Sibling, b: Sibling) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : 1);

/** An order key that puts an entry where `placement` says among `siblings` (the entry itself left out); null when `after` is not a sibling. */
export function orderKeyFor(siblings: Sibling[], placement: Placement, self?: string): string | null {
  const sorted = siblings.filter((s) => s.id !== self).sort(byOrder);
  if (placement.after === undefined) return generateKeyBetween(sorted.at(-1)?.order ?? null, null);
  if (placement.after === null) return generateKeyBetween(null, sorted[0]?.order ?? null);
  const index = sorted.findIndex((s) => s.id === placement.after);
  if (index < 0) return null;
  const next = sorted[index + 1];
  // Two siblings may share a key (made at once on two devices); the key between them would not exist.
  if (next && next.order === sorted[index]!.order) return null;
  return generateKeyBetween(sorted[index]!.order, next?.order ?? null);
}

export function chapters(doc: Y.Doc): ChapterState[] {
  return [...chaptersOf(doc).keys()].map((id) => readChapter(doc, id)).filter((c): c is ChapterState => c !== null);
}

export function scenesIn(doc: Y.Doc, chapterId: string): SceneState[] {
  return [...scenesOf(doc).keys()].map((id) => readScene(doc, id)).filter((s): s is SceneState => s !== null && s.chapter === chapterId);
}

export function putChapter(doc: Y.Doc, id: string, fields: { title: string; summary: string; order: string }) {
  chaptersOf(doc).set(id, new Y.Map<unknown>(Object.entries(fields)));
}

export function setFields(map: Y.Map<unknown>, fields: Record<string, unknown>) {
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && map.get(key) !== value) map.set(key, value);
}

export function putScene(doc: Y.Doc, id: string, fields: { chapter: string; order: string; title: string; summary: string; pov: string | null; location: string | null }, text: string) {
  scenesOf(doc).set(id, new Y.Map<unknown>(Object.entries(fields)));
  const fragment = sceneTextOf(doc, id);
  if (fragment.length > 0) fragment.delete(0, fragment.length);
  writePlainText(fragment, text);
}

/** Deletes a scene: its entry and its text. */
export function removeScene(doc: Y.Doc, id: string) {
  scenesOf(doc).delete(id);
  const fragment = sceneTextOf(doc, id);
  if (fragment.length > 0) fragment.delete(0, fragment.length);
}

/**
 * Replaces a scene's text with `text` (blocks separated by blank lines) as a live edit that keeps
 * what did not change: the paragraphs before and after the changed ones stay the same nodes, so
 * people's carets and marks in them stay where they are.
 */
export function replaceSceneText(doc: Y.Doc, id: string, text: string, mark?: AiMark) {
  const fragment = sceneTextOf(doc, id);
  const old = fragment.toArray().map((node) => blocksOf(node).join("\n\n"));
  const next = text.split(/\n{2,}/).map((p) => p.trim()).filter(Boolean);
  let start = 0;
  while (start < old.length && start < next.length && old[start] === next[start]) start += 1;
  let end = 0;
  while (end < old.length - start && end < next.length - start && old[old.length - 1 - end] === next[next.length - 1 - end]) end += 1;
  if (old.length - start - end > 0) fragment.delete(start, old.length - start - end);
  const inserted = next.slice(start, next.length - end).map((paragraph) => {
    const element = new Y.XmlElement("paragraph");
    const node = new Y.XmlText();
    node.insert(0, paragraph, mark ? { ai: mark } : {});
    element.insert(0, [node]);
    return element;
  });
  if (inserted.length > 0) fragment.insert(start, inserted);
}

/**
 * Appends the AI's words to the end of a scene, marked as the AI's: the first piece continues the
 * last paragraph (a piece starting with a blank line starts a new one), every blank line after
 * starts another.
 */
export function appendAiText(doc: Y.Doc, id: string, text: string, mark: AiMark): number {
  const fragment = sceneTextOf(doc, id);
  const [first = "", ...rest] = text.split(/\n{2,}/);
  let written = 0;
  const last = fragment.length > 0 ? fragment.get(fragment.length - 1) : null;
  const lastText = last instanceof Y.XmlElement && last.nodeName === "paragraph" ? last.get(last.length - 1) : null;
  if (first) {
    if (lastText instanceof Y.XmlText) lastText.insert(lastText.length, first, { ai: mark });
    else appendParagraph(fragment, first, mark);
    written += first.length;
  }
  for (const paragraph of rest) {
    appendParagraph(fragment, paragraph.trimStart(), mark);
    written += paragraph.length;
  }
  return written;
}

function appendParagraph(fragment: Y.XmlFragment, text: string, mark: AiMark) {
  const element = new Y.XmlElement("paragraph");
  const node = new Y.XmlText();
  element.insert(0, [node]);
  fragment.insert(fragment.length, [element]);
  if (text) node.insert(0, text, { ai: mark });
}

/** Where each text node of a scene sits in its plain text (as plainText lays it out). */
function textSegments(fragment: Y.XmlFragment): Array<{ start: number; node: Y.XmlText }> {
  const segments: Array<{ start: number; node: Y.XmlText }> = [];
  let at = 0;
  let firstBlock = true;
  const inline = (node: unknown) => {
    if (node instanceof Y.XmlText) {
      segments.push({ start: at, node });
      at += node.length;
    } else if (node instanceof Y.XmlElement) {
      if (node.nodeName === "hardBreak") at += 1;
      else node.toArray().forEach(inline);
    }
  };
  const block = (node: unknown) => {
    if (!(node instanceof Y.XmlElement)) return;
    if (node.nodeName === "blockquote") return node.toArray().forEach(block);
    if (!firstBlock) at += 2;
    firstBlock = false;
    if (node.nodeName === "horizontalRule") at += "* * *".length;
    else node.toArray().forEach(inline);
  };
  fragment.toArray().forEach(block);
  return segments;
}

/**
 * Replaces `quote` with `replacement` in a scene's text, at the occurrence nearest `start` (the
 * text may have moved since it was read), inside one run of text so its marks stay. False when the
 * quote is no longer there.
 */
export function replaceInScene(doc: Y.Doc, id: string, start: number, quote: string, replacement: string): boolean {
  const fragment = sceneTextOf(doc, id);
  const text = fragment.toArray().flatMap((node) => blocksOf(node)).join("\n\n");
  let best = -1;
  for (let at = text.indexOf(quote); at >= 0 && quote.length > 0; at = text.indexOf(quote, at + 1)) {
    if (best < 0 || Math.abs(at - start) < Math.abs(best - start)) best = at;
  }
  if (best < 0) return false;
  const segment = textSegments(fragment).find((s) => s.start <= best && best + quote.length <= s.start + s.node.length);
  if (!segment) return false;
  const offset = best - segment.start;
  // The replacement keeps the marks of the text it replaces (bold stays bold, the AI's stays the AI's).
  let attributes: Record<string, unknown> = {};
  let at = 0;
  for (const op of segment.node.toDelta() as Array<{ insert?: unknown; attributes?: Record<string, unknown> }>) {
    const length = typeof op.insert === "string" ? op.insert.length : 0;
    if (offset < at + length) {
      attributes = op.attributes ?? {};
      break;
    }
    at += length;
  }
  segment.node.delete(offset, quote.length);
  segment.node.insert(offset, replacement, attributes);
  return true;
}

/**
 * Replaces a scene's rich text with `nodes` (a revision's) as a live edit that keeps what did not
 * change: the blocks before and after the changed ones stay the same nodes, so carets and marks in
 * them stay where they are.
 */
export function replaceSceneContent(doc: Y.Doc, id: string, nodes: readonly JsonNode[]) {
  const fragment = sceneTextOf(doc, id);
  const old = contentOf(fragment).map((node) => JSON.stringify(node));
  const next = nodes.map((node) => JSON.stringify(node));
  let start = 0;
  while (start < old.length && start < next.length && old[start] === next[start]) start += 1;
  let end = 0;
  while (end < old.length - start && end < next.length - start && old[old.length - 1 - end] === next[next.length - 1 - end]) end += 1;
  if (old.length - start - end > 0) fragment.delete(start, old.length - start - end);
  const inserted = elementsOf(nodes.slice(start, nodes.length - end));
  if (inserted.length > 0) fragment.insert(start, inserted);
}

/**
 * Replaces the span [start, end) of a scene's plain text with `replacement`, marked as the AI's: in
 * place inside one run of text when the span and the replacement keep to one paragraph (its other
 * marks stay), otherwise by rewriting the paragraphs the span touches.
 */
export function replaceSpan(doc: Y.Doc, id: string, start: number, end: number, replacement: string, mark: AiMark) {
  const fragment = sceneTextOf(doc, id);
  const segment = replacement.includes("\n") ? undefined : textSegments(fragment).find((s) => s.start <= start && end <= s.start + s.node.length);
  if (segment) {
    const offset = start - segment.start;
    let attributes: Record<string, unknown> = {};
    let at = 0;
    for (const op of segment.node.toDelta() as Array<{ insert?: unknown; attributes?: Record<string, unknown> }>) {
      const length = typeof op.insert === "string" ? op.insert.length : 0;
      if (offset < at + length || at + length === segment.node.length) {
        attributes = op.attributes ?? {};
        break;
      }
      at += length;
    }
    if (end > start) segment.node.delete(offset, end - start);
    segment.node.insert(offset, replacement, { ...attributes, ai: mark });
    return;
  }
  const text = plainText(fragment);
  replaceSceneText(doc, id, text.slice(0, start) + replacement + text.slice(end), mark);
}
