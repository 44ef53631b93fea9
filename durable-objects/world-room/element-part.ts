import { z } from "zod";
import { ArchiveElementSchema } from "../../workers/domain/archive-format";
import { elementSchemaFor, firstIssue } from "../../workers/domain/element-fields";
import { parseJsonWith } from "../../workers/lib/json";
import { log } from "../../workers/lib/log";
import type { EntityPart, Hydration } from "./entity-part";
import { contentKey, elementsOf, insertElement, touchedIds, type ElementState } from "./graph-doc";
import type { RoomStorage } from "./room-storage";
import { ownAssets } from "./views";

/**
 * An `elements` row as hydration selects it, column by column in SQLite's own types. The fields
 * are then read as an element (elementSchemaFor, the one definition the API and the room use).
 */
const ElementRowSchema = z.object({
  id: z.string(),
  type: z.unknown(),
  name: z.unknown(),
  description: z.string().nullable(),
  secret: z.string().nullable().catch(null),
  x: z.unknown(),
  y: z.unknown(),
  tags: z.string().nullable(),
  assets: z.string().nullable(),
  metadata: z.string().nullable(),
  version: z.unknown(),
  created_by: z.unknown(),
  created_at: z.unknown(),
  updated_at: z.unknown(),
});
type ElementRow = z.output<typeof ElementRowSchema>;

/** The bookkeeping columns: one that does not read is repaired to its default (and logged). */
const ELEMENT_META = {
  version: { schema: z.number().int().min(0), fallback: 0 },
  created_by: { schema: z.string().nullable(), fallback: null },
  created_at: { schema: z.number().finite().min(0), fallback: 0 },
  updated_at: { schema: z.number().finite().min(0), fallback: 0 },
} as const;

/**
 * One `elements` row as the document's element, or why it cannot be one. Pure: hydration's
 * reading of D1, tested beside it.
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
  const row = ElementRowSchema.safeParse(raw);
  if (!row.success) return { ok: false, id: idOf(raw), field: firstIssue(row.error).field };
  const r: ElementRow = row.data;
  const fields = elementSchemaFor(worldId).safeParse({
    id: r.id,
    type: r.type,
    name: r.name,
    description: r.description ?? "",
    x: r.x,
    y: r.y,
    tags: parseJsonWith(z.unknown(), r.tags ?? "[]"),
    assets: ownAssets(parseJsonWith(z.unknown(), r.assets ?? "{}"), worldId),
    metadata: parseJsonWith(z.unknown(), r.metadata ?? "{}"),
  });
  if (!fields.success) return { ok: false, id: r.id, field: firstIssue(fields.error).field };
  const repaired: string[] = [];
  const meta = <K extends keyof typeof ELEMENT_META>(column: K) => {
    const read = ELEMENT_META[column].schema.safeParse(r[column]);
    if (read.success) return read.data;
    repaired.push(column);
    return ELEMENT_META[column].fallback;
  };
  const element: ElementState = {
    ...fields.data,
    version: meta("version") as number,
    createdBy: meta("created_by") as string | null,
    createdAt: meta("created_at") as number,
    updatedAt: meta("updated_at") as number,
  };
  return { ok: true, element, secret: r.secret, repaired };
}

const idOf = (raw: unknown) => String((raw as { id?: unknown } | null)?.id ?? "");

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
    rows: (db, worldId) =>
      db
        .prepare(
          "select id, type, name, description, secret, x, y, tags, assets, metadata, version, created_by, created_at, updated_at from elements where world_id = ? order by created_at, id",
        )
        .bind(worldId),
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
