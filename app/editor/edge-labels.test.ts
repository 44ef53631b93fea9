import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NODE_HEIGHT, NODE_WIDTH } from "../../workers/domain/placement";
import { edgeCurve, handlePoints, labelSize, layoutEdges, type LabelledEdge } from "./edge-labels";

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && a.x + a.width > b.x && a.y < b.y + b.height && a.y + a.height > b.y;

/** The boxes the labels are drawn in, as the canvas would draw them. */
function labelBoxes(edges: LabelledEdge[], positions: Map<string, { x: number; y: number }>, showLabels = true) {
  const layout = layoutEdges(edges, positions, showLabels);
  const boxes: Array<Box & { id: string }> = [];
  for (const edge of edges) {
    const entry = layout.get(edge.id)!;
    if (entry.labelAt === null) continue;
    const from = handlePoints(positions.get(edge.source)!).source;
    const to = handlePoints(positions.get(edge.target)!).target;
    const centre = edgeCurve(from.x, from.y, to.x, to.y, entry.bend, entry.normal).at(entry.labelAt);
    const size = labelSize(edge.label!);
    boxes.push({ id: edge.id, x: centre.x - size.width / 2, y: centre.y - size.height / 2, ...size });
  }
  return { layout, boxes };
}

const world = fc
  .record({
    nodes: fc.uniqueArray(fc.record({ x: fc.integer({ min: 0, max: 40 }), y: fc.integer({ min: 0, max: 40 }) }), { minLength: 2, maxLength: 14, selector: (p) => `${p.x}:${p.y}` }),
    links: fc.array(fc.record({ a: fc.nat(), b: fc.nat(), label: fc.string({ minLength: 1, maxLength: 40 }) }), { maxLength: 30 }),
  })
  .map(({ nodes, links }) => {
    // Elements on a grid with room between them (as placement and layout leave them).
    const positions = new Map(nodes.map((p, i) => [`n${i}`, { x: p.x * 60, y: p.y * 40 }]));
    const ids = [...positions.keys()];
    const edges: LabelledEdge[] = links
      .map((l, i) => ({ id: `e${i}`, source: ids[l.a % ids.length]!, target: ids[l.b % ids.length]!, label: l.label }))
      .filter((e) => e.source !== e.target);
    return { positions, edges };
  });

describe("edge labels", () => {
  it("never overlap one another, nor any element", () => {
    fc.assert(
      fc.property(world, ({ positions, edges }) => {
        const { boxes } = labelBoxes(edges, positions);
        for (let i = 0; i < boxes.length; i += 1) {
          for (let j = i + 1; j < boxes.length; j += 1) expect(overlap(boxes[i]!, boxes[j]!), `${boxes[i]!.id} and ${boxes[j]!.id}`).toBe(false);
          for (const p of positions.values()) expect(overlap(boxes[i]!, { ...p, width: NODE_WIDTH, height: NODE_HEIGHT })).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("sits on its own edge, and parallel edges bend apart so their labels do not stack", () => {
    const positions = new Map([
      ["a", { x: 0, y: 0 }],
      ["b", { x: 600, y: 0 }],
    ]);
    const edges: LabelledEdge[] = [
      { id: "r1", source: "a", target: "b", label: "rules" },
      { id: "r2", source: "a", target: "b", label: "fears" },
      { id: "r3", source: "b", target: "a", label: "is owed by" },
    ];
    const { layout, boxes } = labelBoxes(edges, positions);
    expect(boxes).toHaveLength(3);
    expect(new Set(edges.map((e) => layout.get(e.id)!.bend)).size).toBe(3);
    // Each label is on its edge's curve (its centre is a point of the curve).
    for (const edge of edges) {
      const entry = layout.get(edge.id)!;
      expect(entry.labelAt).toBeGreaterThan(0);
      expect(entry.labelAt).toBeLessThan(1);
    }
    // A lone edge stays straight between its ends, with its label in the middle.
    const lone = layoutEdges([edges[0]!], positions).get("r1")!;
    expect(lone).toMatchObject({ bend: 0, labelAt: 0.5 });
  });

  it("are left out when zoomed out, except the selected element's", () => {
    const positions = new Map([
      ["a", { x: 0, y: 0 }],
      ["b", { x: 500, y: 0 }],
      ["c", { x: 500, y: 300 }],
    ]);
    const edges: LabelledEdge[] = [
      { id: "ab", source: "a", target: "b", label: "guards" },
      { id: "bc", source: "b", target: "c", label: "trades with", priority: true },
    ];
    const far = layoutEdges(edges, positions, false);
    expect(far.get("ab")!.labelAt).toBeNull();
    expect(far.get("bc")!.labelAt).not.toBeNull();
    const near = layoutEdges(edges, positions, true);
    expect(near.get("ab")!.labelAt).not.toBeNull();
  });

  it("is left out rather than drawn over an element when two elements are too close for it", () => {
    const positions = new Map([
      ["a", { x: 0, y: 0 }],
      ["b", { x: NODE_WIDTH + 30, y: 0 }],
    ]);
    const layout = layoutEdges([{ id: "ab", source: "a", target: "b", label: "a very long relationship label indeed" }], positions);
    expect(layout.get("ab")!.labelAt).toBeNull();
  });
});
