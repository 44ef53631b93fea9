// The story export job (issue 18, point 6), run by the export job (export-archive.ts) for exports
// whose format is a story's: the story as its reader may read it (playableStory, after the room
// has written its latest text to D1), its pictures and narration from R2, and one of the writers
// (Markdown, a ZIP of Markdown and pictures, EPUB 3, DOCX). The file goes to R2 under the world's
// exports, and the export's signed, expiring link hands it out as world archives are.
//
// What is in the file: the story's title, premise, chapters and scene text, the world's title, the
// story writer's display name, and the world's own pictures and narration. Never a share token, an
// address or a file of another world. Memory: the text is small, and the pictures and narration
// are read from R2 one at a time as the ZIP streams to R2 (r2-zip-sink.ts), so a long illustrated
// and narrated story fits the Worker's 128 MB as a world archive does.
import { eq } from "drizzle-orm";
import { Zip } from "fflate";
import { assets, user, worlds, type ExportFormat } from "../../drizzle/schema";
import { worldOfAssetKey } from "../domain/element-fields";
import { EXPORT_FILES, type ExportInput } from "../domain/exports";
import { playableStory } from "../domain/stories/playable";
import type { SceneMediaItem } from "../domain/stories/scene-media";
import { getStoryRow } from "../domain/stories/stories";
import { getWorldAccess } from "../domain/worlds";
import type { Database } from "../lib/db";
import { HttpError } from "../lib/errors";
import { log } from "../lib/log";
import { R2ZipSink, addFile } from "./r2-zip-sink";
import { EXTENSIONS, imageSize, type Book, type BookAudio, type BookImage, type PackageFile } from "./story-export-book";
import { docxFiles, DOCX_IMAGE_TYPES } from "./story-export-docx";
import { EPUB_AUDIO_TYPES, EPUB_IMAGE_TYPES, epubFiles } from "./story-export-epub";
import { storyMarkdown } from "./story-export-markdown";

/** A story export that cannot succeed however often it is tried (the export job does not retry it). */
export class StoryExportFailure extends Error {}

type StoryFormat = Exclude<ExportFormat, "world">;

/** Which pictures each format can carry (a single Markdown file only links to them). */
const IMAGE_TYPES: Record<StoryFormat, Set<string> | null> = {
  markdown: null,
  "markdown-zip": new Set(["image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"]),
  epub: EPUB_IMAGE_TYPES,
  docx: DOCX_IMAGE_TYPES,
};

/** A cover's type by its key's extension, when `assets` does not record it. */
const COVER_TYPES: Record<string, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", svg: "image/svg+xml" };

const encoder = new TextEncoder();

/**
 * The files as one ZIP in R2, in their order (`store`d entries, EPUB's mimetype, are not
 * compressed), streamed: R2 files are read one at a time as they are added.
 */
