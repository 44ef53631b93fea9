import { z } from "zod";
import * as Y from "yjs";
import { api } from "../editor/api";
import { sceneField } from "./outline-model";

/**
 * A scene's revisions and *Refine* (issue 18, point 5) as the story editor reads them. Answers are
 * parsed, never cast.
 */

const scenePath = (worldId: string, storyId: string, sceneId: string) => `/api/worlds/${worldId}/stories/${storyId}/scenes/${sceneId}`;

export const RevisionSummarySchema = z.object({
  number: z.number().int(),
  kind: z.enum(["generation", "refine", "snapshot", "restore"]),
  title: z.string(),
  userId: z.string().nullable(),
  userName: z.string().nullable(),
  jobId: z.string().nullable(),
  characters: z.number(),
  createdAt: z.string(),
});
export type RevisionSummary = z.infer<typeof RevisionSummarySchema>;
const RevisionListSchema = z.object({
  revisions: z.array(RevisionSummarySchema),
  more: z.boolean(),
});
const RevisionSchema = z.object({
  revision: RevisionSummarySchema.extend({ text: z.string() }),
});

export async function listRevisions(worldId: string, storyId: string, sceneId: string): Promise<z.infer<typeof RevisionListSchema>> {
  return RevisionListSchema.parse(await api<unknown>("GET", `${scenePath(worldId, storyId, sceneId)}/revisions`));
}

export async function getRevision(worldId: string, storyId: string, sceneId: string, number: number) {
  return RevisionSchema.parse(await api<unknown>("GET", `${scenePath(worldId, storyId, sceneId)}/revisions/${number}`)).revision;
}

export async function restoreRevision(worldId: string, storyId: string, sceneId: string, number: number): Promise<void> {
  await api<unknown>("POST", `${scenePath(worldId, storyId, sceneId)}/revisions/${number}/restore`);
}

const JobStartedSchema = z.object({
  job: z.object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
    stage: z.string().nullable(),
    progress: z.number(),
  }),
});

/** Starts *Refine* on the scene, or on the span [start, end) of its plain text. */
export async function startRefine(worldId: string, storyId: string, sceneId: string, body: { prompt: string; start?: number; end?: number }) {
  return JobStartedSchema.parse(await api<unknown>("POST", `${scenePath(worldId, storyId, sceneId)}/refine`, body)).job;
}

export const ProposalSchema = z.object({
  sceneId: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  original: z.string(),
  proposed: z.string(),
  provider: z.string(),
  model: z.string(),
  offline: z.boolean(),
  decision: z.enum(["open", "accepted", "rejected"]),
});
export type Proposal = z.infer<typeof ProposalSchema>;
const RefineJobSchema = z.object({
  job: z.object({
    status: z.string(),
    error: z.string().nullable(),
    result: z.unknown(),
  }),
});

/** A refine job's proposal, when it has one (null while it runs, or when it failed). */
export async function proposalOf(jobId: string): Promise<{ proposal: Proposal | null; error: string | null }> {
  const { job } = RefineJobSchema.parse(await api<unknown>("GET", `/api/jobs/${jobId}`));
  const proposal = ProposalSchema.safeParse(job.result);
  return {
    proposal: proposal.success ? proposal.data : null,
    error: job.error,
  };
}

export async function decideProposal(worldId: string, storyId: string, sceneId: string, jobId: string, decision: "accept" | "reject"): Promise<void> {
  await api<unknown>("POST", `${scenePath(worldId, storyId, sceneId)}/refine/${jobId}/${decision}`);
}

/**
 * A scene's text as plain text, as the story room lays it out (story-doc.ts `plainText`): blocks
 * separated by a blank line, a hard break a newline, a scene break "* * *".
 */
export function scenePlainText(doc: Y.Doc, sceneId: string): string {
  const blocks: string[] = [];
  const inline = (node: unknown): string => {
    if (node instanceof Y.XmlText) return (node.toDelta() as Array<{ insert?: unknown }>).map((op) => (typeof op.insert === "string" ? op.insert : "")).join("");
    if (node instanceof Y.XmlElement) return node.nodeName === "hardBreak" ? "\n" : node.toArray().map(inline).join("");
    return "";
  };
  const block = (node: unknown) => {
    if (!(node instanceof Y.XmlElement)) return;
    if (node.nodeName === "blockquote") return node.toArray().forEach(block);
    if (node.nodeName === "horizontalRule") return void blocks.push("* * *");
    blocks.push(inline(node));
  };
  doc.getXmlFragment(sceneField(sceneId)).toArray().forEach(block);
  return blocks.join("\n\n");
}
