import { generateKeyBetween, generateNKeysBetween } from "fractional-indexing";
import * as Y from "yjs";
import { newId } from "../editor/graph-model";

/**
 * A story's outline as its live document holds it (docs: notes/stories-contract.md): chapters and
 * scenes are Y.Maps keyed by id, ordered among their siblings by fractional-index keys, so a move
 * is one key written and two people reordering at once still converge on one order.
 */

export const MAX_TITLE = 200;
export const MAX_SUMMARY = 4000;

/** Edits made in this browser; the per-person undo tracks only these. */
export const LOCAL_ORIGIN = Symbol("story-local");

export type SceneState = { id: string; chapter: string; order: string; title: string; summary: string; pov: string | null; location: string | null };
export type ChapterState = { id: string; order: string; title: string; summary: string; scenes: SceneState[] };

export const chaptersOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>("chapters");
export const scenesOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>("scenes");
/** The root fragment a scene's text lives in (TipTap's Collaboration binds to it by name). */
export const sceneField = (sceneId: string) => `scene:${sceneId}`;

const text = (map: Y.Map<unknown>, key: string) => {
  const value = map.get(key);
  return typeof value === "string" ? value : "";
};
const idOrNull = (map: Y.Map<unknown>, key: string) => {
  const value = map.get(key);
  return typeof value === "string" && value ? value : null;
};

/** Siblings in document order: by key, ties (two people who picked the same key) by id. */
export function byOrder<T extends { id: string; order: string }>(a: T, b: T): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The outline, chapters in order, each with its scenes in order. Scenes of a missing chapter are left out. */
export function readOutline(doc: Y.Doc): ChapterState[] {
  const chapters = new Map<string, ChapterState>();
  chaptersOf(doc).forEach((map, id) => {
    if (!(map instanceof Y.Map)) return;
    chapters.set(id, { id, order: text(map, "order"), title: text(map, "title"), summary: text(map, "summary"), scenes: [] });
  });
  scenesOf(doc).forEach((map, id) => {
    if (!(map instanceof Y.Map)) return;
    const chapter = chapters.get(text(map, "chapter"));
    chapter?.scenes.push({
      id,
      chapter: chapter.id,
      order: text(map, "order"),
      title: text(map, "title"),
      summary: text(map, "summary"),
      pov: idOrNull(map, "pov"),
      location: idOrNull(map, "location"),
    });
  });
  const list = [...chapters.values()].sort(byOrder);
  for (const chapter of list) chapter.scenes.sort(byOrder);
  return list;
}

/**
 * The key that puts an item at `at` among `others` (sorted, the item itself left out). Siblings may
 * share a key (two people picked the same slot at once): there is no key strictly between equal
 * keys, so those after the slot that tie with the one before it get fresh keys too.
 */
function placeAt(others: Array<{ id: string; order: string }>, at: number): { key: string; rekey: Array<[string, string]> } {
  const before = others[at - 1]?.order ?? null;
  let end = at;
  while (before !== null && end < others.length && others[end]!.order <= before) end++;
  const keys = generateNKeysBetween(before, others[end]?.order ?? null, 1 + end - at);
  return { key: keys[0]!, rekey: others.slice(at, end).map((item, i) => [item.id, keys[i + 1]!]) };
}

const lastKey = (items: Array<{ order: string }>) => (items.length ? items[items.length - 1]!.order : null);

export function addChapter(doc: Y.Doc, title: string): string {
  const id = newId();
  const order = generateKeyBetween(lastKey(readOutline(doc)), null);
  doc.transact(() => {
    chaptersOf(doc).set(id, new Y.Map<unknown>([["title", title.slice(0, MAX_TITLE)], ["summary", ""], ["order", order]]));
  }, LOCAL_ORIGIN);
  return id;
}

export function addScene(doc: Y.Doc, chapterId: string, title: string): string {
  const chapter = readOutline(doc).find((c) => c.id === chapterId);
  if (!chapter) throw new Error("That chapter no longer exists.");
  const id = newId();
  const order = generateKeyBetween(lastKey(chapter.scenes), null);
  doc.transact(() => {
    scenesOf(doc).set(
      id,
      new Y.Map<unknown>([
        ["chapter", chapterId],
        ["order", order],
        ["title", title.slice(0, MAX_TITLE)],
        ["summary", ""],
        ["pov", null],
        ["location", null],
      ]),
    );
  }, LOCAL_ORIGIN);
  return id;
}

