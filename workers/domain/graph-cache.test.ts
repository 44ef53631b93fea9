import { describe, expect, it } from "vitest";
import { GraphCache } from "./graph-cache";

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
