// A live entity added as one part (defined-part.ts), declared only here: a map pin with a label,
// a place, an optional element it stands for, tags and times. Its rules are asked by
// update-rules.ts for writes under its map, its projection writes real D1 rows, and hydration
// reads them back; the world's other maps and the room class are not touched.
import { env, runInDurableObject } from "cloudflare:test";
import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { z } from "zod";
import { IdSchema, PositionSchema, TagsSchema } from "../../workers/domain/element-fields";
import { coveringEveryColumn, defineEntity } from "../../workers/domain/entities/entity";
import { readUpdate } from "../live-room/update-check";
import { definedPart } from "./defined-part";
import type { EntityPart } from "./entity-part";
import { insertElement, type ElementState } from "./graph-doc";
import { WorldProjection } from "./projection";
import { RoomStorage } from "./room-storage";
import { RelayedIndex, roomView } from "./room-view";
import { checkUpdate, type Verdict } from "./update-rules";
import { partRules, worldParts } from "./world-kind";

const WORLD = "world00000000001";

const pins = sqliteTable(
  "test_pins",
  {
    worldId: text("world_id").notNull(),
    id: text("id").notNull(),
    label: text("label").notNull(),
    x: real("x").notNull(),
    y: real("y").notNull(),
    elementId: text("element_id"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.worldId, t.id] })],
);
const TIME = z.number().int().min(0);

const pin = coveringEveryColumn(
  defineEntity<typeof pins.$inferSelect>()({
    table: "test_pins",
    scope: ["worldId"],
    fields: {
      id: { column: "id", schema: IdSchema, live: "key", view: "everyone", label: "id" },
      label: { column: "label", schema: z.string().trim().min(1).max(80), live: { key: "label" }, view: "everyone", label: "label" },
      position: { column: { x: "x", y: "y" }, schema: PositionSchema, live: { key: "pos" }, view: "everyone", label: "place on the map" },
      element: { column: "elementId", schema: IdSchema.nullable(), live: { key: "element" }, view: "everyone", label: "element" },
      tags: { column: "tags", schema: TagsSchema, live: { key: "tags" }, view: "everyone", label: "tags" },
      createdAt: { column: "createdAt", schema: TIME, live: { key: "meta", part: true }, view: "everyone", label: "created at" },
      updatedAt: { column: "updatedAt", schema: TIME, live: { key: "meta", part: true }, view: "everyone", label: "updated at" },
    },
  }),
);

const pinPart = definedPart(pin, pins, { name: "pin", map: "pins" });
// The world's parts as the room has them, and the pin beside them (the store is not reached by rules).
const parts: EntityPart[] = [
  ...worldParts(() => {
    throw new Error("no storage in this test");
  }),
  pinPart,
];

const value = (overrides: Record<string, unknown> = {}) => ({
  label: "The Drowned Bell",
  pos: { x: 12.5, y: -3 },
  element: "aaa",
  tags: ["coast"],
  meta: { createdAt: 1, updatedAt: 2 },
  ...overrides,
});

const element: ElementState = {
  id: "aaa", type: "location", name: "Thornwall", aliases: [], description: "", x: 0, y: 0, tags: [], assets: {}, metadata: {}, version: 1, createdBy: null, createdAt: 1, updatedAt: 1,
};

/** A room's document with one element and one pin, checking updates as the world kind does. */
function setup(withParts: readonly EntityPart[] = parts) {
  const doc = new Y.Doc();
  doc.transact(() => {
    insertElement(doc, element);
    doc.getMap("pins").set("pin1", value());
  });
  const { rules, maps } = partRules(withParts);
  const relayed = new RelayedIndex();
  const waiting: Uint8Array[] = [];
  function send(change: (copy: Y.Doc) => void, relay = false): Verdict {
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    const updates: Uint8Array[] = [];
    copy.on("update", (update: Uint8Array) => updates.push(update));
    copy.transact(() => change(copy));
    const update = Y.mergeUpdates(updates);
    const verdict = checkUpdate(readUpdate(update)!, roomView(doc, relayed, () => null, maps), { id: "mallory" }, WORLD, rules);
    if (verdict.ok && relay) {
      relayed.add(verdict);
      waiting.push(update);
    } else if (verdict.ok) Y.applyUpdate(doc, update);
    return verdict;
  }
  return { doc, send };
}

