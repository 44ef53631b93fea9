import type * as Y from "yjs";
import { Map as YMap, Text as YText } from "yjs";
import type { ElementType, RelationshipKind } from "../../drizzle/schema/worlds";
import {
  allElements,
  allRelationships,
  elementsOf,
  insertElement,
  insertRelationship,
  patchElement,
  patchRelationship,
  relationshipsOf,
  removeElement,
  type ElementPatch,
  type ElementState,
  type RelationshipState,
} from "../../durable-objects/world-room/graph-doc";
import { NODE_HEIGHT, NODE_WIDTH } from "../../workers/domain/placement";
import { LABEL_MAX_WIDTH } from "./edge-labels";

/**
 * The editor's view of a world's graph and every change it makes, as plain functions over the
 * shared Yjs document (the same one the room holds). React code only calls these.
 */
export type { ElementState, RelationshipState };

/** Marks changes made by this person, so the undo manager tracks only them. */
export const LOCAL = { local: true };

export function newId(length = 16): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  let id = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(length))) id += alphabet[byte % alphabet.length];
  return id;
}

export function snapshot(doc: Y.Doc) {
  return { elements: allElements(doc), relationships: allRelationships(doc) };
}

export function createElement(doc: Y.Doc, input: { type: ElementType; name: string; x: number; y: number; userId: string | null }) {
  const id = newId();
  const now = Date.now();
  doc.transact(
    () =>
      insertElement(doc, {
        id,
        type: input.type,
        name: input.name,
        aliases: [],
        description: "",
        x: Math.round(input.x),
        y: Math.round(input.y),
        tags: [],
        assets: {},
        metadata: {},
        version: 0,
        createdBy: input.userId,
        createdAt: now,
        updatedAt: now,
      }),
    LOCAL,
  );
  return id;
}

export function updateElement(doc: Y.Doc, id: string, patch: ElementPatch) {
  doc.transact(() => patchElement(doc, id, patch), LOCAL);
}

export function moveElements(doc: Y.Doc, positions: Array<{ id: string; x: number; y: number }>) {
  doc.transact(() => {
    for (const p of positions) patchElement(doc, p.id, { x: Math.round(p.x), y: Math.round(p.y) });
  }, LOCAL);
}

export function deleteElements(doc: Y.Doc, ids: string[]) {
  let relationships = 0;
  doc.transact(() => {
    for (const id of ids) relationships += removeElement(doc, id)?.relationships.length ?? 0;
  }, LOCAL);
  return { elements: ids.length, relationships };
}

export function connect(doc: Y.Doc, input: { from: string; to: string; kind: RelationshipKind; label: string }) {
  if (input.from === input.to) return null;
  if (!elementsOf(doc).has(input.from) || !elementsOf(doc).has(input.to)) return null;
  const id = newId();
  const now = Date.now();
  doc.transact(() => insertRelationship(doc, { id, ...input, createdAt: now, updatedAt: now }), LOCAL);
  return id;
}

export function updateRelationship(doc: Y.Doc, id: string, changes: { kind?: RelationshipKind; label?: string }) {
  doc.transact(() => patchRelationship(doc, id, changes, Date.now()), LOCAL);
}

export function deleteRelationships(doc: Y.Doc, ids: string[]) {
  doc.transact(() => {
    for (const id of ids) relationshipsOf(doc).delete(id);
  }, LOCAL);
}

/** The fields every element must keep (the room refuses an update that removes one). */
const REQUIRED_FIELDS = ["type", "name", "description", "pos"] as const;
const FIELD_DEFAULTS: Record<(typeof REQUIRED_FIELDS)[number], unknown> = { type: "lore", name: "Untitled", description: "", pos: { x: 0, y: 0 } };

/**
 * A field's value in the element map an undone deletion replaced (Yjs keeps the deleted map as
 * the key's earlier item), when its content is still there.
 */
