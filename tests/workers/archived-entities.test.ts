// A new entity of the world is archived, exported, imported and forked by one entry in the list of
// the world's entities (workers/domain/entities/index.ts), with no edit to the export job, the
// import or the fork. The entity here is declared only in this test, with its table created in
// the test's D1: a map pin with a label, a place, notes only owners and editors see, tags and times.
// The mistakes guarded against: its rows dropped on the way, its hidden notes leaking to a fork or
// an export without secrets, a bad entry written half-way, and archives without it read otherwise.
import { env } from "cloudflare:test";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { HttpError } from "../../workers/lib/errors";
import { getDb } from "../../workers/lib/db";
import { IdSchema, PositionSchema, TagsSchema, TimeSchema } from "../../workers/domain/element-fields";
import { WORLD_ENTITIES, type WorldEntity } from "../../workers/domain/entities";
import { coveringEveryColumn, defineEntity } from "../../workers/domain/entities/entity";
import { DEFAULT_IMPORT_LIMITS, importWorld, parseArchive } from "../../workers/domain/import-world";
import { forkWorld } from "../../workers/domain/publishing";
import { getWorldAccess } from "../../workers/domain/worlds";
import { runExportJob } from "../../workers/jobs/export-archive";
import { call, count, createWorld, signUp, waitUntil, type Person } from "./helpers";

const pins = sqliteTable(
  "test_archive_pins",
  {
    worldId: text("world_id").notNull(),
    id: text("id").notNull(),
    label: text("label").notNull(),
    x: real("x").notNull(),
    y: real("y").notNull(),
    note: text("note"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.worldId, t.id] })],
);

const pin = coveringEveryColumn(
  defineEntity<typeof pins.$inferSelect>()({
    table: "test_archive_pins",
    scope: ["worldId"],
    fields: {
      id: { column: "id", schema: IdSchema, live: "key", view: "everyone", archive: {}, label: "id" },
      label: { column: "label", schema: z.string().trim().min(1).max(80), live: { key: "label" }, view: "everyone", archive: {}, label: "label" },
      position: { column: { x: "x", y: "y" }, schema: PositionSchema, live: { key: "pos" }, view: "everyone", archive: { default: { x: 0, y: 0 } }, label: "place on the map" },
      note: { column: "note", schema: z.string().max(500).nullable(), live: { key: "note" }, view: "editors", archive: {}, label: "notes" },
      tags: { column: "tags", schema: TagsSchema, live: { key: "tags" }, view: "everyone", archive: { default: [] }, label: "tags" },
      createdAt: { column: "createdAt", schema: TimeSchema, live: { key: "meta", part: true }, view: "everyone", viewAs: "time", archive: {}, label: "created at" },
      updatedAt: { column: "updatedAt", schema: TimeSchema, live: { key: "meta", part: true }, view: "everyone", viewAs: "time", archive: "written", label: "updated at" },
    },
  }),
);

/** The world's entities and the pin after them: the one entry a new entity needs. */
const ENTITIES: readonly WorldEntity[] = [...WORLD_ENTITIES, { key: "pins", definition: pin, table: pins, max: 1000, made: ({ now }) => ({ updatedAt: now }) }];

type PinRow = { id: string; label: string; x: number; y: number; note: string | null; tags: string; created_at: number; updated_at: number };
async function pinsOf(worldId: string): Promise<PinRow[]> {
  const { results } = await env.DB.prepare("select id, label, x, y, note, tags, created_at, updated_at from test_archive_pins where world_id = ? order by id").bind(worldId).all<PinRow>();
  return results;
}

/** A world with one element (through the room) and two pins in D1, one with notes. */
async function pinnedWorld(owner: Person) {
  const world = await createWorld(owner, { title: "Saltmarsh" });
  const created = await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "location", name: "The Drowned Bell" } });
  expect(created.status, created.text).toBe(201);
  await env.DB.prepare(
    `insert into test_archive_pins (world_id, id, label, x, y, note, tags, created_at, updated_at)
     values (?1, 'pinbell', 'The Drowned Bell', 12.5, -3, 'The bell still rings at low tide.', '["coast"]', 1700000000000, 1700000001000),
            (?1, 'pinfen', 'Fen Light', -40, 8, null, '[]', 1700000002000, 1700000002000)`,
  )
    .bind(world.id)
    .run();
  return world;
}

