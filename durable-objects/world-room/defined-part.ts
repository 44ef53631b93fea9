import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { IdSchema, firstIssue, perWorld } from "../../workers/domain/element-fields";
import { archiveShapeOf, rowOf, valuesOf, type AnyEntity, type FieldSpec, type ValuesOf } from "../../workers/domain/entities/entity";
import { bulkStatementsOf, chunkJson, selectStatementOf, storedRowReaderOf } from "../../workers/domain/graph-rows";
import { log } from "../../workers/lib/log";
import type { EntityPart } from "./entity-part";
import { touchedIds } from "./graph-doc";
import type { EntryRefusal } from "./update-rules";

/** Where a definedPart keeps its entities, and how refusals and logs name one. */
export type DefinedPartOptions = {
  /** Its collection's name: the projection's marks and logs (`pin`). */
  name: string;
  /** Its top-level Yjs map (`pins`). */
  map: string;
  /** Archive schemas of fields whose rule depends on the world (archiveShapeOf's overrides). */
  archive?: Record<string, z.ZodType>;
};

type Spec = FieldSpec<Record<string, unknown>>;
/** One key of an entity's value in the document: a field, or a plain object of fields (`part`). */
type Slot = { key: string; fields: Array<[name: string, spec: Spec]>; part: boolean };

/**
 * A live entity of the world as one part, derived from its definition (workers/domain/entities,
 * ADR 19) and its drizzle table. In the document, `doc.getMap(map)` holds each entity under its id
 * (the field whose `live` is `"key"`) as one plain value: an object with a key per field
 * (`live: { key }`), or per group of fields (`live: { key, part: true }`). Last writer wins per
 * entity, as for relationships.
 *
 * - rules: a live update may write one such value under an id, each key read by its field's
 *   `schema`, no key missing and none more; anything else is refused naming the field.
 * - projection: marked ids the document holds are upserted, those it no longer holds deleted
 *   (graph-rows.ts's statements from the definition); a value that does not read is left as D1
 *   has it, and logged.
 * - hydration: the scope's rows, each read back through the same schemas (one that does not read
 *   is left out and logged).
 *
 * Every field must be in the document with a rule of its own (any client can send any value), and
 * none may be shared text: an entity with a Y.Text or fields kept off the document (as an
 * element's description and secret) needs a part written by hand.
 */
