import { z } from "zod";
import { ELEMENT_TYPES } from "../../drizzle/schema/constants";
import { api } from "../editor/api";

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

export type NewStory = { title: string; template: StoryTemplate; premise?: string; audience?: string; tone?: string; pointOfView?: string };

export async function createStory(worldId: string, input: NewStory): Promise<StorySummary> {
  return StoryAnswerSchema.parse(await api<unknown>("POST", `/api/worlds/${worldId}/stories`, input)).story;
}

export async function updateStory(worldId: string, storyId: string, patch: Partial<NewStory & { status: "draft" | "published" }>): Promise<StorySummary> {
  return StoryAnswerSchema.parse(await api<unknown>("PATCH", `/api/worlds/${worldId}/stories/${storyId}`, patch)).story;
}

/** The world's elements, for the point-of-view and location pickers. */
const WorldElementsSchema = z.object({
  elements: z.array(z.object({ id: z.string(), name: z.string(), type: z.enum(ELEMENT_TYPES) })),
});
export type WorldElement = z.infer<typeof WorldElementsSchema>["elements"][number];

export async function listElements(worldId: string): Promise<WorldElement[]> {
  const { elements } = WorldElementsSchema.parse(await api<unknown>("GET", `/api/worlds/${worldId}`));
  return elements.sort((a, b) => a.name.localeCompare(b.name));
}
