// Hydration reads each `elements` row as the select derived from the definition gives it (keys as
// the row as JSON names them, JSON columns as text): these are the mistakes it must not make —
// trusting a damaged row, losing a whole element to a bad stamp, keeping another world's file,
// or changing a valid stored value on the way in.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { element, type ElementValues } from "../../workers/domain/entities/element";
import { rowOf } from "../../workers/domain/entities/entity";
import { MAX_DESCRIPTION } from "../../workers/domain/element-fields";
import { readElementRow } from "./element-part";

const row = {
  id: "e1",
  type: "character",
  name: "Ada",
  aliases: "[]",
  description: null,
  secret: "hidden",
  x: 10,
  y: -4,
  tags: '["hero"]',
  assets: '{"image":"worlds/w1/images/a.png"}',
  metadata: "{}",
  version: 3,
  createdBy: "user1",
  createdAt: 100,
  updatedAt: 200,
};

describe("hydration reads D1 rows, never casts them", () => {
  it("reads a stored element: its secret apart from the document, a null description as empty text", () => {
    const read = readElementRow(row, "w1");
    expect(read).toEqual({
      ok: true,
      secret: "hidden",
      repaired: [],
      element: {
        id: "e1",
        type: "character",
        name: "Ada",
        aliases: [],
        description: "",
        x: 10,
        y: -4,
        tags: ["hero"],
        assets: { image: "worlds/w1/images/a.png" },
        metadata: {},
        version: 3,
        createdBy: "user1",
        createdAt: 100,
        updatedAt: 200,
      },
    });
  });

  it("drops another world's file and keeps the element, naming the repaired column", () => {
    const read = readElementRow({ ...row, assets: '{"image":"worlds/w1/images/a.png","video":"worlds/other/v.mp4"}' }, "w1");
    expect(read).toMatchObject({ ok: true, repaired: ["assets"], element: { assets: { image: "worlds/w1/images/a.png" } } });
    // Media whose JSON is damaged is no media, not a lost element.
    expect(readElementRow({ ...row, assets: '{"image":' }, "w1")).toMatchObject({ ok: true, repaired: ["assets"], element: { assets: {} } });
  });

  it("leaves out a row that is not an element, naming the D1 column (a number for a name, tags that are not JSON, a place off the canvas, no id)", () => {
    expect(readElementRow({ ...row, name: 7 }, "w1")).toMatchObject({ ok: false, id: "e1", field: "name" });
    expect(readElementRow({ ...row, tags: "not json" }, "w1")).toMatchObject({ ok: false, id: "e1", field: "tags" });
    expect(readElementRow({ ...row, tags: '["hero", 5]' }, "w1")).toMatchObject({ ok: false, id: "e1", field: "tags.1" });
    expect(readElementRow({ ...row, metadata: "{" }, "w1")).toMatchObject({ ok: false, id: "e1", field: "metadata" });
    expect(readElementRow({ ...row, y: "far" }, "w1")).toMatchObject({ ok: false, id: "e1", field: "y" });
    expect(readElementRow({ ...row, id: null }, "w1")).toMatchObject({ ok: false, field: "id" });
    expect(readElementRow(null, "w1")).toMatchObject({ ok: false, id: "" });
  });

  it("repairs bookkeeping and a secret that is not text, and says which columns", () => {
    const read = readElementRow({ ...row, version: "three", createdAt: null, createdBy: 4, secret: 5 }, "w1");
    expect(read).toMatchObject({ ok: true, secret: null, repaired: ["secret", "version", "created_by", "created_at"] });
    if (read.ok) expect(read.element).toMatchObject({ version: 0, createdBy: null, createdAt: 0, updatedAt: 200 });
  });

  it("leaves out an element whose secret is over the limit rather than cutting or dropping the text", () => {
    expect(readElementRow({ ...row, secret: "s".repeat(MAX_DESCRIPTION + 1) }, "w1")).toMatchObject({ ok: false, id: "e1", field: "secret" });
  });

  it("reads back every valid element exactly as the bulk writes store it", () => {
    const text = fc.string({ maxLength: 40 }).filter((s) => s.trim() === s);
    const values: fc.Arbitrary<ElementValues> = fc.record({
      id: fc.stringMatching(/^[a-z0-9]{1,16}$/),
      type: fc.constantFrom("character", "location", "lore"),
      name: text.filter((s) => s.length > 0),
      aliases: fc.uniqueArray(text.filter((s) => s.length > 0), { maxLength: 3, selector: (s) => s.toLowerCase() }),
      description: fc.string({ maxLength: 200 }),
      secret: fc.option(fc.string({ maxLength: 200 }), { nil: null }),
      position: fc.record({ x: fc.double({ min: -1e6, max: 1e6, noNaN: true }), y: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }),
      tags: fc.array(text.filter((s) => s.length > 0 && s.length <= 32), { maxLength: 5 }),
      assets: fc.record({ image: fc.constant("worlds/w1/images/a.png"), audio: fc.constant("worlds/w1/audio/b.mp3") }, { requiredKeys: [] }),
      metadata: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== "__proto__"), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4 }),
      version: fc.nat(),
      createdBy: fc.option(fc.stringMatching(/^[a-z0-9]{1,16}$/), { nil: null }),
      createdAt: fc.nat(),
      updatedAt: fc.nat(),
    });
    fc.assert(
      fc.property(values, (v) => {
        const stored = rowOf(element, v);
        // As D1 gives the row back: JSON columns as their text.
        const asSelected = { ...stored, tags: JSON.stringify(stored.tags), assets: JSON.stringify(stored.assets), metadata: JSON.stringify(stored.metadata) };
        const { secret, ...live } = stored;
        expect(readElementRow(asSelected, "w1")).toEqual({ ok: true, element: live, secret, repaired: [] });
      }),
    );
  });
});
