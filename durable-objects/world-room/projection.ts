import type * as Y from "yjs";
import { log } from "../../workers/lib/log";
import { refreshSearchIndex } from "../../workers/domain/gallery";
import { ownAssets } from "../../workers/domain/element-fields";
import { writeElements, writeRelationships, writeVersions, type ElementRowJson, type VersionRowJson } from "../../workers/domain/graph-rows";
import type { VersionSnapshot } from "../../workers/domain/room-types";
import {
  CONTENT_KEY_LAYOUT,
  contentKey,
  contentKeyHasName,
  contentKeyValues,
  currentContentKey,
  elementMap,
  getElement,
  getRelationship,
  readElementChecked,
  stampElement,
  type ElementState,
  type RelationshipState,
} from "./graph-doc";
import {
  changedFields,
  decideVersion,
  extendHistorySession,
  historyAction,
  historySummary,
  type ElementEdit,
  type HistorySession,
  type VersionCause,
  type VersionSession,
} from "./edit-sessions";
import type { PendingHistory, RoomStorage } from "./room-storage";
import type { EntityPart } from "./entity-part";
import { PROJECTOR } from "../live-room/document-kind";
import { elementView } from "./views";

/**
 * The gallery's search row (element names) is rewritten at most this often per room: a burst of
 * renames costs one D1 batch, written a few seconds later by the alarm.
 */
const SEARCH_REFRESH_MS = 5_000;

export type ProjectionRows = {
  removedElements: string[];
  elements: ElementRowJson[];
  versions: VersionRowJson[];
  removedRelationships: string[];
  relationships: RelationshipState[];
  history: PendingHistory[];
};

/**
 * The D1 statements of one projection batch. Rows travel as JSON arrays expanded by `json_each`
 * (graph-rows.ts): a handful of statements per batch whatever its size.
 */
export function projectionStatements(db: D1Database, worldId: string, now: number, rows: ProjectionRows): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  const json = (value: unknown) => JSON.stringify(value);
  if (rows.removedElements.length) {
    statements.push(db.prepare("delete from elements where world_id = ?1 and id in (select value from json_each(?2))").bind(worldId, json(rows.removedElements)));
  }
  statements.push(...writeVersions(db, worldId, now, rows.versions, "upsert"));
  statements.push(...writeElements(db, worldId, rows.elements, "upsert"));
  if (rows.removedRelationships.length) {
    statements.push(db.prepare("delete from relationships where world_id = ?1 and id in (select value from json_each(?2))").bind(worldId, json(rows.removedRelationships)));
  }
  statements.push(...writeRelationships(db, worldId, rows.relationships, "upsert"));
  if (rows.history.length) {
    statements.push(
      db
        .prepare(
          `insert into history (id, world_id, user_id, action, summary, prompt, element_ids, created_at)
           select value ->> '$.id', ?1, value ->> '$.userId', value ->> '$.action', value ->> '$.summary', value ->> '$.prompt',
             value -> '$.elementIds', value ->> '$.createdAt'
           from json_each(?2) where true
           on conflict (id) do update set action = excluded.action, summary = excluded.summary,
             element_ids = excluded.element_ids, created_at = excluded.created_at`,
        )
        .bind(worldId, json(rows.history)),
    );
  }
  statements.push(db.prepare("update worlds set graph_version = graph_version + 1, updated_at = ? where id = ?").bind(now, worldId));
  return statements;
}

/** What the plan of one batch reads: the document and the room's bookkeeping, as lookups. */
export type ProjectionSources = {
  worldId: string;
  /** The time written into D1's rows. */
  now: number;
  /** The clock editing sessions are measured by (edit-sessions.ts). */
  sessionNow: number;
  /** An element as the document holds it, read through its schema (null: it is gone). */
  readElement: (id: string) => { element: ElementState; repaired: string[] } | null;
  /** An element as the document holds it, unchecked (names in summaries, ends of relationships). */
  documentElement: (id: string) => ElementState | null;
  relationship: (id: string) => RelationshipState | null;
  secret: (id: string) => string | null;
  projected: (id: string) => { version: number; key: string } | null;
  editors: (id: string) => string[];
  versionCause: (id: string) => VersionCause | null;
  versionSession: (id: string) => VersionSession | null;
  historySession: (userId: string) => HistorySession | null;
  newId: () => string;
};

/** What one batch writes to D1, and what the room remembers once D1 has it. */
export type ProjectionPlan = {
  rows: ProjectionRows;
  projected: Array<{ id: string; version: number; key: string } | { id: string; removed: true }>;
  versionBumps: Array<{ id: string; version: number }>;
  versionSessions: Array<{ id: string; session: VersionSession | null }>;
  historySessions: Array<[string, HistorySession]>;
  namesChanged: boolean;
  /** Elements whose stored fields did not read and were repaired for D1 (logged by the room). */
  repaired: Array<{ id: string; fields: string[] }>;
};

