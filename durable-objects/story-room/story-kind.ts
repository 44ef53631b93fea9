/* eslint-disable @typescript-eslint/no-explicit-any -- Yjs types its event handlers per type; a walk up any type takes any */
import * as Y from "yjs";
import { z } from "zod";
import { log } from "../../workers/lib/log";
import { LiveStorage, type DirtyMark } from "../live-room/live-storage";
import { PROJECTOR, type Collection, type DocumentKind, type UpdateRefusal } from "../live-room/document-kind";
import type { RelayedItems } from "../live-room/relay";
import type { DecodedUpdate } from "../live-room/update-check";
import type { RoomUser } from "../world-room/protocol";
import { CHAPTERS, SCENES, SCENE_TEXT_PREFIX, chaptersOf, contentOf, plainText, readChapter, readScene, sceneTextOf, scenesOf, writePlainText } from "./story-doc";
import { SNAPSHOT_EVERY_MS, revisionInsert } from "../../workers/domain/stories/revisions";
import { checkStoryUpdate, type StoryAcceptance } from "./story-rules";
import { sceneSummaryOf } from "../../workers/domain/stories/summaries";

/** What the story's kind needs of its room. */
export type StoryKindPorts = {
  document: () => Y.Doc;
  store: () => LiveStorage;
  db: () => D1Database;
  storyId: () => string;
  /** Applies updates relayed but not applied yet (the projection reads the document). */
  catchUp: () => void;
};

/** The ids of one root map's entries a transaction changed (the key right below the root). */
function touchedUnder(root: Y.AbstractType<any>, transaction: Y.Transaction): string[] {
  const ids = new Set<string>();
  for (const [type, keys] of transaction.changed) {
    if (type === root) {
      for (const key of keys) if (key !== null) ids.add(key);
      continue;
    }
    // A field of an entry: climb to the item right below the root.
    let item = type._item;
    for (let depth = 0; item && depth < 8; depth += 1) {
      if (item.parent === root) {
        if (item.parentSub !== null) ids.add(item.parentSub);
        break;
      }
      item = (item.parent as Y.AbstractType<any>)._item;
    }
  }
  return [...ids];
}

/** The scenes whose text (a root fragment each) a transaction changed. */
function textsTouched(doc: Y.Doc, transaction: Y.Transaction): string[] {
  const ids = new Set<string>();
  for (const type of transaction.changedParentTypes.keys()) {
    let root: Y.AbstractType<any> = type;
    for (let depth = 0; root._item && depth < 64; depth += 1) root = root._item.parent as Y.AbstractType<any>;
    for (const [name, shared] of doc.share) if (shared === root && name.startsWith(SCENE_TEXT_PREFIX)) ids.add(name.slice(SCENE_TEXT_PREFIX.length));
  }
  return [...ids];
}

const chapterCollection: Collection = {
  name: "chapter",
  observe: (doc, touched) => {
    const root = chaptersOf(doc);
    doc.on("afterTransaction", (transaction: Y.Transaction) => touched(touchedUnder(root, transaction), transaction));
  },
};

const sceneCollection: Collection = {
  name: "scene",
  observe: (doc, touched) => {
    const root = scenesOf(doc);
    doc.on("afterTransaction", (transaction: Y.Transaction) => {
      const ids = new Set([...touchedUnder(root, transaction), ...textsTouched(doc, transaction)]);
      touched([...ids], transaction);
    });
  },
};

/** The story's structure as an archive holds it (export and import of stories come with issue 18). */
export const StoryArchiveSchema = z.object({
  chapters: z.array(z.object({ id: z.string(), title: z.string(), summary: z.string(), order: z.string() })),
  scenes: z.array(z.object({ id: z.string(), chapter: z.string(), order: z.string(), title: z.string(), summary: z.string(), text: z.string() })),
});

const ChapterRowSchema = z.object({ id: z.string(), position: z.string(), title: z.string(), summary: z.string() });
const SceneRowSchema = z.object({
  id: z.string(),
  chapter_id: z.string(),
  position: z.string(),
  title: z.string(),
  summary: z.string(),
  pov_id: z.string().nullable(),
  location_id: z.string().nullable(),
  text: z.string(),
});

/** The story's own relayed-items index: none (story-rules.ts asks the room to catch up instead). */
const NO_INDEX: RelayedItems<StoryAcceptance> = { add: () => undefined, clear: () => undefined };

/**
 * One story's text as a document kind (ADR 18, 21): chapters and scenes (story-doc.ts), the rules a
 * live update must keep (story-rules.ts), the projection of chapters and scenes into D1
 * (`story_chapters`, `story_scenes`: titles, summaries, order and each scene's text as plain
 * paragraphs, for lists, reading pages and search), and hydration from those rows.
 */
export class StoryKind implements DocumentKind<LiveStorage, StoryAcceptance> {
  readonly collections = [chapterCollection, sceneCollection] as const;
  readonly relayed = NO_INDEX;
  readonly archive = { path: "story.json", schema: StoryArchiveSchema };

  constructor(private readonly ports: StoryKindPorts) {}

  openStorage(sql: SqlStorage): LiveStorage {
    return new LiveStorage(sql);
  }

  inspect(update: DecodedUpdate, user: RoomUser): StoryAcceptance | UpdateRefusal {
    const store = this.ports.store();
    return checkStoryUpdate(update, this.ports.document(), user, (client) => store.ownerOf(client));
  }

  admit(): null {
    return null;
  }

