// A relationship, declared once (ADR 19); see element.ts. In the live document a relationship is
// one plain value under its id, holding every field but the id.
import type { relationships } from "../../../drizzle/schema";
import { IdSchema, LabelSchema, RelationshipKindSchema, TimeSchema } from "../element-fields";
import { coveringEveryColumn, defineEntity, type LiveStateOf, type RowJsonOf, type ValuesOf, type ViewOf } from "./entity";

export const relationship = coveringEveryColumn(
  defineEntity<typeof relationships.$inferSelect>()({
    table: "relationships",
    scope: ["worldId"],
    fields: {
      id: { column: "id", schema: IdSchema, live: "key", view: "everyone", input: { create: "optional" }, archive: {}, fixed: true, label: "id" },
      from: { column: "fromId", schema: IdSchema, live: { key: "from" }, view: "everyone", input: { create: "required" }, archive: {}, label: "from" },
      to: { column: "toId", schema: IdSchema, live: { key: "to" }, view: "everyone", input: { create: "required" }, archive: {}, label: "to" },
      kind: { column: "kind", schema: RelationshipKindSchema, live: { key: "kind" }, view: "everyone", input: { create: "required", update: true }, archive: {}, label: "kind" },
      label: { column: "label", schema: LabelSchema, live: { key: "label" }, view: "everyone", input: { create: "optional", update: true }, archive: { default: "" }, label: "label" },
      createdAt: { column: "createdAt", schema: TimeSchema, live: { key: "createdAt" }, view: false, fixed: true, label: "created at", repair: { default: 0 } },
      updatedAt: { column: "updatedAt", schema: TimeSchema, live: { key: "updatedAt" }, view: false, label: "updated at", repair: { default: 0 } },
    },
  }),
);

export type RelationshipValues = ValuesOf<typeof relationship>;
/** A `relationships` row as JSON (graph-rows.ts writes these in bulk). */
export type RelationshipRowJson = RowJsonOf<typeof relationship>;
/** A relationship as the live document holds it (graph-doc.ts). */
export type RelationshipLiveState = LiveStateOf<typeof relationship>;
export type RelationshipView = ViewOf<typeof relationship>;
