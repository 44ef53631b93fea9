// Where a new element goes on the canvas: in free space, near where the person is looking (a new
// element from the toolbar) or near what it relates to (a generated one). Pure and isomorphic: the
// editor and the generation pipeline both place with it.

/** Every element is drawn at this size on the canvas (and the layout works with it). */
export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;
/** Room kept clear around a placed element, so neighbours do not touch. */
export const NODE_GAP = 24;

export type Point = { x: number; y: number };
export type Rect = { x: number; y: number; width: number; height: number };

export type PlacementInput = {
  /** What is already on the canvas (top-left corners and sizes). */
  taken: readonly Rect[];
  /** Where the new element should be: inside this area when there is room in it. */
  view: Rect;
  /** The point it should be nearest (its centre's distance counts). */
  centre: Point;
  size?: { width: number; height: number };
  gap?: number;
};

/** True when a `size` box at `at` comes closer than `gap` to `rect` (touching at exactly `gap` is fine). */
export function crowds(at: Point, size: { width: number; height: number }, rect: Rect, gap: number): boolean {
  return at.x < rect.x + rect.width + gap && at.x + size.width > rect.x - gap && at.y < rect.y + rect.height + gap && at.y + size.height > rect.y - gap;
}

/** Obstacles bucketed on a coarse grid, so a candidate is checked against its neighbours only. */
class Buckets {
  private readonly cells = new Map<string, Rect[]>();
  constructor(
    rects: readonly Rect[],
    private readonly cell: number,
  ) {
    for (const rect of rects) for (const key of this.keys(rect)) this.cells.set(key, [...(this.cells.get(key) ?? []), rect]);
  }
  private *keys(rect: Rect) {
    const x0 = Math.floor(rect.x / this.cell);
    const x1 = Math.floor((rect.x + rect.width) / this.cell);
    const y0 = Math.floor(rect.y / this.cell);
    const y1 = Math.floor((rect.y + rect.height) / this.cell);
    for (let x = x0; x <= x1; x += 1) for (let y = y0; y <= y1; y += 1) yield `${x}:${y}`;
  }
  near(area: Rect): Set<Rect> {
    const found = new Set<Rect>();
    for (const key of this.keys(area)) for (const rect of this.cells.get(key) ?? []) found.add(rect);
    return found;
  }
}

const intersects = (a: Rect, b: Rect) => a.x < b.x + b.width && a.x + a.width > b.x && a.y < b.y + b.height && a.y + a.height > b.y;

/**
 * The free spot inside `region` nearest `centre`, or null when the region has none. Candidates are
 * the region's own edges, the preferred spot and the positions just clear of each obstacle: any
 * free box can slide left and then up until an edge or an obstacle stops it, and where it stops is
 * a candidate, so the search misses no free spot.
 */
function nearestFreeIn(region: Rect, centre: Point, taken: readonly Rect[], size: { width: number; height: number }, gap: number): Point | null {
  // Whole units only (the canvas stores integer positions): lows round up, highs round down.
  const minX = Math.ceil(region.x);
  const minY = Math.ceil(region.y);
  const maxX = Math.floor(region.x + region.width - size.width);
  const maxY = Math.floor(region.y + region.height - size.height);
  if (maxX < minX || maxY < minY) return null;
  const reach = { x: region.x - size.width - gap, y: region.y - size.height - gap, width: region.width + 2 * (size.width + gap), height: region.height + 2 * (size.height + gap) };
  const obstacles = taken.filter((rect) => intersects(rect, reach));
  const xs = new Set([minX, maxX, Math.round(centre.x - size.width / 2)]);
  const ys = new Set([minY, maxY, Math.round(centre.y - size.height / 2)]);
  for (const rect of obstacles) {
    xs.add(Math.ceil(rect.x + rect.width + gap));
    xs.add(Math.floor(rect.x - gap - size.width));
    ys.add(Math.ceil(rect.y + rect.height + gap));
    ys.add(Math.floor(rect.y - gap - size.height));
  }
  const inside = (value: number, low: number, high: number) => value >= low && value <= high;
  const candidates: Array<{ x: number; y: number; distance: number }> = [];
  const cx = size.width / 2;
  const cy = size.height / 2;
  for (const x of xs) {
    if (!inside(x, minX, maxX)) continue;
    for (const y of ys) {
      if (!inside(y, minY, maxY)) continue;
      candidates.push({ x, y, distance: Math.hypot(x + cx - centre.x, y + cy - centre.y) });
    }
  }
  candidates.sort((a, b) => a.distance - b.distance || a.y - b.y || a.x - b.x);
  const buckets = new Buckets(obstacles, Math.max(size.width, size.height) + 2 * gap);
  for (const candidate of candidates) {
    const near = buckets.near({ x: candidate.x - gap, y: candidate.y - gap, width: size.width + 2 * gap, height: size.height + 2 * gap });
    let free = true;
    for (const rect of near) {
      if (crowds(candidate, size, rect, gap)) {
        free = false;
        break;
      }
    }
    if (free) return { x: candidate.x, y: candidate.y };
  }
  return null;
}