describe("a live update under a part's map", () => {
  for (const relay of [false, true]) {
    const path = relay ? " (relay path)" : "";
    it(`is accepted when it writes a valid pin, replaces one or deletes one${path}`, () => {
      const room = setup();
      expect(room.send((d) => d.getMap("pins").set("pin2", value({ element: null })), relay)).toMatchObject({ ok: true, changes: true });
      expect(room.send((d) => d.getMap("pins").set("pin1", value({ label: "Bell Rock" })), relay)).toMatchObject({ ok: true });
      expect(room.send((d) => d.getMap("pins").delete("pin1"), relay)).toMatchObject({ ok: true });
    });

    const cases: Array<[string, (d: Y.Doc) => void, string, string]> = [
      ["gives a pin an empty label", (d) => d.getMap("pins").set("pin1", value({ label: "  " })), "invalid_element", "pins.pin1.label"],
      ["gives a pin a place that is not a number", (d) => d.getMap("pins").set("pin2", value({ pos: { x: "left", y: 0 } })), "invalid_element", "pins.pin2.pos.x"],
      ["gives a pin a time as text", (d) => d.getMap("pins").set("pin2", value({ meta: { createdAt: "now", updatedAt: 2 } })), "invalid_element", "pins.pin2.meta.createdAt"],
      ["adds a key pins do not have", (d) => d.getMap("pins").set("pin2", value({ script: "<b>" })), "invalid_element", "pins.pin2"],
      ["leaves out a key", (d) => d.getMap("pins").set("pin2", { label: "x", pos: { x: 0, y: 0 } }), "invalid_element", "pins.pin2.element"],
      ["writes a pin as a plain string", (d) => d.getMap("pins").set("pin2", "hello"), "invalid_element", "pins.pin2"],
      ["writes a pin as a shared map", (d) => d.getMap("pins").set("pin2", new Y.Map()), "invalid_element", "pins.pin2"],
      ["writes a pin whose id is not one of ours", (d) => d.getMap("pins").set("Not An Id!", value()), "invalid_element", "pins"],
      ["writes a map no part declares", (d) => d.getMap("notes").set("n1", "hi"), "invalid_update", "document"],
    ];
    for (const [what, change, code, field] of cases) {
      it(`is refused when it ${what}${path}`, () => {
        const room = setup();
        const before = JSON.stringify(room.doc.getMap("pins").toJSON());
        expect(room.send(change, relay)).toMatchObject({ ok: false, code, field });
        expect(JSON.stringify(room.doc.getMap("pins").toJSON())).toBe(before);
      });
    }
  }

  it("is refused as any unknown map when no part declares the map (as before parts had rules)", () => {
    const room = setup(parts.filter((part) => part !== pinPart));
    expect(room.send((d) => d.getMap("pins").set("pin2", value()))).toMatchObject({ ok: false, code: "invalid_update", field: "document" });
  });

  it("is refused when it writes inside a pin's value, even one stored before the rules", () => {
    const room = setup();
    // A pin held as a shared map (as a document written without the rules could hold one).
    room.doc.transact(() => room.doc.getMap("pins").set("old", new Y.Map([["label", "x"]])));
    expect(room.send((d) => (d.getMap("pins").get("old") as Y.Map<unknown>).set("label", "y"))).toMatchObject({ ok: false, code: "invalid_update", field: "document" });
  });

  it("leaves elements and relationships to update-rules.ts's own rules", () => {
    const room = setup();
    const mapOf = (d: Y.Doc) => d.getMap<Y.Map<unknown>>("elements").get("aaa")!;
    expect(room.send((d) => mapOf(d).set("name", ""))).toMatchObject({ ok: false, code: "invalid_element", field: "elements.aaa.name" });
    expect(room.send((d) => mapOf(d).set("name", "Thornwall Keep"))).toMatchObject({ ok: true });
  });
});

describe("the parts of a world", () => {
  it("may not share a map or a name, and only the graph's maps take the graph's rules", () => {
    expect(() => partRules([...parts, definedPart(pin, pins, { name: "marker", map: "pins" })])).toThrow(/pins/);
    expect(() => partRules([...parts, { ...pinPart, name: "other", map: "others", rules: "graph" }])).toThrow(/graph/);
    expect(() => partRules([...parts, { ...pinPart, name: "elementish", map: "elements" }])).toThrow(/elements|graph/);
  });

  it("a definition the generic part cannot guard is refused when the part is made", () => {
    const unguarded = { ...pin, fields: { ...pin.fields, label: { ...pin.fields.label, schema: undefined } } };
    expect(() => definedPart(unguarded, pins, { name: "pin", map: "pins" })).toThrow(/label has no rule/);
    const hidden = { ...pin, fields: { ...pin.fields, label: { ...pin.fields.label, live: false as const } } };
    expect(() => definedPart(hidden, pins, { name: "pin", map: "pins" })).toThrow(/off the document/);
  });
});