  async hydrate(): Promise<boolean> {
    const db = this.ports.db();
    const storyId = this.ports.storyId();
    const [chapters, scenes] = await db.batch<Record<string, unknown>>([
      db.prepare("select id, position, title, summary from story_chapters where story_id = ?").bind(storyId),
      db.prepare("select id, chapter_id, position, title, summary, pov_id, location_id, text from story_scenes where story_id = ?").bind(storyId),
    ]);
    const chapterRows = readRows(ChapterRowSchema, chapters?.results ?? [], storyId);
    const sceneRows = readRows(SceneRowSchema, scenes?.results ?? [], storyId);
    if (chapterRows.length === 0 && sceneRows.length === 0) return false;
    const doc = this.ports.document();
    doc.transact(() => {
      for (const row of chapterRows) {
        chaptersOf(doc).set(row.id, new Y.Map<unknown>(Object.entries({ title: row.title, summary: row.summary, order: row.position })));
      }
      for (const row of sceneRows) {
        const fields = { chapter: row.chapter_id, order: row.position, title: row.title, summary: row.summary, pov: row.pov_id, location: row.location_id };
        scenesOf(doc).set(row.id, new Y.Map<unknown>(Object.entries(fields)));
        writePlainText(sceneTextOf(doc, row.id), row.text);
      }
    }, PROJECTOR);
    return true;
  }

  async projectBatch(size: number): Promise<boolean> {
    this.ports.catchUp();
    const store = this.ports.store();
    const doc = this.ports.document();
    const storyId = this.ports.storyId();
    const { marks, more } = store.dirtySlice(size, ["chapter", "scene"]);
    const chapterMarks = marks.get("chapter") ?? [];
    const sceneMarks = marks.get("scene") ?? [];
    if (chapterMarks.length + sceneMarks.length === 0) return false;
    const db = this.ports.db();
    const now = Date.now();
    const statements: D1PreparedStatement[] = [];
    for (const { id } of chapterMarks) {
      const chapter = readChapter(doc, id);
      statements.push(
        chapter
          ? db
              .prepare(
                "insert into story_chapters (id, story_id, position, title, summary, updated_at) values (?, ?, ?, ?, ?, ?) on conflict (story_id, id) do update set position = excluded.position, title = excluded.title, summary = excluded.summary, updated_at = excluded.updated_at",
              )
              .bind(id, storyId, chapter.order, chapter.title, chapter.summary, now)
          : db.prepare("delete from story_chapters where story_id = ? and id = ?").bind(storyId, id),
      );
    }
    for (const { id } of sceneMarks) {
      const scene = readScene(doc, id);
      statements.push(
        scene
          ? db
              .prepare(
                "insert into story_scenes (id, story_id, chapter_id, position, title, summary, pov_id, location_id, text, auto_summary, word_count, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (story_id, id) do update set chapter_id = excluded.chapter_id, position = excluded.position, title = excluded.title, summary = excluded.summary, pov_id = excluded.pov_id, location_id = excluded.location_id, text = excluded.text, auto_summary = excluded.auto_summary, word_count = excluded.word_count, updated_at = excluded.updated_at",
              )
              .bind(id, storyId, scene.chapter, scene.order, scene.title, scene.summary, scene.pov, scene.location, scene.text, sceneSummaryOf(scene.text), scene.wordCount, now)
          : db.prepare("delete from story_scenes where story_id = ? and id = ?").bind(storyId, id),
      );
    }
    statements.push(db.prepare("update stories set updated_at = ? where id = ?").bind(now, storyId));
    await db.batch(statements);
    store.clearDirty([...chapterMarks, ...sceneMarks] satisfies DirtyMark[]);
    await this.snapshot(db, doc, storyId, sceneMarks.map((mark) => mark.id), now);
    return more;
  }

  /** When each scene's text was last kept as a snapshot by this room (an estimate after a restart: at worst one more snapshot). */
  private readonly snapshotted = new Map<string, number>();

  /**
   * Live editing's revisions (issue 18, point 5): a scene projected with text is kept as a
   * "snapshot" at most every SNAPSHOT_EVERY_MS, and only when its text differs from its newest
   * revision. Kept apart from the projection, so a failure here never holds the projection back.
   */
  private async snapshot(db: D1Database, doc: Y.Doc, storyId: string, sceneIds: string[], now: number) {
    const statements: D1PreparedStatement[] = [];
    for (const id of sceneIds) {
      if (now - (this.snapshotted.get(id) ?? 0) < SNAPSHOT_EVERY_MS || !scenesOf(doc).has(id)) continue;
      const fragment = sceneTextOf(doc, id);
      const text = plainText(fragment);
      if (!text.trim()) continue;
      this.snapshotted.set(id, now);
      statements.push(revisionInsert(db, { storyId, sceneId: id, kind: "snapshot", title: "Live editing", content: contentOf(fragment), text, userId: null, jobId: null }, { onlyIfChanged: true }));
    }
    if (statements.length === 0) return;
    try {
      await db.batch(statements);
    } catch (error) {
      log.warn("story.snapshot_failed", { storyId, scenes: statements.length, error: String(error) });
    }
  }

  async afterProjection(): Promise<void> {}
}

/** D1 rows read through their schema; one that does not read is left out and logged. */
function readRows<T>(schema: z.ZodType<T>, rows: unknown[], storyId: string): T[] {
  const read: T[] = [];
  for (const row of rows) {
    const parsed = schema.safeParse(row);
    if (parsed.success) read.push(parsed.data);
    else log.warn("story.hydrate_row_skipped", { storyId, issue: parsed.error.issues[0]?.message ?? "unreadable" });
  }
  return read;
}

export { CHAPTERS, SCENES };
