import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { autoLayout, connect, createElement, deleteElements, search, snapshot, visibleIds } from "./graph-model";
import { renderMarkdown } from "./markdown";
import { versionChanges, wordDiff } from "./text-diff";

describe("editor graph model", () => {
  it("creates, connects and deletes through the shared document", () => {
    const doc = new Y.Doc();
    const a = createElement(doc, { type: "location", name: "Keep", x: 10.4, y: 20, userId: "u" });
    const b = createElement(doc, { type: "character", name: "Queen", x: 0, y: 0, userId: "u" });
    expect(connect(doc, { from: a, to: a, kind: "contains", label: "" })).toBeNull();
    const rel = connect(doc, { from: b, to: a, kind: "located_in", label: "rules" });
    expect(rel).toMatch(/^[a-z0-9]{16}$/);
    expect(snapshot(doc).elements.find((e) => e.id === a)).toMatchObject({ x: 10, name: "Keep" });
    expect(deleteElements(doc, [a])).toEqual({ elements: 1, relationships: 1 });
    expect(snapshot(doc)).toMatchObject({ elements: [{ id: b }], relationships: [] });
  });

  it("searches names, descriptions and tags, and filters by type", () => {
    const doc = new Y.Doc();
    createElement(doc, { type: "creature", name: "Mosshide Stag", x: 0, y: 0, userId: null });
    createElement(doc, { type: "location", name: "Silverbrook", x: 0, y: 0, userId: null });
    const { elements } = snapshot(doc);
    expect(search(elements, "stag").map((e) => e.name)).toEqual(["Mosshide Stag"]);
    expect(search(elements, "  ")).toEqual([]);
    expect(search(elements, "mosshide brook")).toEqual([]);
    expect(visibleIds(elements, new Set(["creature"])).size).toBe(1);
  });

  it("lays out connected elements left to right without overlaps", async () => {
    const doc = new Y.Doc();
    const ids = ["a", "b", "c"].map((name) => createElement(doc, { type: "lore", name, x: 0, y: 0, userId: null }));
    connect(doc, { from: ids[0]!, to: ids[1]!, kind: "caused", label: "" });
    connect(doc, { from: ids[0]!, to: ids[2]!, kind: "caused", label: "" });
    const { elements, relationships } = snapshot(doc);
    const positions = new Map((await autoLayout(elements, relationships)).map((p) => [p.id, p]));
    expect(positions.get(ids[1]!)!.x).toBeGreaterThan(positions.get(ids[0]!)!.x);
    expect(positions.get(ids[1]!)!.y).not.toBe(positions.get(ids[2]!)!.y);
  });
});

describe("markdown and diffs", () => {
  it("renders Markdown without letting HTML or script links through", () => {
    const html = renderMarkdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) https://example.com");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('href="https://example.com"');
  });

  it("diffs versions word by word, field by field", () => {
    expect(wordDiff("a ranger", "a bold ranger")).toEqual([
      { kind: "same", text: "a " },
      { kind: "added", text: "bold " },
      { kind: "same", text: "ranger" },
    ]);
    const changes = versionChanges({ name: "Mira", description: "x", tags: ["a"] }, { name: "Mira", description: "y", tags: ["a"] });
    expect(changes.map((c) => c.field)).toEqual(["description"]);
  });
});
