// An element, declared once (ADR 19): each field's D1 column, rule, place in the live document,
// who sees it, whether the API and archives carry it, and how a person names it. Adding a field is
// one entry here plus a migration (the ADR lists the steps).
import type { elements } from "../../../drizzle/schema";
import {
  AliasesSchema,
  AuthorSchema,
  DescriptionSchema,
  ElementTypeSchema,
  IdSchema,
  MetadataSchema,
  NameSchema,
  PositionSchema,
  SecretSchema,
  TagsSchema,
  TimeSchema,
  VersionSchema,
  assetsSchemaFor,
  ownAssets,
} from "../element-fields";
import { coveringEveryColumn, defineEntity, fieldNames, type LiveStateOf, type RowJsonOf, type ValuesOf, type ViewOf } from "./entity";

export const element = coveringEveryColumn(
  defineEntity<typeof elements.$inferSelect>()({
    table: "elements",
    scope: ["worldId"],
    // In the order views, archives and the API's bodies list them.
    fields: {
      id: { column: "id", schema: IdSchema, live: "key", view: "everyone", input: { create: "optional" }, archive: {}, fixed: true, label: "id" },
      type: { column: "type", schema: ElementTypeSchema, live: { key: "type" }, view: "everyone", input: { create: "required", update: true }, archive: {}, content: true, label: "type" },
      name: { column: "name", schema: NameSchema, live: { key: "name" }, view: "everyone", input: { create: "required", update: true }, archive: {}, content: true, label: "name" },
      aliases: {
        column: "aliases",
        schema: AliasesSchema,
        live: { key: "aliases" },
        view: "everyone",
        input: { create: "optional", update: true },
        archive: { default: [] },
        content: true,
        label: "other names",
        repair: { default: [] },
      },
      description: {
        column: "description",
        schema: DescriptionSchema,
        live: { key: "description", text: true },
        view: "everyone",
        input: { create: "optional", update: true },
        archive: { default: "" },
        content: true,
        label: "description",
      },
      // Markdown only owners and editors ever receive (catalogue B8): never in the live document,
      // which every client receives whole; the room keeps it in its own storage and D1.
      secret: {
        column: "secret",
        schema: SecretSchema,
        live: false,
        view: "editors",
        viewAs: "text",
        input: { create: "optional", update: true },
        archive: {},
        content: true,
        label: "secret notes",
        // Stored text that is not text is no secret; text over the limit leaves the element out of
        // the room (its row stays in D1) rather than being cut.
        repair: (stored) => (typeof stored === "string" ? stored : null),
      },
      position: {
        column: { x: "x", y: "y" },
        schema: PositionSchema,
        live: { key: "pos" },
        view: "everyone",
        input: { create: "optional", update: true },
        archive: { default: { x: 0, y: 0 } },
        label: "place on the canvas",
      },
      tags: { column: "tags", schema: TagsSchema, live: { key: "tags" }, view: "everyone", input: { create: "optional", update: true }, archive: { default: [] }, content: true, label: "tags" },
      assets: {
        column: "assets",
        schema: assetsSchemaFor,
        live: { key: "media", part: true },
        view: "everyone",
        input: { create: "optional", update: true },
        archive: { default: {} },
        content: true,
        label: "media",
        repair: ownAssets,
      },
      // Who and what made the text and media (catalogue C7): written by generation, not by bodies.
      metadata: { column: "metadata", schema: MetadataSchema, live: { key: "media", part: true }, view: "everyone", archive: { default: {} }, content: true, label: "details" },
      // Kept by the room: versions and times are never edited field by field.
      // A stored one that does not read is repaired to its default when the room hydrates.
      version: { column: "version", schema: VersionSchema, live: { key: "meta", part: true }, view: "everyone", archive: "written", label: "version", repair: { default: 0 } },
      createdBy: { column: "createdBy", schema: AuthorSchema, live: { key: "meta", part: true }, view: false, fixed: true, label: "created by", repair: { default: null } },
      createdAt: {
        column: "createdAt",
        schema: TimeSchema,
        live: { key: "meta", part: true },
        view: "everyone",
        viewAs: "time",
        archive: "written",
        fixed: true,
        label: "created at",
        repair: { default: 0 },
      },
      updatedAt: { column: "updatedAt", schema: TimeSchema, live: { key: "meta", part: true }, view: "everyone", viewAs: "time", archive: "written", label: "updated at", repair: { default: 0 } },
    },
  }),
);

export type ElementValues = ValuesOf<typeof element>;
/** An `elements` row as JSON (graph-rows.ts writes these in bulk). */
export type ElementRowJson = RowJsonOf<typeof element>;
/** An element as the live document holds it (graph-doc.ts): its row without the secret. */
export type ElementLiveState = LiveStateOf<typeof element>;
/** An element as the API and the room's RPC show it; `secret` only for owners and editors. */
export type ElementView = ViewOf<typeof element>;

/**
 * The fields whose change is a change of content (a new version; moves and stamps are not): those
 * in the live document, then those kept off it. The room's content keys list them in this order.
 */
const hiddenContent = fieldNames(element, { content: true, live: false });
export const ELEMENT_CONTENT_FIELDS = fieldNames(element, { content: true }).filter(
  (field): field is Exclude<typeof field, (typeof hiddenContent)[number]> => !hiddenContent.some((hidden) => hidden === field),
);
export const ELEMENT_CONTENT_KEY_LAYOUT = [...ELEMENT_CONTENT_FIELDS, ...hiddenContent];
