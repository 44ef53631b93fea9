import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
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