/**
 * Turns the changes marked since the last projection into D1 rows (pure: everything it reads comes
 * through `sources`). An element that is gone is deleted; one whose content changed gets its
 * editing session's version row (edit-sessions.ts); each person's edits extend their session's one
 * history entry; a relationship whose ends are gone is deleted.
 */
export function planProjection(
  batch: { elementIds: string[]; relationshipIds: string[]; history: PendingHistory[] },
  sources: ProjectionSources,
): ProjectionPlan {
  const { now, sessionNow } = sources;
  const projected: ProjectionPlan["projected"] = [];
  const versionBumps: ProjectionPlan["versionBumps"] = [];
  const versionSessions: ProjectionPlan["versionSessions"] = [];
  const repaired: ProjectionPlan["repaired"] = [];
  /** Each person's edits in this batch, for their session's history entry. */
  const editsBy = new Map<string, ElementEdit[]>();
  const rows: ProjectionRows = { removedElements: [], elements: [], versions: [], removedRelationships: [], relationships: [], history: [...batch.history] };
  let namesChanged = false;

  for (const id of batch.elementIds) {
    const read = sources.readElement(id);
    if (read?.repaired.length) repaired.push({ id, fields: read.repaired });
    const element = read ? { ...read.element, assets: ownAssets(read.element.assets, sources.worldId) } : null;
    if (!element) {
      rows.removedElements.push(id);
      projected.push({ id, removed: true });
      namesChanged = true;
      continue;
    }
    const secret = sources.secret(id);
    const key = contentKey(element, secret);
    const last = sources.projected(id);
    let version = Math.max(element.version, last?.version ?? 0);
    const contentChanged = !last || currentContentKey(last.key) !== key;
    if (contentChanged && (!last || !contentKeyHasName(last.key, element))) namesChanged = true;
    const editors = sources.editors(id);
    if (contentChanged) {
      // A person's edits in one session are one version, rewritten in place (edit-sessions.ts).
      const decision = decideVersion({
        cause: sources.versionCause(id),
        editors,
        projectedBefore: Boolean(last),
        lastVersion: Math.max(last?.version ?? 0, element.version),
        session: sources.versionSession(id),
        now: sessionNow,
      });
      version = decision.version;
      versionBumps.push({ id, version });
      versionSessions.push({ id, session: decision.session });
      const snapshot: VersionSnapshot = { ...elementView({ ...element, version, updatedAt: now }, secret ?? ""), secret: secret ?? "" };
      rows.versions.push({ id, version, snapshot: JSON.stringify(snapshot), action: decision.action, userId: decision.userId });
    }
    if (editors.length) {
      const before = last ? contentKeyValues(last.key) : null;
      const after = contentKeyValues(key);
      const edit: ElementEdit = !last
        ? { id, kind: "created", fields: [] }
        : contentChanged
          ? { id, kind: "edited", fields: after ? changedFields(before, after, CONTENT_KEY_LAYOUT) : [] }
          : { id, kind: "moved", fields: [] };
      for (const userId of editors) editsBy.set(userId, [...(editsBy.get(userId) ?? []), edit]);
    }
    rows.elements.push({
      id,
      type: element.type,
      name: element.name,
      aliases: element.aliases,
      description: element.description,
      secret,
      x: element.x,
      y: element.y,
      tags: element.tags,
      assets: element.assets,
      metadata: element.metadata,
      version,
      createdBy: element.createdBy,
      createdAt: element.createdAt || now,
      updatedAt: contentChanged ? now : element.updatedAt || now,
    });
    projected.push({ id, version, key });
  }

  // Each person's edits (live or through the API) extend their session's one history entry.
  const historySessions: Array<[string, HistorySession]> = [];
  const nameOf = (id: string) => sources.documentElement(id)?.name ?? null;
  for (const [userId, edits] of editsBy) {
    const session = extendHistorySession(sources.historySession(userId), edits, sessionNow, sources.newId);
    historySessions.push([userId, session]);
    rows.history.push({
      id: session.id,
      action: historyAction(session),
      summary: historySummary(session, nameOf),
      prompt: null,
      elementIds: [...session.created, ...session.edited, ...session.moved].slice(0, 100),
      userId,
      createdAt: now,
    });
  }

  for (const id of batch.relationshipIds) {
    const rel = sources.relationship(id);
    if (!rel || !sources.documentElement(rel.from) || !sources.documentElement(rel.to)) {
      rows.removedRelationships.push(id);
      continue;
    }
    rows.relationships.push({ ...rel, createdAt: rel.createdAt || now, updatedAt: rel.updatedAt || now });
  }

  return { rows, projected, versionBumps, versionSessions, historySessions, namesChanged, repaired };
}

