import { z } from "zod";
import { ArchiveRelationshipSchema } from "../../workers/domain/archive-format";
import { IdSchema, RelationshipValueSchema } from "../../workers/domain/element-fields";
import { log } from "../../workers/lib/log";
import type { EntityPart } from "./entity-part";
import { insertRelationship, relationshipsOf, touchedIds, type RelationshipState } from "./graph-doc";

/** A `relationships` row as hydration selects it; the value is read as the document holds it (RelationshipValueSchema). */
const RelationshipRowSchema = z.object({
  id: IdSchema,
  from_id: z.unknown(),
  to_id: z.unknown(),
  kind: z.unknown(),
  label: z.string().nullable(),
  created_at: z.number().finite().min(0).catch(0),
  updated_at: z.number().finite().min(0).catch(0),
});

/**
 * One `relationships` row as the document's relationship, given the elements hydrated; null when
 * it does not read or an end is not among them. Pure, tested beside it.
 */
export function readRelationshipRow(raw: unknown, elements: Set<string>): RelationshipState | null {
  const row = RelationshipRowSchema.safeParse(raw);
  if (!row.success) return null;
  const r = row.data;
  const value = RelationshipValueSchema.safeParse({
    from: r.from_id,
    to: r.to_id,
    kind: r.kind,
    label: r.label ?? "",
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  if (!value.success || !elements.has(value.data.from) || !elements.has(value.data.to)) return null;
  return { id: r.id, ...value.data };
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
    rows: (db, worldId) =>
      db.prepare("select id, from_id, to_id, kind, label, created_at, updated_at from relationships where world_id = ? order by created_at, id").bind(worldId),
    hydrate: (rows, { worldId, document, hydrated }) => {
      const elements = hydrated.get("element") ?? new Set<string>();
      const known = new Set<string>();
      for (const raw of rows) {
        const relationship = readRelationshipRow(raw, elements);
        if (!relationship) {
          log.error("room.hydrate_skipped_relationship", {
            worldId,
            relationshipId: String((raw as { id?: unknown } | null)?.id ?? ""),
          });
          continue;
        }
        known.add(relationship.id);
        insertRelationship(document, relationship);
      }
      return known;
    },
    archive: ArchiveRelationshipSchema,
  };
}
