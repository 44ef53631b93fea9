import * as Y from "yjs";
import { elementsOf, relationshipsOf } from "./graph-doc";
import type { StructId } from "../live-room/update-check";
import { childRole, type Acceptance, type Known, type RoomView } from "./update-rules";

/**
 * What the room has, as update-rules.ts asks for it: its Yjs document, plus the updates it has
 * relayed to everyone but not applied yet (ADR 10), indexed here by where their items sit. The
 * index is filled as updates are relayed and emptied when the document catches up.
 */
export class RelayedIndex {
  /** Per client, the relayed items in clock order (relayed updates continue each other). */
  private readonly items = new Map<number, Array<{ clock: number; length: number; known: Known }>>();
  /** Net change of description length per element map item ("client:clock"). */
  private readonly text = new Map<string, number>();
  private readonly elements = new Set<string>();

  get size() {
    return this.items.size;
  }

  add(accepted: Acceptance) {
    for (const placed of accepted.placed) {
      const list = this.items.get(placed.id.client) ?? [];
      list.push({ clock: placed.id.clock, length: placed.length, known: placed.known });
      this.items.set(placed.id.client, list);
    }
    for (const [element, delta] of accepted.textDelta) this.text.set(element, (this.text.get(element) ?? 0) + delta);
    for (const id of accepted.createdElements) this.elements.add(id);
  }

  clear() {
    this.items.clear();
    this.text.clear();
    this.elements.clear();
  }

  /** The clock after the last relayed item of a client (0 if none). */
  end(client: number): number {
    const last = this.items.get(client)?.at(-1);
    return last ? last.clock + last.length : 0;
  }

  find(id: StructId): { clock: number; length: number; known: Known } | null {
    const list = this.items.get(id.client);
    if (!list) return null;
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const entry = list[mid]!;
      if (id.clock < entry.clock) high = mid - 1;
      else if (id.clock >= entry.clock + entry.length) low = mid + 1;
      else return entry;
    }
    return null;
  }

  textDelta(element: StructId): number {
    return this.text.get(`${element.client}:${element.clock}`) ?? 0;
  }

  hasElement(id: string): boolean {
    return this.elements.has(id);
  }
}

/** Where a struct of the document sits and what it holds; `maps` are the parts' own maps (entity-part.ts). */
export function knownInDoc(doc: Y.Doc, struct: Y.Item | Y.GC | Y.Skip, maps: readonly string[] = [], depth = 0): Known {
  if (!(struct instanceof Y.Item)) return { role: { kind: "dead" }, holds: "deleted" };
  // Named first: a document loaded from an update holds its roots as plain types until they are
  // asked for by kind, and asking replaces them (and every child's parent).
  const elements = elementsOf(doc);
  const relationships = relationshipsOf(doc);
  for (const map of maps) doc.getMap(map);
  const content = struct.content;
  const holds: Known["holds"] =
    content instanceof Y.ContentType
      ? content.type instanceof Y.Map
        ? "map"
        : content.type instanceof Y.Text
          ? "text"
          : "other"
      : content instanceof Y.ContentDeleted
        ? "deleted"
        : "other";
  const parent = struct.parent as Y.AbstractType<unknown> | null;
  if (!parent) return { role: { kind: "dead" }, holds };
  if (parent._item === null) {
    const root = parent === elements ? "element" : parent === relationships ? "relationship" : null;
    if (!root && struct.parentSub !== null) {
      const map = maps.find((name) => doc.getMap(name) === parent);
      if (map !== undefined) return { role: { kind: "entry", map, id: struct.parentSub }, holds };
    }
    if (!root || struct.parentSub === null) return { role: { kind: "foreign" }, holds };
    return { role: { kind: root, id: struct.parentSub }, holds };
  }
  // Elements nest two levels deep (element map → description text); anything deeper is not ours.
  if (depth > 3) return { role: { kind: "foreign" }, holds };
  const parentItem = parent._item;
  return { role: childRole(knownInDoc(doc, parentItem, maps, depth + 1), parentItem.id, struct.parentSub), holds };
}

/**
 * The room's side of update-rules.ts: its document, the relayed updates, and who owns which client
 * id. `maps`: the parts' own maps, as given to `checkUpdate` with their rules.
 */
export function roomView(doc: Y.Doc, relayed: RelayedIndex, ownerOf: (client: number) => string | null, maps: readonly string[] = []): RoomView {
  const docState = (client: number) => Y.getState(doc.store, client);
  return {
    state: (client) => Math.max(docState(client), relayed.end(client)),
    known(id) {
      if (id.clock < docState(id.client)) return knownInDoc(doc, Y.getItem(doc.store, Y.createID(id.client, id.clock)), maps);
      const entry = relayed.find(id);
      if (!entry) throw new Error("the room does not have that item");
      return entry.known;
    },
    *structsIn(client, clock, end) {
      let at = clock;
      const inDoc = Math.min(end, docState(client));
      while (at < inDoc) {
        const struct = Y.getItem(doc.store, Y.createID(client, at));
        const to = Math.min(inDoc, struct.id.clock + struct.length);
        const live = struct instanceof Y.Item && !struct.deleted ? to - at : 0;
        yield { id: struct.id, known: knownInDoc(doc, struct, maps), live };
        at = to;
      }
      while (at < end) {
        const entry = relayed.find({ client, clock: at });
        if (!entry) return;
        const to = Math.min(end, entry.clock + entry.length);
        // A relayed item may have been deleted by a later relayed update: counted as live, which
        // only ever makes a description look shorter than it is (see `exact`).
        yield { id: { client, clock: entry.clock }, known: entry.known, live: to - at };
        at = to;
      }
    },
    precedes(a, b) {
      if (a.clock >= docState(a.client) || b.clock >= docState(b.client)) return null;
      const left = Y.getItem(doc.store, Y.createID(a.client, a.clock));
      const right = Y.getItem(doc.store, Y.createID(b.client, b.clock));
      if (left === right) return a.clock < b.clock;
      // Neighbours were next to each other when the item was made; only concurrent inserts lie between.
      let struct = left instanceof Y.Item ? left.right : null;
      for (let steps = 0; struct && steps < 20_000; steps += 1) {
        if (struct === right) return true;
        struct = struct.right;
      }
      return false;
    },
    elementKnown(id) {
      // Yjs keeps a map key's last item even once it is deleted: an element that existed counts
      // (a relationship made while someone else deleted its end is not the sender's mistake).
      const entries = (elementsOf(doc) as unknown as { _map: Map<string, unknown> })._map;
      return entries.has(id) || relayed.hasElement(id);
    },
    descriptionLength(element) {
      let length = 0;
      if (element.clock < docState(element.client)) {
        const struct = Y.getItem(doc.store, Y.createID(element.client, element.clock));
        if (struct instanceof Y.Item && struct.content instanceof Y.ContentType && struct.content.type instanceof Y.Map) {
          const text = (struct.content.type as Y.Map<unknown>).get("description");
          if (text instanceof Y.Text) length = text.length;
        }
      }
      return length + relayed.textDelta(element);
    },
    exact: () => relayed.size === 0,
    ownerOf: (client) => (client === doc.clientID ? "room" : ownerOf(client)),
  };
}
