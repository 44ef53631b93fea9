// Hydration reads each `relationships` row through the relationship's definition and keeps it only
// between elements the room holds: a relationship to nothing would be a dangling edge on everyone's canvas.
import { describe, expect, it } from "vitest";
import { readRelationshipRow } from "./relationship-part";

const rel = { id: "r1", from: "e1", to: "e2", kind: "allied_with", label: "  sworn  ", createdAt: 5, updatedAt: 9 };
const both = new Set(["e1", "e2"]);

describe("hydration reads relationship rows, never casts them", () => {
  it("reads a stored relationship between hydrated elements, its label as the rule trims it", () => {
    expect(readRelationshipRow(rel, "w1", both)).toEqual({ ok: true, repaired: [], relationship: { ...rel, label: "sworn" } });
    expect(readRelationshipRow({ ...rel, label: null }, "w1", both)).toMatchObject({ ok: true, relationship: { label: "" } });
  });

  it("repairs times that do not read, and says which columns", () => {
    expect(readRelationshipRow({ ...rel, createdAt: "x", updatedAt: -1 }, "w1", both)).toMatchObject({
      ok: true,
      repaired: ["created_at", "updated_at"],
      relationship: { createdAt: 0, updatedAt: 0 },
    });
  });

  it("leaves out a relationship to an element the room does not hold, or from an element to itself", () => {
    expect(readRelationshipRow(rel, "w1", new Set(["e1"]))).toMatchObject({ ok: false, id: "r1", issue: expect.stringContaining("to_id") });
    expect(readRelationshipRow({ ...rel, to: "e1" }, "w1", both)).toMatchObject({ ok: false, id: "r1", issue: expect.stringContaining("to_id") });
  });

  it("leaves out a row that does not read, naming the D1 column", () => {
    expect(readRelationshipRow({ ...rel, kind: "nonsense" }, "w1", both)).toMatchObject({ ok: false, id: "r1", issue: "kind" });
    expect(readRelationshipRow({ ...rel, from: 3 }, "w1", both)).toMatchObject({ ok: false, issue: "from_id" });
    expect(readRelationshipRow({ ...rel, id: "Not An Id" }, "w1", both)).toMatchObject({ ok: false, issue: "id" });
    expect(readRelationshipRow("r1", "w1", both)).toMatchObject({ ok: false, id: "" });
  });
});
