import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { user } from "./auth";
import { worlds } from "./worlds";

/**
 * What can be rated (issue 19, point 7), and what `targetId` names for each:
 * - `element_text`: an element's AI-written text — the element id;
 * - `image`, `clip`, `narration`: an AI-made file, of an element or a scene — its asset key (`assets.key`);
 * - `passage`: a passage the AI wrote into a story — the `story_continue` / `story_write` job id (the `ai` mark's `job`);
 * - `refine`: a proposed refinement of a scene — the `scene_refine` job id.
 */
export const RATING_TARGET_KINDS = ["element_text", "image", "clip", "narration", "passage", "refine"] as const;
export type RatingTargetKind = (typeof RATING_TARGET_KINDS)[number];
/** The longest comment a rating may carry. */
export const RATING_COMMENT_MAX_CHARS = 1000;

const createdAt = integer("created_at", { mode: "timestamp_ms" })
  .notNull()
  .default(sql`(unixepoch() * 1000)`);
const updatedAt = integer("updated_at", { mode: "timestamp_ms" })
  .notNull()
  .default(sql`(unixepoch() * 1000)`);

/**
 * One person's thumbs up (+1) or down (-1) on one AI result, with an optional comment. The
 * provider, model and job kind are copied from the server's own record of the result when it is
 * rated, so they are counted as they were even after the result is replaced or deleted.
 */
export const ratings = sqliteTable(
  "ratings",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    targetKind: text("target_kind").$type<RatingTargetKind>().notNull(),
    targetId: text("target_id").notNull(),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    jobKind: text("job_kind").notNull(),
    value: integer("value").notNull(),
    comment: text("comment"),
    createdAt,
    updatedAt,
  },
  (t) => [
    // Element ids are only unique within a world, so the world is part of what a result is.
    uniqueIndex("ratings_one_per_person").on(t.userId, t.worldId, t.targetKind, t.targetId),
    index("ratings_world_idx").on(t.worldId, t.provider, t.model, t.jobKind),
  ],
);
