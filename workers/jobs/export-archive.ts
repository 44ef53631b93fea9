// The export job (catalogue F4): a world's graph, as its room holds it, becomes a ZIP in R2 with
// world.json, a Markdown file per element, the assets and an offline viewer (index.html). The
// world's other entities (entities/index.ts) are written to world.json as D1 holds them
// (archived-entities.ts).
//
// Memory: a Worker has 128 MB, and a 5,000-element world with images, clips and narration can
// be far larger than that. So the archive is never held whole: fflate's streaming `Zip` emits
// chunks as files are added, assets are read from R2 one at a time, and the output goes to R2 as
// a multipart upload in fixed 8 MiB parts (R2 wants equal parts but the last). At any moment the
// job holds one asset, one part and the JSON of the graph. Small archives (under one part) are
// written with a single put.
import { Zip, strToU8 } from "fflate";
import { and, eq, inArray } from "drizzle-orm";
import { jobs, worldExports, worlds } from "../../drizzle/schema";
import type { ElementView } from "../domain/room-types";
import {
  ARCHIVE_SCHEMA_VERSION,
  extensionOf,
  slugify,
  type ArchiveDocument,
} from "../domain/archive-format";
import { exportArchivedEntries } from "../domain/archived-entities";
import { worldOfAssetKey } from "../domain/element-fields";
import { WORLD_ENTITIES, type WorldEntity } from "../domain/entities";
import { element as elementDefinition } from "../domain/entities/element";
import { archiveEntryOf } from "../domain/entities/entity";
import { relationship as relationshipDefinition } from "../domain/entities/relationship";
import { ExportInputSchema, mayStillExportSecrets, type ExportInput } from "../domain/exports";
import { MAX_RETRIES } from "../domain/job-queue";
import { getDb } from "../lib/db";
import { log } from "../lib/log";
import { readStored } from "../lib/stored-json";
import { offlineViewerHtml } from "./offline-viewer";
import { PART_SIZE, R2ZipSink, addFile } from "./r2-zip-sink";
import { buildStoryExport, StoryExportFailure, type StoryExportRow } from "./story-export";

export { PART_SIZE };
const ASSET_KINDS = ["image", "video", "audio"] as const;

const yamlString = (text: string) => JSON.stringify(text);
/** A name inside link text: brackets would end the link early. */
const markdownText = (text: string) => text.replace(/([\\[\]])/g, "\\$1");

