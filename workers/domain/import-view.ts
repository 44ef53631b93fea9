// An import as its uploader sees it (GET /api/imports/:id). Zod only, so the dashboard reads the
// answer with the same schema the server builds it to.
import { z } from "zod";

export const IMPORT_STATUSES = ["queued", "running", "done", "failed"] as const;

export const ImportViewSchema = z.object({
  id: z.string(),
  status: z.enum(IMPORT_STATUSES),
  /** What the consumer is doing: reading the archive, then writing the world. */
  stage: z.string().nullable(),
  progress: z.number().int().min(0).max(100),
  fileName: z.string(),
  size: z.number().int().nonnegative(),
  /** Once done: the new world, and what it holds. */
  worldId: z.string().optional(),
  imported: z.object({ elements: z.number().int(), relationships: z.number().int(), assets: z.number().int() }).optional(),
  /** Once failed: why, in the API's error shape. */
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ImportView = z.infer<typeof ImportViewSchema>;
