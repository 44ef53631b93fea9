// The element and relationship definitions are the one place their fields are written. These
// tests are the mistakes that would make them not be: a column the definition does not know, a
// body or archive that takes more (or less) than it declares, a secret that reaches a viewer, a
// derived shape that drifts from the wire format clients and archives already hold.
import { getTableColumns } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { elements, relationships, type ElementAssets, type ElementMetadata, type ElementType, type RelationshipKind } from "../../../drizzle/schema";
import { ArchiveElementSchema, ArchiveRelationshipSchema } from "../archive-format";
import { CreateRelationshipSchema, UpdateRelationshipSchema, createElementSchemaFor, updateElementSchemaFor } from "../graph";
import { bulkStatementsOf } from "../graph-rows";
import { ELEMENT_CONTENT_KEY_LAYOUT, element, type ElementLiveState, type ElementRowJson, type ElementValues, type ElementView } from "./element";
import { archiveEntryOf, columnsOf, fieldNames, rowOf, valuesOf, viewOf, type AnyEntity } from "./entity";
import { relationship, type RelationshipLiveState, type RelationshipView } from "./relationship";

const WORLD = "w1";
const ada: ElementValues = {
  id: "ada",
  type: "character",
  name: "Ada",
  aliases: [],
  description: "Keeps the *mill*.",
  secret: "The lost heir",
  position: { x: 10, y: -20.5 },
  tags: ["miller"],
  assets: { image: `worlds/${WORLD}/images/ada.png` },
  metadata: { provider: "local" },
  version: 3,
  createdBy: "u1",
  createdAt: Date.UTC(2025, 0, 2, 3, 4, 5),
  updatedAt: Date.UTC(2025, 0, 3, 3, 4, 5),
};

const definitions: Array<[string, AnyEntity, typeof elements | typeof relationships]> = [
  ["element", element, elements],
  ["relationship", relationship, relationships],
];

describe.each(definitions)("the %s definition and its D1 table", (_, definition, table) => {
  it("declares every column of the table: a column a migration adds but no field names fails here", () => {
    const declared = [...definition.scope, ...columnsOf(definition).map((c) => c.column)];
    expect(declared.sort()).toEqual(Object.keys(getTableColumns(table)).sort());
  });

  it("writes every column in its bulk insert, and an upsert never rewrites a row's id, author or creation time", () => {
    const { insert, upsert } = bulkStatementsOf(table, definition);
    const names = Object.values(getTableColumns(table)).map((c) => c.name);
    const listed = /\(([^)]*)\)/.exec(insert)![1]!.split(", ");
    expect(listed.sort()).toEqual(names.sort());
    const rewritten = upsert.slice(upsert.indexOf("do update set")).match(/(\w+) = excluded/g)!.map((m) => m.split(" ")[0]);
    expect(rewritten).not.toEqual(expect.arrayContaining(["id"]));
    expect(rewritten).not.toContain("world_id");
    expect(rewritten).not.toContain("created_at");
    expect(rewritten).not.toContain("created_by");
    expect(rewritten).toContain("updated_at");
  });
});

describe("an element's view (the API's DTO, the room's RPC answers, version snapshots)", () => {
  it("keeps the wire format clients and stored snapshots hold, key for key", () => {
    expect(JSON.stringify(viewOf(element, ada, true))).toBe(
      '{"id":"ada","type":"character","name":"Ada","aliases":[],"description":"Keeps the *mill*.","secret":"The lost heir","position":{"x":10,"y":-20.5},' +
        '"tags":["miller"],"assets":{"image":"worlds/w1/images/ada.png"},"metadata":{"provider":"local"},"version":3,' +
        '"createdAt":"2025-01-02T03:04:05.000Z","updatedAt":"2025-01-03T03:04:05.000Z"}',
    );
  });

  it("never gives a viewer a field only owners and editors see (not even empty)", () => {
    const hidden = fieldNames(element, { view: "editors" });
    expect(hidden).toEqual(["secret"]);
    const view = viewOf(element, ada);
    for (const field of hidden) expect(view).not.toHaveProperty(field);
    expect(JSON.stringify(view)).not.toContain("lost heir");
  });

  it("shows an editor an element without secret notes as an empty secret", () => {
    expect(viewOf(element, { ...ada, secret: null }, true).secret).toBe("");
  });

  it("reads the same from a D1 row as drizzle selects it (Dates, columns) and from the row as JSON", () => {
    const row = rowOf(element, ada);
    const selected = { ...row, worldId: WORLD, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) };
    expect(viewOf(element, valuesOf(element, selected), true)).toEqual(viewOf(element, valuesOf(element, row), true));
  });

  it("names the author nowhere: createdBy stays in D1 and the document", () => {
    expect(viewOf(element, ada, true)).not.toHaveProperty("createdBy");
  });
});

