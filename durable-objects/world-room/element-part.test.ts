import { describe, expect, it } from "vitest";
import { readElementRow } from "./element-part";
import { readRelationshipRow } from "./relationship-part";

const row = {
  id: "e1",
  type: "character",
  name: "Ada",
  description: null,
  secret: "hidden",
  x: 10,
  y: -4,
  tags: '["hero"]',
  assets: '{"image":"worlds/w1/images/a.png","video":"worlds/other/v.mp4"}',
  metadata: "{}",
  version: 3,
  created_by: "user1",
  created_at: 100,
  updated_at: 200,
};

describe("hydration reads D1 rows, never casts them", () => {
  it("reads a stored element, keeping only this world's files", () => {
    const read = readElementRow(row, "w1");
    expect(read).toMatchObject({ ok: true, secret: "hidden", repaired: [] });
    if (!read.ok) return;
    expect(read.element).toMatchObject({ id: "e1", name: "Ada", description: "", tags: ["hero"], assets: { image: "worlds/w1/images/a.png" }, version: 3, createdBy: "user1" });
  });

  it("leaves out a row that is not an element (a number for a name, tags that are not JSON, no id)", () => {
    expect(readElementRow({ ...row, name: 7 }, "w1")).toMatchObject({ ok: false, id: "e1", field: "name" });
    expect(readElementRow({ ...row, tags: "not json" }, "w1")).toMatchObject({ ok: false, id: "e1" });
    expect(readElementRow({ ...row, id: null }, "w1")).toMatchObject({ ok: false });
    expect(readElementRow(null, "w1")).toMatchObject({ ok: false, id: "" });
  });

  it("repairs bookkeeping columns that do not read, and says which", () => {
    const read = readElementRow({ ...row, version: "three", created_at: null, secret: 5 }, "w1");
    expect(read).toMatchObject({ ok: true, secret: null, repaired: ["version", "created_at"] });
    if (read.ok) expect(read.element).toMatchObject({ version: 0, createdAt: 0, updatedAt: 200 });
  });

  it("reads a relationship only between elements that were hydrated", () => {
    const rel = { id: "r1", from_id: "e1", to_id: "e2", kind: "allied_with", label: null, created_at: 5, updated_at: "x" };
    expect(readRelationshipRow(rel, new Set(["e1", "e2"]))).toEqual({ id: "r1", from: "e1", to: "e2", kind: "allied_with", label: "", createdAt: 5, updatedAt: 0 });
    expect(readRelationshipRow(rel, new Set(["e1"]))).toBeNull();
    expect(readRelationshipRow({ ...rel, kind: "nonsense" }, new Set(["e1", "e2"]))).toBeNull();
    expect(readRelationshipRow({ ...rel, id: "Not An Id" }, new Set(["e1", "e2"]))).toBeNull();
  });
});
