// The world's elements as an entity part of its document kind (ADR 18): their Yjs collection, how
// a person's edits mark the next version, and hydration from D1. The select and the reading of
// each row derive from the element's definition (workers/domain/graph-rows.ts, ADR 19): a field
// added there is hydrated with no edit here.
import { ArchiveElementSchema } from "../../workers/domain/archive-format";
import { readStoredElement, selectElements } from "../../workers/domain/graph-rows";
import { log } from "../../workers/lib/log";
import type { EntityPart, Hydration } from "./entity-part";
import { contentKey, elementsOf, insertElement, touchedIds, type ElementState } from "./graph-doc";
import type { RoomStorage } from "./room-storage";

/**
 * One `elements` row as the document's element and its secret, or why it cannot be one: the D1
 * column that did not read. Bookkeeping that does not read (version, author, times), a secret that
 * is not text and files of other worlds are repaired, their columns named in `repaired`. Pure:
 * hydration's reading of D1, tested beside it.
 */
export function readElementRow(
  raw: unknown,
  worldId: string,
):
  | {
      ok: true;
      element: ElementState;
      secret: string | null;
      repaired: string[];
    }
  | { ok: false; id: string; field: string } {
  const read = readStoredElement(raw, worldId);
  if (!read.ok) return { ok: false, id: read.id, field: read.column };
  // The secret is kept off the live document (the room's storage holds it).
  const { secret, ...element } = read.row;
  return { ok: true, element, secret, repaired: read.repaired };
}

/** The world's elements (graph-doc.ts holds their Yjs shape). */
export function elementPart(store: () => RoomStorage): EntityPart {
  return {
    name: "element",
    // Its Yjs shape, rules and projection are the graph's own (graph-doc.ts, update-rules.ts, projection.ts).
    map: "elements",
    rules: "graph",
    project: "graph",
    type: (doc) => elementsOf(doc) as never,
    touched: touchedIds,
    // Each person's edits since the last projection make the element's next version (projection.ts).
    edited: (ids, user) => {
      for (const id of ids) {
        store().addEditor(id, user.id);
        if (!store().versionAction(id)) store().setVersionCause(id, "edited", user.id);
      }
    },
    rows: selectElements,
    hydrate: (rows, { worldId, document, store }: Hydration) => {
      const known = new Set<string>();
      for (const raw of rows) {
        // Rows were written by this room or by import and fork, all checked; one that still does
        // not read as an element is left out of the document (and logged), not the whole world.
        const read = readElementRow(raw, worldId);
        if (!read.ok) {
          log.error("room.hydrate_skipped_element", {
            worldId,
            elementId: read.id,
            issue: read.field,
          });
          continue;
        }
        const { element, secret } = read;
        if (read.repaired.length)
          log.error("room.hydrate_repaired_element", {
            worldId,
            elementId: element.id,
            fields: read.repaired,
          });
        known.add(element.id);
        insertElement(document, element);
        if (secret) store.setSecret(element.id, secret);
        store.setProjected(element.id, element.version, contentKey(element, secret));
      }
      return known;
    },
    archive: ArchiveElementSchema,
  };
}