describe("a part's projection and hydration", () => {
  beforeAll(async () => {
    await env.DB.prepare(
      "create table if not exists test_pins (world_id text not null, id text not null, label text not null, x real not null, y real not null, element_id text, tags text not null, created_at integer not null, updated_at integer not null, primary key (world_id, id))",
    ).run();
  });

  it("upserts the pins the document holds, deletes those it no longer does, and reads them back", async () => {
    const db = env.DB;
    // D1 has pin1 (old label) and pin9; the document has pin1 renamed and pin2, and no pin9.
    await db
      .prepare("insert into test_pins (world_id, id, label, x, y, element_id, tags, created_at, updated_at) values (?, 'pin1', 'Old', 0, 0, null, '[]', 1, 1), (?, 'pin9', 'Gone', 0, 0, null, '[]', 1, 1)")
      .bind(WORLD, WORLD)
      .run();
    const doc = new Y.Doc();
    doc.transact(() => {
      doc.getMap("pins").set("pin1", value());
      doc.getMap("pins").set("pin2", value({ label: "Saltmarsh", element: null, tags: [] }));
    });
    const statements = pinPart.project === "graph" ? [] : pinPart.project(["pin1", "pin2", "pin9"], { document: doc, db, worldId: WORLD, now: 5 });
    expect(statements).toHaveLength(2);
    await db.batch(statements);
    const rows = await db.prepare("select id, label, x, y, element_id, tags, created_at, updated_at from test_pins where world_id = ? order by id").bind(WORLD).all();
    expect(rows.results).toEqual([
      { id: "pin1", label: "The Drowned Bell", x: 12.5, y: -3, element_id: "aaa", tags: '["coast"]', created_at: 1, updated_at: 2 },
      { id: "pin2", label: "Saltmarsh", x: 12.5, y: -3, element_id: null, tags: "[]", created_at: 1, updated_at: 2 },
    ]);

    // A room with no storage reads them back into its document as they were.
    const found = await pinPart.rows(db, WORLD).all();
    const fresh = new Y.Doc();
    const known = fresh.transact(() => pinPart.hydrate(found.results, { worldId: WORLD, document: fresh, store: null as never, hydrated: new Map() }));
    expect([...known].sort()).toEqual(["pin1", "pin2"]);
    expect(fresh.getMap("pins").toJSON()).toEqual(doc.getMap("pins").toJSON());
  });

  it("leaves out a row that does not read, and keeps D1's row when the document's value does not", async () => {
    const db = env.DB;
    const doc = new Y.Doc();
    doc.transact(() => doc.getMap("pins").set("bad", { label: 7 }));
    expect(pinPart.project === "graph" ? null : pinPart.project(["bad"], { document: doc, db, worldId: WORLD, now: 5 })).toEqual([]);
    const fresh = new Y.Doc();
    const known = pinPart.hydrate([{ id: "pin3", label: "", x: 0, y: 0, element: null, tags: "[]", createdAt: 1, updatedAt: 1 }], { worldId: WORLD, document: fresh, store: null as never, hydrated: new Map() });
    expect(known.size).toBe(0);
    expect(fresh.getMap("pins").size).toBe(0);
  });
});

describe("the world's projection batch", () => {
  it("writes a part's marked ids with the graph's, in one batch, and clears their marks", async () => {
    const worldId = "world00000000002";
    await env.DB.prepare(
      "create table if not exists test_pins (world_id text not null, id text not null, label text not null, x real not null, y real not null, element_id text, tags text not null, created_at integer not null, updated_at integer not null, primary key (world_id, id))",
    ).run();
    await runInDurableObject(env.WORLD_ROOM.getByName("parts-projection"), async (_room, state) => {
      const store = new RoomStorage(state.storage.sql);
      const doc = new Y.Doc();
      doc.transact(() => doc.getMap("pins").set("pin7", value({ element: null })));
      store.markDirty("pin", ["pin7"]);
      const projection = new WorldProjection({
        store: () => store,
        document: () => doc,
        db: () => env.DB,
        worldId: () => worldId,
        clock: () => Date.now(),
        catchUp: () => undefined,
        scheduleAlarm: async () => undefined,
        newId: () => "history000000001",
        parts: [...worldParts(() => store), pinPart],
      });
      expect(await projection.projectBatch(100)).toBe(false);
      expect(store.dirtyCount()).toBe(0);
      expect(await projection.projectBatch(100), "nothing left to write").toBe(false);
    });
    const rows = await env.DB.prepare("select id, label from test_pins where world_id = ?").bind(worldId).all();
    expect(rows.results).toEqual([{ id: "pin7", label: "The Drowned Bell" }]);
  });
});
