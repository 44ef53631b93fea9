import { diffChars } from "diff";
import * as Y from "yjs";
import type { ElementAssets, ElementMetadata, ElementType, RelationshipKind } from "../../drizzle/schema";
import { ELEMENT_CONTENT_FIELDS, ELEMENT_CONTENT_KEY_LAYOUT, type ElementLiveState } from "../../workers/domain/entities/element";
import type { RelationshipLiveState } from "../../workers/domain/entities/relationship";
import { ELEMENT_TYPES, RELATIONSHIP_KINDS } from "../../drizzle/schema/constants";
import { AliasesSchema, ElementMetaSchema, MAX_DESCRIPTION, MAX_LABEL, MAX_NAME, MetadataSchema, PositionSchema, TagsSchema } from "../../workers/domain/element-fields";

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
export type ElementState = ElementLiveState;
export type RelationshipState = RelationshipLiveState;

/** The fields of an element whose change makes a new version (moves do not). */
export const CONTENT_FIELDS = ELEMENT_CONTENT_FIELDS;

export type ElementPatch = Partial<Pick<ElementState, "type" | "name" | "aliases" | "description" | "x" | "y" | "tags" | "assets" | "metadata">>;

type StoredRelationship = Omit<RelationshipState, "id">;
/** Kept by the room (versions, times) and by generation (media): never edited field by field. */
type Meta = { version: number; createdBy: string | null; createdAt: number; updatedAt: number };
type Media = { assets: ElementAssets; metadata: ElementMetadata };

export const elementsOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>("elements");
export const relationshipsOf = (doc: Y.Doc) => doc.getMap<StoredRelationship>("relationships");

/**
 * An element as the document holds it. The room refuses updates that would make an element
 * invalid (update-rules.ts), so what it reads is valid; a document stored before those rules, or
 * written by something that bypassed them, is read in a repaired form instead of failing every
 * reader of the world: each field that does not hold a valid value gets a default, and `repaired`
 * names it (the room logs them).
 */
export function readElementChecked(id: string, map: Y.Map<unknown>): { element: ElementState; repaired: string[] } {
  const repaired: string[] = [];
  const field = <T>(name: string, value: unknown, valid: (value: unknown) => value is T, fallback: T): T => {
    if (valid(value)) return value;
    if (value !== undefined || REQUIRED.has(name)) repaired.push(name);
    return fallback;
  };
  const type = field("type", map.get("type"), (v): v is ElementType => (ELEMENT_TYPES as readonly unknown[]).includes(v), "lore");
  const rawName = map.get("name");
  const name = field("name", rawName, (v): v is string => typeof v === "string" && v.trim().length > 0 && v.length <= MAX_NAME, typeof rawName === "string" && rawName.trim() ? rawName.slice(0, MAX_NAME) : "Untitled");
  const rawDescription = map.get("description");
  let description = rawDescription instanceof Y.Text ? rawDescription.toString() : typeof rawDescription === "string" ? rawDescription : "";
  if (!(rawDescription instanceof Y.Text) || description.length > MAX_DESCRIPTION) repaired.push("description");
  description = description.slice(0, MAX_DESCRIPTION);
  const pos = field("pos", map.get("pos"), (v): v is { x: number; y: number } => PositionSchema.safeParse(v).success, { x: 0, y: 0 });
  const tags = field("tags", map.get("tags"), (v): v is string[] => TagsSchema.safeParse(v).success, [] as string[]);
  const aliases = field("aliases", map.get("aliases"), (v): v is string[] => AliasesSchema.safeParse(v).success, [] as string[]);
  const media = field(
    "media",
    map.get("media"),
    (v): v is Media => isRecord(v) && isRecord(v.assets) && Object.values(v.assets).every((k) => typeof k === "string") && MetadataSchema.safeParse(v.metadata).success,
    { assets: {}, metadata: {} },
  );
  const meta = field("meta", map.get("meta"), (v): v is Meta => ElementMetaSchema.safeParse(v).success, { version: 0, createdBy: null, createdAt: 0, updatedAt: 0 });
  return {
    element: {
      id,
      type,
      name,
      aliases,
      description,
      x: pos.x,
      y: pos.y,
      tags,
      assets: media.assets,
      metadata: media.metadata,
      version: meta.version,
      createdBy: meta.createdBy,
      createdAt: meta.createdAt,
      updatedAt: meta.updatedAt,
    },
    repaired,
  };
}

