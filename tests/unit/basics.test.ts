import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseServerMessage } from "../../durable-objects/world-room/protocol";
import { HttpError } from "../../workers/lib/errors";
import { parseWith } from "../../workers/api/validate";
import { decodeCursor, encodeCursor, toElementDto } from "../../workers/domain/worlds";
import { GraphCache } from "../../workers/domain/graph-cache";
import { newId } from "../../workers/lib/ids";
import { isCrossSiteWrite } from "../../workers/lib/origin";

describe("newId", () => {
  it("makes 16 lowercase alphanumerics by default, without repeats", () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newId()));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{16}$/);
    expect(newId(8)).toHaveLength(8);
  });
});

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

describe("parseWith", () => {
  it("returns parsed data or throws a 400 naming the field", () => {
    const schema = z.strictObject({ title: z.string().min(1) });
    expect(parseWith(schema, { title: "ok" })).toEqual({ title: "ok" });
    try {
      parseWith(schema, { title: "" }, "request body");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      const http = error as HttpError;
      expect(http.status).toBe(400);
      expect(http.code).toBe("validation_failed");
      expect(http.message).toContain("(title)");
    }
  });
});

describe("toElementDto", () => {
  const row = {
    id: "e1",
    worldId: "w1",
    type: "character" as const,
    name: "Mira",
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

describe("isCrossSiteWrite", () => {
  const at = (method: string, headers: Record<string, string>) =>
    isCrossSiteWrite(new Request("https://loreloom.app/api/worlds", { method, headers }));
  it("flags writes from other origins only", () => {
    expect(at("POST", { origin: "https://evil.example" })).toBe(true);
    expect(at("POST", { "sec-fetch-site": "cross-site" })).toBe(true);
    expect(at("POST", { origin: "https://loreloom.app" })).toBe(false);
    expect(at("POST", {})).toBe(false);
    expect(at("GET", { origin: "https://evil.example" })).toBe(false);
  });
});

describe("GraphCache", () => {
  const graph = (size: number) => ({ elements: "x".repeat(size), relationships: "[]" });
  it("keys by world, version and secrecy, and evicts the least recently used past its size", () => {
    const cache = new GraphCache(100);
    expect(GraphCache.key("w", 1, true)).not.toBe(GraphCache.key("w", 1, false));
    expect(GraphCache.key("w", 1, true)).not.toBe(GraphCache.key("w", 2, true));
    cache.set("a", graph(38));
    cache.set("b", graph(38));
    expect(cache.get("a")).toBeDefined(); // a is now the most recently used
    cache.set("c", graph(38));
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
    expect(cache.get("c")).toBeDefined();
    cache.set("huge", graph(500));
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.size).toBe(2);
  });
});

describe("room messages on the client", () => {
  it("accepts what the room sends and refuses anything else", () => {
    const user = { id: "u1", name: "Ada", role: "editor", color: "hsl(1 65% 45%)" };
    expect(parseServerMessage(JSON.stringify({ type: "joined", user }))).toEqual({ type: "joined", user });
    expect(parseServerMessage(JSON.stringify({ type: "unlocked", elementId: "e1", extra: 1 }))).toMatchObject({ type: "unlocked", elementId: "e1" });
    expect(parseServerMessage("not json")).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: "joined", user: { ...user, role: "admin" } }))).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: "locked", elementId: "e1" }))).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: "mystery" }))).toBeNull();
  });
});
