import * as Y from "yjs";
import { LiveRoom, newId } from "../live-room/live-room";
import type { LiveStorage } from "../live-room/live-storage";
import type { RoomFeatures } from "../live-room/document-kind";
import type { RoomResult } from "../../workers/domain/room-types";
import type { ChapterChanges, NewChapter, NewScene, SceneChanges } from "../../workers/domain/stories/stories";
import type { JobEvent } from "../world-room/protocol";
import { STORY_LIMITS, chaptersOf, contentOf, plainText, readChapter, readScene, sceneTextOf, scenesOf, type AiMark, type ChapterState, type JsonNode, type SceneState } from "./story-doc";
import { appendAiText, chapters, replaceInScene, orderKeyFor, putChapter, putScene, removeScene, replaceSceneContent, replaceSceneText, replaceSpan, scenesIn, setFields } from "./story-writes";
import { revisionInsert, type NewRevision, type RevisionKind } from "../../workers/domain/stories/revisions";
import { StoryKind } from "./story-kind";
import type { StoryAcceptance } from "./story-rules";

/** An outline as the room writes it: the provider's, with points of view and places resolved to element ids. */
export type OutlineWrite = {
  chapters: Array<{ title: string; summary: string; scenes: Array<{ title: string; summary: string; pov: string | null; location: string | null }> }>;
};

const refused = (status: 400 | 404 | 409, code: string, message: string): RoomResult<never> => ({ ok: false, status, code, message });

/**
 * One room per story (issue 17, ADR 21): the second document kind on the room machinery
 * (live-room/live-room.ts). People who may write the world co-write the story's chapters, scenes
 * and text live; viewers follow. The story's structure and text are projected into D1 for lists,
 * reading pages and search. It has no chat or locks of its own: its features are the welcome and
 * presence the machinery relays.
 */
export class StoryRoom extends LiveRoom<LiveStorage, StoryAcceptance> {
  protected readonly kind = new StoryKind({
    document: () => this.document,
    store: () => this.store,
    db: () => this.env.DB,
    storyId: () => this.name,
    catchUp: () => this.relay.catchUp(),
  });

  protected override readonly gone = { code: "story_deleted", message: "This story has been deleted." };

  protected readonly features: RoomFeatures = {
    greet: (you, users) => [{ type: "welcome", you, users, locks: [] }],
    message: async (_connectionId, _user, _readOnly, message, reply) => {
      reply({ type: "error", code: "unsupported", message: `A story's room has no ${message.type} messages.` });
    },
    left: () => undefined,
    loaded: async () => undefined,
    alarm: async () => undefined,
    nextAlarm: () => null,
  };

