import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { POINTS_OF_VIEW, STORY_AUDIENCES, STORY_STATUSES, STORY_TEMPLATES, elements, stories, storyChapters, storyIssues, storyScenes, type IssueStatus, type Role } from "../../../drizzle/schema";
import type { Database } from "../../lib/db";
import { HttpError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { IdSchema } from "../element-fields";
import { recordFileDeletion, storyFilesPrefix } from "../world-files";

export { STORY_TEMPLATES };

const StoryFields = {
  title: z.string().trim().min(1, "a story needs a title").max(200),
  premise: z.string().trim().max(4000),
  template: z.enum(STORY_TEMPLATES),
  audience: z.enum(STORY_AUDIENCES),
  tone: z.string().trim().max(200),
  pointOfView: z.enum(POINTS_OF_VIEW),
};

export const CreateStorySchema = z.strictObject({
  /** Optional with a prompt: the outline names the story. */
  title: StoryFields.title.optional(),
  /** Write the story from this (catalogue E1): an outline, then the first chapter's scenes. */
  prompt: z.string().trim().min(1).max(4000).optional(),
  length: z.enum(["short", "medium", "long"]).optional(),
  premise: StoryFields.premise.optional(),
  template: StoryFields.template,
  audience: StoryFields.audience.optional(),
  tone: StoryFields.tone.optional(),
  pointOfView: StoryFields.pointOfView.optional(),
});
export type NewStory = Omit<z.infer<typeof CreateStorySchema>, "title"> & { title: string };

/** A story needs a title unless it is written from a prompt. */
export function requireTitleOrPrompt(input: z.infer<typeof CreateStorySchema>) {
  if (!input.title && !input.prompt) throw new HttpError(400, "validation_failed", "A story needs a title (or a prompt to write it from).", { field: "title" });
}

/** A voice as settings and requests name it; checked against the providers' lists where it is set (domain/stories/voices.ts). */
export const VoiceIdSchema = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/u, "a voice id is letters, digits, - and _");

export const UpdateStorySchema = z
  .strictObject({
    ...StoryFields,
    status: z.enum(STORY_STATUSES),
    /** The narrator's voice (issue 18); null: the person's default, then the world's. */
    narratorVoice: VoiceIdSchema.nullable(),
    /** A voice per character element of the world (the whole map: a character left out has none). */
    characterVoices: z.record(IdSchema, VoiceIdSchema).refine((voices) => Object.keys(voices).length <= 200, "at most 200 character voices"),
  })
  .partial()
  .refine((value) => Object.keys(value).length > 0, "nothing to change");
export type StoryChanges = z.infer<typeof UpdateStorySchema>;

type StoryRow = typeof stories.$inferSelect;
type Counts = { chapterCount: number; sceneCount: number; wordCount: number };

export type StoryDto = {
  id: string;
  worldId: string;
  title: string;
  premise: string;
  template: StoryRow["template"];
  audience: StoryRow["audience"];
  tone: string;
  pointOfView: StoryRow["pointOfView"];
  status: StoryRow["status"];
  narratorVoice: string | null;
  characterVoices: Record<string, string>;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
} & Counts;

export type ChapterDto = { id: string; title: string; summary: string; scenes: SceneSummaryDto[] };
export type SceneSummaryDto = { id: string; title: string; summary: string; pov: string | null; location: string | null; wordCount: number };

function toStoryDto(row: StoryRow, counts: Counts): StoryDto {
  return {
    id: row.id,
    worldId: row.worldId,
    title: row.title,
    premise: row.premise,
    template: row.template,
    audience: row.audience,
    tone: row.tone,
    pointOfView: row.pointOfView,
    status: row.status,
    narratorVoice: row.narratorVoice,
    characterVoices: row.characterVoices,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...counts,
  };
}

/**
 * Who may read a story: the world's members (and holders of its share links) read every story of
 * it, drafts too; anyone else who may see a public or unlisted world reads its published stories.
 */
const readable = (role: Role | null) => (role ? undefined : eq(stories.status, "published"));

// Written out in full: drizzle renders a column inside a select's sql without its table, and a bare
// "id" in these subqueries would be the chapter's or scene's own.
const countsSql = {
  chapterCount: sql<number>`(select count(*) from story_chapters c where c.story_id = "stories"."id")`,
  sceneCount: sql<number>`(select count(*) from story_scenes s where s.story_id = "stories"."id")`,
  wordCount: sql<number>`(select coalesce(sum(s.word_count), 0) from story_scenes s where s.story_id = "stories"."id")`,
};