/**
 * Exports through the API (the queue runs the job with the world's own list), then runs the same
 * job once more with the pin in the list, as a redelivered job would: the archive in R2 is the latter.
 */
async function exportWithPins(owner: Person, worldId: string, includeSecrets: boolean) {
  const accepted = await call("POST", `/api/worlds/${worldId}/export`, { cookie: owner.cookie, body: { includeSecrets } });
  expect(accepted.status, accepted.text).toBe(202);
  const exportId = accepted.json.export.id as string;
  const done = await waitUntil(`export ${exportId}`, async () => {
    const row = await env.DB.prepare("select status, job_id as jobId, r2_key as r2Key from world_exports where id = ?").bind(exportId).first<{ status: string; jobId: string; r2Key: string | null }>();
    return row && ["succeeded", "failed"].includes(row.status) ? row : null;
  });
  expect(done.status).toBe("succeeded");
  const world = JSON.parse(strFromU8(unzipSync(new Uint8Array(await (await env.ASSETS_BUCKET.get(done.r2Key!))!.arrayBuffer()))["world.json"]!));
  // The world's own list holds no pins: its archive has no such key.
  expect(world).not.toHaveProperty("pins");

  await env.DB.prepare("update jobs set status = 'queued' where id = ?").bind(done.jobId).run();
  await runExportJob(done.jobId, env, ENTITIES);
  const zip = new Uint8Array(await (await env.ASSETS_BUCKET.get(done.r2Key!))!.arrayBuffer());
  return { zip, files: unzipSync(zip) };
}

const rezip = (files: Record<string, Uint8Array>, world: unknown) => zipSync({ ...files, "world.json": strToU8(JSON.stringify(world)) });

async function importAs(person: Person, zip: Uint8Array, entities: readonly WorldEntity[] = ENTITIES) {
  const parsed = await parseArchive(zip, DEFAULT_IMPORT_LIMITS, entities);
  return importWorld(getDb(env.DB), env.DB, env.ASSETS_BUCKET, person.id, zip, parsed, { limits: DEFAULT_IMPORT_LIMITS, origin: { fileName: "pins.zip", format: "loreloom-export" } });
}