async function writePackage(bucket: R2Bucket, key: string, contentType: string, files: PackageFile[]): Promise<number> {
  const sink = new R2ZipSink(bucket, key, contentType);
  const zip = new Zip(sink.ondata);
  try {
    for (const file of files) {
      let bytes: Uint8Array;
      if (typeof file.bytes === "string") bytes = encoder.encode(file.bytes);
      else if (file.bytes instanceof Uint8Array) bytes = file.bytes;
      else {
        const object = await bucket.get(file.bytes.r2Key);
        // Gone since it was listed: the next attempt leaves it out rather than point at nothing.
        if (!object) throw new Error(`A file of the story went missing while it was exported (${file.path}).`);
        bytes = new Uint8Array(await object.arrayBuffer());
      }
      addFile(zip, file.path, bytes, file.store);
      await sink.drain();
    }
    zip.end();
    await sink.finish();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  return sink.size;
}

export type StoryExportRow = { id: string; worldId: string; userId: string | null; storyId: string | null; format: ExportFormat };

/** Builds the story's file and stores it in R2; the export job records the outcome. */
export async function buildStoryExport(
  db: Database,
  env: Env,
  row: StoryExportRow,
  input: ExportInput,
  progress: (percent: number) => Promise<void>,
): Promise<{ key: string; size: number }> {
  if (row.format === "world" || !row.storyId) throw new StoryExportFailure("This export is not of a story.");
  const format = row.format;
  if (!row.userId) throw new StoryExportFailure("The person who asked for this export no longer has an account.");
  // The reader's access now, not when they asked: a story can become a draft again, a member leave.
  let story;
  try {
    const access = await getWorldAccess(db, row.worldId, row.userId);
    story = await getStoryRow(db, row.worldId, row.storyId, access.role);
  } catch (error) {
    if (error instanceof HttpError && error.status < 500) throw new StoryExportFailure("You can no longer read this story, so it was not exported.");
    throw error;
  }
  // The room writes its latest text to D1 first (a few seconds of typing may not be there yet).
  const projected = await env.STORY_ROOM.getByName(story.id).project();
  if (!projected.ok) log.warn("story_export.not_projected", { storyId: story.id, reason: projected.message });
  const playable = await playableStory(db, story);
  const [[world], [writer]] = await Promise.all([
    db.select({ coverAssetKey: worlds.coverAssetKey }).from(worlds).where(eq(worlds.id, row.worldId)).limit(1),
    story.createdBy ? db.select({ name: user.name }).from(user).where(eq(user.id, story.createdBy)).limit(1) : Promise.resolve([]),
  ]);
  await progress(10);

  const audio = input.audio === true && (format === "epub" || format === "markdown-zip");
  const imageTypes = IMAGE_TYPES[format];
  const used = new Set<string>();
  const pathFor = (base: string, mimeType: string) => {
    let path = `${base}.${EXTENSIONS[mimeType] ?? "bin"}`;
    for (let n = 2; used.has(path); n += 1) path = `${base}-${n}.${EXTENSIONS[mimeType] ?? "bin"}`;
    used.add(path);
    return path;
  };
  /** Whether one of the world's own files is there to carry (its bytes are read when the package is written). */
  const present = async (key: string, mimeType: string, allowed: Set<string> | null): Promise<boolean> => {
    if (worldOfAssetKey(key) !== row.worldId) {
      log.warn("story_export.foreign_asset_skipped", { storyId: story.id, key });
      return false;
    }
    if (!allowed?.has(mimeType)) return false;
    if (await env.ASSETS_BUCKET.head(key)) return true;
    log.warn("story_export.asset_missing", { storyId: story.id, key });
    return false;
  };
  /** A picture's size from the start of its file (a Word document lays pictures out by it). */
  const sizeOf = async (key: string) => {
    if (format !== "docx") return null;
    const head = await env.ASSETS_BUCKET.get(key, { range: { offset: 0, length: 64 * 1024 } });
    return head ? imageSize(new Uint8Array(await head.arrayBuffer())) : null;
  };
  const imageOf = async (item: { key: string; mimeType: string; url: string }, base: string): Promise<BookImage | null> => {
    if (imageTypes === null) {
      // A single Markdown file links to the picture where Loreloom serves it.
      return worldOfAssetKey(item.key) === row.worldId ? { path: "", key: item.key, mimeType: item.mimeType, width: null, height: null, url: `${input.origin}${item.url}` } : null;
    }
    if (!(await present(item.key, item.mimeType, imageTypes))) return null;
    const size = await sizeOf(item.key);
    return { path: pathFor(`images/${base}`, item.mimeType), key: item.key, mimeType: item.mimeType, width: size?.width ?? null, height: size?.height ?? null, url: `${input.origin}${item.url}` };
  };
  const narrationOf = async (item: SceneMediaItem, base: string): Promise<BookAudio | null> => {
    const allowed = format === "epub" ? EPUB_AUDIO_TYPES : new Set(Object.keys(EXTENSIONS).filter((type) => type.startsWith("audio/")));
    if (!(await present(item.key, item.mimeType, allowed))) return null;
    return { path: pathFor(`audio/${base}`, item.mimeType), key: item.key, mimeType: item.mimeType, durationMs: item.durationMs ?? null, timings: item.timings ?? [] };
  };

  const chapters: Book["chapters"] = [];
  const sceneCount = Math.max(1, playable.chapters.reduce((sum, chapter) => sum + chapter.scenes.length, 0));
  let done = 0;
  for (const [c, chapter] of playable.chapters.entries()) {
    const scenes: Book["chapters"][number]["scenes"] = [];
    for (const [s, scene] of chapter.scenes.entries()) {
      const base = `chapter-${c + 1}-scene-${s + 1}`;
      scenes.push({
        id: scene.id,
        title: scene.title,
        text: scene.text,
        image: scene.image ? await imageOf(scene.image, base) : null,
        narration: audio && scene.narration ? await narrationOf(scene.narration, base) : null,
      });
      done += 1;
      if (done % 10 === 0) await progress(10 + Math.round((done / sceneCount) * 70));
    }
    chapters.push({ id: chapter.id, title: chapter.title, scenes });
  }
  // The cover: the world's picture, else the story's first.
  let cover: BookImage | null = null;
  if (format === "epub") {
    const coverKey = world?.coverAssetKey;
    const [coverAsset] = coverKey ? await db.select({ mimeType: assets.mimeType }).from(assets).where(eq(assets.key, coverKey)).limit(1) : [];
    const coverType = coverAsset?.mimeType ?? COVER_TYPES[coverKey?.split(".").pop()?.toLowerCase() ?? ""];
    if (coverKey && coverType) cover = await imageOf({ key: coverKey, mimeType: coverType, url: `/api/assets/${coverKey}` }, "cover");
    cover ??= chapters.flatMap((chapter) => chapter.scenes).find((scene) => scene.image)?.image ?? null;
  }
  const book: Book = {
    id: story.id,
    title: story.title,
    premise: story.premise,
    worldTitle: playable.worldTitle,
    creator: writer?.name ?? "",
    language: "en",
    modified: new Date(story.updatedAt),
    sourceUrl: `${input.origin}/worlds/${story.worldId}/stories/${story.id}`,
    cover,
    chapters,
  };
  await progress(85);

  const key = `exports/${row.worldId}/${row.id}.${EXPORT_FILES[format].extension}`;
  const { contentType } = EXPORT_FILES[format];
  if (format === "markdown") {
    const bytes = encoder.encode(storyMarkdown(book, { local: false, audio: false }));
    await env.ASSETS_BUCKET.put(key, bytes, { httpMetadata: { contentType } });
    return { key, size: bytes.byteLength };
  }
  let files: PackageFile[];
  if (format === "markdown-zip") {
    files = [{ path: "story.md", bytes: storyMarkdown(book, { local: true, audio }) }];
    for (const scene of chapters.flatMap((chapter) => chapter.scenes)) {
      if (scene.image) files.push({ path: scene.image.path, bytes: { r2Key: scene.image.key } });
      if (scene.narration) files.push({ path: scene.narration.path, bytes: { r2Key: scene.narration.key } });
    }
  } else files = format === "epub" ? epubFiles(book, { audio }) : docxFiles(book);
  return { key, size: await writePackage(env.ASSETS_BUCKET, key, contentType, files) };
}
