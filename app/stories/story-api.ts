import { z } from "zod";
import { ELEMENT_TYPES } from "../../drizzle/schema/constants";
import { ApiError, api, shareHeaders } from "../editor/api";
import { isNetworkFailure, reportNetworkFailure, reportReachable } from "../lib/online";

/**
 * The stories API as the pages read it (notes/stories-contract.md). Answers are parsed, never
 * cast: a field the page relies on that is missing shows as an error, not as a broken page.
 */

export const STORY_TEMPLATES = ["adventure", "mystery", "fairy-tale", "romance", "horror", "science-fiction", "bedtime"] as const;
export type StoryTemplate = (typeof STORY_TEMPLATES)[number];
export const TEMPLATE_LABEL: Record<StoryTemplate, string> = {
  adventure: "Adventure",
  mystery: "Mystery",
  "fairy-tale": "Fairy tale",
  romance: "Romance",
  horror: "Horror",
  "science-fiction": "Science fiction",
  bedtime: "Bedtime",
};
export function templateLabel(template: string): string {
  const known = STORY_TEMPLATES.find((t) => t === template);
  return known ? TEMPLATE_LABEL[known] : template;
}
export const AUDIENCES = ["children", "teens", "adults"] as const;
export const POINTS_OF_VIEW = ["first", "second", "third"] as const;

export const StorySummarySchema = z.object({
  id: z.string(),
  worldId: z.string(),
  title: z.string(),
  premise: z.string().nullable().optional(),
  template: z.string(),
  audience: z.string().nullable().optional(),
  tone: z.string().nullable().optional(),
  pointOfView: z.string().nullable().optional(),
  status: z.enum(["draft", "published"]),
  createdAt: z.string(),
  updatedAt: z.string(),
  chapterCount: z.number(),
  sceneCount: z.number(),
  wordCount: z.number(),
});
export type StorySummary = z.infer<typeof StorySummarySchema>;

const StoryListSchema = z.object({ stories: z.array(StorySummarySchema) });
const StoryAnswerSchema = z.object({ story: StorySummarySchema });

export async function listStories(worldId: string): Promise<StorySummary[]> {
  return StoryListSchema.parse(await api<unknown>("GET", `/api/worlds/${worldId}/stories`)).stories;
}

export async function getStory(worldId: string, storyId: string): Promise<StorySummary> {
  return StoryAnswerSchema.parse(await api<unknown>("GET", `/api/worlds/${worldId}/stories/${storyId}`)).story;
}

export const STORY_LENGTHS = ["short", "medium", "long"] as const;
export type NewStory = { title?: string; template: StoryTemplate; premise?: string; audience?: string; tone?: string; pointOfView?: string; prompt?: string; length?: (typeof STORY_LENGTHS)[number] };

const JobSchema = z.object({ id: z.string(), kind: z.string(), status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]), stage: z.string().nullable(), progress: z.number() });
export type JobStarted = z.infer<typeof JobSchema>;
const CreatedSchema = z.object({ story: StorySummarySchema, job: JobSchema.optional() });

/** A new story; with a prompt, also the job that writes it (outline, then the first scenes). */
export async function createStory(worldId: string, input: NewStory): Promise<z.infer<typeof CreatedSchema>> {
  return CreatedSchema.parse(await api<unknown>("POST", `/api/worlds/${worldId}/stories`, input));
}

/** A new story written from a picture (and the prompt, if any): the form goes as multipart, the image in `file`. */
export async function createStoryFromPicture(worldId: string, input: NewStory, file: File): Promise<z.infer<typeof CreatedSchema>> {
  const form = new FormData();
  for (const [name, value] of Object.entries(input)) if (value !== undefined) form.set(name, String(value));
  form.set("file", file);
  let response: Response;
  try {
    response = await fetch(`/api/worlds/${worldId}/stories/photo`, { method: "POST", body: form, headers: shareHeaders(), credentials: "same-origin" });
  } catch (error) {
    if (isNetworkFailure(error)) reportNetworkFailure();
    throw new ApiError(0, "You seem to be offline. Try again when you are connected.");
  }
  reportReachable();
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = z.object({ error: z.object({ message: z.string() }) }).safeParse(json);
    throw new ApiError(response.status, message.success ? message.data.error.message : `The server answered ${response.status}.`);
  }
  return CreatedSchema.parse(json);
}

export async function updateStory(worldId: string, storyId: string, patch: Partial<NewStory & { status: "draft" | "published" }>): Promise<StorySummary> {
  return StoryAnswerSchema.parse(await api<unknown>("PATCH", `/api/worlds/${worldId}/stories/${storyId}`, patch)).story;
}

/** The world's elements, for the point-of-view and location pickers. */
const WorldElementsSchema = z.object({
  elements: z.array(z.object({ id: z.string(), name: z.string(), aliases: z.array(z.string()).catch([]).default([]), type: z.enum(ELEMENT_TYPES) })),
});
export type WorldElement = z.infer<typeof WorldElementsSchema>["elements"][number];

export async function listElements(worldId: string): Promise<WorldElement[]> {
  const { elements } = WorldElementsSchema.parse(await api<unknown>("GET", `/api/worlds/${worldId}`));
  return elements.sort((a, b) => a.name.localeCompare(b.name));
}

/** A continuity issue of a scene (issue 17, point 5): where it is in the scene's plain text, and what to do. */
export const IssueSchema = z.object({
  id: z.string(),
  sceneId: z.string(),
  type: z.string(),
  severity: z.enum(["error", "warning"]),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  quote: z.string(),
  explanation: z.string(),
  suggestion: z.string().nullable(),
  elementId: z.string().nullable().optional(),
  status: z.enum(["open", "applied", "dismissed"]),
});
export type Issue = z.infer<typeof IssueSchema>;

export const ISSUE_LABEL: Record<string, string> = {
  name_drift: "Name drift",
  personality_contradiction: "Out of character",
  timeline_error: "Timeline",
  setting_mismatch: "Setting",
  new_character: "New character",
};

const IssuesSchema = z.object({ issues: z.array(IssueSchema) });
const JobStartedSchema = z.object({ job: JobSchema });

const storyPath = (worldId: string, storyId: string) => `/api/worlds/${worldId}/stories/${storyId}`;

export async function listIssues(worldId: string, storyId: string, sceneId: string): Promise<Issue[]> {
  return IssuesSchema.parse(await api<unknown>("GET", `${storyPath(worldId, storyId)}/scenes/${sceneId}/issues`)).issues;
}

/** Starts a story job on a scene (`continue` or `check`): 202 with the job. */
export async function startSceneJob(worldId: string, storyId: string, sceneId: string, action: "continue" | "check", body: object = {}): Promise<JobStarted> {
  return JobStartedSchema.parse(await api<unknown>("POST", `${storyPath(worldId, storyId)}/scenes/${sceneId}/${action}`, body)).job;
}

export async function settleIssue(worldId: string, storyId: string, issueId: string, action: "apply" | "dismiss" | "add-to-world"): Promise<void> {
  await api<unknown>("POST", `${storyPath(worldId, storyId)}/issues/${issueId}/${action}`);
}
