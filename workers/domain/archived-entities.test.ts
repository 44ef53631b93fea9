// The generic path for the world's other entities derives from each entry of the list. The
// mistakes guarded against: an entry whose import could not make a whole row (a field the archive
// does not hold and nothing gives), hidden values a fork or an export without secrets could not
// leave out, a copy that carries hidden values to someone who may not see them, a time written as
// ISO text that import cannot read back, and the world's own archives changing shape.
import { env } from "cloudflare:workers";
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { archivedEntriesShape, copyArchivedRows, readArchivedEntries } from "./archived-entities";
import { ArchiveSchema } from "./archive-format";
import { TimeSchema } from "./element-fields";
import { WORLD_ENTITIES, archivedEntitiesOf, type ArchivedEntity } from "./entities";
import { archiveShapeOf, defineEntity } from "./entities/entity";
import { copyStatementOf } from "./graph-rows";

const marks = sqliteTable(
  "test_marks",
  {
    worldId: text("world_id").notNull(),
    id: text("id").notNull(),
    hint: text("hint"),
    secretWord: text("secret_word").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.worldId, t.id] })],
);
const id = { column: "id", schema: z.string().min(1), live: "key", view: "everyone", archive: {}, label: "id" } as const;
const hint = { column: "hint", schema: z.string().nullable(), live: { key: "hint" }, view: "editors", archive: {}, label: "hint" } as const;
const createdAt = { column: "createdAt", schema: TimeSchema, live: { key: "at" }, view: "everyone", viewAs: "time", archive: "written", label: "created at" } as const;
const mark = defineEntity<typeof marks.$inferSelect>()({
  table: "test_marks",
  scope: ["worldId"],
  fields: { id, hint, secretWord: { column: "secretWord", schema: z.string(), live: { key: "word" }, view: "everyone", archive: {}, label: "word" }, createdAt },
});
const entry = (overrides: Partial<ArchivedEntity> = {}): ArchivedEntity => ({ key: "marks", definition: mark, table: marks, max: 10, made: ({ now }) => ({ createdAt: now }), ...overrides });

describe("the world's list of entities", () => {
  it("holds elements and relationships, carried by their own code: world.json's schema gains no key", () => {
    expect(WORLD_ENTITIES.map((e) => [e.key, e.graph])).toEqual([
      ["elements", true],
      ["relationships", true],
    ]);
    expect(archivedEntitiesOf(WORLD_ENTITIES)).toEqual([]);
    expect(archivedEntriesShape(WORLD_ENTITIES)).toEqual({});
    expect(Object.keys(ArchiveSchema.shape)).toEqual(["schemaVersion", "exportedAt", "world", "elements", "relationships", "source"]);
  });

  it("refuses an entry whose import could not make a whole row: a field the archive does not hold needs a value in made", () => {
    expect(() => readArchivedEntries({ marks: [] }, [entry({ made: undefined })], [])).toThrow("marks: the archive does not hold createdAt; give it an archive entry or a value in made");
  });

  it("refuses an entry with a hidden field whose column may not be null: an export or fork without secrets leaves it out", () => {
    const hiddenWord = defineEntity<typeof marks.$inferSelect>()({
      table: "test_marks",
      scope: ["worldId"],
      fields: { id, hint, secretWord: { column: "secretWord", schema: z.string(), live: { key: "word" }, view: "editors", archive: {}, label: "word" }, createdAt },
    });
    expect(() => copyArchivedRows(env.DB, "w1", "w2", true, [entry({ definition: hiddenWord })])).toThrow("marks: secretWord is seen only by owners and editors, so its column must allow null");
  });

  it("reads entries by path, an id used twice as a problem, an absent key as none", () => {
    const issues: Array<{ path: string; message: string }> = [];
    const read = readArchivedEntries({ marks: [{ id: "a", secretWord: "x" }, { id: "b" }, { id: "a", secretWord: "y" }] }, [entry()], issues);
    expect(issues).toEqual([
      { path: "marks.1.secretWord", message: expect.any(String) },
      { path: "marks.2.id", message: "the id a is used twice" },
    ]);
    expect(read[0]!.entries).toEqual([{ id: "a", secretWord: "x" }]);
    expect(readArchivedEntries({}, [entry()], issues)).toEqual([]);
  });
});

describe("the fork's copy of an entity's rows", () => {
  it("copies every column into the new scope, hidden ones as null without secrets", async () => {
    expect(copyStatementOf(marks, mark, false)).toBe(
      "insert into test_marks (world_id, id, hint, secret_word, created_at)\n  select ?2, id, null, secret_word, created_at\n  from test_marks where world_id = ?1",
    );
    await env.DB.prepare("create table if not exists test_marks (world_id text not null, id text not null, hint text, secret_word text not null, created_at integer not null, primary key (world_id, id))").run();
    await env.DB.prepare("insert into test_marks values ('from', 'm1', 'under the stair', 'ash', 5), ('other', 'm2', 'not this world', 'no', 6)").run();
    await env.DB.batch([...copyArchivedRows(env.DB, "from", "seen", true, [entry()]), ...copyArchivedRows(env.DB, "from", "unseen", false, [entry()])]);
    const { results } = await env.DB.prepare("select world_id, id, hint, secret_word, created_at from test_marks where world_id in ('seen', 'unseen') order by world_id").all();
    expect(results).toEqual([
      { world_id: "seen", id: "m1", hint: "under the stair", secret_word: "ash", created_at: 5 },
      { world_id: "unseen", id: "m1", hint: null, secret_word: "ash", created_at: 5 },
    ]);
  });
});

describe("a time in an archive", () => {
  it("is read back from the ISO text its view writes, as ms; other text is refused", () => {
    const stamped = defineEntity<typeof marks.$inferSelect>()({ table: "test_marks", scope: ["worldId"], fields: { id, createdAt: { ...createdAt, archive: {} } } });
    const schema = z.object(archiveShapeOf(stamped, {}));
    expect(schema.parse({ id: "a", createdAt: "2023-11-14T22:13:20.000Z" })).toEqual({ id: "a", createdAt: 1700000000000 });
    expect(schema.safeParse({ id: "a", createdAt: "last Tuesday" }).success).toBe(false);
  });
});
