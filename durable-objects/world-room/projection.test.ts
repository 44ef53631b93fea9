import { describe, expect, it } from "vitest";
import { contentKey, type ElementState, type RelationshipState } from "./graph-doc";
import type { HistorySession, VersionCause, VersionSession } from "./edit-sessions";
import { planProjection, type ProjectionSources } from "./projection";

const WORLD = "world0000000001";
const NOW = 1_800_000_000_000;

const element = (id: string, fields: Partial<ElementState> = {}): ElementState => ({
  id,
  type: "character",
  name: `Name of ${id}`,
  aliases: [],
  description: "",
  x: 0,
  y: 0,
  tags: [],
  assets: {},
  metadata: {},
  version: 0,
  createdBy: "ana",
  createdAt: NOW - 1000,
  updatedAt: NOW - 1000,
  ...fields,
});

/** A room's state as plain maps: what the document holds and what the room remembers of D1. */
function room(state: {
  elements?: ElementState[];
  relationships?: RelationshipState[];
  projected?: Record<string, { version: number; key: string }>;
  editors?: Record<string, string[]>;
  causes?: Record<string, VersionCause>;
  versionSessions?: Record<string, VersionSession>;
  historySessions?: Record<string, HistorySession>;
}): ProjectionSources {
  const elements = new Map((state.elements ?? []).map((e) => [e.id, e]));
  const relationships = new Map((state.relationships ?? []).map((r) => [r.id, r]));
  let ids = 0;
  return {
    worldId: WORLD,
    now: NOW,
    sessionNow: NOW,
    readElement: (id) => (elements.has(id) ? { element: elements.get(id)!, repaired: [] } : null),
    documentElement: (id) => elements.get(id) ?? null,
    relationship: (id) => relationships.get(id) ?? null,
    secret: () => null,
    projected: (id) => state.projected?.[id] ?? null,
    editors: (id) => state.editors?.[id] ?? [],
    versionCause: (id) => state.causes?.[id] ?? null,
    versionSession: (id) => state.versionSessions?.[id] ?? null,
    historySession: (userId) => state.historySessions?.[userId] ?? null,
    newId: () => `history${String((ids += 1)).padStart(9, "0")}`,
  };
}

const none = { elementIds: [], relationshipIds: [], history: [] };

describe("planProjection", () => {
  it("writes a new element's row, its first version credited to its creator, and their history entry", () => {
    const mill = element("mill00000000001", { name: "The Mill" });
    const plan = planProjection({ ...none, elementIds: [mill.id] }, room({ elements: [mill], editors: { [mill.id]: ["ana"] } }));
    expect(plan.rows.elements).toMatchObject([{ id: mill.id, name: "The Mill", version: 1, createdAt: mill.createdAt, updatedAt: NOW }]);
    expect(plan.rows.versions).toMatchObject([{ id: mill.id, version: 1, action: "created", userId: "ana" }]);
    expect(JSON.parse(plan.rows.versions[0]!.snapshot)).toMatchObject({ name: "The Mill", version: 1, secret: "" });
    expect(plan.rows.history).toMatchObject([{ action: "created", userId: "ana", elementIds: [mill.id] }]);
    expect(plan.rows.history[0]!.summary).toContain("The Mill");
    expect(plan.projected).toEqual([{ id: mill.id, version: 1, key: contentKey(mill, null) }]);
    expect(plan.versionBumps).toEqual([{ id: mill.id, version: 1 }]);
    expect(plan.namesChanged).toBe(true);
  });

  it("makes no version for a move: the content is what D1 already has", () => {
    const mill = element("mill00000000001", { version: 3, x: 480 });
    const plan = planProjection(
      { ...none, elementIds: [mill.id] },
      room({ elements: [mill], projected: { [mill.id]: { version: 3, key: contentKey(mill, null) } }, editors: { [mill.id]: ["ben"] } }),
    );
    expect(plan.rows.versions).toEqual([]);
    expect(plan.versionBumps).toEqual([]);
    expect(plan.rows.elements).toMatchObject([{ id: mill.id, x: 480, version: 3, updatedAt: mill.updatedAt }]);
    expect(plan.rows.history).toMatchObject([{ action: "moved", userId: "ben" }]);
    expect(plan.namesChanged).toBe(false);
  });

  it("extends the open editing session's version instead of adding one", () => {
    const mill = element("mill00000000001", { version: 4, description: "Haunted now." });
    const before = element("mill00000000001", { version: 4 });
    const plan = planProjection(
      { ...none, elementIds: [mill.id] },
      room({
        elements: [mill],
        projected: { [mill.id]: { version: 4, key: contentKey(before, null) } },
        editors: { [mill.id]: ["ana"] },
        causes: { [mill.id]: { action: "edited", userId: "ana" } },
        versionSessions: { [mill.id]: { userId: "ana", version: 4, action: "edited", lastAt: NOW - 1000 } },
      }),
    );
    expect(plan.rows.versions).toMatchObject([{ id: mill.id, version: 4, action: "edited", userId: "ana" }]);
    expect(plan.rows.history).toMatchObject([{ action: "edited", userId: "ana" }]);
  });

  it("deletes the rows of an element and a relationship that are gone, and a relationship whose end is gone", () => {
    const kept = element("kept00000000001");
    const link = (id: string, to: string): RelationshipState => ({ id, from: kept.id, to, kind: "allied_with", label: "", createdAt: 0, updatedAt: 0 });
    const plan = planProjection(
      { elementIds: ["gone00000000001"], relationshipIds: ["rel00000000001", "rel00000000002"], history: [] },
      room({ elements: [kept], relationships: [link("rel00000000002", "gone00000000001")] }),
    );
    expect(plan.rows.removedElements).toEqual(["gone00000000001"]);
    expect(plan.projected).toEqual([{ id: "gone00000000001", removed: true }]);
    expect(plan.rows.removedRelationships).toEqual(["rel00000000001", "rel00000000002"]);
    expect(plan.rows.relationships).toEqual([]);
    expect(plan.namesChanged).toBe(true);
  });

  it("never writes another world's file key into this world's rows", () => {
    const mill = element("mill00000000001", { assets: { image: `worlds/${WORLD}/images/mill.png`, audio: "worlds/otherworld00001/audio/a.mp3" } });
    const plan = planProjection({ ...none, elementIds: [mill.id] }, room({ elements: [mill] }));
    expect(plan.rows.elements[0]!.assets).toEqual({ image: `worlds/${WORLD}/images/mill.png` });
  });

  it("keeps the history entries queued by REST writes, after none of its own when nobody edited live", () => {
    const queued = { id: "queued000000001", action: "deleted", summary: "Deleted “X”", prompt: null, elementIds: ["x"], userId: "ana", createdAt: NOW };
    const plan = planProjection({ ...none, history: [queued] }, room({}));
    expect(plan.rows.history).toEqual([queued]);
  });
});
