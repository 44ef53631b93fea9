// The world room's RPC contract: the graph's shapes as the API, the jobs and the room exchange them.
// In the domain layer so that all three, and the domain's own rules, can name them (ADR 16).
import type { ElementAssets, ElementMetadata, ElementType, Role } from "../../drizzle/schema";
import type { NewRelationship } from "../../workers/domain/graph";

// The inputs of the room's graph RPCs are the API's validated bodies, typed from its schemas.
export type { ElementChanges, ElementPositions, NewElement, NewRelationship, RelationshipChanges } from "../../workers/domain/graph";

/** Who asks the room to change something. The Worker has checked the session and the role. */
export type Actor = { id: string; name: string; role: Role };

export type { RoomResult } from "./room-result";

// An element and a relationship as the room's answers show them: derived from their definitions.
export type { ElementView } from "./entities/element";
export type { RelationshipView } from "./entities/relationship";

import type { ElementView } from "./entities/element";

/** What a version snapshot holds (the element as the API showed it, secret included). */
export type VersionSnapshot = ElementView & { secret: string };

export type RoomStatus = {
  elements: number;
  relationships: number;
  loadedFrom: "storage" | "d1" | "empty";
  /** Time spent reading and applying stored state (0 where the runtime stops the clock during CPU work). */
  loadMs: number;
  logLength: number;
  pendingProjection: number;
};

/** One element a generation job writes: created with this id, or updated if it exists. */
export type GeneratedElement = {
  id: string;
  type: ElementType;
  name: string;
  description: string;
  tags: string[];
  assets: ElementAssets;
  metadata: ElementMetadata;
  position?: { x: number; y: number };
};

/** What a finished generation job writes through the room. */
export type GenerationWrite = {
  jobId: string;
  action: "generated" | "refined";
  prompt: string;
  elements: GeneratedElement[];
  relationships: Array<Required<Pick<NewRelationship, "id">> & NewRelationship>;
};
