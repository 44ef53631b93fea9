// The graph picture of a public world: cards fitted into a view box, links between their centres.
import { describe, expect, it } from "vitest";
import { PICTURE_NODE, layoutGraph } from "./graph-picture";

const element = (id: string, x: number, y: number, extra: Record<string, unknown> = {}) => ({
  id,
  type: "location" as const,
  name: `Place ${id}`,
  position: { x, y },
  ...extra,
});


describe("layoutGraph", () => {
  it("fits every card with a margin and joins centres, dropping links to missing elements", () => {
    const picture = layoutGraph(
      [element("a", 0, 0, { assets: { image: "worlds/w1/a.svg" } }), element("b", 400, -100)],
      [
        { id: "r1", from: "a", to: "b" },
        { id: "r2", from: "a", to: "gone" },
      ],
    );
    expect(picture.viewBox).toEqual({ x: -40, y: -140, width: 400 + PICTURE_NODE.width + 80, height: 100 + PICTURE_NODE.height + 80 });
    expect(picture.edges).toEqual([{ id: "r1", from: "a", to: "b", x1: 100, y1: 32, x2: 500, y2: -68 }]);
    expect(picture.nodes.map((n) => n.image)).toEqual(["/api/assets/worlds/w1/a.svg", null]);
    expect(picture.labels).toBe(true);
  });

  it("shortens long names, and draws big worlds as dots without pictures", () => {
    const long = layoutGraph([{ ...element("a", 0, 0), name: "The Exceedingly Long Name of a Place" }], []);
    expect(long.nodes[0]!.label).toBe("The Exceedingly Long…");
    expect(long.nodes[0]!.name).toBe("The Exceedingly Long Name of a Place");
    const big = layoutGraph(Array.from({ length: 401 }, (_, i) => element(`e${i}`, i * 10, 0, { assets: { image: "worlds/w/x.svg" } })), []);
    expect(big.labels).toBe(false);
    expect(big.nodes.every((n) => n.image === null)).toBe(true);
    expect(layoutGraph([], []).nodes).toEqual([]);
  });
});
