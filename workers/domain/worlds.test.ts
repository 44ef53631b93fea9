import { describe, expect, it } from "vitest";
import { HttpError } from "../lib/errors";
import { decodeCursor, encodeCursor, toElementDto } from "./worlds";

describe("world list cursor", () => {
  it("round-trips and refuses cursors it did not make", () => {
    const cursor = { updatedAt: 1_700_000_000_123, id: "abc123" };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor(undefined)).toBeNull();
    for (const raw of ["%%%", btoa("nope"), btoa("NaN:abc"), btoa("123:")]) {
      expect(() => decodeCursor(raw), raw).toThrow(HttpError);
    }
  });
});

describe("toElementDto", () => {
  const row = {
    id: "e1",
    worldId: "w1",
    type: "character" as const,
    name: "Mira",
    aliases: [],
    description: "A ranger",
    secret: "The lost heir",
    x: 10,
    y: 20,
    tags: ["ranger"],
    assets: {},
    metadata: {},
    version: 3,
    createdBy: null,
    createdAt: new Date(0),
    updatedAt: new Date(1000),
  };
  it("includes the secret only for owners and editors", () => {
    expect(toElementDto(row, "owner").secret).toBe("The lost heir");
    expect(toElementDto(row, "editor").secret).toBe("The lost heir");
    expect(toElementDto(row, "viewer")).not.toHaveProperty("secret");
    expect(toElementDto(row, null)).not.toHaveProperty("secret");
    expect(toElementDto(row, "viewer").position).toEqual({ x: 10, y: 20 });
  });
});
