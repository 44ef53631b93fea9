import * as Y from "yjs";
import type { ElementAssets, ElementMetadata, ElementType, RelationshipKind } from "../../drizzle/schema";

/**
 * The shape of a world's Yjs document, shared by the room and (later) every client:
 *
 *   doc.getMap("elements")      id → Y.Map { id, type, name, description: Y.Text, x, y, tags,
 *                                            assets, metadata, version, createdBy, createdAt, updatedAt }
 *   doc.getMap("relationships") id → Y.Map { id, from, to, kind, label, createdAt, updatedAt }
 *
 * Descriptions are Y.Text so concurrent edits merge character by character. Secrets are not in the
 * document at all: every connected client, viewers included, receives the whole document, so the
 * room keeps secrets in its own storage and D1 only.
 */
export type ElementState = {
  id: string;
  type: ElementType;
  name: string;
  description: string;
  x: number;
  y: number;
  tags: string[];
  assets: ElementAssets;
  metadata: ElementMetadata;
  version: number;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
};

export type RelationshipState = {
  id: string;
  from: string;
  to: string;
  kind: RelationshipKind;
  label: string;
  createdAt: number;
  updatedAt: number;
};

/** The fields of an element whose change makes a new version (moves do not). */
export const CONTENT_FIELDS = ["type", "name", "description", "tags", "assets", "metadata"] as const;

export type ElementPatch = Partial<Pick<ElementState, "type" | "name" | "description" | "x" | "y" | "tags" | "assets" | "metadata">>;

export const elementsOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>("elements");
export const relationshipsOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>("relationships");

export function readElement(map: Y.Map<unknown>): ElementState {
  const description = map.get("description");
  return {
    id: map.get("id") as string,
    type: map.get("type") as ElementType,
    name: (map.get("name") as string) ?? "",
    description: description instanceof Y.Text ? description.toString() : String(description ?? ""),
    x: Number(map.get("x") ?? 0),
    y: Number(map.get("y") ?? 0),
    tags: (map.get("tags") as string[] | undefined) ?? [],
    assets: (map.get("assets") as ElementAssets | undefined) ?? {},
    metadata: (map.get("metadata") as ElementMetadata | undefined) ?? {},
    version: Number(map.get("version") ?? 0),
    createdBy: (map.get("createdBy") as string | null | undefined) ?? null,
    createdAt: Number(map.get("createdAt") ?? 0),
    updatedAt: Number(map.get("updatedAt") ?? 0),
  };
}

export function readRelationship(map: Y.Map<unknown>): RelationshipState {
  return {
    id: map.get("id") as string,
    from: map.get("from") as string,
    to: map.get("to") as string,
    kind: map.get("kind") as RelationshipKind,
    label: (map.get("label") as string) ?? "",
    createdAt: Number(map.get("createdAt") ?? 0),
    updatedAt: Number(map.get("updatedAt") ?? 0),
  };
}

export function getElement(doc: Y.Doc, id: string): ElementState | null {
  const map = elementsOf(doc).get(id);
  return map ? readElement(map) : null;
}

export function getRelationship(doc: Y.Doc, id: string): RelationshipState | null {
  const map = relationshipsOf(doc).get(id);
  return map ? readRelationship(map) : null;
}

/** Adds an element; call inside a transaction. */
export function insertElement(doc: Y.Doc, element: ElementState) {
  const map = new Y.Map<unknown>();
  map.set("id", element.id);
  map.set("type", element.type);
  map.set("name", element.name);
  map.set("description", new Y.Text(element.description));
  map.set("x", element.x);
  map.set("y", element.y);
  map.set("tags", element.tags);
  map.set("assets", element.assets);
  map.set("metadata", element.metadata);
  map.set("version", element.version);
  map.set("createdBy", element.createdBy);
  map.set("createdAt", element.createdAt);
  map.set("updatedAt", element.updatedAt);
  elementsOf(doc).set(element.id, map);
}

/**
 * Applies a patch to an element in place. A new description replaces the text through the
 * smallest edit (common prefix and suffix kept), so a concurrent edit elsewhere in it survives.
 */
export function patchElement(doc: Y.Doc, id: string, patch: ElementPatch): boolean {
  const map = elementsOf(doc).get(id);
  if (!map) return false;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (key === "description") {
      const text = map.get("description");
      if (text instanceof Y.Text) replaceText(text, value as string);
      else map.set("description", new Y.Text(value as string));
    } else if (!sameValue(map.get(key), value)) {
      map.set(key, value);
    }
  }
  return true;
}

export function replaceText(text: Y.Text, next: string) {
  const current = text.toString();
  if (current === next) return;
  let start = 0;
  while (start < current.length && start < next.length && current[start] === next[start]) start += 1;
  let endCurrent = current.length;
  let endNext = next.length;
  while (endCurrent > start && endNext > start && current[endCurrent - 1] === next[endNext - 1]) {
    endCurrent -= 1;
    endNext -= 1;
  }
  if (endCurrent > start) text.delete(start, endCurrent - start);
  if (endNext > start) text.insert(start, next.slice(start, endNext));
}

export function insertRelationship(doc: Y.Doc, relationship: RelationshipState) {
  const map = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(relationship)) map.set(key, value);
  relationshipsOf(doc).set(relationship.id, map);
}

/** Removes an element and every relationship touching it; returns what was removed. */
export function removeElement(doc: Y.Doc, id: string): { element: ElementState; relationships: RelationshipState[] } | null {
  const map = elementsOf(doc).get(id);
  if (!map) return null;
  const element = readElement(map);
  const removed: RelationshipState[] = [];
  for (const [relId, relMap] of relationshipsOf(doc)) {
    const rel = readRelationship(relMap);
    if (rel.from === id || rel.to === id) {
      removed.push(rel);
      relationshipsOf(doc).delete(relId);
    }
  }
  elementsOf(doc).delete(id);
  return { element, relationships: removed };
}

/** The element's content as one string, to tell a content change from a move. */
export function contentKey(element: ElementState, secret: string | null): string {
  return JSON.stringify([element.type, element.name, element.description, element.tags, element.assets, element.metadata, secret ?? ""]);
}

function sameValue(a: unknown, b: unknown) {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Which element and relationship ids a set of Yjs events touched. */
export function touchedIds(events: Array<Y.YEvent<Y.AbstractType<unknown>>>): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    if (event.path.length > 0) {
      ids.add(String(event.path[0]));
    } else {
      for (const key of event.changes.keys.keys()) ids.add(key);
    }
  }
  return [...ids];
}