export async function listStories(db: Database, worldId: string, role: Role | null): Promise<StoryDto[]> {
  const rows = await db
    .select({ story: stories, ...countsSql })
    .from(stories)
    .where(and(eq(stories.worldId, worldId), readable(role)))
    .orderBy(desc(stories.updatedAt), stories.id)
    .limit(500);
  return rows.map(({ story, ...counts }) => toStoryDto(story, counts));
}

export async function createStory(db: Database, worldId: string, userId: string, input: NewStory): Promise<StoryDto> {
  const [row] = await db
    .insert(stories)
    .values({
      id: newId(),
      worldId,
      title: input.title,
      premise: input.premise ?? "",
      template: input.template,
      // A bedtime story is for children unless said otherwise.
      audience: input.audience ?? (input.template === "bedtime" ? "children" : "adults"),
      tone: input.tone ?? "",
      pointOfView: input.pointOfView ?? "third",
      createdBy: userId,
    })
    .returning();
  return toStoryDto(row!, { chapterCount: 0, sceneCount: 0, wordCount: 0 });
}

/** A story of the world the person may read, or 404 (a draft is not there for a viewer). */
export async function getStoryRow(db: Database, worldId: string, storyId: string, role: Role | null): Promise<StoryDto> {
  const [row] = await db
    .select({ story: stories, ...countsSql })
    .from(stories)
    .where(and(eq(stories.worldId, worldId), eq(stories.id, storyId), readable(role)))
    .limit(1);
  if (!row) throw new HttpError(404, "not_found", "That story was not found.");
  const { story, ...counts } = row;
  return toStoryDto(story, counts);
}

/** Chapters or scenes in reading order: by their fractional-index position, ties by id (as the room orders them). */
export const byReadingOrder = <T extends { position: string; id: string }>(a: T, b: T) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id < b.id ? -1 : 1);

/** A story's scenes in reading order: by their chapter's place, then their own. */
export function scenesInReadingOrder<C extends { id: string; position: string }, S extends { id: string; position: string; chapterId: string }>(chapters: C[], scenes: S[]): S[] {
  const chapterOrder = new Map([...chapters].sort(byReadingOrder).map((chapter, index) => [chapter.id, index]));
  return [...scenes].sort((a, b) => (chapterOrder.get(a.chapterId) ?? 0) - (chapterOrder.get(b.chapterId) ?? 0) || byReadingOrder(a, b));
}

/** The story with its chapters and their scenes in order, as the room last projected them. */
export async function getStoryOutline(db: Database, story: StoryDto): Promise<StoryDto & { chapters: ChapterDto[] }> {
  const [chapters, scenes] = await Promise.all([
    db.select().from(storyChapters).where(eq(storyChapters.storyId, story.id)),
    db.select().from(storyScenes).where(eq(storyScenes.storyId, story.id)),
  ]);
  return {
    ...story,
    chapters: chapters.sort(byReadingOrder).map((chapter) => ({
      id: chapter.id,
      title: chapter.title,
      summary: chapter.summary,
      scenes: scenes
        .filter((scene) => scene.chapterId === chapter.id)
        .sort(byReadingOrder)
        .map((scene) => ({ id: scene.id, title: scene.title, summary: scene.summary, pov: scene.povId, location: scene.locationId, wordCount: scene.wordCount })),
    })),
  };
}

export async function updateStory(db: Database, worldId: string, storyId: string, changes: StoryChanges): Promise<void> {
  const updated = await db
    .update(stories)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(stories.worldId, worldId), eq(stories.id, storyId)))
    .returning({ id: stories.id });
  if (updated.length === 0) throw new HttpError(404, "not_found", "That story was not found.");
}

export async function deleteStory(db: Database, worldId: string, storyId: string): Promise<void> {
  // Its files are recorded for deletion in the same batch (world-files.ts deletes them).
  const [, deleted] = await db.$client.batch([
    recordFileDeletion(db, storyFilesPrefix(worldId, storyId), { worldId, storyId }),
    db.$client.prepare("delete from stories where world_id = ? and id = ? returning id").bind(worldId, storyId),
  ]);
  if (!deleted?.results.length) throw new HttpError(404, "not_found", "That story was not found.");
}

/** The ids of a world's stories (their rooms go when the world goes). */
export async function storyIdsOf(db: Database, worldId: string): Promise<string[]> {
  return (await db.select({ id: stories.id }).from(stories).where(eq(stories.worldId, worldId))).map((row) => row.id);
}