/** One element as Markdown: front matter, the description, the secret if included, its links. */
export function elementMarkdown(
  element: ArchiveDocument["elements"][number],
  connections: Array<{ verb: string; other: ArchiveDocument["elements"][number]; incoming: boolean }>,
): string {
  const lines = [
    "---",
    `name: ${yamlString(element.name)}`,
    `type: ${element.type}`,
    `tags: [${element.tags.map(yamlString).join(", ")}]`,
    `position: { x: ${element.position.x}, y: ${element.position.y} }`,
    "---",
    "",
    `# ${element.name}`,
    "",
    element.description.trim() || "_No description yet._",
    "",
  ];
  if (element.secret !== undefined && element.secret.trim()) lines.push("## Secret", "", element.secret.trim(), "");
  const media = ASSET_KINDS.filter((kind) => element.assets[kind]);
  if (media.length > 0) {
    lines.push("## Media", "");
    for (const kind of media) {
      const path = `../../${element.assets[kind]}`;
      lines.push(kind === "image" ? `![${markdownText(element.name)}](${path})` : `- [${kind}](${path})`);
    }
    lines.push("");
  }
  if (connections.length > 0) {
    lines.push("## Connections", "");
    for (const { verb, other, incoming } of connections) {
      const link = `[${markdownText(other.name)}](../../${other.file})`;
      lines.push(incoming ? `- ${link} ${verb} ${markdownText(element.name)}` : `- ${verb} ${link}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

class ExportFailure extends Error {}

/**
 * Runs one export job; failures are recorded on the export and the job, with retries as the queue
 * does them. `entities`: what world.json holds (the world's; a test adds its own).
 */
export async function runExportJob(jobId: string, env: Env, entities: readonly WorldEntity[] = WORLD_ENTITIES): Promise<void> {
  const db = getDb(env.DB);
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1);
  if (!job || job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") return;
  const input = readStored(ExportInputSchema, job.input);
  if (!input.ok) {
    // Not written by createExport, or damaged since: there is nothing it could build.
    const error = `This export's stored input cannot be read (${input.reason}); ask for the export again.`;
    await db.batch([
      db.update(jobs).set({ status: "failed", error, updatedAt: new Date() }).where(eq(jobs.id, jobId)),
      db.update(worldExports).set({ status: "failed", error, updatedAt: new Date() }).where(and(eq(worldExports.jobId, jobId), inArray(worldExports.status, ["queued", "running"]))),
    ]);
    return;
  }
  const [row] = await db
    .select({ id: worldExports.id, worldId: worldExports.worldId, userId: worldExports.userId, storyId: worldExports.storyId, format: worldExports.format })
    .from(worldExports)
    .where(eq(worldExports.id, input.value.exportId))
    .limit(1);
  if (!row || !job.worldId) {
    // Nothing to build for: the export was deleted.
    await db.update(jobs).set({ status: "failed", error: "The export this job was for no longer exists.", updatedAt: new Date() }).where(eq(jobs.id, jobId));
    return;
  }
  return buildExport(db, env, job, input.value, entities, row);
}

async function buildExport(
  db: ReturnType<typeof getDb>,
  env: Env,
  job: typeof jobs.$inferSelect,
  input: ExportInput,
  entities: readonly WorldEntity[],
  row: StoryExportRow,
): Promise<void> {
  const jobId = job.id;
  const attempt = job.attempts + 1;
  await db.update(jobs).set({ status: "running", stage: "export", attempts: attempt, updatedAt: new Date() }).where(eq(jobs.id, jobId));
  await db.update(worldExports).set({ status: "running", updatedAt: new Date() }).where(eq(worldExports.id, input.exportId));
  try {
    if (input.includeSecrets && !(job.userId && (await mayStillExportSecrets(db, job.worldId!, job.userId)))) {
      throw new ExportFailure("This export was to include the world's secrets, but you are no longer one of its owners or editors.");
    }
    const progress = async (percent: number) => {
      await db.update(jobs).set({ progress: percent, updatedAt: new Date() }).where(eq(jobs.id, jobId));
    };
    // A story's document (issue 18, point 6) or the world's archive.
    const { key, size } =
      row.format === "world" ? await buildArchive(env, job.worldId!, input, entities, progress) : await buildStoryExport(db, env, row, input, progress);
    const now = new Date();
    await db.batch([
      db.update(worldExports).set({ status: "succeeded", r2Key: key, size, error: null, updatedAt: now }).where(eq(worldExports.id, input.exportId)),
      db.update(jobs).set({ status: "succeeded", progress: 100, error: null, result: { exportId: input.exportId, size }, updatedAt: now }).where(eq(jobs.id, jobId)),
    ]);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const final = error instanceof ExportFailure || error instanceof StoryExportFailure || attempt > MAX_RETRIES;
    log.warn("export.failed", { jobId, exportId: input.exportId, attempt, final, reason });
    const now = new Date();
    if (!final) {
      // The queue delivers the message again (consumer.ts retries what a handler throws).
      await db.update(jobs).set({ status: "queued", error: `Attempt ${attempt} failed: ${reason}`, updatedAt: now }).where(eq(jobs.id, jobId));
      throw error;
    }
    await db.batch([
      db.update(worldExports).set({ status: "failed", error: reason, updatedAt: now }).where(and(eq(worldExports.id, input.exportId), inArray(worldExports.status, ["queued", "running"]))),
      db.update(jobs).set({ status: "failed", error: reason, updatedAt: now }).where(eq(jobs.id, jobId)),
    ]);
  }
}

async function buildArchive(env: Env, worldId: string, input: ExportInput, entities: readonly WorldEntity[], progress: (percent: number) => Promise<void>) {
  const db = getDb(env.DB);
  const [world] = await db.select().from(worlds).where(eq(worlds.id, worldId)).limit(1);
  if (!world) throw new ExportFailure("The world was deleted before it could be exported.");
  // The room is the source of truth: D1 is a projection that may lag a few seconds behind.
  const graph = await env.WORLD_ROOM.getByName(worldId).graph(input.includeSecrets);
  if (!graph.ok) throw new ExportFailure(`The world's room refused the export: ${graph.message}`);
  const { elements, relationships } = graph.value;
  // The other entities as D1 holds them (their room projects them within seconds of an edit).
  const others = await exportArchivedEntries(env.DB, worldId, input.includeSecrets, entities);

  // Archive paths: one per element file, one per distinct asset key.
  const assetPaths = new Map<string, string>();
  const usedPaths = new Set<string>();
  const unique = (path: string) => {
    let candidate = path;
    for (let n = 2; usedPaths.has(candidate); n += 1) candidate = path.replace(/(\.[^./]+)?$/, `-${n}$1`);
    usedPaths.add(candidate);
    return candidate;
  };
  const assetPath = (key: string, base: string) => {
    // Only the world's own files go in its archive: a key of another world (left by an update from
    // before the room checked whose files elements name) is left out, and logged.
    if (worldOfAssetKey(key) !== worldId) {
      log.warn("export.foreign_asset_skipped", { worldId, key });
      return null;
    }
    const known = assetPaths.get(key);
    if (known) return known;
    const path = unique(`assets/${base}.${extensionOf(key)}`);
    assetPaths.set(key, path);
    return path;
  };
  const documentElements = elements.map((element: ElementView) => {
    const base = `${slugify(element.name)}-${element.id.slice(0, 6)}`;
    const assets: ArchiveDocument["elements"][number]["assets"] = {};
    for (const kind of ASSET_KINDS) {
      const key = element.assets[kind];
      const path = key ? assetPath(key, `${base}-${kind}`) : null;
      if (path) assets[kind] = path;
    }
    // The fields the element's definition puts in archives, in its order; media as archive paths.
    return {
      ...archiveEntryOf(elementDefinition, element, input.includeSecrets),
      assets,
      file: unique(`elements/${element.type}/${base}.md`),
    };
  });
  const cover = world.coverAssetKey ? assetPath(world.coverAssetKey, "cover") : null;
  const exportedAt = new Date();
  const document: ArchiveDocument = {
    schemaVersion: ARCHIVE_SCHEMA_VERSION,
    exportedAt: exportedAt.toISOString(),
    world: {
      title: world.title,
      description: world.description,
      style: world.style,
      tags: world.tags,
      visibility: world.visibility,
      cover,
      settings: { aiImages: world.settings.aiImages, ...(world.settings.defaultVoice ? { defaultVoice: world.settings.defaultVoice } : {}) },
    },
    elements: documentElements,
    relationships: relationships.map((r) => archiveEntryOf(relationshipDefinition, r, false)),
    // Only entities that have entries: an archive without the key holds none.
    ...Object.fromEntries(others),
    source: { worldId, url: `${input.origin}/worlds/${worldId}` },
  };

  const key = `exports/${worldId}/${input.exportId}.zip`;
  const sink = new R2ZipSink(env.ASSETS_BUCKET, key);
  const zip = new Zip(sink.ondata);
  try {
    // Assets first: one missing from R2 is left out of world.json rather than pointed at.
    const missing = new Set<string>();
    let done = 0;
    for (const [assetKey, path] of assetPaths) {
      const object = await env.ASSETS_BUCKET.get(assetKey);
      if (object) addFile(zip, path, new Uint8Array(await object.arrayBuffer()));
      else {
        log.warn("export.asset_missing", { worldId, key: assetKey });
        missing.add(path);
      }
      await sink.drain();
      done += 1;
      if (done % 25 === 0) await progress(Math.min(90, Math.round((done / assetPaths.size) * 90)));
    }
    if (missing.size > 0) {
      for (const element of document.elements) {
        for (const kind of ASSET_KINDS) if (element.assets[kind] && missing.has(element.assets[kind])) delete element.assets[kind];
      }
      if (document.world.cover && missing.has(document.world.cover)) document.world.cover = null;
    }

    const byId = new Map(document.elements.map((e) => [e.id, e]));
    const connections = new Map<string, Array<{ verb: string; other: (typeof document.elements)[number]; incoming: boolean }>>();
    for (const r of document.relationships) {
      const from = byId.get(r.from);
      const to = byId.get(r.to);
      if (!from || !to) continue;
      const verb = r.label || r.kind.replace(/_/g, " ");
      const add = (id: string, link: { verb: string; other: (typeof document.elements)[number]; incoming: boolean }) => {
        const list = connections.get(id);
        if (list) list.push(link);
        else connections.set(id, [link]);
      };
      add(from.id, { verb, other: to, incoming: false });
      add(to.id, { verb, other: from, incoming: true });
    }
    for (const element of document.elements) {
      addFile(zip, element.file, strToU8(elementMarkdown(element, connections.get(element.id) ?? [])));
      await sink.drain();
    }
    addFile(zip, "world.json", strToU8(JSON.stringify(document, null, 2)));
    addFile(zip, "index.html", strToU8(offlineViewerHtml(document)));
    zip.end();
    await sink.finish();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  return { key, size: sink.size };
}
