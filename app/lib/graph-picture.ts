// A world's graph laid out for a static picture: element positions as the editor placed them,
// relationships as straight lines between centres, and a view box that fits them all. Pure, so the
// server computes it once and the page (or the embed) only draws it.
import type { ElementType } from "../../drizzle/schema/constants";

/** The editor's node size (app/editor/graph-model.ts), so the picture matches the canvas. */
export const PICTURE_NODE = { width: 200, height: 64 } as const;
/** Beyond this many elements the picture shows dots without names, to stay light. */
const LABEL_LIMIT = 400;
/** Up to this many elements the cards carry their pictures (each is one more request). */
const IMAGE_LIMIT = 150;
const PADDING = 40;
const NAME_CHARS = 22;

export type PictureNode = { id: string; type: ElementType; name: string; label: string; x: number; y: number; image: string | null };
export type PictureEdge = { id: string; from: string; to: string; x1: number; y1: number; x2: number; y2: number };
export type GraphPicture = {
  viewBox: { x: number; y: number; width: number; height: number };
  nodes: PictureNode[];
  edges: PictureEdge[];
  labels: boolean;
};

type Positioned = { id: string; type: ElementType; name: string; position: { x: number; y: number }; assets?: { image?: string } };
type Linked = { id: string; from: string; to: string };

const round = (n: number) => Math.round(n * 10) / 10;

export function layoutGraph(elements: Positioned[], relationships: Linked[]): GraphPicture {
  if (elements.length === 0) return { viewBox: { x: 0, y: 0, width: 400, height: 200 }, nodes: [], edges: [], labels: true };
  const withImages = elements.length <= IMAGE_LIMIT;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const nodes: PictureNode[] = elements.map((element) => {
    const x = Number.isFinite(element.position.x) ? element.position.x : 0;
    const y = Number.isFinite(element.position.y) ? element.position.y : 0;
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x + PICTURE_NODE.width);
    maxY = Math.max(maxY, y + PICTURE_NODE.height);
    const name = element.name || "Untitled";
    const label = name.length > NAME_CHARS ? `${name.slice(0, NAME_CHARS - 1).trimEnd()}…` : name;
    const image = withImages && element.assets?.image ? `/api/assets/${element.assets.image}` : null;
    return { id: element.id, type: element.type, name, label, x: round(x), y: round(y), image };
  });
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const edges: PictureEdge[] = relationships.flatMap((rel) => {
    const from = byId.get(rel.from);
    const to = byId.get(rel.to);
    if (!from || !to) return [];
    return [{
      id: rel.id,
      from: rel.from,
      to: rel.to,
      x1: round(from.x + PICTURE_NODE.width / 2),
      y1: round(from.y + PICTURE_NODE.height / 2),
      x2: round(to.x + PICTURE_NODE.width / 2),
      y2: round(to.y + PICTURE_NODE.height / 2),
    }];
  });
  return {
    viewBox: { x: round(minX - PADDING), y: round(minY - PADDING), width: round(maxX - minX + 2 * PADDING), height: round(maxY - minY + 2 * PADDING) },
    nodes,
    edges,
    labels: nodes.length <= LABEL_LIMIT,
  };
}