export function readElement(id: string, map: Y.Map<unknown>): ElementState {
  return readElementChecked(id, map).element;
}

/** A relationship as the document holds it, or null for a value that is not one. */
export function readRelationship(id: string, value: unknown): RelationshipState | null {
  if (!isRecord(value) || typeof value.from !== "string" || typeof value.to !== "string") return null;
  const kind = (RELATIONSHIP_KINDS as readonly unknown[]).includes(value.kind) ? (value.kind as RelationshipKind) : "related_to";
  return {
    id,
    from: value.from,
    to: value.to,
    kind,
    label: typeof value.label === "string" ? value.label.slice(0, MAX_LABEL) : "",
    createdAt: finiteOr(value.createdAt, 0),
    updatedAt: finiteOr(value.updatedAt, 0),
  };
}

const REQUIRED = new Set(["type", "name", "pos"]);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const finiteOr = (value: unknown, fallback: number) => (typeof value === "number" && Number.isFinite(value) ? value : fallback);

/** The element map with this id; null when there is none, or the entry is not a map. */
export function elementMap(doc: Y.Doc, id: string): Y.Map<unknown> | null {
  const map: unknown = elementsOf(doc).get(id);
  return map instanceof Y.Map ? map : null;
}

export function getElement(doc: Y.Doc, id: string): ElementState | null {
  const map = elementMap(doc, id);
  return map ? readElement(id, map) : null;
}

export function getRelationship(doc: Y.Doc, id: string): RelationshipState | null {
  return readRelationship(id, relationshipsOf(doc).get(id));
}

/** Every element (an entry that is not an element map is left out). */
export function allElements(doc: Y.Doc): ElementState[] {
  const list: ElementState[] = [];
  for (const [id, map] of elementsOf(doc).entries()) if ((map as unknown) instanceof Y.Map) list.push(readElement(id, map));
  return list;
}

/** Every relationship (a value that is not one is left out). */
export function allRelationships(doc: Y.Doc): RelationshipState[] {
  const list: RelationshipState[] = [];
  for (const [id, value] of relationshipsOf(doc).entries()) {
    const rel = readRelationship(id, value);
    if (rel) list.push(rel);
  }
  return list;
}

/** Adds an element; call inside a transaction. */
export function insertElement(doc: Y.Doc, element: ElementState) {
  const map = new Y.Map<unknown>();
  map.set("type", element.type);
  map.set("name", element.name);
  map.set("description", new Y.Text(element.description));
  map.set("pos", { x: element.x, y: element.y });
  map.set("tags", element.tags);
  if (element.aliases.length > 0) map.set("aliases", element.aliases);
  map.set("media", { assets: element.assets, metadata: element.metadata });
  map.set("meta", { version: element.version, createdBy: element.createdBy, createdAt: element.createdAt, updatedAt: element.updatedAt });
  elementsOf(doc).set(element.id, map);
}

/** Sets the room-kept fields of an element (its version and last change time). */
export function stampElement(doc: Y.Doc, id: string, version: number, updatedAt: number) {
  const map = elementMap(doc, id);
  if (!map) return;
  const element = readElement(id, map);
  map.set("meta", { version, createdBy: element.createdBy, createdAt: element.createdAt || updatedAt, updatedAt } satisfies Meta);
}

/**
 * Applies a patch to an element in place. A new description replaces the text through the
 * smallest edit (common prefix and suffix kept), so a concurrent edit elsewhere in it survives.
 */
