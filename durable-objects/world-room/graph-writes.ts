import type * as Y from "yjs";
import { VersionSnapshotSchema } from "../../workers/domain/graph";
import { ownAssets, worldOfAssetKey } from "../../workers/domain/element-fields";
import { parseJsonWith } from "../../workers/lib/json";
import { log } from "../../workers/lib/log";
import type {
  Actor,
  ElementChanges,
  ElementPositions,
  ElementView,
  GenerationWrite,
  NewElement,
  NewRelationship,
  RelationshipChanges,
  RelationshipView,
  RoomResult,
} from "../../workers/domain/room-types";
import type { RoomConflicts } from "./conflicts";
import { SESSION_QUIET_MS } from "./edit-sessions";
import {
  elementsOf,
  getElement,
  getRelationship,
  insertElement,
  insertRelationship,
  patchElement,
  patchRelationship,
  relationshipsOf,
  removeElement,
  type ElementPatch,
  type ElementState,
  type RelationshipState,
} from "./graph-doc";
import type { RoomLocks } from "./locks";
import type { RoomStorage } from "./room-storage";
import { elementView, relationshipView } from "./views";

export const ok = <T>(value: T): RoomResult<T> => ({ ok: true, value });
export const refuse = <T>(status: 400 | 403 | 404 | 409 | 410, code: string, message: string): RoomResult<T> => ({
  ok: false,
  status,
  code,
  message,
});

const quote = (name: string) => `“${name}”`;

/** What the graph writes need of the room. */
export type GraphWritePorts = {
  store: () => RoomStorage;
  document: () => Y.Doc;
  db: () => D1Database;
  worldId: () => string;
  locks: RoomLocks;
  conflicts: RoomConflicts;
  /** The clock editing sessions are measured by (tests move it on). */
  clock: () => number;
  /** The room is loaded and its document current; a refusal when the world is gone. */
  ready: () => Promise<RoomResult<never> | null>;
  /** Writes every pending change to D1 (projection.ts). */
  flush: () => Promise<void>;
  newId: () => string;
};

/** Elements a write needs: they must be in the world (else 404) and not locked by someone else (else 409). */
type Needs = {
  ids: string[];
  /** The 404's message, given the first missing id. */
  notFound: (id: string) => string;
  /** Present as entries of the graph map, readable or not (deletes and moves); otherwise readable. */
  present?: boolean;
  /** The write goes ahead while someone else holds a lock (saving a version writes no content). */
  whileLocked?: boolean;
};

/**
 * The graph writes that arrive as RPC (REST, generation results): each runs after the ones before
 * it have answered, in a room that is loaded and current, by someone who may write, on elements
 * that exist and nobody else holds; it changes the document and waits for the projection, so a
 * read after a write sees it and every acknowledged change of an element is its own version.
 */
export class GraphWrites {
  constructor(private readonly ports: GraphWritePorts) {}

  private get doc() {
    return this.ports.document();
  }

  private get store() {
    return this.ports.store();
  }

  private get worldId() {
    return this.ports.worldId();
  }

  /** The tail of the chain that runs writing RPCs one at a time. */
  private writing: Promise<unknown> = Promise.resolve();

