import { sql } from "drizzle-orm";
import {
  foreignKey,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { user } from "./auth";
import { storedJson } from "./stored-json";

export * from "./constants";
import type { ElementType, RelationshipKind, Role, Visibility, WorldStyle } from "./constants";

export type WorldSettings = { maxCollaborators: number; defaultVoice?: string; aiImages: boolean };
/** Where an imported world came from: the archive's file name as uploaded, and what kind of file it was. */
export type WorldImportOrigin = { fileName: string; format: "loreloom-export" };
export type ElementAssets = { image?: string; video?: string; audio?: string };
/** Who made a text or an asset (catalogue C7); absent for what people wrote. */
export type ProvenanceRecord = {
  provider: string;
  model: string;
  promptHash: string;
  at: string;
  offline: boolean;
  mimeType?: string;
};
export type ElementMetadata = {
  generatedFrom?: string;
  provider?: string;
  model?: string;
  provenance?: Partial<Record<"text" | "image" | "video" | "audio", ProvenanceRecord>>;
};

const createdAt = integer("created_at", { mode: "timestamp_ms" })
  .notNull()
  .default(sql`(unixepoch() * 1000)`);
const updatedAt = integer("updated_at", { mode: "timestamp_ms" })
  .notNull()
  .default(sql`(unixepoch() * 1000)`);

export const worlds = sqliteTable(
  "worlds",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    style: text("style").$type<WorldStyle>().notNull().default("fantasy"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    visibility: text("visibility").$type<Visibility>().notNull().default("private"),
    coverAssetKey: text("cover_asset_key"),
    settings: text("settings", { mode: "json" })
      .$type<WorldSettings>()
      .notNull()
      .default(sql`'{"maxCollaborators":10,"aiImages":true}'`),
    /** The world this one was forked from (it may since have gone private or been deleted). */
    forkedFromId: text("forked_from_id"),
    /** Set when the world was made by importing an archive. */
    importedFrom: text("imported_from", { mode: "json" }).$type<WorldImportOrigin>(),
    likes: integer("likes").notNull().default(0),
    /**
     * Bumped in the same batch as every write to the world's elements or relationships, so a
     * serialized graph can be reused for exactly as long as it is current.
     */
    graphVersion: integer("graph_version").notNull().default(0),
    createdAt: createdAt,
    updatedAt: updatedAt,
  },
  (t) => [
    index("worlds_owner_idx").on(t.ownerId, t.updatedAt),
    index("worlds_visibility_idx").on(t.visibility, t.updatedAt),
  ],
);

export const worldMembers = sqliteTable(
  "world_members",
  {
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    role: text("role").$type<Role>().notNull(),
    createdAt: createdAt,
  },
  (t) => [primaryKey({ columns: [t.worldId, t.userId] }), index("world_members_user_idx").on(t.userId)],
);

/**
 * Element and relationship ids are chosen by clients (the editor makes them as it creates nodes),
 * so they are unique within their world only: every key below leads with `world_id`.
 */
export const elements = sqliteTable(
  "elements",
  {
    id: text("id").notNull(),
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    type: text("type").$type<ElementType>().notNull(),
    name: text("name").notNull(),
    /** Other names the element goes by (the story bible finds it by them too). */
    aliases: text("aliases", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    description: text("description").notNull().default(""),
    /** Markdown only owners and editors ever receive (catalogue B8). */
    secret: text("secret"),
    x: real("x").notNull().default(0),
    y: real("y").notNull().default(0),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    assets: text("assets", { mode: "json" }).$type<ElementAssets>().notNull().default(sql`'{}'`),
    metadata: text("metadata", { mode: "json" })
      .$type<ElementMetadata>()
      .notNull()
      .default(sql`'{}'`),
    version: integer("version").notNull().default(1),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    createdAt: createdAt,
    updatedAt: updatedAt,
  },
  (t) => [primaryKey({ columns: [t.worldId, t.id] })],
);

export const relationships = sqliteTable(
  "relationships",
  {
    id: text("id").notNull(),
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    fromId: text("from_id").notNull(),
    toId: text("to_id").notNull(),
    kind: text("kind").$type<RelationshipKind>().notNull(),
    label: text("label").notNull().default(""),
    createdAt: createdAt,
    updatedAt: updatedAt,
  },
  (t) => [
    primaryKey({ columns: [t.worldId, t.id] }),
    foreignKey({ columns: [t.worldId, t.fromId], foreignColumns: [elements.worldId, elements.id], name: "relationships_from_fk" }).onDelete("cascade"),
    foreignKey({ columns: [t.worldId, t.toId], foreignColumns: [elements.worldId, elements.id], name: "relationships_to_fk" }).onDelete("cascade"),
    index("relationships_from_idx").on(t.worldId, t.fromId),
    index("relationships_to_idx").on(t.worldId, t.toId),
  ],
);

export const elementVersions = sqliteTable(
  "element_versions",
  {
    elementId: text("element_id").notNull(),
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    /** The element as it was at this version (the same shape the API returns, secret included). */
    snapshot: text("snapshot", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** What made this version: created, edited, restored, generated, refined… */
    action: text("action").notNull().default("edited"),
    userId: text("user_id"),
    createdAt: createdAt,
  },
  (t) => [primaryKey({ columns: [t.worldId, t.elementId, t.version] })],
);

export const history = sqliteTable(
  "history",
  {
    id: text("id").primaryKey(),
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => user.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    summary: text("summary").notNull().default(""),
    prompt: text("prompt"),
    elementIds: text("element_ids", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    createdAt: createdAt,
  },
  (t) => [index("history_world_idx").on(t.worldId, t.createdAt, t.id)],
);

export const JOB_KINDS = [
  "world_seed",
  "element_generate",
  "element_refine",
  "story_continue",
  "story_check",
  "story_write",
  "scene_illustrate",
  "narrate",
  "scene_clip",
  "scene_refine",
  /** A voice prompt turned into text (issue 19): no world, never queued, recorded as it is answered. */
  "transcribe",
  "export",
  "import",
] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    worldId: text("world_id").references(() => worlds.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => user.id, { onDelete: "set null" }),
    kind: text("kind").$type<JobKind>().notNull(),
    status: text("status").$type<JobStatus>().notNull().default("queued"),
    stage: text("stage"),
    progress: integer("progress").notNull().default(0),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    idempotencyKey: text("idempotency_key"),
    /** Hash of the request body: the same Idempotency-Key with another body is refused. */
    requestHash: text("request_hash"),
    /** The element the job works on (refine, generate into an element), for locks and conflicts. */
    elementId: text("element_id"),
    /** What the job was asked, read through its kind's schema (workers/domain/jobs.ts, exports.ts, imports.ts). */
    input: storedJson("input").notNull().default(sql`'{}'`),
    result: storedJson("result"),
    costEstimate: real("cost_estimate").notNull().default(0),
    createdAt: createdAt,
    updatedAt: updatedAt,
  },
  (t) => [
    uniqueIndex("jobs_idempotency_idx").on(t.userId, t.idempotencyKey),
    index("jobs_world_idx").on(t.worldId, t.createdAt),
    index("jobs_status_idx").on(t.status, t.updatedAt),
    index("jobs_user_idx").on(t.userId, t.createdAt),
    index("jobs_element_idx").on(t.worldId, t.elementId, t.status),
  ],
);

/** Finished generation results per world, by a hash of what was asked (catalogue C5). */
export const generationCache = sqliteTable("generation_cache", {
  key: text("key").primaryKey(),
  worldId: text("world_id")
    .notNull()
    .references(() => worlds.id, { onDelete: "cascade" }),
  jobId: text("job_id"),
  /** The stage outputs (text drafts, asset descriptions) to reuse. */
  result: storedJson("result").notNull(),
  createdAt: createdAt,
});

export const jobStages = sqliteTable(
  "job_stages",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    stage: text("stage").notNull(),
    status: text("status").$type<JobStatus>().notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    /** The stage's checkpoint, read through the stage's schema (workers/jobs/pipeline.ts). */
    output: storedJson("output"),
    error: text("error"),
    costEstimate: real("cost_estimate").notNull().default(0),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.stage] })],
);

