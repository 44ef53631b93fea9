import * as Y from "yjs";

/**
 * The ids of existing elements (and relationships) an incoming Yjs update would change, found
 * without applying it: the room refuses updates that touch an element someone else has locked.
 *
 * An item's parent is either a root type ("elements", "relationships"), in which case its key is
 * the id, or an item already in the document (or in the same update), which is followed up to the
 * root. Deletions are resolved the same way through the items they delete.
 */
export function elementsTouchedBy(doc: Y.Doc, update: Uint8Array): Set<string> {
  const touched = new Set<string>();
  const decoded = Y.decodeUpdate(update);
  const inUpdate = new Map<string, Y.Item>();
  for (const struct of decoded.structs) {
    if (struct instanceof Y.Item) {
      for (let i = 0; i < struct.length; i += 1) inUpdate.set(`${struct.id.client}:${struct.id.clock + i}`, struct);
    }
  }

  /** The root-level key above an item already in the document. */
  const rootKeyOfItem = (item: Y.Item): string | null => {
    let current: Y.Item | null = item;
    while (current) {
      const parent = current.parent as Y.AbstractType<unknown> | null;
      if (!parent) return null;
      if (parent._item === null) {
        const root = parent === doc.share.get("elements") || parent === doc.share.get("relationships");
        return root ? current.parentSub : null;
      }
      current = parent._item;
    }
    return null;
  };

  /** The root-level key above the item with this id, in the update or in the document. */
  const resolveId = (id: Y.ID, depth: number): string | null => {
    if (depth > 256) return null;
    const pending = inUpdate.get(`${id.client}:${id.clock}`);
    if (pending) return resolveItem(pending, depth + 1);
    if (id.clock >= Y.getState(doc.store, id.client)) return null;
    const item = Y.getItem(doc.store, id);
    return item instanceof Y.Item ? rootKeyOfItem(item) : null;
  };

  /**
   * Items encode their parent only when they have no neighbours; otherwise the parent is that of
   * their left (origin) or right neighbour.
   */
  const resolveItem = (item: Y.Item, depth: number): string | null => {
    const parent = item.parent as unknown;
    if (typeof parent === "string") return parent === "elements" || parent === "relationships" ? item.parentSub : null;
    if (parent instanceof Y.ID) return resolveId(parent, depth);
    if (parent instanceof Y.AbstractType) return parent._item === null ? item.parentSub : rootKeyOfItem(parent._item);
    if (item.origin) return resolveId(item.origin, depth);
    if (item.rightOrigin) return resolveId(item.rightOrigin, depth);
    return null;
  };

  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue;
    // Sync messages can repeat what the room already has; only new items change anything.
    if (struct.id.clock + struct.length <= Y.getState(doc.store, struct.id.client)) continue;
    const id = resolveItem(struct, 0);
    if (id) touched.add(id);
  }
  for (const [client, ranges] of decoded.ds.clients) {
    for (const range of ranges) {
      const end = Math.min(range.clock + range.len, Y.getState(doc.store, client));
      // Walk the deleted range struct by struct.
      let clock = range.clock;
      while (clock < end) {
        const item = Y.getItem(doc.store, Y.createID(client, clock));
        // Sync messages carry a whole delete set; only deletions new to the room change anything.
        if (item instanceof Y.Item && !item.deleted) {
          const key = rootKeyOfItem(item);
          if (key) touched.add(key);
        }
        clock = item.id.clock + item.length;
      }
    }
  }
  return touched;
}

/** Whether an update holds anything the document does not have yet (new items or deletions). */
export function updateChangesDoc(doc: Y.Doc, update: Uint8Array): boolean {
  const decoded = Y.decodeUpdate(update);
  for (const struct of decoded.structs) {
    if (struct.id.clock + struct.length > Y.getState(doc.store, struct.id.client)) return true;
  }
  for (const [client, ranges] of decoded.ds.clients) {
    for (const range of ranges) {
      const end = Math.min(range.clock + range.len, Y.getState(doc.store, client));
      let clock = range.clock;
      while (clock < end) {
        const item = Y.getItem(doc.store, Y.createID(client, clock));
        if (item instanceof Y.Item && !item.deleted) return true;
        clock = item.id.clock + item.length;
      }
    }
  }
  return false;
}
