import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NODE_GAP, NODE_HEIGHT, NODE_WIDTH, crowds, placeGenerated, placeInFreeSpace, type Rect } from "./placement";

const SIZE = { width: NODE_WIDTH, height: NODE_HEIGHT };
const node = (x: number, y: number): Rect => ({ x, y, width: NODE_WIDTH, height: NODE_HEIGHT });
const within = (at: { x: number; y: number }, view: Rect) =>
  at.x >= view.x && at.y >= view.y && at.x + NODE_WIDTH <= view.x + view.width && at.y + NODE_HEIGHT <= view.y + view.height;

// Canvas positions are whole units; worlds are dense in places, overlapping even, and views small or large.
const nodes = fc.array(
  fc.record({ x: fc.integer({ min: -1500, max: 1500 }), y: fc.integer({ min: -1000, max: 1000 }) }).map(({ x, y }) => node(x, y)),
  { maxLength: 60 },
);
const view = fc.record({
  x: fc.integer({ min: -1200, max: 800 }),
  y: fc.integer({ min: -800, max: 600 }),
  width: fc.integer({ min: 120, max: 1600 }),
  height: fc.integer({ min: 40, max: 1000 }),
});
const point = fc.record({ x: fc.integer({ min: -2000, max: 2000 }), y: fc.integer({ min: -1500, max: 1500 }) });

describe("placing a new element in free space", () => {
  it("never puts it on or against an element already there", () => {
    fc.assert(
      fc.property(nodes, view, point, (taken, view, centre) => {
        const at = placeInFreeSpace({ taken, view, centre });
        for (const rect of taken) expect(crowds(at, SIZE, rect, NODE_GAP), `${JSON.stringify(at)} against ${JSON.stringify(rect)}`).toBe(false);
        expect(Number.isInteger(at.x) && Number.isInteger(at.y)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps it inside the view whenever the view has room for it", () => {
    fc.assert(
      fc.property(nodes, view, point, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (crowd, view, centre, fx, fy) => {
        fc.pre(view.width >= NODE_WIDTH && view.height >= NODE_HEIGHT);
        // Make room: a spot somewhere in the view, and nothing within the gap of it.
        const hole = { x: view.x + Math.floor(fx * (view.width - NODE_WIDTH)), y: view.y + Math.floor(fy * (view.height - NODE_HEIGHT)) };
        const taken = crowd.filter((rect) => !crowds(hole, SIZE, rect, NODE_GAP));
        const at = placeInFreeSpace({ taken, view, centre });
        expect(within(at, view), `${JSON.stringify(at)} outside ${JSON.stringify(view)}`).toBe(true);
        for (const rect of taken) expect(crowds(at, SIZE, rect, NODE_GAP)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("takes the preferred spot itself when it is free, and the nearest free one when not", () => {
    const view = { x: -500, y: -300, width: 1000, height: 600 };
    expect(placeInFreeSpace({ taken: [], view, centre: { x: 0, y: 0 } })).toEqual({ x: -100, y: -32 });
    // An element sits right where the new one would: it goes beside it, not far away.
    const at = placeInFreeSpace({ taken: [node(-100, -32)], view, centre: { x: 0, y: 0 } });
    expect(Math.hypot(at.x + 100, at.y + 32)).toBeLessThanOrEqual(NODE_HEIGHT + NODE_GAP);
  });

  it("goes outside a full view, to the nearest free spot", () => {
    const view = { x: 0, y: 0, width: 400, height: 200 };
    const taken = [node(0, 0), node(200, 0), node(0, 100), node(200, 100)].map((r) => ({ ...r, width: 190, height: 90 }));
    const at = placeInFreeSpace({ taken, view, centre: { x: 200, y: 100 } });
    for (const rect of taken) expect(crowds(at, SIZE, rect, NODE_GAP)).toBe(false);
    expect(within(at, view)).toBe(false);
    expect(Math.hypot(at.x + NODE_WIDTH / 2 - 200, at.y + NODE_HEIGHT / 2 - 100)).toBeLessThan(400);
  });

  it("places a row of new elements one after another without any two touching", () => {
    const view = { x: 0, y: 0, width: 900, height: 600 };
    const taken: Rect[] = [node(350, 268)];
    for (let i = 0; i < 12; i += 1) {
      const at = placeInFreeSpace({ taken, view, centre: { x: 450, y: 300 } });
      for (const rect of taken) expect(crowds(at, SIZE, rect, NODE_GAP)).toBe(false);
      expect(within(at, view)).toBe(true);
      taken.push(node(at.x, at.y));
    }
  });
});

describe("placing what a generation made", () => {
  const corners = fc.array(fc.record({ x: fc.integer({ min: -1500, max: 1500 }), y: fc.integer({ min: -1000, max: 1000 }) }), { maxLength: 40 });

  it("puts every new element clear of the world and of each other", () => {
    fc.assert(
      fc.property(corners, fc.integer({ min: 1, max: 15 }), fc.option(fc.nat({ max: 39 })), (world, count, anchorIndex) => {
        const anchor = anchorIndex === null ? null : (world[anchorIndex % Math.max(world.length, 1)] ?? null);
        const placed = placeGenerated(count, world, anchor);
        expect(placed).toHaveLength(count);
        const all = [...world.map((p) => node(p.x, p.y))];
        for (const at of placed) {
          for (const rect of all) expect(crowds(at, SIZE, rect, NODE_GAP)).toBe(false);
          all.push(node(at.x, at.y));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("puts one element beside what it relates to, even in a crowded spot", () => {
    const world = [node(0, 0), node(224, 0), node(224, 88), node(0, 88), node(-224, 0)];
    const [at] = placeGenerated(1, world, { x: 0, y: 0 });
    for (const rect of world) expect(crowds(at!, SIZE, rect, NODE_GAP)).toBe(false);
    // Within a few node widths of its anchor, not somewhere across the world.
    expect(Math.hypot(at!.x, at!.y)).toBeLessThan(3 * NODE_WIDTH);
  });
});