export const assets = sqliteTable(
  "assets",
  {
    key: text("key").primaryKey(),
    worldId: text("world_id").references(() => worlds.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    mimeType: text("mime_type").notNull(),
    size: integer("size").notNull(),
    jobId: text("job_id").references(() => jobs.id, { onDelete: "set null" }),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    /** Who made it: a person, or a provider and model (catalogue C7). */
    provenance: text("provenance", { mode: "json" }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    createdAt: createdAt,
  },
  (t) => [index("assets_world_idx").on(t.worldId)],
);

/** Room chat (catalogue D5): the room keeps the recent messages; this is the whole record. */
export const chatMessages = sqliteTable(
  "chat_messages",
  {
    id: text("id").primaryKey(),
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => user.id, { onDelete: "set null" }),
    userName: text("user_name").notNull(),
    text: text("text").notNull(),
    createdAt: createdAt,
  },
  (t) => [index("chat_messages_world_idx").on(t.worldId, t.createdAt)],
);

// ── Sharing and publishing (catalogue A3, F1–F4) ─────────────────────────────────────────────

export const INVITATION_STATUSES = ["pending", "accepted", "declined", "expired", "revoked"] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];
/** Roles an owner can hand out; there is one owner per world. */
export type GrantedRole = Exclude<Role, "owner">;