export function patchElement(doc: Y.Doc, id: string, patch: ElementPatch): boolean {
  const map = elementMap(doc, id);
  if (!map) return false;
  const current = readElement(id, map);
  const { x, y, assets, metadata, ...fields } = patch;
  if (assets !== undefined || metadata !== undefined) {
    const media = { assets: current.assets, metadata: current.metadata };
    const next = { assets: assets ?? media.assets, metadata: metadata ?? media.metadata };
    if (!sameValue(next, map.get("media"))) map.set("media", next);
  }
  if (x !== undefined || y !== undefined) {
    const next = { x: x ?? current.x, y: y ?? current.y };
    if (!sameValue(next, map.get("pos"))) map.set("pos", next);
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

/** Beyond this many changed characters a text is replaced from the first to the last change. */
const MAX_TEXT_DIFF = 2_000;

const splitsPair = (value: string) => /^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(value);

/**
 * Makes `text` read `next` by changing only the characters that differ (a character diff), so
 * that what someone is typing elsewhere in it, and their caret, stay as they are: a REST edit, a
 * generation result or a restored version lands in a description while people type in it.
 */
export function replaceText(text: Y.Text, next: string) {
  const current = text.toString();
  if (current === next) return;
  const parts = diffChars(current, next, { maxEditLength: MAX_TEXT_DIFF });
  // A part that would cut a surrogate pair in two (an emoji) falls back to the span replacement.
  if (!parts || parts.some((part) => (part.added || part.removed) && splitsPair(part.value))) {
    replaceSpan(text, current, next);
    return;
  }
  let at = 0;
  for (const part of parts) {
    if (part.added) {
      text.insert(at, part.value);
      at += part.value.length;
    } else if (part.removed) {
      text.delete(at, part.value.length);
    } else {
      at += part.value.length;
    }
  }
}

/** Replaces the span from the first to the last differing character, never inside a surrogate pair. */
function replaceSpan(text: Y.Text, current: string, next: string) {
  let start = 0;
  while (start < current.length && start < next.length && current[start] === next[start]) start += 1;
  if (start > 0 && /[\uD800-\uDBFF]/.test(current[start - 1]!)) start -= 1;
  let endCurrent = current.length;
  let endNext = next.length;
  while (endCurrent > start && endNext > start && current[endCurrent - 1] === next[endNext - 1]) {
    endCurrent -= 1;
    endNext -= 1;
  }
  if (endCurrent < current.length && /[\uDC00-\uDFFF]/.test(current[endCurrent]!)) {
    endCurrent += 1;
    endNext += 1;
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
  const map = elementMap(doc, id);
  if (!map) {
    if (elementsOf(doc).has(id)) elementsOf(doc).delete(id); // an entry that is not an element
    return null;
  }
  const element = readElement(id, map);
  const removed: RelationshipState[] = [];
  for (const [relId, value] of relationshipsOf(doc)) {
    const rel = readRelationship(relId, value);
    if (rel && (rel.from === id || rel.to === id)) {
      removed.push(rel);
      relationshipsOf(doc).delete(relId);
    }
  }
  elementsOf(doc).delete(id);
  return { element, relationships: removed };
}

/** What a content key holds, in order (edit-sessions.ts names the fields a change touched from it). */
export const CONTENT_KEY_LAYOUT = ELEMENT_CONTENT_KEY_LAYOUT;

/** The element's content as one string, to tell a content change from a move. */
export function contentKey(element: ElementState, secret: string | null): string {
  return JSON.stringify([...CONTENT_FIELDS.map((field) => element[field]), secret ?? ""]);
}

/** A content key read back (it is JSON this module wrote); null for anything else. */
export function contentKeyValues(key: string): unknown[] | null {
  try {
    const values: unknown = JSON.parse(key);
    if (!Array.isArray(values)) return null;
    // A key stored before elements had aliases: theirs were none.
    if (values.length === CONTENT_KEY_LAYOUT.length - 1) values.splice(CONTENT_KEY_LAYOUT.indexOf("aliases"), 0, []);
    return values.length === CONTENT_KEY_LAYOUT.length ? values : null;
  } catch {
    return null;
  }
}

/** A stored content key as this layout writes it (one from before aliases gains their place), so an old room's elements are not all "changed". */
export function currentContentKey(key: string): string {
  const values = contentKeyValues(key);
  return values ? JSON.stringify(values) : key;
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
