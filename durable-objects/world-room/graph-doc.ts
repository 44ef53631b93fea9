import * as Y from "yjs";
import type { ElementAssets, ElementMetadata, ElementType, RelationshipKind } from "../../drizzle/schema";

/**
 * The shape of a world's Yjs document, shared by the room and (later) every client:
 *
 *   doc.getMap("elements")      id → Y.Map { type, name, description: Y.Text, pos: {x, y}, tags,
 *                                            media: {assets, metadata},
 *                                            meta: {version, createdBy, createdAt, updatedAt} }
 *   doc.getMap("relationships") id → { from, to, kind, label, createdAt, updatedAt } (a plain value)
 *
 * Descriptions are Y.Text so concurrent edits merge character by character; other fields are
 * last-writer-wins per key. The shape is lean on purpose: every Yjs item costs time when a room
 * loads, and a 5,000-element world must load in well under 300 ms. Secrets are not in the
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

type StoredRelationship = Omit<RelationshipState, "id">;
/** Kept by the room (versions, times) and by generation (media): never edited field by field. */
type Meta = { version: number; createdBy: string | null; createdAt: number; updatedAt: number };
type Media = { assets: ElementAssets; metadata: ElementMetadata };

export const elementsOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>("elements");
export const relationshipsOf = (doc: Y.Doc) => doc.getMap<StoredRelationship>("relationships");

export function readElement(id: string, map: Y.Map<unknown>): ElementState {
  const description = map.get("description");
  const pos = (map.get("pos") as { x: number; y: number } | undefined) ?? { x: 0, y: 0 };
  const meta = (map.get("meta") as Meta | undefined) ?? { version: 0, createdBy: null, createdAt: 0, updatedAt: 0 };
  const media = (map.get("media") as Media | undefined) ?? { assets: {}, metadata: {} };
  return {
    id,
    type: map.get("type") as ElementType,
    name: (map.get("name") as string) ?? "",
    description: description instanceof Y.Text ? description.toString() : String(description ?? ""),
    x: Number(pos.x ?? 0),
    y: Number(pos.y ?? 0),
    tags: (map.get("tags") as string[] | undefined) ?? [],
    assets: media.assets ?? {},
    metadata: media.metadata ?? {},
    version: Number(meta.version ?? 0),
    createdBy: meta.createdBy ?? null,
    createdAt: Number(meta.createdAt ?? 0),
    updatedAt: Number(meta.updatedAt ?? 0),
  };
}

export function readRelationship(id: string, value: StoredRelationship): RelationshipState {
  return {
    id,
    from: value.from,
    to: value.to,
    kind: value.kind,
    label: value.label ?? "",
    createdAt: Number(value.createdAt ?? 0),
    updatedAt: Number(value.updatedAt ?? 0),
  };
}

export function getElement(doc: Y.Doc, id: string): ElementState | null {
  const map = elementsOf(doc).get(id);
  return map ? readElement(id, map) : null;
}

export function getRelationship(doc: Y.Doc, id: string): RelationshipState | null {
  const value = relationshipsOf(doc).get(id);
  return value ? readRelationship(id, value) : null;
}

export function allElements(doc: Y.Doc): ElementState[] {
  return [...elementsOf(doc).entries()].map(([id, map]) => readElement(id, map));
}

export function allRelationships(doc: Y.Doc): RelationshipState[] {
  return [...relationshipsOf(doc).entries()].map(([id, value]) => readRelationship(id, value));
}

/** Adds an element; call inside a transaction. */
export function insertElement(doc: Y.Doc, element: ElementState) {
  const map = new Y.Map<unknown>();
  map.set("type", element.type);
  map.set("name", element.name);
  map.set("description", new Y.Text(element.description));
  map.set("pos", { x: element.x, y: element.y });
  map.set("tags", element.tags);
  map.set("media", { assets: element.assets, metadata: element.metadata });
  map.set("meta", { version: element.version, createdBy: element.createdBy, createdAt: element.createdAt, updatedAt: element.updatedAt });
  elementsOf(doc).set(element.id, map);
}

/** Sets the room-kept fields of an element (its version and last change time). */
export function stampElement(doc: Y.Doc, id: string, version: number, updatedAt: number) {
  const map = elementsOf(doc).get(id);
  if (!map) return;
  const meta = (map.get("meta") as Meta | undefined) ?? { version, createdBy: null, createdAt: updatedAt, updatedAt };
  map.set("meta", { ...meta, version, updatedAt });
}

/**
 * Applies a patch to an element in place. A new description replaces the text through the
 * smallest edit (common prefix and suffix kept), so a concurrent edit elsewhere in it survives.
 */
export function patchElement(doc: Y.Doc, id: string, patch: ElementPatch): boolean {
  const map = elementsOf(doc).get(id);
  if (!map) return false;
  const { x, y, assets, metadata, ...fields } = patch;
  if (assets !== undefined || metadata !== undefined) {
    const media = (map.get("media") as Media | undefined) ?? { assets: {}, metadata: {} };
    const next = { assets: assets ?? media.assets, metadata: metadata ?? media.metadata };
    if (!sameValue(next, media)) map.set("media", next);
  }
  if (x !== undefined || y !== undefined) {
    const pos = (map.get("pos") as { x: number; y: number } | undefined) ?? { x: 0, y: 0 };
    const next = { x: x ?? pos.x, y: y ?? pos.y };
    if (next.x !== pos.x || next.y !== pos.y) map.set("pos", next);
  }
  for (const [key, value] of Object.entries(fields)) {
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
  const { id, ...value } = relationship;
  relationshipsOf(doc).set(id, value);
}

export function patchRelationship(doc: Y.Doc, id: string, changes: Partial<Pick<RelationshipState, "kind" | "label">>, at: number) {
  const current = relationshipsOf(doc).get(id);
  if (!current) return false;
  relationshipsOf(doc).set(id, { ...current, ...changes, updatedAt: at });
  return true;
}

/** Removes an element and every relationship touching it; returns what was removed. */
export function removeElement(doc: Y.Doc, id: string): { element: ElementState; relationships: RelationshipState[] } | null {
  const map = elementsOf(doc).get(id);
  if (!map) return null;
  const element = readElement(id, map);
  const removed: RelationshipState[] = [];
  for (const [relId, value] of relationshipsOf(doc)) {
    const rel = readRelationship(relId, value);
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

/**
 * Whether a content key was made for an element of this type and name: the projection notices
 * renames by the key's prefix (the key starts `[type,name,`) without parsing it.
 */
export function contentKeyHasName(key: string, element: Pick<ElementState, "type" | "name">): boolean {
  return key.startsWith(`${JSON.stringify([element.type, element.name]).slice(0, -1)},`);
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
