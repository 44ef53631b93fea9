import { element } from "../../workers/domain/entities/element";
import { valuesOf, viewOf } from "../../workers/domain/entities/entity";
import { relationship } from "../../workers/domain/entities/relationship";
import type { ElementView, RelationshipView } from "../../workers/domain/room-types";
import type { ElementState, RelationshipState } from "./graph-doc";

/** An element as the room's RPC answers show it; `secret` only for those who may see it. */
export function elementView(state: ElementState, secret: string | undefined): ElementView {
  return viewOf(element, valuesOf(element, { ...state, secret: secret ?? null }), secret !== undefined);
}

export function relationshipView(rel: RelationshipState): RelationshipView {
  return viewOf(relationship, valuesOf(relationship, rel));
}