function earlierValue(doc: Y.Doc, id: string, key: string): unknown {
  type RawItem = { left: RawItem | null; content: { getContent(): unknown[] }; deleted: boolean };
  const entries = (elementsOf(doc) as unknown as { _map: Map<string, RawItem> })._map;
  for (let item = entries.get(id)?.left ?? null; item; item = item.left) {
    const [type] = item.content.getContent();
    if (!(type instanceof YMap)) continue;
    const field = (type as unknown as { _map: Map<string, RawItem> })._map.get(key);
    const value = field?.content.getContent().at(-1);
    if (value === undefined) continue;
    return value instanceof YText ? value.toString() : value;
  }
  return undefined;
}

/**
 * Undo or redo through Yjs's undo manager, keeping every element whole. When someone else changed
 * a field after this person did, Yjs undoes this person's value but will not bring back the one
 * before it (it would overwrite the other change), which can leave the field with no value at all;
 * the room refuses such an update. The field then keeps the value it had before the undo, in the
 * same transaction, so the update the room gets is one it accepts.
 */
export function undoRedo(undo: Y.UndoManager, direction: "undo" | "redo") {
  const doc = undo.doc;
  const before = new Map<string, Map<string, unknown>>();
  for (const [id, map] of elementsOf(doc).entries()) {
    const fields = new Map<string, unknown>();
    for (const key of REQUIRED_FIELDS) fields.set(key, key === "description" ? String(map.get(key) ?? "") : map.get(key));
    before.set(id, fields);
  }
  const flag = direction === "undo" ? "undoing" : "redoing";
  // One transaction, under the undo manager's own origin and flag, so that it records the whole
  // of it as the undo (or redo) step it is: Yjs reads the flag when the outer transaction ends.
  doc.transact(() => {
    if (direction === "undo") undo.undo();
    else undo.redo();
    for (const [id, map] of elementsOf(doc).entries()) {
      for (const key of REQUIRED_FIELDS) {
        if (map.has(key)) continue;
        const value = before.get(id)?.get(key) ?? earlierValue(doc, id, key) ?? FIELD_DEFAULTS[key];
        map.set(key, key === "description" ? new YText(String(value)) : value);
      }
    }
    undo[flag] = true;
  }, undo);
  undo[flag] = false;
}

/** Elements whose name, description or tags contain every word of `query` (case-insensitive). */
export function search(elements: ElementState[], query: string): ElementState[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  return elements.filter((e) => {
    const haystack = `${e.name}\n${e.description}\n${e.tags.join(" ")}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}

/** Which elements to show for a set of hidden types. */
export function visibleIds(elements: ElementState[], hiddenTypes: ReadonlySet<ElementType>): Set<string> {
  return new Set(elements.filter((e) => !hiddenTypes.has(e.type)).map((e) => e.id));
}

export { NODE_HEIGHT, NODE_WIDTH };

/**
 * A layered layout (dagre, left to right) of the given elements; returns new positions. dagre is
 * loaded on first use, keeping it out of the editor's initial JavaScript.
 */
export async function autoLayout(elements: ElementState[], relationships: RelationshipState[]) {
  const { default: dagre } = await import("@dagrejs/dagre");
  const graph = new dagre.graphlib.Graph();
  // Ranks far enough apart for a relationship's label to sit between them.
  graph.setGraph({ rankdir: "LR", nodesep: 40, ranksep: LABEL_MAX_WIDTH + 40, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(elements.map((e) => e.id));
  for (const e of elements) graph.setNode(e.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const r of relationships) if (ids.has(r.from) && ids.has(r.to)) graph.setEdge(r.from, r.to);
  dagre.layout(graph);
  return elements.map((e) => {
    const node = graph.node(e.id);
    return { id: e.id, x: Math.round(node.x - NODE_WIDTH / 2), y: Math.round(node.y - NODE_HEIGHT / 2) };
  });
}
