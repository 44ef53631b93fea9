import type { ElementAssets } from "../../drizzle/schema";
import { worldOfAssetKey } from "../../workers/domain/element-fields";
import type { ElementView, RelationshipView } from "../../workers/domain/room-types";
import type { ElementState, RelationshipState } from "./graph-doc";

/**
 * An element's media keys that belong to `worldId`; a key of another world (or anything that is
 * not a key) is dropped: a world's elements only ever show its own files.
 */
export function ownAssets(assets: unknown, worldId: string): ElementAssets {
  if (typeof assets !== "object" || assets === null) return {};
  const own: ElementAssets = {};
  for (const kind of ["image", "video", "audio"] as const) {
    const key = (assets as Record<string, unknown>)[kind];
    if (typeof key === "string" && worldOfAssetKey(key) === worldId) own[kind] = key;
  }
  return own;
}

/** An element as the room's RPC answers show it; `secret` only for those who may see it. */
export function elementView(element: ElementState, secret: string | undefined): ElementView {
  return {
    id: element.id,
    type: element.type,
    name: element.name,
    description: element.description,
    ...(secret !== undefined ? { secret } : {}),
    position: { x: element.x, y: element.y },
    tags: element.tags,
    assets: element.assets,
    metadata: element.metadata,
    version: element.version,
    createdAt: new Date(element.createdAt).toISOString(),
    updatedAt: new Date(element.updatedAt).toISOString(),
  };
}

export function relationshipView(rel: RelationshipState): RelationshipView {
  return { id: rel.id, from: rel.from, to: rel.to, kind: rel.kind, label: rel.label };
}