  /** The story's chapters and scenes as the room holds them, with the scenes' plain text (tests compare it with D1). */
  async outline(): Promise<RoomResult<{ chapters: ChapterState[]; scenes: SceneState[] }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    this.relay.catchUp();
    const chapters = [...chaptersOf(this.document).keys()].map((id) => readChapter(this.document, id)).filter((c): c is ChapterState => c !== null);
    const scenes = [...scenesOf(this.document).keys()].map((id) => readScene(this.document, id)).filter((s): s is SceneState => s !== null);
    return { ok: true, value: { chapters, scenes } };
  }

  // ---------------------------------------------------------------- RPC: chapters and scenes (story-writes.ts)

  /** Runs a write on the caught-up document as one transaction, then projects it, so a read after it sees it. */
  private async write<T>(change: () => RoomResult<T>): Promise<RoomResult<T>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    this.relay.catchUp();
    let result: RoomResult<T> | null = null;
    this.document.transact(() => {
      result = change();
    });
    await this.pacing.flush();
    return result!;
  }

  async createChapter(input: NewChapter): Promise<RoomResult<{ chapter: ChapterState }>> {
    return this.write(() => {
      if (chaptersOf(this.document).size >= STORY_LIMITS.chapters) return refused(409, "too_many", `A story has at most ${STORY_LIMITS.chapters} chapters.`);
      const order = orderKeyFor(chapters(this.document), { after: input.after });
      if (order === null) return refused(400, "invalid_position", "There is no such chapter to put it after.");
      const id = newId();
      putChapter(this.document, id, { title: input.title, summary: input.summary ?? "", order });
      return { ok: true, value: { chapter: readChapter(this.document, id)! } };
    });
  }

  async updateChapter(id: string, changes: ChapterChanges): Promise<RoomResult<{ chapter: ChapterState }>> {
    return this.write(() => {
      const map = chaptersOf(this.document).get(id);
      if (!(map instanceof Y.Map)) return refused(404, "not_found", "That chapter was not found.");
      const order = changes.after === undefined ? undefined : orderKeyFor(chapters(this.document), { after: changes.after }, id);
      if (order === null) return refused(400, "invalid_position", "There is no such chapter to put it after.");
      setFields(map, { title: changes.title, summary: changes.summary, order });
      return { ok: true, value: { chapter: readChapter(this.document, id)! } };
    });
  }

  /** Deletes a chapter and its scenes. */
  async deleteChapter(id: string): Promise<RoomResult<{ deleted: string[] }>> {
    return this.write(() => {
      if (!chaptersOf(this.document).has(id)) return refused(404, "not_found", "That chapter was not found.");
      const scenes = scenesIn(this.document, id).map((scene) => scene.id);
      for (const scene of scenes) removeScene(this.document, scene);
      chaptersOf(this.document).delete(id);
      return { ok: true, value: { deleted: [id, ...scenes] } };
    });
  }

  async createScene(chapterId: string, input: NewScene): Promise<RoomResult<{ scene: SceneState }>> {
    return this.write(() => {
      if (!chaptersOf(this.document).has(chapterId)) return refused(404, "not_found", "That chapter was not found.");
      if (scenesOf(this.document).size >= STORY_LIMITS.scenes) return refused(409, "too_many", `A story has at most ${STORY_LIMITS.scenes} scenes.`);
      const order = orderKeyFor(scenesIn(this.document, chapterId), { after: input.after });
      if (order === null) return refused(400, "invalid_position", "There is no such scene in that chapter to put it after.");
      const id = newId();
      const fields = { chapter: chapterId, order, title: input.title, summary: input.summary ?? "", pov: input.pov ?? null, location: input.location ?? null };
      putScene(this.document, id, fields, input.text ?? "");
      return { ok: true, value: { scene: readScene(this.document, id)! } };
    });
  }

  async getScene(id: string): Promise<RoomResult<{ scene: SceneState }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    this.relay.catchUp();
    const scene = readScene(this.document, id);
    return scene ? { ok: true, value: { scene } } : refused(404, "not_found", "That scene was not found.");
  }

  /** Changes a scene's fields, moves it (to another chapter too), and replaces its text as a live edit. */
  async updateScene(id: string, changes: SceneChanges): Promise<RoomResult<{ scene: SceneState }>> {
    return this.write(() => {
      const map = scenesOf(this.document).get(id);
      const scene = readScene(this.document, id);
      if (!(map instanceof Y.Map) || !scene) return refused(404, "not_found", "That scene was not found.");
      const chapter = changes.chapter ?? scene.chapter;
      if (!chaptersOf(this.document).has(chapter)) return refused(400, "invalid_chapter", "There is no such chapter in this story.");
      const moving = changes.after !== undefined || chapter !== scene.chapter;
      const order = moving ? orderKeyFor(scenesIn(this.document, chapter), { after: changes.after }, id) : undefined;
      if (order === null) return refused(400, "invalid_position", "There is no such scene in that chapter to put it after.");
      setFields(map, { title: changes.title, summary: changes.summary, pov: changes.pov, location: changes.location, chapter, order });
      if (changes.text !== undefined) replaceSceneText(this.document, id, changes.text);
      return { ok: true, value: { scene: readScene(this.document, id)! } };
    });
  }

  async deleteScene(id: string): Promise<RoomResult<{ deleted: string }>> {
    return this.write(() => {
      if (!scenesOf(this.document).has(id)) return refused(404, "not_found", "That scene was not found.");
      removeScene(this.document, id);
      return { ok: true, value: { deleted: id } };
    });
  }

  /** Adds an outline's chapters and scenes after the story's own (a story written from a prompt); the scenes' ids by chapter. */
  async applyOutline(outline: OutlineWrite): Promise<RoomResult<{ scenes: string[][] }>> {
    return this.write(() => {
      if (chaptersOf(this.document).size + outline.chapters.length > STORY_LIMITS.chapters) return refused(409, "too_many", `A story has at most ${STORY_LIMITS.chapters} chapters.`);
      const ids: string[][] = [];
      for (const chapter of outline.chapters) {
        const chapterId = newId();
        putChapter(this.document, chapterId, { title: chapter.title.slice(0, STORY_LIMITS.title), summary: chapter.summary.slice(0, STORY_LIMITS.summary), order: orderKeyFor(chapters(this.document), {})! });
        const sceneIds: string[] = [];
        for (const scene of chapter.scenes) {
          const sceneId = newId();
          const order = orderKeyFor(scenesIn(this.document, chapterId), {})!;
          putScene(this.document, sceneId, { chapter: chapterId, order, title: scene.title.slice(0, STORY_LIMITS.title), summary: scene.summary.slice(0, STORY_LIMITS.summary), pov: scene.pov, location: scene.location }, "");
          sceneIds.push(sceneId);
        }
        ids.push(sceneIds);
      }
      return { ok: true, value: { scenes: ids } };
    });
  }

  // ---------------------------------------------------------------- RPC: the AI writing (workers/jobs/story-continue.ts)

  /**
   * Appends the AI's words to a scene as they come, marked with the passage's provenance: everyone
   * in the story watches them appear. 404 once the scene is gone (the job stops).
   */
  async aiWrite(sceneId: string, text: string, mark: AiMark): Promise<RoomResult<{ written: number }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    this.relay.catchUp();
    if (!scenesOf(this.document).has(sceneId)) return refused(404, "not_found", "That scene was deleted.");
    let written = 0;
    this.document.transact(() => {
      written = appendAiText(this.document, sceneId, text, mark);
    });
    return { ok: true, value: { written } };
  }

  /** Replaces a quote in a scene's text (a continuity fix) as a live edit; 409 when the quote is no longer there. */
  async replaceText(sceneId: string, fix: { start: number; quote: string; replacement: string }): Promise<RoomResult<{ replaced: true }>> {
    return this.write(() => {
      if (!scenesOf(this.document).has(sceneId)) return refused(404, "not_found", "That scene was not found.");
      return replaceInScene(this.document, sceneId, fix.start, fix.quote, fix.replacement)
        ? { ok: true, value: { replaced: true as const } }
        : refused(409, "text_changed", "That text is no longer in the scene.");
    });
  }

  // ---------------------------------------------------------------- RPC: revisions and refine (issue 18, point 5)

  /** A scene's text as it stands, as a revision would keep it. */
  private sceneNow(sceneId: string): { content: JsonNode[]; text: string } {
    const fragment = sceneTextOf(this.document, sceneId);
    return { content: contentOf(fragment), text: plainText(fragment) };
  }

  /** Writes revisions in order (one D1 transaction); the number of the last one, null when it was a repeat and left out. */
  private async keep(revisions: Array<{ revision: Omit<NewRevision, "storyId" | "sceneId">; options?: Parameters<typeof revisionInsert>[2] }>, sceneId: string): Promise<number | null> {
    const db = this.env.DB;
    const results = await db.batch<{ number: number }>(revisions.map(({ revision, options }) => revisionInsert(db, { ...revision, storyId: this.name, sceneId }, options)));
    return results.at(-1)?.results[0]?.number ?? null;
  }

  /** Keeps a scene's text as it stands now as a revision (after the AI wrote into it). */
  async saveRevision(sceneId: string, meta: { kind: RevisionKind; title: string; userId: string | null; jobId: string | null }): Promise<RoomResult<{ number: number | null }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    this.relay.catchUp();
    if (!scenesOf(this.document).has(sceneId)) return refused(404, "not_found", "That scene was not found.");
    const number = await this.keep([{ revision: { ...meta, ...this.sceneNow(sceneId) }, options: { oncePerJob: true } }], sceneId);
    return { ok: true, value: { number } };
  }

  /**
   * Writes a revision's text back into a scene as a live edit every co-author sees, and keeps it as
   * a "restore" revision; the text it replaced is kept first (unless a revision already holds it).
   */
  async restoreRevision(sceneId: string, restore: { number: number; content: JsonNode[]; text: string; userId: string }): Promise<RoomResult<{ number: number | null; scene: SceneState }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    this.relay.catchUp();
    if (!scenesOf(this.document).has(sceneId)) return refused(404, "not_found", "That scene was not found.");
    const before = this.sceneNow(sceneId);
    this.document.transact(() => {
      // A revision whose rich text no longer reads comes back as its plain text.
      if (restore.content.length > 0 || restore.text === "") replaceSceneContent(this.document, sceneId, restore.content);
      else replaceSceneText(this.document, sceneId, restore.text);
    });
    const after = this.sceneNow(sceneId);
    const number = await this.keep(
      [
        { revision: { kind: "snapshot", title: `Before restoring revision ${restore.number}`, ...before, userId: null, jobId: null }, options: { onlyIfChanged: true } },
        { revision: { kind: "restore", title: `Restored revision ${restore.number}`, ...after, userId: restore.userId, jobId: null } },
      ],
      sceneId,
    );
    await this.pacing.flush();
    return { ok: true, value: { number, scene: readScene(this.document, sceneId)! } };
  }

  /**
   * Accepts a refinement: the span [start, end) of the scene's plain text becomes `proposed`, as a
   * live edit marked as the AI's, kept as a "refine" revision. 409 when the span no longer holds
   * the text the proposal was made from.
   */
  async applyRefinement(
    sceneId: string,
    refinement: { start: number; end: number; original: string; proposed: string; title: string; userId: string; jobId: string; mark: AiMark },
  ): Promise<RoomResult<{ number: number | null; scene: SceneState }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    this.relay.catchUp();
    if (!scenesOf(this.document).has(sceneId)) return refused(404, "not_found", "That scene was not found.");
    const before = this.sceneNow(sceneId);
    if (before.text.slice(refinement.start, refinement.end) !== refinement.original) {
      return refused(409, "text_changed", "The scene's text there has changed since the refinement was proposed; refine it again.");
    }
    this.document.transact(() => replaceSpan(this.document, sceneId, refinement.start, refinement.end, refinement.proposed, refinement.mark));
    const after = this.sceneNow(sceneId);
    const number = await this.keep(
      [
        { revision: { kind: "snapshot", title: "Before refining", ...before, userId: null, jobId: null }, options: { onlyIfChanged: true } },
        { revision: { kind: "refine", title: refinement.title, ...after, userId: refinement.userId, jobId: refinement.jobId } },
      ],
      sceneId,
    );
    await this.pacing.flush();
    return { ok: true, value: { number, scene: readScene(this.document, sceneId)! } };
  }

  /** Relays a story job's progress to everyone in the story. */
  async jobEvent(event: JobEvent): Promise<void> {
    await this.__unsafe_ensureInitialized();
    this.broadcastJson({ type: "job", ...event });
  }

  /** Writes everything marked to D1 now (a request that reads D1 after a live edit waits for this). */
  async project(): Promise<RoomResult<{ written: true }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    await this.pacing.flush();
    return { ok: true, value: { written: true } };
  }
}
