// Hydration's select and row reading derive from an entity's definition and drizzle table. The
// mistakes they guard against: a column added to a definition (and its migration) that hydration
// never selects or reads, a select whose names do not match the row keys the reader expects, an
// order that changes how a room's document is filled, a damaged JSON column that throws.
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { elements, relationships } from "../../drizzle/schema";
import { element } from "./entities/element";
import { defineEntity } from "./entities/entity";
import { relationship } from "./entities/relationship";
import { selectStatementOf, storedRowReaderOf } from "./graph-rows";

// A test-only entity, before and after a migration that adds a `mood` column and a field for it.
const noteColumns = () => ({
  id: text("id").notNull(),
  worldId: text("world_id").notNull(),
  title: text("title").notNull().default(""),
  aside: text("aside"),
  px: real("px").notNull(),
  py: real("py").notNull(),
  extras: text("extras", { mode: "json" }).notNull().default(sql`'{}'`),
  createdAt: integer("created_at").notNull(),
});
const notes = sqliteTable("hydration_notes", noteColumns());
const notesWithMood = sqliteTable("hydration_notes", { ...noteColumns(), mood: text("mood").notNull().default("calm") });

const fields = {
  id: { column: "id", schema: z.string().regex(/^[a-z0-9]+$/), live: "key", view: "everyone", label: "id" },
  title: { column: "title", schema: z.string().max(10), live: { key: "title" }, view: "everyone", archive: { default: "" }, label: "title" },
  aside: { column: "aside", schema: z.string(), live: false, view: "editors", label: "aside" },
  place: { column: { x: "px", y: "py" }, schema: z.strictObject({ x: z.number(), y: z.number() }), live: { key: "place" }, view: "everyone", label: "place" },
  extras: { column: "extras", schema: z.record(z.string(), z.number()), live: { key: "extras" }, view: "everyone", label: "extras" },
  createdAt: { column: "createdAt", schema: z.number().min(0), live: { key: "createdAt" }, view: "everyone", label: "created at", repair: { default: 0 } },
} as const;
const note = defineEntity<typeof notes.$inferSelect>()({ table: "hydration_notes", scope: ["worldId"], fields });
const noteWithMood = defineEntity<typeof notesWithMood.$inferSelect>()({
  table: "hydration_notes",
  scope: ["worldId"],
  fields: { ...fields, mood: { column: "mood", schema: z.enum(["calm", "stormy"]), live: { key: "mood" }, view: "everyone", label: "mood" } },
});

async function storedNotes(table: typeof notes, entity: typeof note): Promise<unknown[]> {
  const { results } = await env.DB.prepare(selectStatementOf(table, entity, ["createdAt", "id"])).bind("w1").all();
  return results;
}

describe("hydration's select, derived from a definition and its table", () => {
  it("selects every column under its row key, scoped by ?1, in the order rows were made (ties by id)", () => {
    expect(selectStatementOf(elements, element, ["createdAt", "id"])).toBe(
      'select id as "id", type as "type", name as "name", aliases as "aliases", description as "description", secret as "secret", x as "x", y as "y", tags as "tags", assets as "assets", ' +
        'metadata as "metadata", version as "version", created_by as "createdBy", created_at as "createdAt", updated_at as "updatedAt" from elements where world_id = ?1 order by created_at, id',
    );
    expect(selectStatementOf(relationships, relationship, ["createdAt", "id"])).toBe(
      'select id as "id", from_id as "from", to_id as "to", kind as "kind", label as "label", created_at as "createdAt", updated_at as "updatedAt" from relationships where world_id = ?1 order by created_at, id',
    );
  });

  it("reads rows back from D1 in order, a null where the column may not hold one as the field's default, damaged JSON as a skipped row", async () => {
    await env.DB.prepare("drop table if exists hydration_notes").run();
    await env.DB.prepare("create table hydration_notes (id text not null, world_id text not null, title text, aside text, px real not null, py real not null, extras text not null, created_at integer not null)").run();
    const insert = env.DB.prepare("insert into hydration_notes values (?, ?, ?, ?, ?, ?, ?, ?)");
    await env.DB.batch([
      insert.bind("b", "w1", "second", null, 1, 2, '{"n":1}', 20),
      insert.bind("a", "w1", null, "psst", 0.5, -3, "{}", 20),
      insert.bind("c", "w1", "first", null, 0, 0, "{}", 10),
      insert.bind("d", "w1", "broken", null, 0, 0, '{"n":', 30),
      insert.bind("e", "w2", "elsewhere", null, 0, 0, "{}", 5),
    ]);
    const read = storedRowReaderOf(notes, note);
    expect((await storedNotes(notes, note)).map((raw) => read(raw, "w1"))).toEqual([
      { ok: true, repaired: [], row: { id: "c", title: "first", aside: null, x: 0, y: 0, extras: {}, createdAt: 10 } },
      { ok: true, repaired: [], row: { id: "a", title: "", aside: "psst", x: 0.5, y: -3, extras: {}, createdAt: 20 } },
      { ok: true, repaired: [], row: { id: "b", title: "second", aside: null, x: 1, y: 2, extras: { n: 1 }, createdAt: 20 } },
      { ok: false, id: "d", column: "extras" },
    ]);
  });

  it("selects and reads a column added to the definition and its table, with nothing else edited", async () => {
    await env.DB.prepare("drop table if exists hydration_notes").run();
    await env.DB.prepare("create table hydration_notes (id text not null, world_id text not null, title text, aside text, px real not null, py real not null, extras text not null, created_at integer not null)").run();
    await env.DB.prepare("insert into hydration_notes values ('a', 'w1', 'note', null, 0, 0, '{}', 1)").run();
    await env.DB.prepare("alter table hydration_notes add column mood text not null default 'calm'").run();
    await env.DB.prepare("insert into hydration_notes values ('b', 'w1', 'note', null, 0, 0, '{}', 2, 'stormy')").run();
    const { results } = await env.DB.prepare(selectStatementOf(notesWithMood, noteWithMood, ["createdAt", "id"])).bind("w1").all();
    const read = storedRowReaderOf(notesWithMood, noteWithMood);
    expect(results.map((raw) => read(raw, "w1"))).toMatchObject([
      { ok: true, row: { id: "a", mood: "calm" } },
      { ok: true, row: { id: "b", mood: "stormy" } },
    ]);
    // A stored value the new field's rule refuses leaves the row out, naming the column.
    expect(read({ ...results[0], mood: "giddy" }, "w1")).toEqual({ ok: false, id: "a", column: "mood" });
  });

  it("repairs only what the definition says how to, and reads the repair through the rule too", () => {
    const read = storedRowReaderOf(notes, note);
    const stored = { id: "a", title: "t", aside: null, x: 0, y: 0, extras: "{}", createdAt: 1 };
    expect(read({ ...stored, createdAt: "yesterday" }, "w1")).toEqual({ ok: true, repaired: ["created_at"], row: { ...stored, extras: {}, createdAt: 0 } });
    expect(read({ ...stored, title: "far too long a title" }, "w1")).toEqual({ ok: false, id: "a", column: "title" });
    expect(read({ ...stored, y: null }, "w1")).toEqual({ ok: false, id: "a", column: "py" });
  });

  it("refuses a definition with a field it could not read", () => {
    const unread = defineEntity<typeof notes.$inferSelect>()({ table: "hydration_notes", scope: ["worldId"], fields: { ...fields, title: { column: "title", live: { key: "title" }, view: "everyone", label: "title" } } });
    expect(() => storedRowReaderOf(notes, unread)).toThrow(/title has no schema/);
  });
});
