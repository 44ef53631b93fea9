// The world's relationships as an entity part of its document kind (ADR 18): their Yjs collection
// and hydration from D1, the select and the reading of each row derived from the relationship's
// definition (workers/domain/graph-rows.ts, ADR 19).
import { ArchiveRelationshipSchema } from "../../workers/domain/archive-format";
import { readStoredRelationship, selectRelationships } from "../../workers/domain/graph-rows";
import { log } from "../../workers/lib/log";
import type { EntityPart } from "./entity-part";
import { insertRelationship, relationshipsOf, touchedIds, type RelationshipState } from "./graph-doc";

/**
 * One `relationships` row as the document's relationship, given the elements hydrated, or why it
 * cannot be one: a column that does not read (times are repaired, named in `repaired`), the same
 * element at both ends, or an end not among them. Pure, tested beside it.
 */
export function readRelationshipRow(
  raw: unknown,
  worldId: string,
  elements: Set<string>,
): { ok: true; relationship: RelationshipState; repaired: string[] } | { ok: false; id: string; issue: string } {
  const read = readStoredRelationship(raw, worldId);
  if (!read.ok) return { ok: false, id: read.id, issue: read.column };
  const { row } = read;
  // The one rule across fields (RelationshipValueSchema's): the live document refuses it too.
  if (row.from === row.to) return { ok: false, id: row.id, issue: "to_id: the same element as from_id" };
  for (const [end, id] of [["from_id", row.from], ["to_id", row.to]] as const) {
    if (!elements.has(id)) return { ok: false, id: row.id, issue: `${end}: no such element in the room` };
  }
  return { ok: true, relationship: row, repaired: read.repaired };
}

/** The world's relationships between elements (graph-doc.ts holds their Yjs shape). */
export function relationshipPart(): EntityPart {
  return {
    name: "relationship",
    // Its Yjs shape, rules and projection are the graph's own (graph-doc.ts, update-rules.ts, projection.ts).
    map: "relationships",
    rules: "graph",
    project: "graph",
    type: (doc) => relationshipsOf(doc) as never,
    touched: touchedIds,
    rows: selectRelationships,
    hydrate: (rows, { worldId, document, hydrated }) => {
      const elements = hydrated.get("element") ?? new Set<string>();
      const known = new Set<string>();
      for (const raw of rows) {
        const read = readRelationshipRow(raw, worldId, elements);
        if (!read.ok) {
          log.error("room.hydrate_skipped_relationship", { worldId, relationshipId: read.id, issue: read.issue });
          continue;
        }
        const { relationship } = read;
        if (read.repaired.length) log.error("room.hydrate_repaired_relationship", { worldId, relationshipId: relationship.id, fields: read.repaired });
        known.add(relationship.id);
        insertRelationship(document, relationship);
      }
      return known;
    },
    archive: ArchiveRelationshipSchema,
  };
}