export function definedPart<E extends AnyEntity>(definition: E, table: SQLiteTable, options: DefinedPartOptions): EntityPart {
  const { name, map } = options;
  const statements = bulkStatementsOf(table, definition);
  let idField: string | null = null;
  const slots = new Map<string, Slot>();
  for (const [field, spec] of Object.entries(definition.fields) as Array<[string, Spec]>) {
    if (spec.live === "key") {
      if (idField !== null) throw new Error(`${name}: two fields are its key`);
      idField = field;
      continue;
    }
    if (spec.live === false) throw new Error(`${name}: the field ${field} is kept off the document; a part with hidden fields is written by hand`);
    if ("text" in spec.live) throw new Error(`${name}: the field ${field} is shared text; a part with shared text is written by hand`);
    if (!spec.schema) throw new Error(`${name}: the field ${field} has no rule, and any client can write any value`);
    const part = "part" in spec.live;
    const slot = slots.get(spec.live.key) ?? { key: spec.live.key, fields: [], part };
    if (slot.part !== part || (!part && slot.fields.length > 0)) throw new Error(`${name}: the key ${spec.live.key} is given to more than one field`);
    slot.fields.push([field, spec]);
    slots.set(spec.live.key, slot);
  }
  if (idField === null) throw new Error(`${name}: no field is its key`);
  const key = idField;
  // Hydration's select and the reading of its rows, derived like the writes (graph-rows.ts).
  const select = selectStatementOf(table, definition);
  const readStored = storedRowReaderOf(table, definition);

  const ruleOf = (spec: Spec, worldId: string) => (typeof spec.schema === "function" ? spec.schema(worldId) : spec.schema!);
  /** The value an entity is kept as in the document, as a schema (per world: media rules name its files). */
  const liveSchemaFor = perWorld((worldId) =>
    z.strictObject(
      Object.fromEntries(
        [...slots.values()].map((slot) => [
          slot.key,
          slot.part ? z.strictObject(Object.fromEntries(slot.fields.map(([field, spec]) => [field, ruleOf(spec, worldId)]))) : ruleOf(slot.fields[0]![1], worldId),
        ]),
      ),
    ),
  );
  const liveOf = (values: Record<string, unknown>) =>
    Object.fromEntries([...slots.values()].map((slot) => [slot.key, slot.part ? Object.fromEntries(slot.fields.map(([field]) => [field, values[field]])) : values[slot.fields[0]![0]]]));
  const valuesOfLive = (id: string, live: Record<string, unknown>): Record<string, unknown> => {
    const values: Record<string, unknown> = { [key]: id };
    for (const slot of slots.values()) {
      for (const [field] of slot.fields) values[field] = slot.part ? (live[slot.key] as Record<string, unknown>)[field] : live[slot.key];
    }
    return values;
  };
  const refusal = (field: string, message: string): EntryRefusal => ({ code: "invalid_element", message, field });

  return {
    name,
    map,
    type: (doc) => doc.getMap(map) as never,
    touched: touchedIds,
    rules: ({ where, content }, { worldId }) => {
      if (content.ref !== "any" || content.values.length !== 1) return refusal(where, `A ${name} must be one plain value (${where}).`);
      const read = liveSchemaFor(worldId).safeParse(content.values[0]);
      if (read.success) return null;
      const issue = firstIssue(read.error, where);
      return refusal(issue.field, `That ${name} is not valid (${issue.field}): ${issue.message}.`);
    },
    project: (ids, { document, db, worldId }) => {
      const entries = document.getMap(map);
      const removed: string[] = [];
      const rows: unknown[] = [];
      for (const id of ids) {
        if (!entries.has(id)) {
          removed.push(id);
          continue;
        }
        // The rules let only valid values in; one that still does not read is not written over D1's.
        const read = liveSchemaFor(worldId).safeParse(entries.get(id));
        if (!read.success) {
          log.error("room.project_skipped_entry", { worldId, part: name, id, issue: firstIssue(read.error).field });
          continue;
        }
        rows.push(rowOf(definition, valuesOfLive(id, read.data) as ValuesOf<E>));
      }
      return [
        ...(removed.length ? [db.prepare(statements.remove).bind(worldId, JSON.stringify(removed))] : []),
        ...chunkJson(rows).map((json) => db.prepare(statements.upsert).bind(worldId, json)),
      ];
    },
    rows: (db, worldId) => db.prepare(select).bind(worldId),
    hydrate: (rows, { worldId, document }) => {
      const entries = document.getMap(map);
      const known = new Set<string>();
      for (const raw of rows) {
        // Each field read through its rule (graph-rows.ts); the live value read once more as the document holds it.
        const stored = readStored(raw, worldId);
        if (!stored.ok) {
          log.error("room.hydrate_skipped_entry", { worldId, part: name, id: stored.id, issue: stored.column });
          continue;
        }
        const values: Record<string, unknown> = valuesOf(definition, stored.row);
        const id = IdSchema.safeParse(values[key]);
        const live = liveSchemaFor(worldId).safeParse(liveOf(values));
        if (!id.success || !live.success) {
          log.error("room.hydrate_skipped_entry", { worldId, part: name, id: String(values[key] ?? ""), issue: live.success ? key : firstIssue(live.error).field });
          continue;
        }
        entries.set(id.data, live.data);
        known.add(id.data);
      }
      return known;
    },
    archive: z.object(archiveShapeOf(definition, (options.archive ?? {}) as never)),
  };
}
