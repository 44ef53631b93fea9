// World exports (catalogue F4): asking for one (a queued job), reading and listing a person's
// exports, and the signed, expiring download links. The archive itself is built by
// workers/jobs/export-archive.ts.
import { and, desc, eq, gte } from "drizzle-orm";
import { z } from "zod";
import { jobs, worldExports, worldMembers, type ExportFormat, type Role } from "../../drizzle/schema";
import { HttpError } from "../lib/errors";
import { configOf } from "../lib/config";
import type { Database } from "../lib/db";
import { newId } from "../lib/ids";
import type { JobMessage } from "./job-queue";
import { slugify } from "./archive-format";
import { canSeeSecrets } from "./graph";

/** How long a download link stays valid at most (it never outlives its export). */
export const DOWNLOAD_LINK_MS = 60 * 60 * 1000;

type ExportRow = typeof worldExports.$inferSelect;

/** How long an archive is kept: EXPORT_TTL_HOURS (wrangler.jsonc vars), 24 h by default. */
export const exportTtlMs = (env: object) => configOf(env).EXPORT_TTL_HOURS * 3_600_000;
/** Exports a person may ask for in a minute: EXPORTS_PER_MINUTE, 5 by default. */
export const exportsPerMinute = (env: object) => configOf(env).EXPORTS_PER_MINUTE;

/** What the export job carries in `jobs.input`. */
export const ExportInputSchema = z.object({
  exportId: z.string().min(1),
  includeSecrets: z.boolean(),
  origin: z.string(),
  /** A story's EPUB (or ZIP) with its narration (issue 18, point 6). */
  audio: z.boolean().optional(),
});
export type ExportInput = z.infer<typeof ExportInputSchema>;

export type ExportView = {
  id: string;
  worldId: string;
  /** "world" for a world's archive; a story's document otherwise (issue 18, point 6). */
  format: ExportFormat;
  storyId: string | null;
  status: ExportRow["status"];
  includesSecrets: boolean;
  size: number | null;
  error: string | null;
  createdAt: string;
  expiresAt: string;
  url?: string;
};

/**
 * An export as its maker sees it. A job the consumer gave up on (dead letters, the stale-job
 * sweep) or that was cancelled fails its export too, even if the export row never heard about it.
 */
export function toExportView(row: ExportRow, job?: { status: string; error: string | null } | null): ExportView {
  const jobFailed = (job?.status === "failed" || job?.status === "cancelled") && (row.status === "queued" || row.status === "running");
  return {
    id: row.id,
    worldId: row.worldId,
    format: row.format,
    storyId: row.storyId,
    status: jobFailed ? "failed" : row.status,
    includesSecrets: row.includesSecrets,
    size: row.size,
    error: jobFailed ? job!.error : row.error,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  };
}

/**
 * Whether an export takes the world's secrets away: only when the person explicitly asks
 * (`includeSecrets: true`), and only owners and editors may ask. Leaving it out, or anything but
 * `true`, exports without them: a file handed on cannot be taken back.
 */
export function exportIncludesSecrets(role: Role | null, asked: boolean | undefined): boolean {
  if (asked !== true) return false;
  if (!canSeeSecrets(role)) throw new HttpError(403, "forbidden", "Only the world's owners and editors can export its secrets.");
  return true;
}

/**
 * Whether the person who asked for an export with secrets may still see them when it is built: a
 * role can be lowered, or a member removed, while the job waits in the queue.
 */
export async function mayStillExportSecrets(db: Database, worldId: string, userId: string): Promise<boolean> {
  const [member] = await db
    .select({ role: worldMembers.role })
    .from(worldMembers)
    .where(and(eq(worldMembers.worldId, worldId), eq(worldMembers.userId, userId)))
    .limit(1);
  return canSeeSecrets(member?.role ?? null);
}

/** 429 with Retry-After when the person asked for too many exports in the last minute. */
async function checkExportRate(db: Database, userId: string, perMinute: number, now: number) {
  const recent = await db
    .select({ createdAt: worldExports.createdAt })
    .from(worldExports)
    .where(and(eq(worldExports.userId, userId), gte(worldExports.createdAt, new Date(now - 60_000))))
    .orderBy(worldExports.createdAt)
    .limit(perMinute);
  if (recent.length < perMinute) return;
  const seconds = Math.max(1, Math.ceil((recent[0]!.createdAt.getTime() + 60_000 - now) / 1000));
  throw new HttpError(429, "rate_limited", `At most ${perMinute} exports a minute; try again in ${seconds} s.`, undefined, {
    "retry-after": String(seconds),
  });
}