async function refusal(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe("an entity added to the world's list of entities", () => {
  beforeAll(async () => {
    await env.DB.prepare(
      "create table if not exists test_archive_pins (world_id text not null, id text not null, label text not null, x real not null, y real not null, note text, tags text not null, created_at integer not null, updated_at integer not null, primary key (world_id, id))",
    ).run();
  });

  it("is written to world.json by the export job, its notes only with secrets, and survives an import", async () => {
    const owner = await signUp("Pinner");
    const world = await pinnedWorld(owner);

    const withSecrets = await exportWithPins(owner, world.id, true);
    const document = JSON.parse(strFromU8(withSecrets.files["world.json"]!));
    // After the relationships, before the source; each entry its archive fields, written-only ones too.
    expect(Object.keys(document)).toEqual(["schemaVersion", "exportedAt", "world", "elements", "relationships", "pins", "source"]);
    expect(document.pins).toEqual([
      { id: "pinbell", label: "The Drowned Bell", position: { x: 12.5, y: -3 }, note: "The bell still rings at low tide.", tags: ["coast"], createdAt: new Date(1700000000000).toISOString(), updatedAt: new Date(1700000001000).toISOString() },
      { id: "pinfen", label: "Fen Light", position: { x: -40, y: 8 }, note: null, tags: [], createdAt: new Date(1700000002000).toISOString(), updatedAt: new Date(1700000002000).toISOString() },
    ]);
    const withoutSecrets = JSON.parse(strFromU8((await exportWithPins(owner, world.id, false)).files["world.json"]!));
    expect(withoutSecrets.pins.map((p: Record<string, unknown>) => "note" in p)).toEqual([false, false]);

    const before = Date.now();
    const imported = await importAs(owner, withSecrets.zip);
    expect(imported.elements).toBe(1);
    const rows = await pinsOf(imported.worldId);
    const source = await pinsOf(world.id);
    // Every archived field as it was; the time the archive does not hold is the import's.
    expect(rows.map(({ updated_at: _made, ...row }) => row)).toEqual(source.map(({ updated_at: _kept, ...row }) => row));
    for (const row of rows) expect(row.updated_at).toBeGreaterThanOrEqual(before);
    expect(await count("elements", "world_id = ?", imported.worldId)).toBe(1);
  });

  it("refuses an archive with a malformed entry, naming it, and imports nothing", async () => {
    const owner = await signUp("Pinner");
    const world = await pinnedWorld(owner);
    const { files } = await exportWithPins(owner, world.id, true);
    const document = JSON.parse(strFromU8(files["world.json"]!));
    const worldsBefore = await count("worlds", "owner_id = ?", owner.id);
    const pinsBefore = await count("test_archive_pins");

    const badLabel = await refusal(importAs(owner, rezip(files, { ...document, pins: [document.pins[0], { ...document.pins[1], label: 7 }] })));
    expect(badLabel.status).toBe(422);
    expect(badLabel.code).toBe("validation_failed");
    expect(badLabel.message).toMatch(/^world\.json has 1 problem: pins\.1\.label: /);

    const twice = await refusal(importAs(owner, rezip(files, { ...document, pins: [document.pins[0], document.pins[0]] })));
    expect(twice.message).toBe("world.json has 1 problem: pins.1.id: the id pinbell is used twice.");

    const notAList = await refusal(importAs(owner, rezip(files, { ...document, pins: { id: "x" } })));
    expect([notAList.status, notAList.code]).toEqual([422, "invalid_export"]);
    expect(notAList.details).toEqual({ issues: [expect.objectContaining({ path: "world.json.pins" })] });

    const tooMany = await refusal(importAs(owner, rezip(files, { ...document, pins: Array.from({ length: 1001 }, (_, i) => ({ ...document.pins[1], id: `p${i}` })) })));
    expect(tooMany.code).toBe("invalid_export");

    expect(await count("worlds", "owner_id = ?", owner.id)).toBe(worldsBefore);
    expect(await count("test_archive_pins")).toBe(pinsBefore);
  });

  it("an archive without the key imports as before: no pins, the graph whole", async () => {
    const owner = await signUp("Pinner");
    const world = await pinnedWorld(owner);
    const { files } = await exportWithPins(owner, world.id, true);
    const { pins: _dropped, ...document } = JSON.parse(strFromU8(files["world.json"]!));
    const imported = await importAs(owner, rezip(files, document));
    expect(imported).toMatchObject({ elements: 1, relationships: 0 });
    expect(await pinsOf(imported.worldId)).toEqual([]);
    // And the world's own list ignores a key it does not know.
    const plain = await importAs(owner, rezip(files, JSON.parse(strFromU8(files["world.json"]!))), WORLD_ENTITIES);
    expect(await pinsOf(plain.worldId)).toEqual([]);
  });

  it("is copied by a fork, its notes only for the source's owners and editors", async () => {
    const owner = await signUp("Pinner");
    const reader = await signUp("Reader");
    const world = await pinnedWorld(owner);
    await env.DB.prepare("update worlds set visibility = 'public' where id = ?").bind(world.id).run();
    const db = getDb(env.DB);
    const source = await pinsOf(world.id);

    const own = await forkWorld(env, db, await getWorldAccess(db, world.id, owner.id), { id: owner.id, name: owner.name }, {}, ENTITIES);
    expect(await pinsOf(own.id)).toEqual(source);

    const theirs = await forkWorld(env, db, await getWorldAccess(db, world.id, reader.id), { id: reader.id, name: reader.name }, {}, ENTITIES);
    expect(await pinsOf(theirs.id)).toEqual(source.map((row) => ({ ...row, note: null })));
    expect(await count("elements", "world_id = ?", theirs.id)).toBe(1);
  });
});
