import type { ElementAssets } from "../../drizzle/schema";
import { worldOfAssetKey } from "../../workers/domain/element-fields";
import { element } from "../../workers/domain/entities/element";
import { valuesOf, viewOf } from "../../workers/domain/entities/entity";
import { relationship } from "../../workers/domain/entities/relationship";
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
export function elementView(state: ElementState, secret: string | undefined): ElementView {
  return viewOf(element, valuesOf(element, { ...state, secret: secret ?? null }), secret !== undefined);
}

export function relationshipView(rel: RelationshipState): RelationshipView {
  return viewOf(relationship, valuesOf(relationship, rel));
}