/**
 * Where to put a new element: the free spot nearest `centre` inside `view`, keeping `gap` clear of
 * everything `taken`; when the view is full, the nearest free spot outside it (the search widens
 * until it passes everything on the canvas, where there is always room).
 */
export function placeInFreeSpace({ taken, view, centre, size = { width: NODE_WIDTH, height: NODE_HEIGHT }, gap = NODE_GAP }: PlacementInput): Point {
  const inView = nearestFreeIn(view, centre, taken, size, gap);
  if (inView) return inView;
  let region = { ...view, width: Math.max(view.width, size.width), height: Math.max(view.height, size.height) };
  for (;;) {
    const grow = { x: Math.max(region.width, size.width + gap), y: Math.max(region.height, size.height + gap) };
    region = { x: region.x - grow.x, y: region.y - grow.y, width: region.width + 2 * grow.x, height: region.height + 2 * grow.y };
    const found = nearestFreeIn(region, centre, taken, size, gap);
    if (found) return found;
  }
}

/**
 * Where a generation's new elements go, given the world's elements (top-left corners): a seed of
 * several in a ring around the middle; one element just right of `anchor` (what it relates to),
 * or near the middle of the world when it relates to nothing there. Each is in free space, clear
 * of the world and of the others placed with it.
 */
export function placeGenerated(count: number, existing: readonly Point[], anchor: Point | null): Point[] {
  const taken: Rect[] = existing.map((p) => ({ x: p.x, y: p.y, width: NODE_WIDTH, height: NODE_HEIGHT }));
  const near = (centre: Point, view: Rect) => {
    const spot = placeInFreeSpace({ taken, view, centre });
    taken.push({ ...spot, width: NODE_WIDTH, height: NODE_HEIGHT });
    return spot;
  };
  if (count > 1) {
    const radius = Math.max(320, count * 60);
    return Array.from({ length: count }, (_, index) => {
      const angle = (index / count) * Math.PI * 2 - Math.PI / 2;
      const x = Math.round(Math.cos(angle) * radius);
      const y = Math.round(Math.sin(angle) * radius * 0.7);
      return near({ x: x + NODE_WIDTH / 2, y: y + NODE_HEIGHT / 2 }, { x: x - NODE_WIDTH, y: y - NODE_HEIGHT, width: 3 * NODE_WIDTH, height: 3 * NODE_HEIGHT });
    });
  }
  if (count < 1) return [];
  if (anchor) {
    // Just right of what it relates to, where the relationship reads left to right.
    const centre = { x: anchor.x + NODE_WIDTH + 2 * NODE_GAP + NODE_WIDTH / 2, y: anchor.y + NODE_HEIGHT / 2 };
    return [near(centre, { x: anchor.x - 2 * NODE_WIDTH, y: anchor.y - 4 * NODE_HEIGHT, width: 5 * NODE_WIDTH, height: 9 * NODE_HEIGHT })];
  }
  if (existing.length === 0) return [near({ x: NODE_WIDTH / 2, y: NODE_HEIGHT / 2 }, { x: 0, y: 0, width: NODE_WIDTH, height: NODE_HEIGHT })];
  const xs = existing.map((p) => p.x);
  const ys = existing.map((p) => p.y);
  const world = { x: Math.min(...xs), y: Math.min(...ys), width: Math.max(...xs) - Math.min(...xs) + NODE_WIDTH, height: Math.max(...ys) - Math.min(...ys) + NODE_HEIGHT };
  return [near({ x: world.x + world.width / 2, y: world.y + world.height / 2 }, world)];
}