  /**
   * Runs a writing RPC once the ones before it have answered. Each writes its change and waits for
   * the projection before answering, so every acknowledged change of an element is its own
   * version in the history; concurrent requests made one version of several changes before.
   */
  exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.writing.then(run, run);
    this.writing = result.catch(() => undefined);
    return result;
  }

  /**
   * The prologue every graph write shares: one at a time, the room ready, the actor allowed to
   * write, the elements it names present and not locked by someone else (D3).
   */
  private write<T>(actor: Actor, needs: Needs | null, run: () => Promise<RoomResult<T>>): Promise<RoomResult<T>> {
    return this.exclusive(async () => {
      const notReady = await this.ports.ready();
      if (notReady) return notReady;
      if (!this.canWrite(actor)) return refuse(403, "forbidden", "You can view this world but not change it.");
      if (needs) {
        const elements = elementsOf(this.doc);
        const missing = needs.ids.find((id) => (needs.present ? !elements.has(id) : !getElement(this.doc, id)));
        if (missing !== undefined) return refuse(404, "not_found", needs.notFound(missing));
        const lock = needs.whileLocked ? null : this.ports.locks.heldAgainst(actor.id, needs.ids);
        if (lock) return refuse(409, "locked", `${lock.by.name} is editing that element; try again when they are done.`);
      }
      return run();
    });
  }

  private canWrite(actor: Actor) {
    return actor.role === "owner" || actor.role === "editor";
  }

  private view(element: ElementState, withSecret: boolean): ElementView {
    return elementView(element, withSecret ? (this.store.getSecret(element.id) ?? "") : undefined);
  }

  private record(actor: Actor, action: string, summary: string, elementIds: string[], prompt?: string | null) {
    this.store.addHistory({ action, summary, elementIds, userId: actor.id, prompt: prompt ?? null });
  }

  async createElement(actor: Actor, input: NewElement): Promise<RoomResult<{ element: ElementView }>> {
    return this.write(actor, null, async () => {
      const id = input.id ?? this.ports.newId();
      if (elementsOf(this.doc).has(id)) return refuse(409, "element_exists", "An element with that id already exists.");
      // Re-creating a deleted element (undo) continues its version numbers.
      const previous = input.id
        ? await this.ports.db().prepare("select max(version) as v from element_versions where element_id = ? and world_id = ?")
            .bind(id, this.worldId)
            .first<{ v: number | null }>()
        : null;
      const now = Date.now();
      const count = elementsOf(this.doc).size;
      const element: ElementState = {
        id,
        type: input.type,
        name: input.name,
        aliases: input.aliases ?? [],
        description: input.description ?? "",
        x: input.position?.x ?? (count % 6) * 240,
        y: input.position?.y ?? Math.floor(count / 6) * 160,
        tags: input.tags ?? [],
        assets: ownAssets(input.assets ?? {}, this.worldId),
        metadata: {},
        version: previous?.v ?? 0,
        createdBy: actor.id,
        createdAt: now,
        updatedAt: now,
      };
      if (input.secret) this.store.setSecret(id, input.secret);
      this.store.setVersionCause(id, input.id ? "restored" : "created", actor.id);
      this.record(actor, "created", `Created the ${element.type} ${quote(element.name)}`, [id]);
      this.doc.transact(() => insertElement(this.doc, element));
      await this.ports.flush();
      return ok({ element: this.view(getElement(this.doc, id)!, true) });
    });
  }

  async updateElement(actor: Actor, id: string, changes: ElementChanges): Promise<RoomResult<{ element: ElementView }>> {
    return this.write(actor, { ids: [id], notFound: () => "That element was not found." }, async () => {
      const before = getElement(this.doc, id)!;
      const patch: ElementPatch = {};
      if (changes.type !== undefined) patch.type = changes.type;
      if (changes.name !== undefined) patch.name = changes.name;
      if (changes.aliases !== undefined) patch.aliases = changes.aliases;
      if (changes.description !== undefined) patch.description = changes.description;
      if (changes.tags !== undefined) patch.tags = changes.tags;
      if (changes.assets !== undefined) patch.assets = ownAssets(changes.assets, this.worldId);
      if (changes.position) {
        patch.x = changes.position.x;
        patch.y = changes.position.y;
      }
      const changedFields = Object.keys(changes).filter((key) => {
        if (key === "secret") return (this.store.getSecret(id) ?? "") !== (changes.secret ?? "");
        if (key === "position") return before.x !== changes.position?.x || before.y !== changes.position?.y;
        return JSON.stringify(before[key as keyof ElementState]) !== JSON.stringify(changes[key as keyof ElementChanges]);
      });
      if (changedFields.length === 0) return ok({ element: this.view(before, true) });
      if (changes.secret !== undefined) {
        this.store.setSecret(id, changes.secret);
        this.store.markDirty("element", [id]);
      }
      // An edit through the API is the person's edit like a live one: it joins their editing
      // session's version and history entry (which the projection writes).
      this.store.setVersionCause(id, "edited", actor.id);
      this.store.addEditor(id, actor.id);
      this.doc.transact(() => patchElement(this.doc, id, patch));
      await this.ports.flush();
      return ok({ element: this.view(getElement(this.doc, id)!, true) });
    });
  }

  async deleteElements(
    actor: Actor,
    ids: string[],
  ): Promise<RoomResult<{ elements: ElementView[]; relationships: RelationshipView[] }>> {
    return this.write(actor, { ids, notFound: (id) => `No element ${id} in this world.`, present: true }, async () => {
      const views = ids.map((id) => this.view(getElement(this.doc, id)!, true));
      const removed: RelationshipView[] = [];
      this.doc.transact(() => {
        for (const id of ids) {
          const result = removeElement(this.doc, id);
          if (result) removed.push(...result.relationships.map((r) => relationshipView(r)));
        }
      });
      this.store.markDirty("relationship", removed.map((r) => r.id));
      const summary =
        views.length === 1 ? `Deleted ${quote(views[0]!.name)}` : `Deleted ${views.length} elements: ${views.map((v) => quote(v.name)).join(", ")}`;
      this.record(actor, "deleted", summary.slice(0, 500), ids);
      for (const id of ids) this.store.deleteSecret(id);
      await this.ports.flush();
      return ok({ elements: views, relationships: removed });
    });
  }

  async moveElements(actor: Actor, positions: ElementPositions): Promise<RoomResult<{ updated: number }>> {
    const ids = positions.map((p) => p.id);
    return this.write(actor, { ids, notFound: () => "Some of those elements are not in this world.", present: true }, async () => {
      this.doc.transact(() => {
        for (const p of positions) patchElement(this.doc, p.id, { x: p.x, y: p.y });
      });
      if (positions.length) this.record(actor, "moved", positions.length === 1 ? "Moved an element" : `Moved ${positions.length} elements`, ids.slice(0, 100));
      await this.ports.flush();
      return ok({ updated: positions.length });
    });
  }

  async restoreVersion(actor: Actor, id: string, version: number): Promise<RoomResult<{ element: ElementView }>> {
    return this.write(actor, { ids: [id], notFound: () => "That element was not found." }, async () => {
      const current = getElement(this.doc, id)!;
      await this.ports.flush();
      const row = await this.ports.db().prepare("select snapshot from element_versions where element_id = ? and world_id = ? and version = ?")
        .bind(id, this.worldId, version)
        .first<{ snapshot: string }>();
      if (!row) return refuse(404, "not_found", `Version ${version} of that element was not found.`);
      const snapshot = parseJsonWith(VersionSnapshotSchema, row.snapshot);
      if (!snapshot) return refuse(409, "version_unreadable", `Version ${version} of that element could not be read.`);
      this.store.setSecret(id, snapshot.secret ?? "");
      this.store.markDirty("element", [id]);
      this.store.setVersionCause(id, "restored", actor.id);
      this.record(actor, "restored", `Restored ${quote(snapshot.name ?? current.name)} to version ${version}`, [id]);
      this.doc.transact(() =>
        patchElement(this.doc, id, {
          type: snapshot.type ?? current.type,
          name: snapshot.name ?? current.name,
          aliases: snapshot.aliases ?? [],
          description: snapshot.description ?? "",
          tags: snapshot.tags ?? [],
          assets: ownAssets(snapshot.assets ?? {}, this.worldId),
          metadata: snapshot.metadata ?? {},
        }),
      );
      await this.ports.flush();
      return ok({ element: this.view(getElement(this.doc, id)!, true) });
    });
  }

  /**
   * *Save version*: ends the element's open editing session, so that the next edit starts a new
   * version. Its current content is already that session's version (the projection keeps it so).
   */
  async saveVersion(actor: Actor, id: string): Promise<RoomResult<{ version: number; alreadySaved: boolean }>> {
    return this.write(actor, { ids: [id], notFound: () => "That element was not found.", whileLocked: true }, async () => {
      await this.ports.flush();
      const element = getElement(this.doc, id);
      if (!element) return refuse(404, "not_found", "That element was not found.");
      const session = this.store.getVersionSession(id);
      if (!session || this.ports.clock() - session.lastAt >= SESSION_QUIET_MS) {
        return ok({ version: element.version, alreadySaved: true });
      }
      this.store.closeVersionSession(id);
      return ok({ version: session.version, alreadySaved: false });
    });
  }

  // ---------------------------------------------------------------- RPC: relationships

  async createRelationship(actor: Actor, input: NewRelationship): Promise<RoomResult<{ relationship: RelationshipView }>> {
    return this.write(actor, null, async () => {
      const from = getElement(this.doc, input.from);
      const to = getElement(this.doc, input.to);
      if (!from || !to) return refuse(400, "unknown_element", "Both ends of a relationship must be elements of this world.");
      if (from.id === to.id) return refuse(400, "self_relationship", "A relationship needs two different elements.");
      const id = input.id ?? this.ports.newId();
      if (relationshipsOf(this.doc).has(id)) return refuse(409, "relationship_exists", "A relationship with that id already exists.");
      const now = Date.now();
      const rel: RelationshipState = { id, from: from.id, to: to.id, kind: input.kind, label: input.label ?? "", createdAt: now, updatedAt: now };
      this.record(actor, "created", `Linked ${quote(from.name)} → ${quote(to.name)} (${rel.kind.replaceAll("_", " ")})`, [from.id, to.id]);
      this.doc.transact(() => insertRelationship(this.doc, rel));
      await this.ports.flush();
      return ok({ relationship: relationshipView(rel) });
    });
  }

  async updateRelationship(actor: Actor, id: string, changes: RelationshipChanges): Promise<RoomResult<{ relationship: RelationshipView }>> {
    return this.write(actor, null, async () => {
      const before = getRelationship(this.doc, id);
      if (!before) return refuse(404, "not_found", "That relationship was not found.");
      if ((changes.kind ?? before.kind) === before.kind && (changes.label ?? before.label) === before.label) {
        return ok({ relationship: relationshipView(before) });
      }
      const names = [getElement(this.doc, before.from)?.name ?? "?", getElement(this.doc, before.to)?.name ?? "?"];
      this.record(actor, "edited", `Changed the link ${quote(names[0]!)} → ${quote(names[1]!)}`, [before.from, before.to]);
      this.doc.transact(() => patchRelationship(this.doc, id, changes, Date.now()));
      await this.ports.flush();
      return ok({ relationship: relationshipView(getRelationship(this.doc, id)!) });
    });
  }

  async deleteRelationship(actor: Actor, id: string): Promise<RoomResult<{ relationship: RelationshipView }>> {
    return this.write(actor, null, async () => {
      const rel = getRelationship(this.doc, id);
      if (!rel) return refuse(404, "not_found", "That relationship was not found.");
      const names = [getElement(this.doc, rel.from)?.name ?? "?", getElement(this.doc, rel.to)?.name ?? "?"];
      this.record(actor, "deleted", `Unlinked ${quote(names[0]!)} → ${quote(names[1]!)}`, [rel.from, rel.to]);
      this.doc.transact(() => relationshipsOf(this.doc).delete(id));
      await this.ports.flush();
      return ok({ relationship: relationshipView(rel) });
    });
  }


  /**
   * Writes a finished job's elements and relationships. Ids come from the job, so a redelivered
   * message updates what an earlier delivery created instead of duplicating it.
   */
  async applyGeneration(actor: Actor, write: GenerationWrite): Promise<RoomResult<{ elements: ElementView[] }>> {
    return this.write(actor, null, async () => {
      // The room decides once whether a job's result is applied (no await from here to the write):
      // a job cancelled, or passed over in a conflict, never writes, however far it had got.
      if (this.store.jobFate(write.jobId) === "cancelled") {
        return refuse(409, "job_cancelled", "This job was cancelled (or another request was chosen instead); its result was not applied.");
      }
      this.ports.conflicts.settleForAppliedJob(write.jobId);
      this.store.settleJob(write.jobId, "applied");
      const now = Date.now();
      const count = elementsOf(this.doc).size;
      for (const element of write.elements) this.store.setVersionCause(element.id, write.action, actor.id);
      // A job writes files under its own world; a key of another world is dropped (below), and logged.
      for (const element of write.elements) {
        const foreign = Object.values(element.assets).filter((key) => typeof key === "string" && worldOfAssetKey(key) !== this.worldId);
        if (foreign.length) log.warn("room.generation_foreign_asset_skipped", { worldId: this.worldId, elementId: element.id, keys: foreign });
      }
      this.doc.transact(() => {
        write.elements.forEach((element, index) => {
          const existing = getElement(this.doc, element.id);
          if (existing) {
            patchElement(this.doc, element.id, {
              type: element.type,
              name: element.name,
              description: element.description,
              tags: element.tags,
              assets: ownAssets({ ...existing.assets, ...element.assets }, this.worldId),
              metadata: { ...existing.metadata, ...element.metadata },
            });
            return;
          }
          insertElement(this.doc, {
            id: element.id,
            type: element.type,
            name: element.name,
            aliases: [],
            description: element.description,
            x: element.position?.x ?? ((count + index) % 6) * 240,
            y: element.position?.y ?? Math.floor((count + index) / 6) * 160,
            tags: element.tags,
            assets: ownAssets(element.assets, this.worldId),
            metadata: element.metadata,
            version: 0,
            createdBy: actor.id,
            createdAt: now,
            updatedAt: now,
          });
        });
        for (const rel of write.relationships) {
          if (getRelationship(this.doc, rel.id) || rel.from === rel.to) continue;
          if (!getElement(this.doc, rel.from) || !getElement(this.doc, rel.to)) continue;
          insertRelationship(this.doc, { id: rel.id, from: rel.from, to: rel.to, kind: rel.kind, label: rel.label ?? "", createdAt: now, updatedAt: now });
        }
      });
      const names = write.elements.map((e) => quote(e.name));
      const summary =
        write.action === "refined"
          ? `Refined ${names[0] ?? "an element"} with the AI`
          : `Generated ${names.slice(0, 3).join(", ")}${names.length > 3 ? ` and ${names.length - 3} more` : ""}`;
      this.record(actor, write.action, summary, write.elements.map((e) => e.id), write.prompt);
      await this.ports.flush();
      return ok({ elements: write.elements.map((e) => getElement(this.doc, e.id)).filter((e): e is ElementState => Boolean(e)).map((e) => this.view(e, false)) });
    });
  }
}