// Chapters and scenes through the API: written by the story's room, as live edits everyone sees.

const PartTitle = z.string().trim().max(200);
const PartSummary = z.string().trim().max(4000);
/** Where it goes among its siblings: after one of them (null: first); absent: last. */
const After = IdSchema.nullable();

export const CreateChapterSchema = z.strictObject({ title: PartTitle, summary: PartSummary.optional(), after: After.optional() });
export type NewChapter = z.infer<typeof CreateChapterSchema>;
export const UpdateChapterSchema = z
  .strictObject({ title: PartTitle, summary: PartSummary, after: After })
  .partial()
  .refine((value) => Object.keys(value).length > 0, "nothing to change");
export type ChapterChanges = z.infer<typeof UpdateChapterSchema>;

const SceneText = z.string().max(200_000);
export const CreateSceneSchema = z.strictObject({
  title: PartTitle,
  text: SceneText.optional(),
  summary: PartSummary.optional(),
  pov: IdSchema.nullable().optional(),
  location: IdSchema.nullable().optional(),
  after: After.optional(),
});
export type NewScene = z.infer<typeof CreateSceneSchema>;
export const UpdateSceneSchema = z
  .strictObject({ title: PartTitle, text: SceneText, summary: PartSummary, pov: IdSchema.nullable(), location: IdSchema.nullable(), chapter: IdSchema, after: After })
  .partial()
  .refine((value) => Object.keys(value).length > 0, "nothing to change");
export type SceneChanges = z.infer<typeof UpdateSceneSchema>;

/** A scene as the API gives it: its fields and its text as plain paragraphs. */
export type SceneDto = SceneSummaryDto & { chapter: string; text: string };

/** The elements a scene names (its point of view, its place) must be this world's. */
export async function requireElementsOfWorld(db: Database, worldId: string, ids: Array<string | null | undefined>): Promise<void> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === "string"))];
  if (wanted.length === 0) return;
  const found = await db
    .select({ id: elements.id })
    .from(elements)
    .where(and(eq(elements.worldId, worldId), inArray(elements.id, wanted)));
  const missing = wanted.find((id) => !found.some((row) => row.id === id));
  if (missing) throw new HttpError(400, "invalid_element", `There is no element ${missing} in this world.`);
}

// Continuity issues (issue 17, point 5), as the checks stored them.

type IssueRow = typeof storyIssues.$inferSelect;
export type IssueDto = Pick<IssueRow, "id" | "type" | "severity" | "start" | "end" | "quote" | "explanation" | "suggestion" | "elementId" | "status"> & { sceneId: string };

const toIssueDto = (row: IssueRow): IssueDto => ({
  id: row.id,
  sceneId: row.sceneId,
  type: row.type,
  severity: row.severity,
  start: row.start,
  end: row.end,
  quote: row.quote,
  explanation: row.explanation,
  suggestion: row.suggestion,
  elementId: row.elementId,
  status: row.status,
});

/** A scene's issues in text order: open ones, and those applied or dismissed (for the record). */
export async function listIssues(db: Database, storyId: string, sceneId: string): Promise<IssueDto[]> {
  const rows = await db
    .select()
    .from(storyIssues)
    .where(and(eq(storyIssues.storyId, storyId), eq(storyIssues.sceneId, sceneId)))
    .orderBy(storyIssues.start, storyIssues.end, storyIssues.id);
  return rows.map(toIssueDto);
}

/** An open issue of the story, or 404; 409 once it was applied or dismissed. */
export async function openIssue(db: Database, storyId: string, issueId: string): Promise<IssueDto> {
  const [row] = await db.select().from(storyIssues).where(and(eq(storyIssues.storyId, storyId), eq(storyIssues.id, issueId))).limit(1);
  if (!row) throw new HttpError(404, "not_found", "That issue was not found.");
  if (row.status !== "open") throw new HttpError(409, "issue_settled", `That issue was already ${row.status}.`);
  return toIssueDto(row);
}

export async function settleIssue(db: Database, issueId: string, status: Exclude<IssueStatus, "open">, elementId?: string): Promise<IssueDto> {
  const [row] = await db
    .update(storyIssues)
    .set({ status, ...(elementId ? { elementId } : {}), updatedAt: new Date() })
    .where(eq(storyIssues.id, issueId))
    .returning();
  return toIssueDto(row!);
}