/**
 * An invitation into a world, by email (the invitee sees it when signed in with that address) or
 * by link (anyone holding the token may answer it once). Only a hash of the token is stored.
 */
export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    /** Lower-cased; null for an invitation that travels as a link. */
    email: text("email"),
    tokenHash: text("token_hash").notNull(),
    role: text("role").$type<GrantedRole>().notNull(),
    status: text("status").$type<InvitationStatus>().notNull().default("pending"),
    invitedBy: text("invited_by").references(() => user.id, { onDelete: "set null" }),
    respondedBy: text("responded_by").references(() => user.id, { onDelete: "set null" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    respondedAt: integer("responded_at", { mode: "timestamp_ms" }),
    createdAt: createdAt,
  },
  (t) => [
    uniqueIndex("invitations_token_idx").on(t.tokenHash),
    index("invitations_world_idx").on(t.worldId, t.createdAt),
    index("invitations_email_idx").on(t.email, t.status),
  ],
);

/**
 * A share link: whoever holds its token may open the world with the link's role until it expires
 * or is revoked, in the API and in the room. Only a hash of the token is stored.
 */
export const shareLinks = sqliteTable(
  "share_links",
  {
    id: text("id").primaryKey(),
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    role: text("role").$type<GrantedRole>().notNull(),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    createdAt: createdAt,
  },
  (t) => [uniqueIndex("share_links_token_idx").on(t.tokenHash), index("share_links_world_idx").on(t.worldId, t.createdAt)],
);

/** One like per person per world; `worlds.likes` is the count the gallery sorts by. */
export const worldLikes = sqliteTable(
  "world_likes",
  {
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    createdAt: createdAt,
  },
  (t) => [primaryKey({ columns: [t.worldId, t.userId] }), index("world_likes_user_idx").on(t.userId)],
);

export const EXPORT_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
/** What an export is: a world's archive, or one story as a document (issue 18, point 6). */
export const EXPORT_FORMATS = ["world", "markdown", "markdown-zip", "epub", "docx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A ZIP of a world written to R2 by a queued job (catalogue F4); its download link expires. */
export const worldExports = sqliteTable(
  "world_exports",
  {
    id: text("id").primaryKey(),
    worldId: text("world_id")
      .notNull()
      .references(() => worlds.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => user.id, { onDelete: "set null" }),
    jobId: text("job_id").references(() => jobs.id, { onDelete: "set null" }),
    status: text("status").$type<ExportStatus>().notNull().default("queued"),
    /** Whether the archive carries secrets (only when an owner or editor asked for it). */
    includesSecrets: integer("includes_secrets", { mode: "boolean" }).notNull().default(false),
    format: text("format").$type<ExportFormat>().notNull().default("world"),
    /** The story a story export is of (no foreign key: stories.ts builds on this file); null for a world's archive. */
    storyId: text("story_id"),
    r2Key: text("r2_key"),
    size: integer("size"),
    error: text("error"),
    /** When the archive and its link stop being available. */
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: createdAt,
    updatedAt: updatedAt,
  },
  (t) => [index("world_exports_world_idx").on(t.worldId, t.createdAt), index("world_exports_expiry_idx").on(t.expiresAt)],
);

/**
 * Files to delete from R2: a deleted world's (`worlds/:id/`) or story's (`worlds/:id/stories/:sid/`).
 * Written in the same batch as the deletion itself and cleared once the files are gone: the answer
 * deletes them straight after (waitUntil), and the cron deletes what that left (a failure, or a
 * Worker stopped before it finished), so a deleted world's files never stay for good.
 */
export const fileDeletions = sqliteTable("file_deletions", {
  prefix: text("prefix").primaryKey(),
  requestedAt: integer("requested_at", { mode: "timestamp_ms" })
    .notNull()
    .default(sql`(unixepoch() * 1000)`),
  /** Tries the cron made that failed (logged each time). */
  attempts: integer("attempts").notNull().default(0),
});