/** What the world's projection needs of the room. */
export type ProjectionPorts = {
  store: () => RoomStorage;
  document: () => Y.Doc;
  db: () => D1Database;
  worldId: () => string;
  /** The clock editing sessions are measured by (tests move it on). */
  clock: () => number;
  /** Brings the document up to date with the updates relayed but not applied (relay.ts). */
  catchUp: () => void;
  scheduleAlarm: (at: number) => Promise<void>;
  newId: () => string;
  /** The world's parts in projection order: elements and relationships planned here, every other part by its own `project`. */
  parts: readonly EntityPart[];
};

/**
 * The world's projection into D1, batch by batch (when and how often is the machinery's:
 * live-room/pacing.ts), and the gallery's search row once names changed. Elements and
 * relationships are planned together (`planProjection`: versions, history); every other part's
 * marked ids become statements of its own (entity-part.ts's `project`) in the same batch.
 */
export class WorldProjection {
  constructor(private readonly ports: ProjectionPorts) {}

  private get store() {
    return this.ports.store();
  }

  private searchRefreshedAt = 0;

  /** Rewrites the world's gallery search row once names changed, throttled (catalogue F1). */
  async refreshSearch(): Promise<void> {
    if (!this.store.searchStale) return;
    const due = this.searchRefreshedAt + SEARCH_REFRESH_MS;
    if (Date.now() < due) return this.ports.scheduleAlarm(due);
    this.searchRefreshedAt = Date.now();
    await refreshSearchIndex(this.ports.db(), this.ports.worldId());
    this.store.clearSearchStale();
  }

  /** Writes one batch of pending changes to D1; true when more are waiting. */
  async projectBatch(size: number): Promise<boolean> {
    this.ports.catchUp();
    const store = this.store;
    const document = this.ports.document();
    const worldId = this.ports.worldId();
    // In the parts' order: elements first (relationships reference them, so they wait until no
    // element is left to write), then the other parts.
    const parts = this.ports.parts;
    const slice = store.dirtySlice(
      size,
      parts.map((part) => part.name),
    );
    const elementMarks = slice.marks.get("element") ?? [];
    const relationshipMarks = slice.marks.get("relationship") ?? [];
    const elementIds = elementMarks.map((mark) => mark.id);
    const relationshipIds = relationshipMarks.map((mark) => mark.id);
    const partMarks = parts.flatMap((part) => (part.project === "graph" ? [] : [{ project: part.project, marks: slice.marks.get(part.name) ?? [] }])).filter(({ marks }) => marks.length > 0);
    const history = store.pendingHistory();
    if (elementIds.length === 0 && relationshipIds.length === 0 && partMarks.length === 0 && history.length === 0) return false;
    const now = Date.now();
    const plan = planProjection(
      { elementIds, relationshipIds, history },
      {
        worldId,
        now,
        sessionNow: this.ports.clock(),
        readElement: (id) => {
          const map = elementMap(document, id);
          return map ? readElementChecked(id, map) : null;
        },
        documentElement: (id) => getElement(document, id),
        relationship: (id) => getRelationship(document, id),
        secret: (id) => store.getSecret(id),
        projected: (id) => store.getProjected(id),
        editors: (id) => store.editorsOf(id),
        versionCause: (id) => store.versionCause(id),
        versionSession: (id) => store.getVersionSession(id),
        historySession: (userId) => store.getHistorySession(userId),
        newId: this.ports.newId,
      },
    );
    for (const { id, fields } of plan.repaired) log.error("room.element_repaired", { worldId, elementId: id, fields });

    // One transaction per batch, a few statements whatever its size (rows travel as JSON arrays); it
    // bumps the graph version so no reader keeps a serialized graph from before it.
    const db = this.ports.db();
    const statements = projectionStatements(db, worldId, now, plan.rows);
    for (const { project, marks } of partMarks) {
      statements.push(
        ...project(
          marks.map((mark) => mark.id),
          { document, db, worldId, now },
        ),
      );
    }
    await db.batch(statements);

    // D1 has it: remember what was projected, give clients the new versions, clear the marks.
    for (const item of plan.projected) {
      if ("removed" in item) store.forgetProjected(item.id);
      else store.setProjected(item.id, item.version, item.key);
    }
    for (const { id, session } of plan.versionSessions) store.setVersionSession(id, session);
    for (const [userId, session] of plan.historySessions) store.setHistorySession(userId, session);
    if (plan.versionBumps.length) {
      document.transact(() => {
        for (const { id, version } of plan.versionBumps) stampElement(document, id, version, now);
      }, PROJECTOR);
    }
    store.clearDirty([...elementMarks, ...relationshipMarks, ...partMarks.flatMap(({ marks }) => marks)], history.map((h) => h.id));
    if (plan.namesChanged) store.markSearchStale();
    return slice.more;
  }
}