/** Stores an export and its job, and queues the job. */
export async function createExport(
  db: Database,
  queue: Queue<JobMessage>,
  env: object,
  request: { userId: string; worldId: string; includeSecrets: boolean; origin: string; story?: { id: string; format: Exclude<ExportFormat, "world">; audio: boolean } },
): Promise<ExportView> {
  const now = Date.now();
  await checkExportRate(db, request.userId, exportsPerMinute(env), now);
  const exportId = newId();
  const jobId = newId();
  const input: ExportInput = { exportId, includeSecrets: request.includeSecrets, origin: request.origin, ...(request.story?.audio ? { audio: true } : {}) };
  const [, inserted] = await db.batch([
    db.insert(jobs).values({
      id: jobId,
      worldId: request.worldId,
      userId: request.userId,
      kind: "export",
      status: "queued",
      input,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    }),
    db
      .insert(worldExports)
      .values({
        id: exportId,
        worldId: request.worldId,
        userId: request.userId,
        jobId,
        status: "queued",
        includesSecrets: request.includeSecrets,
        ...(request.story ? { format: request.story.format, storyId: request.story.id } : {}),
        expiresAt: new Date(now + exportTtlMs(env)),
        createdAt: new Date(now),
        updatedAt: new Date(now),
      })
      .returning(),
  ]);
  try {
    await queue.send({ jobId, kind: "export" });
  } catch (error) {
    const failed = { status: "failed" as const, error: "The export could not be queued.", updatedAt: new Date() };
    await db.batch([db.update(jobs).set(failed).where(eq(jobs.id, jobId)), db.update(worldExports).set(failed).where(eq(worldExports.id, exportId))]);
    throw new HttpError(503, "queue_unavailable", "Exports are unavailable right now; please try again shortly.", { cause: String(error) });
  }
  return toExportView(inserted[0]!);
}

/** One export with its job's state, or null. */
export async function loadExport(db: Database, exportId: string) {
  const rows = await db
    .select({ export: worldExports, jobStatus: jobs.status, jobError: jobs.error })
    .from(worldExports)
    .leftJoin(jobs, eq(jobs.id, worldExports.jobId))
    .where(eq(worldExports.id, exportId))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  return { row: row.export, view: toExportView(row.export, row.jobStatus ? { status: row.jobStatus, error: row.jobError } : null) };
}

/** A person's exports of one world (its archives), or of one of its stories, newest first. */
export async function listExports(db: Database, worldId: string, userId: string, limit = 20, storyId: string | null = null) {
  const rows = await db
    .select({ export: worldExports, jobStatus: jobs.status, jobError: jobs.error })
    .from(worldExports)
    .leftJoin(jobs, eq(jobs.id, worldExports.jobId))
    .where(
      and(
        eq(worldExports.worldId, worldId),
        eq(worldExports.userId, userId),
        storyId === null ? eq(worldExports.format, "world") : eq(worldExports.storyId, storyId),
      ),
    )
    .orderBy(desc(worldExports.createdAt), desc(worldExports.id))
    .limit(limit);
  return rows.map((r) => toExportView(r.export, r.jobStatus ? { status: r.jobStatus, error: r.jobError } : null));
}

// ------------------------------------------------------------------ signed download links

const encoder = new TextEncoder();

/** The signing key: derived from BETTER_AUTH_SECRET for this one purpose, never the secret itself. */
async function downloadKey(secret: string): Promise<CryptoKey> {
  const root = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const derived = await crypto.subtle.sign("HMAC", root, encoder.encode("loreloom/export-download/v1"));
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

function fromHex(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-f]{64}$/.test(text)) return null;
  return new Uint8Array(text.match(/../g)!.map((pair) => parseInt(pair, 16)));
}

/** A download link valid for at most an hour, and never past the export's own expiry. */
export async function signDownloadUrl(secret: string, exportId: string, exportExpiresAt: Date, now = Date.now()): Promise<string> {
  const expires = Math.min(now + DOWNLOAD_LINK_MS, exportExpiresAt.getTime());
  const signature = await crypto.subtle.sign("HMAC", await downloadKey(secret), encoder.encode(`${exportId}.${expires}`));
  return `/api/exports/${exportId}/download?expires=${expires}&sig=${hex(signature)}`;
}

/** 403 for a link we did not sign, 410 for one that has run out. */
export async function checkDownloadLink(secret: string, exportId: string, expiresRaw: string | undefined, sigRaw: string | undefined, now = Date.now()) {
  const expires = Number(expiresRaw);
  const signature = fromHex(sigRaw ?? "");
  const valid =
    Number.isSafeInteger(expires) &&
    String(expires) === expiresRaw &&
    signature !== null &&
    // crypto.subtle.verify compares in constant time.
    (await crypto.subtle.verify("HMAC", await downloadKey(secret), signature, encoder.encode(`${exportId}.${expires}`)));
  if (!valid) throw new HttpError(403, "invalid_signature", "This download link is not valid.");
  if (expires < now) throw new HttpError(410, "link_expired", "This download link has expired; ask for a new one from the export.");
}

/** What a download of each format is: its file name's extension and its content type. */
export const EXPORT_FILES: Record<ExportFormat, { extension: string; contentType: string }> = {
  world: { extension: "zip", contentType: "application/zip" },
  markdown: { extension: "md", contentType: "text/markdown; charset=utf-8" },
  "markdown-zip": { extension: "zip", contentType: "application/zip" },
  epub: { extension: "epub", contentType: "application/epub+zip" },
  docx: { extension: "docx", contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
};

/** A file name for the archive: the title in plain ASCII, never a path or a quote. */
export function archiveFileName(title: string, exportedAt: Date, format: ExportFormat = "world"): string {
  return `${slugify(title, format === "world" ? "world" : "story")}-${exportedAt.toISOString().slice(0, 10)}.${EXPORT_FILES[format].extension}`;
}