describe("a relationship's view", () => {
  it("is id, from, to, kind and label, read from fromId/toId of a D1 row", () => {
    const selected = { id: "r1", worldId: WORLD, fromId: "a", toId: "b", kind: "owns" as const, label: "", createdAt: new Date(0), updatedAt: new Date(0) };
    expect(JSON.stringify(viewOf(relationship, valuesOf(relationship, selected)))).toBe('{"id":"r1","from":"a","to":"b","kind":"owns","label":""}');
  });
});

describe("rows as JSON", () => {
  const values = fc.record({
    id: fc.stringMatching(/^[a-z0-9]{1,16}$/),
    type: fc.constantFrom<ElementType>("character", "lore"),
    name: fc.string({ minLength: 1 }),
    aliases: fc.array(fc.string()),
    description: fc.string(),
    secret: fc.option(fc.string(), { nil: null }),
    position: fc.record({ x: fc.double({ noNaN: true, noDefaultInfinity: true }), y: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
    tags: fc.array(fc.string()),
    assets: fc.constant<ElementAssets>({}),
    metadata: fc.constant<ElementMetadata>({}),
    version: fc.nat(),
    createdBy: fc.option(fc.string(), { nil: null }),
    createdAt: fc.nat(),
    updatedAt: fc.nat(),
  });

  it("spread an object field over its columns and read it back unchanged", () => {
    fc.assert(
      fc.property(values, (v) => {
        const row = rowOf(element, v);
        expect(Object.keys(row).sort()).toEqual(columnsOf(element).map((c) => c.rowKey).sort());
        expect(valuesOf(element, row)).toEqual(v);
      }),
    );
  });
});

describe("the API's bodies", () => {
  const inputs = (definition: AnyEntity, which: "create" | "update") =>
    Object.entries(definition.fields)
      .filter(([, spec]) => (which === "create" ? spec.input : spec.input?.update))
      .map(([name]) => name);

  it("take exactly the fields the definition lets the API set", () => {
    expect(Object.keys(createElementSchemaFor(WORLD).shape)).toEqual(inputs(element, "create"));
    expect(Object.keys(CreateRelationshipSchema.shape)).toEqual(inputs(relationship, "create"));
    expect(inputs(element, "create")).toEqual(["id", "type", "name", "aliases", "description", "secret", "position", "tags", "assets"]);
    expect(inputs(element, "update")).toEqual(["type", "name", "aliases", "description", "secret", "position", "tags", "assets"]);
    expect(inputs(relationship, "update")).toEqual(["kind", "label"]);
  });

  it("refuse what the room keeps (versions, times, authors, provenance), on create and on update", () => {
    for (const field of ["metadata", "version", "createdBy", "createdAt", "updatedAt"]) {
      expect(createElementSchemaFor(WORLD).safeParse({ type: "lore", name: "Mill", [field]: 1 }).success).toBe(false);
      expect(updateElementSchemaFor(WORLD).safeParse({ name: "Mill", [field]: 1 }).success).toBe(false);
    }
    expect(UpdateRelationshipSchema.safeParse({ kind: "owns", from: "a" }).success).toBe(false);
  });

  it("require what a new element or relationship cannot do without, and refuse an empty change", () => {
    expect(createElementSchemaFor(WORLD).safeParse({ name: "Mill" }).success).toBe(false);
    expect(createElementSchemaFor(WORLD).safeParse({ type: "lore", name: "Mill" }).success).toBe(true);
    expect(CreateRelationshipSchema.safeParse({ from: "a", kind: "owns" }).success).toBe(false);
    expect(updateElementSchemaFor(WORLD).safeParse({}).success).toBe(false);
    expect(UpdateRelationshipSchema.safeParse({}).success).toBe(false);
  });

  it("apply the field rules: another world's file is refused", () => {
    expect(createElementSchemaFor(WORLD).safeParse({ type: "lore", name: "Mill", assets: { image: "worlds/other/x.png" } }).success).toBe(false);
  });
});

describe("archive entries", () => {
  it("import reads back every field export writes that the definition puts in archives", () => {
    const view = viewOf(element, ada, true);
    const entry = { ...archiveEntryOf(element, view, true), assets: { image: "assets/ada.png" }, file: "elements/character/ada.md" };
    const read: Record<string, unknown> = ArchiveElementSchema.parse(entry);
    const written: Record<string, unknown> = entry;
    expect(Object.keys(read)).toEqual(Object.keys(ArchiveElementSchema.shape));
    for (const [field, value] of Object.entries(read)) expect(value).toEqual(written[field]);
  });

  it("read exactly the fields the definition puts in archives, and write the view's times and version too", () => {
    const fields: AnyEntity["fields"] = element.fields;
    const archived = Object.entries(fields).filter(([, spec]) => typeof spec.archive === "object").map(([name]) => name);
    expect(Object.keys(ArchiveElementSchema.shape)).toEqual(archived);
    expect(Object.keys(archiveEntryOf(element, viewOf(element, ada, true), true))).toEqual([...archived.slice(0, 10), "version", "createdAt", "updatedAt"]);
    expect(Object.keys(ArchiveRelationshipSchema.shape)).toEqual(["id", "from", "to", "kind", "label"]);
  });

  it("leave secrets out unless the export includes them, and import an archive without them", () => {
    const entry = archiveEntryOf(element, viewOf(element, ada, true), false);
    expect(entry).not.toHaveProperty("secret");
    expect(ArchiveElementSchema.parse({ ...entry, assets: {} }).secret).toBeUndefined();
  });

  it("fill what an older or hand-written archive leaves out with the definition's defaults", () => {
    expect(ArchiveElementSchema.parse({ id: "x", type: "lore", name: "Mill" })).toEqual({
      id: "x",
      type: "lore",
      name: "Mill",
      aliases: [],
      description: "",
      position: { x: 0, y: 0 },
      tags: [],
      assets: {},
      metadata: {},
    });
    expect(ArchiveRelationshipSchema.parse({ from: "a", to: "b", kind: "owns" })).toEqual({ from: "a", to: "b", kind: "owns", label: "" });
  });
});

describe("the live document", () => {
  it("keeps only the secret off it among content fields (the room's storage holds secrets alone)", () => {
    expect(fieldNames(element, { live: false })).toEqual(["secret"]);
    expect(ELEMENT_CONTENT_KEY_LAYOUT).toEqual(["type", "name", "aliases", "description", "tags", "assets", "metadata", "secret"]);
  });
});

// The types the room, the API and the editor use, derived from the definitions: written out here
// once, so a change to a definition that changes a wire shape is a decision, not an accident.
expectTypeOf<ElementView>().toEqualTypeOf<{
  id: string;
  type: ElementType;
  name: string;
  aliases: string[];
  description: string;
  secret?: string;
  position: { x: number; y: number };
  tags: string[];
  assets: ElementAssets;
  metadata: ElementMetadata;
  version: number;
  createdAt: string;
  updatedAt: string;
}>();
expectTypeOf<ElementLiveState>().toEqualTypeOf<Omit<ElementRowJson, "secret">>();
expectTypeOf<ElementRowJson["secret"]>().toEqualTypeOf<string | null>();
expectTypeOf<RelationshipView>().toEqualTypeOf<{ id: string; from: string; to: string; kind: RelationshipKind; label: string }>();
expectTypeOf<RelationshipLiveState>().toEqualTypeOf<{ id: string; from: string; to: string; kind: RelationshipKind; label: string; createdAt: number; updatedAt: number }>();
