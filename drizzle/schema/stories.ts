import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { user } from "./auth";
import { worlds } from "./worlds";

/** Story templates (catalogue E1): what the writer aims for; a bedtime story keeps to gentle words. */
export const STORY_TEMPLATES = ["adventure", "mystery", "fairy-tale", "romance", "horror", "science-fiction", "bedtime"] as const;
export type StoryTemplate = (typeof STORY_TEMPLATES)[number];
export const STORY_AUDIENCES = ["children", "teens", "adults"] as const;
export type StoryAudience = (typeof STORY_AUDIENCES)[number];
export const POINTS_OF_VIEW = ["first", "second", "third"] as const;
export type PointOfView = (typeof POINTS_OF_VIEW)[number];
export const STORY_STATUSES = ["draft", "published"] as const;
export type StoryStatus = (typeof STORY_STATUSES)[number];

const createdAt = integer("created_at", { mode: "timestamp_ms" })
  .notNull()
  .default(sql`(unixepoch() * 1000)`);
const updatedAt = integer("updated_at", { mode: "timestamp_ms" })
  .notNull()
  .default(sql`(unixepoch() * 1000)`);

/** A story in a world (SPEC §2). Its chapters and scenes live in the story's room and are projected below. */
export const stories = sqliteTable(
  "stories",
  {
    id: text("id").primaryKey(),
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    premise: text("premise").notNull().default(""),
    template: text("template").$type<StoryTemplate>().notNull(),
    audience: text("audience").$type<StoryAudience>().notNull().default("adults"),
    tone: text("tone").notNull().default(""),
    pointOfView: text("point_of_view").$type<PointOfView>().notNull().default("third"),
    status: text("status").$type<StoryStatus>().notNull().default("draft"),
    /** The narrator's voice (issue 18, point 2); null: the person's default, then the world's. */
    narratorVoice: text("narrator_voice"),
    /** A voice per character element id: dialogue that character speaks is read in it. */
    characterVoices: text("character_voices", { mode: "json" }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    createdAt,
    updatedAt,
  },
  (t) => [index("stories_by_world").on(t.worldId, t.updatedAt)],
);

/** A chapter as the story's room last projected it; `position` is its fractional-index key. */
export const storyChapters = sqliteTable(
  "story_chapters",
  {
    id: text("id").notNull(),
    storyId: text("story_id")
      .notNull()
      .references(() => stories.id, { onDelete: "cascade" }),
    position: text("position").notNull(),
    title: text("title").notNull().default(""),
    summary: text("summary").notNull().default(""),
    updatedAt,
  },
  (t) => [primaryKey({ columns: [t.storyId, t.id] })],
);

/** A scene as the story's room last projected it: its text as plain paragraphs, for reading, search and export. */
export const storyScenes = sqliteTable(
  "story_scenes",
  {
    id: text("id").notNull(),
    storyId: text("story_id")
      .notNull()
      .references(() => stories.id, { onDelete: "cascade" }),
    chapterId: text("chapter_id").notNull(),
    position: text("position").notNull(),
    title: text("title").notNull().default(""),
    summary: text("summary").notNull().default(""),
    povId: text("pov_id"),
    locationId: text("location_id"),
    text: text("text").notNull().default(""),
    /** Drawn from the text as it now stands, for the story bible when nobody wrote a summary (workers/domain/stories/summaries.ts). */
    autoSummary: text("auto_summary").notNull().default(""),
    wordCount: integer("word_count").notNull().default(0),
    updatedAt,
  },
  (t) => [primaryKey({ columns: [t.storyId, t.id] }), index("story_scenes_by_chapter").on(t.storyId, t.chapterId, t.position)],
);

export const ISSUE_STATUSES = ["open", "applied", "dismissed"] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

/**
 * A continuity issue found in a scene (issue 17, point 5): its type, severity, where in the scene's
 * plain text it was when found (`start`, `end`, `quote`), why and what would fix it.
 */
export const storyIssues = sqliteTable(
  "story_issues",
  {
    id: text("id").primaryKey(),
    storyId: text("story_id")
      .notNull()
      .references(() => stories.id, { onDelete: "cascade" }),
    sceneId: text("scene_id").notNull(),
    type: text("type").notNull(),
    severity: text("severity").$type<"error" | "warning">().notNull(),
    start: integer("start").notNull(),
    end: integer("end").notNull(),
    quote: text("quote").notNull(),
    explanation: text("explanation").notNull(),
    suggestion: text("suggestion"),
    elementId: text("element_id"),
    status: text("status").$type<IssueStatus>().notNull().default("open"),
    /** The check that found it. */
    jobId: text("job_id"),
    createdAt,
    updatedAt,
  },
  (t) => [index("story_issues_by_scene").on(t.storyId, t.sceneId, t.status)],
);

export const SCENE_MEDIA_KINDS = ["image", "clip", "narration"] as const;
export type SceneMediaKind = (typeof SCENE_MEDIA_KINDS)[number];

/**
 * A scene's picture, clip or narration (issue 18, points 1–3). Made by jobs, never written through
 * the live document; the file is an R2 object recorded in `assets` under the story's world. The
 * newest row of a kind is the scene's; older ones stay for their revisions until the story goes.
 * Narration is found again by `cacheKey` (a hash of the text and the voices it was read in), so an
 * unchanged scene is not narrated twice.
 */
export const sceneMedia = sqliteTable(
  "scene_media",
  {
    id: text("id").primaryKey(),
    storyId: text("story_id")
      .notNull()
      .references(() => stories.id, { onDelete: "cascade" }),
    sceneId: text("scene_id").notNull(),
    kind: text("kind").$type<SceneMediaKind>().notNull(),
    /** The R2 key (`worlds/<world>/…`), also in `assets`. */
    key: text("key").notNull(),
    mimeType: text("mime_type").notNull(),
    /** Narration: what identifies the text and voices read (the cache key). */
    cacheKey: text("cache_key"),
    /** Narration: the voices used, `{narrator, characters: {elementId: voice}}`. */
    voices: text("voices", { mode: "json" }).$type<Record<string, unknown>>(),
    /** Narration: when each word is spoken, `[{start, end, time}]` (character offsets in the scene's plain text, ms). */
    timings: text("timings", { mode: "json" }).$type<Array<{ start: number; end: number; time: number }>>(),
    durationMs: integer("duration_ms"),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    /** Made by the offline `local` provider: shown as an offline rendering. */
    offline: integer("offline", { mode: "boolean" }).notNull().default(false),
    jobId: text("job_id"),
    createdAt,
  },
  (t) => [index("scene_media_by_scene").on(t.storyId, t.sceneId, t.kind, t.createdAt), index("scene_media_by_cache").on(t.storyId, t.cacheKey)],
);

export const REVISION_KINDS = ["generation", "refine", "snapshot", "restore"] as const;
export type RevisionKind = (typeof REVISION_KINDS)[number];

/**
 * A scene as it stood at a moment worth going back to (issue 18, point 5): after each generation,
 * each accepted refinement, each restore, and periodically while people write. `content` is the
 * scene's rich text as JSON nodes (what a restore writes back); `text` its plain text (for diffs).
 */
export const sceneRevisions = sqliteTable(
  "scene_revisions",
  {
    id: text("id").primaryKey(),
    storyId: text("story_id")
      .notNull()
      .references(() => stories.id, { onDelete: "cascade" }),
    sceneId: text("scene_id").notNull(),
    /** 1, 2, 3… per scene. */
    number: integer("number").notNull(),
    kind: text("kind").$type<RevisionKind>().notNull(),
    title: text("title").notNull().default(""),
    content: text("content").notNull(),
    text: text("text").notNull(),
    userId: text("user_id").references(() => user.id, { onDelete: "set null" }),
    jobId: text("job_id"),
    createdAt,
  },
  (t) => [uniqueIndex("scene_revisions_number").on(t.storyId, t.sceneId, t.number)],
);

/** Where a person stopped in a story (the player resumes there, on any device). */
export const storyProgress = sqliteTable(
  "story_progress",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    storyId: text("story_id")
      .notNull()
      .references(() => stories.id, { onDelete: "cascade" }),
    sceneId: text("scene_id").notNull(),
    /** Milliseconds into the scene's narration. */
    positionMs: integer("position_ms").notNull().default(0),
    updatedAt,
  },
  (t) => [primaryKey({ columns: [t.userId, t.storyId] })],
);

/** An ordered list of stories, played one after another (issue 18, point 4). */
export const playlists = sqliteTable(
  "playlists",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    /** `link`: anyone with the link may play it, seeing only the stories they may read. */
    visibility: text("visibility").$type<"private" | "link">().notNull().default("private"),
    createdAt,
    updatedAt,
  },
  (t) => [index("playlists_by_owner").on(t.ownerId, t.updatedAt)],
);

export const playlistItems = sqliteTable(
  "playlist_items",
  {
    playlistId: text("playlist_id")
      .notNull()
      .references(() => playlists.id, { onDelete: "cascade" }),
    storyId: text("story_id")
      .notNull()
      .references(() => stories.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    addedAt: createdAt,
  },
  (t) => [primaryKey({ columns: [t.playlistId, t.storyId] }), index("playlist_items_order").on(t.playlistId, t.position)],
);