type ChapterField = "title" | "summary";
type SceneField = "title" | "summary" | "pov" | "location";
const LIMITS: Record<string, number> = { title: MAX_TITLE, summary: MAX_SUMMARY };

export function setChapterField(doc: Y.Doc, chapterId: string, field: ChapterField, value: string) {
  const map = chaptersOf(doc).get(chapterId);
  if (!map || map.get(field) === value) return;
  doc.transact(() => map.set(field, value.slice(0, LIMITS[field])), LOCAL_ORIGIN);
}

export function setSceneField(doc: Y.Doc, sceneId: string, field: SceneField, value: string | null) {
  const map = scenesOf(doc).get(sceneId);
  if (!map || map.get(field) === value) return;
  const limit = LIMITS[field];
  doc.transact(() => map.set(field, typeof value === "string" && limit ? value.slice(0, limit) : value), LOCAL_ORIGIN);
}

/** A chapter and all its scenes (their maps and their text), in one transaction. */
export function deleteChapter(doc: Y.Doc, chapterId: string) {
  doc.transact(() => {
    scenesOf(doc).forEach((map, id) => {
      if (map instanceof Y.Map && map.get("chapter") === chapterId) deleteSceneIn(doc, id);
    });
    chaptersOf(doc).delete(chapterId);
  }, LOCAL_ORIGIN);
}

export function deleteScene(doc: Y.Doc, sceneId: string) {
  doc.transact(() => deleteSceneIn(doc, sceneId), LOCAL_ORIGIN);
}

function deleteSceneIn(doc: Y.Doc, sceneId: string) {
  scenesOf(doc).delete(sceneId);
  // A root type cannot be removed, but its content can: the text does not outlive its scene.
  const fragment = doc.getXmlFragment(sceneField(sceneId));
  if (fragment.length > 0) fragment.delete(0, fragment.length);
}

/** Moves a chapter to `index` among the chapters as they are now. */
export function moveChapter(doc: Y.Doc, chapterId: string, index: number) {
  const others = readOutline(doc).filter((c) => c.id !== chapterId);
  const map = chaptersOf(doc).get(chapterId);
  if (!map) return;
  const { key, rekey } = placeAt(others, Math.max(0, Math.min(index, others.length)));
  doc.transact(() => {
    for (const [id, order] of rekey) chaptersOf(doc).get(id)?.set("order", order);
    map.set("order", key);
  }, LOCAL_ORIGIN);
}

/** Moves a scene to `index` among the scenes of `chapterId` (its own chapter or another). */
export function moveScene(doc: Y.Doc, sceneId: string, chapterId: string, index: number) {
  const chapter = readOutline(doc).find((c) => c.id === chapterId);
  const map = scenesOf(doc).get(sceneId);
  if (!chapter || !map) return;
  const others = chapter.scenes.filter((s) => s.id !== sceneId);
  const { key, rekey } = placeAt(others, Math.max(0, Math.min(index, others.length)));
  doc.transact(() => {
    for (const [id, order] of rekey) scenesOf(doc).get(id)?.set("order", order);
    if (map.get("chapter") !== chapterId) map.set("chapter", chapterId);
    map.set("order", key);
  }, LOCAL_ORIGIN);
}

/**
 * One step up or down for the buttons: within the chapter, and past its edge into the
 * neighbouring chapter (last place of the one before, first place of the one after).
 */
export function stepScene(doc: Y.Doc, sceneId: string, direction: -1 | 1) {
  const outline = readOutline(doc);
  const c = outline.findIndex((chapter) => chapter.scenes.some((s) => s.id === sceneId));
  if (c < 0) return;
  const chapter = outline[c]!;
  const i = chapter.scenes.findIndex((s) => s.id === sceneId);
  const target = i + direction;
  if (target >= 0 && target < chapter.scenes.length) return moveScene(doc, sceneId, chapter.id, target);
  const next = outline[c + direction];
  if (next) moveScene(doc, sceneId, next.id, direction === 1 ? 0 : next.scenes.length);
}

export function stepChapter(doc: Y.Doc, chapterId: string, direction: -1 | 1) {
  const outline = readOutline(doc);
  const i = outline.findIndex((c) => c.id === chapterId);
  if (i < 0) return;
  const target = i + direction;
  if (target >= 0 && target < outline.length) moveChapter(doc, chapterId, target);
}
