// Where relationship labels go on the canvas, as pure geometry: parallel relationships between the
// same two elements bend apart, and each label sits on its own edge at the first spot along it
// that overlaps no other label and no element; a label with no such spot is left out (it shows
// when one of its elements is selected, or closer in).
import type { Point, Rect } from "../../workers/domain/placement";
import { NODE_HEIGHT, NODE_WIDTH } from "../../workers/domain/placement";

/** Below this zoom labels are unreadable and only clutter: none are drawn. */
export const LABEL_MIN_ZOOM = 0.55;
/** How far apart (at their middles) the edges between the same two elements bend. */
export const PARALLEL_SPREAD = 34;
/** Label text size in canvas units, and the widest a label is drawn before it is cut. */
export const LABEL_FONT_PX = 11;
export const LABEL_MAX_WIDTH = 170;
const LABEL_HEIGHT = 18;
/** Where along its edge a label may sit, in order of preference (0 is the source, 1 the target). */
const SPOTS = [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78];

/** A label's drawn box, estimated from its text (about 0.58 em per character at 11 px, plus padding). */
export function labelSize(text: string): { width: number; height: number } {
  return { width: Math.min(LABEL_MAX_WIDTH, Math.ceil(text.length * LABEL_FONT_PX * 0.58) + 12), height: LABEL_HEIGHT };
}

export type Curve = { path: string; at(t: number): Point };

/**
 * The edge from a source handle (right side of a node) to a target handle (left side): a cubic
 * curve leaving and arriving horizontally, pushed sideways by `bend` at its middle.
 */
export function edgeCurve(sx: number, sy: number, tx: number, ty: number, bend = 0, normal?: Point): Curve {
  const reach = Math.max(Math.abs(tx - sx) / 2, 50);
  const n = normal ?? unitNormal({ x: sx, y: sy }, { x: tx, y: ty });
  // A cubic's middle moves by 3/4 of what both control points move.
  const push = (bend * 4) / 3;
  const c1 = { x: sx + reach + n.x * push, y: sy + n.y * push };
  const c2 = { x: tx - reach + n.x * push, y: ty + n.y * push };
  const at = (t: number): Point => {
    const u = 1 - t;
    return {
      x: u * u * u * sx + 3 * u * u * t * c1.x + 3 * u * t * t * c2.x + t * t * t * tx,
      y: u * u * u * sy + 3 * u * u * t * c1.y + 3 * u * t * t * c2.y + t * t * t * ty,
    };
  };
  const f = (v: number) => Math.round(v * 10) / 10;
  return { path: `M${f(sx)},${f(sy)} C${f(c1.x)},${f(c1.y)} ${f(c2.x)},${f(c2.y)} ${f(tx)},${f(ty)}`, at };
}

function unitNormal(a: Point, b: Point): Point {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = Math.hypot(dx, dy);
  return length === 0 ? { x: 0, y: -1 } : { x: -dy / length, y: dx / length };
}

export type LabelledEdge = { id: string; source: string; target: string; label: string | null; priority?: boolean };
export type EdgeLayout = {
  /** Sideways push at the edge's middle (0 for a lone edge between two elements). */
  bend: number;
  /** The side that push goes to, the same for every edge between the same two elements. */
  normal: Point;
  /** Where along the edge its label sits, or null when it is not drawn. */
  labelAt: number | null;
};

/** Handle positions as the canvas draws them: sources on a node's right, targets on its left. */
export function handlePoints(node: Point): { source: Point; target: Point } {
  return { source: { x: node.x + NODE_WIDTH, y: node.y + NODE_HEIGHT / 2 }, target: { x: node.x, y: node.y + NODE_HEIGHT / 2 } };
}

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.width && a.x + a.width > b.x && a.y < b.y + b.height && a.y + a.height > b.y;

/**
 * Bends and label spots for every edge. `positions` holds each element's top-left corner;
 * `showLabels` false (zoomed out) keeps only the priority edges' labels (those of the selected
 * element). Labels are placed priority first, then in id order, so the result is stable.
 */
export function layoutEdges(edges: readonly LabelledEdge[], positions: ReadonlyMap<string, Point>, showLabels = true): Map<string, EdgeLayout> {
  // Edges between the same two elements, whichever way they point, fan out side by side.
  const pairs = new Map<string, LabelledEdge[]>();
  for (const edge of edges) {
    const key = edge.source < edge.target ? `${edge.source}\n${edge.target}` : `${edge.target}\n${edge.source}`;
    pairs.set(key, [...(pairs.get(key) ?? []), edge]);
  }
  const layout = new Map<string, EdgeLayout>();
  for (const group of pairs.values()) {
    group.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const [first] = group;
    const a = positions.get(first!.source < first!.target ? first!.source : first!.target);
    const b = positions.get(first!.source < first!.target ? first!.target : first!.source);
    const normal = a && b ? unitNormal(a, b) : { x: 0, y: -1 };
    group.forEach((edge, index) => layout.set(edge.id, { bend: (index - (group.length - 1) / 2) * PARALLEL_SPREAD, normal, labelAt: null }));
  }

  const nodes: Rect[] = [...positions.values()].map((p) => ({ x: p.x, y: p.y, width: NODE_WIDTH, height: NODE_HEIGHT }));
  const placed: Rect[] = [];
  const order = [...edges].filter((e) => e.label && (showLabels || e.priority)).sort((a, b) => Number(Boolean(b.priority)) - Number(Boolean(a.priority)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const edge of order) {
    const from = positions.get(edge.source);
    const to = positions.get(edge.target);
    const entry = layout.get(edge.id);
    if (!from || !to || !entry || edge.source === edge.target) continue;
    const curve = edgeCurve(handlePoints(from).source.x, handlePoints(from).source.y, handlePoints(to).target.x, handlePoints(to).target.y, entry.bend, entry.normal);
    const size = labelSize(edge.label!);
    for (const t of SPOTS) {
      const centre = curve.at(t);
      // A little margin: the canvas draws handles a few units off the node's edge.
      const box = { x: centre.x - size.width / 2 - 2, y: centre.y - size.height / 2 - 2, width: size.width + 4, height: size.height + 4 };
      if (placed.some((other) => overlaps(box, other)) || nodes.some((node) => overlaps(box, node))) continue;
      placed.push(box);
      entry.labelAt = t;
      break;
    }
  }
  return layout;
}
