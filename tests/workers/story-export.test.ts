// Story exports (issue 18, point 6) end to end inside workerd: the API queues an export of a story,
// the real queue runs the export job, the file is stored in R2 and downloaded through the signed,
// expiring link; then the real tools open it — the W3C's EPUBCheck must find no errors in the EPUB
// (with Media Overlays from the narration's word timings), and pandoc must read every chapter and
// scene back out of the DOCX (tests/workers/export-tools.ts runs both in Node). Scene pictures and
// narration are written straight to D1 and R2 here, as the media jobs would.
import { SELF, env } from "cloudflare:test";
import { createExport } from "../../workers/domain/exports";
import type { JobMessage } from "../../workers/domain/job-queue";
import { runExportJob } from "../../workers/jobs/export-archive";
import { getDb } from "../../workers/lib/db";
import { strFromU8, unzipSync, zlibSync } from "fflate";
import { describe, expect, inject, it } from "vitest";
import { renderElementArt } from "../../workers/ai/local/art";
import { addMember, call, createWorld, expectErrorShape, ORIGIN, signUp, waitUntil, type Person } from "./helpers";

const tools = inject("exportTools");

type ExportView = { id: string; worldId: string; format: string; storyId: string | null; status: string; size: number | null; error: string | null; url?: string };

// ------------------------------------------------------------------ real media files

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff;
  for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** A real PNG of one colour. */
function png(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const chunk = (type: string, data: number[] | Uint8Array) => {
    const body = new Uint8Array([...type].map((ch) => ch.charCodeAt(0)).concat([...data]));
    return [...u32(data.length), ...body, ...u32(crc32(body))];
  };
  const raw: number[] = [];
  for (let y = 0; y < height; y += 1) raw.push(0, ...Array.from({ length: width }, () => rgb).flat());
  return new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ...chunk("IHDR", [...u32(width), ...u32(height), 8, 2, 0, 0, 0]),
    ...chunk("IDAT", zlibSync(new Uint8Array(raw))),
    ...chunk("IEND", []),
  ]);
}

/** A short MP3: MPEG-1 layer III frames of silence (128 kbit/s, 44.1 kHz). */
function mp3(frames: number): Uint8Array {
  const frame = new Uint8Array(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  const out = new Uint8Array(frame.length * frames);
  for (let i = 0; i < frames; i += 1) out.set(frame, i * frame.length);
  return out;
}

/** A WAV of silence (what the offline narrator makes). */
function wav(samples: number): Uint8Array {
  const out = new Uint8Array(44 + samples * 2);
  const view = new DataView(out.buffer);
  const text = (offset: number, s: string) => [...s].forEach((ch, i) => view.setUint8(offset + i, ch.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + samples * 2, true);
  text(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, 16000, true);
  view.setUint32(28, 32000, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, samples * 2, true);
  return out;
}

/** Word timings as Polly's speech marks give them: character offsets into the text, and ms. */
function timingsOf(text: string, msPerWord = 300) {
  return [...text.matchAll(/[\p{L}\p{N}'’]+/gu)].map((match, i) => ({ start: match.index!, end: match.index! + match[0].length, time: i * msPerWord }));
}

// ------------------------------------------------------------------ a story with media

const SCENES = {
  harbour: { title: "The harbour", text: "The lantern swung over the black water.\n\nMira ran, and the bell began to ring." },
  tricky: { title: "Signs & <wonders>", text: 'She wrote <script>alert("x")</script> & "quotes" on the wall.\n\n# Not a heading\n\n* * *\n\nA line\nwith a break, an emoji 🦊 and a stray \u0001control.' },
  tower: { title: "", text: "The tower had no door, only a window at the top." },
};

async function sceneIn(owner: Person, base: string, chapterId: string, scene: { title: string; text: string }) {
  const created = await call("POST", `${base}/chapters/${chapterId}/scenes`, { cookie: owner.cookie, body: scene });
  expect(created.status, created.text).toBe(201);
  return created.json.scene.id as string;
}

async function mediaRow(storyId: string, sceneId: string, kind: "image" | "narration", key: string, mimeType: string, bytes: Uint8Array, extra: { timings?: unknown; durationMs?: number } = {}) {
  await env.ASSETS_BUCKET.put(key, bytes, { httpMetadata: { contentType: mimeType } });
  await env.DB.prepare("insert into scene_media (id, story_id, scene_id, kind, key, mime_type, timings, duration_ms, provider, model) values (?, ?, ?, ?, ?, ?, ?, ?, 'local', 'test')")
    .bind(crypto.randomUUID().replace(/-/g, "").slice(0, 16), storyId, sceneId, kind, key, mimeType, extra.timings ? JSON.stringify(extra.timings) : null, extra.durationMs ?? null)
    .run();
}

/**
 * A world with a cover and a secret element, and a story of two chapters: the first scene has a
 * picture and MP3 narration with word timings, the second awkward text and a picture of another
 * world that must never be carried, the third (next chapter) an SVG picture and WAV narration.
 */
async function storyWithMedia(owner: Person, options: { visibility?: "private" | "public" } = {}) {
  const world = await createWorld(owner, { title: "Emberfall Reaches", visibility: options.visibility ?? "private" });
  const cover = `worlds/${world.id}/uploads/cover.png`;
  await env.ASSETS_BUCKET.put(cover, png(8, 12, [40, 60, 90]), { httpMetadata: { contentType: "image/png" } });
  await env.DB.batch([
    env.DB.prepare("update worlds set cover_asset_key = ? where id = ?").bind(cover, world.id),
    env.DB.prepare("insert into elements (id, world_id, type, name, description, secret, x, y, tags, assets) values (?, ?, 'character', 'Mira Vale', 'A lamplighter.', 'SECRET-she-lit-the-first-fire', 0, 0, '[]', '{}')").bind(`m${world.id}`, world.id),
  ]);
  const created = await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { title: "The Drowned <Bell> & Other Tales", template: "mystery", premise: "A bell rings under the sea." } });
  expect(created.status, created.text).toBe(201);
  const storyId = created.json.story.id as string;
  const base = `/api/worlds/${world.id}/stories/${storyId}`;
  const one = await call("POST", `${base}/chapters`, { cookie: owner.cookie, body: { title: "Ash & Water" } });
  const two = await call("POST", `${base}/chapters`, { cookie: owner.cookie, body: { title: "The Tower" } });
  expect([one.status, two.status]).toEqual([201, 201]);
  const harbour = await sceneIn(owner, base, one.json.chapter.id, SCENES.harbour);
  const tricky = await sceneIn(owner, base, one.json.chapter.id, SCENES.tricky);
  const tower = await sceneIn(owner, base, two.json.chapter.id, SCENES.tower);
  const timings = timingsOf(SCENES.harbour.text);
  await mediaRow(storyId, harbour, "image", `worlds/${world.id}/scenes/${harbour}/image.png`, "image/png", png(16, 9, [200, 120, 40]));
  await mediaRow(storyId, harbour, "narration", `worlds/${world.id}/scenes/${harbour}/narration.mp3`, "audio/mpeg", mp3(40), { timings, durationMs: timings.length * 300 + 200 });
  // What the offline provider draws: an SVG, which EPUB carries and a Word document leaves out.
  const svg = renderElementArt({ name: "The Tower", type: "location", description: "A tower with no door.", tags: [], relationships: [], visualPrompt: "a doorless tower", narration: "" }, "gothic", "tower");
  await mediaRow(storyId, tower, "image", `worlds/${world.id}/scenes/${tower}/image.svg`, "image/svg+xml", new TextEncoder().encode(svg));
  await mediaRow(storyId, tower, "narration", `worlds/${world.id}/scenes/${tower}/narration.wav`, "audio/wav", wav(1600), { timings: timingsOf(SCENES.tower.text), durationMs: 1000 });
  // A picture of another world (as a bad write might leave): left out, never fetched.
  await mediaRow(storyId, tricky, "image", "worlds/otherworld000001/secret.png", "image/png", png(4, 4, [255, 0, 0]));
  return { world, storyId, base, chapters: ["Ash & Water", "The Tower"], scenes: { harbour, tricky, tower } };
}

async function waitForExport(person: Person, id: string): Promise<ExportView> {
  return waitUntil(`export ${id}`, async () => {
    const response = await call("GET", `/api/exports/${id}`, { cookie: person.cookie });
    expect(response.status, response.text).toBe(200);
    return ["succeeded", "failed"].includes(response.json.export.status) ? (response.json.export as ExportView) : null;
  });
}

async function exportStory(person: Person, base: string, body: unknown) {
  const accepted = await call("POST", `${base}/export`, { cookie: person.cookie, body });
  expect(accepted.status, accepted.text).toBe(202);
  expect(accepted.json.export).toMatchObject({ status: "queued", format: (body as { format: string }).format });
  const done = await waitForExport(person, accepted.json.export.id);
  expect(done.status, done.error ?? "").toBe("succeeded");
  expect(done.url).toMatch(/^\/api\/exports\/[a-z0-9]+\/download\?expires=\d+&sig=[0-9a-f]{64}$/);
  return done;
}

async function download(view: ExportView, contentType: string, extension: string) {
  const response = await SELF.fetch(`${ORIGIN}${view.url}`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe(contentType);
  expect(response.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="the-drowned-bell-other-tales-\\d{4}-\\d{2}-\\d{2}\\.${extension}"$`));
  return new Uint8Array(await response.arrayBuffer());
}

/** A finished export's file, whatever its format. */
async function download2(view: ExportView) {
  const response = await SELF.fetch(`${ORIGIN}${view.url}`);
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

async function runTool(tool: "epubcheck" | "pandoc", bytes: Uint8Array<ArrayBuffer>) {
  const response = await fetch(`${tools.url}/${tool}`, { method: "POST", body: bytes });
  const result = (await response.json()) as { ok: boolean; missing: boolean; output: string };
  expect(result.missing, result.output).toBe(false);
  return result;
}

/** Every text file of a package, one string: what must never hold a secret. */
const allText = (files: Record<string, Uint8Array>) =>
  Object.entries(files)
    .filter(([name]) => /\.(xhtml|opf|smil|xml|ncx|css|md|rels)$/.test(name) || name === "mimetype")
    .map(([, bytes]) => strFromU8(bytes))
    .join("\n");

function expectNoSecrets(text: string, owner: Person, shareToken: string) {
  expect(text).not.toContain("SECRET-she-lit-the-first-fire");
  expect(text).not.toContain(owner.email);
  expect(text).not.toContain(shareToken);
  expect(text).not.toContain("otherworld000001");
}

async function shareToken(owner: Person, worldId: string) {
  const shared = await call("POST", `/api/worlds/${worldId}/share`, { cookie: owner.cookie, body: { role: "viewer", expiresInHours: 24 } });
  expect(shared.status, shared.text).toBe(201);
  return new URL(shared.json.shareLink.url, ORIGIN).searchParams.get("share")!;
}

describe("story exports", () => {
  // EPUBCheck starts a JVM: on a busy two-core machine that alone can take half a minute.
  it("exports an EPUB 3 that EPUBCheck passes: cover, navigation, a file per chapter, pictures, narration as Media Overlays", { timeout: 240_000 }, async () => {
    const owner = await signUp("Ada");
    const story = await storyWithMedia(owner);
    const token = await shareToken(owner, story.world.id);
    const done = await exportStory(owner, story.base, { format: "epub", audio: true });
    expect(done).toMatchObject({ format: "epub", storyId: story.storyId, worldId: story.world.id });
    const bytes = await download(done, "application/epub+zip", "epub");

    // The mimetype entry first, stored (method 0), no extra field: what EPUB readers sniff.
    expect(strFromU8(bytes.subarray(30, 38))).toBe("mimetype");
    expect(bytes[8]! | (bytes[9]! << 8)).toBe(0);
    expect(bytes[28]! | (bytes[29]! << 8)).toBe(0);
    expect(strFromU8(bytes.subarray(38, 58))).toBe("application/epub+zip");

    const files = unzipSync(bytes);
    const opf = strFromU8(files["OEBPS/content.opf"]!);
    expect(opf).toContain("<dc:title>The Drowned &lt;Bell&gt; &amp; Other Tales</dc:title>");
    expect(opf).toContain("<dc:creator>Ada</dc:creator>");
    expect(opf).toMatch(/<meta property="dcterms:modified">\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z<\/meta>/);
    expect(opf).toContain(`urn:loreloom:story:${story.storyId}`);
    // The world's cover, as the cover image.
    expect(opf).toMatch(/href="images\/cover\.png" media-type="image\/png" properties="cover-image"/);
    // Narration: the MP3 with a SMIL for chapter 1; the WAV of chapter 2 is not a type overlays may use.
    expect(opf).toContain('media-overlay="smil-1"');
    expect(opf).not.toContain('media-overlay="smil-2"');
    expect(opf).toMatch(/<meta property="media:duration" refines="#smil-1">0:00:0\d\.\d{3}<\/meta>/);
    expect(Object.keys(files).filter((name) => name.startsWith("OEBPS/audio/"))).toEqual(["OEBPS/audio/chapter-1-scene-1.mp3"]);

    const nav = strFromU8(files["OEBPS/nav.xhtml"]!);
    expect(nav).toContain('<a href="chapter-1.xhtml">Ash &amp; Water</a>');
    expect(nav).toContain('<a href="chapter-2.xhtml">The Tower</a>');
    const chapter1 = strFromU8(files["OEBPS/chapter-1.xhtml"]!);
    // User text escaped; a scene break between scenes; the picture embedded.
    expect(chapter1).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;");
    expect(chapter1).not.toContain("<script>");
    expect(chapter1).not.toContain("\u0001");
    expect(chapter1).toContain('<hr class="scene-break"/>');
    expect(chapter1).toContain('<img src="images/chapter-1-scene-1.png"');
    expect(chapter1).toContain("A line<br/>with a break, an emoji 🦊");
    // Each timed word is a span the SMIL points at, with its stretch of audio.
    expect(chapter1).toContain('<span id="c1s1w0">The</span> <span id="c1s1w1">lantern</span>');
    const smil = strFromU8(files["OEBPS/chapter-1.smil"]!);
    expect(smil).toContain('<text src="chapter-1.xhtml#c1s1w1"/><audio src="audio/chapter-1-scene-1.mp3" clipBegin="0:00:00.300" clipEnd="0:00:00.600"/>');
    expect(smil.match(/<par /g)).toHaveLength(timingsOf(SCENES.harbour.text).length);
    const chapter2 = strFromU8(files["OEBPS/chapter-2.xhtml"]!);
    expect(chapter2).toContain('<img src="images/chapter-2-scene-1.svg"');
    expect(opf).toContain('href="images/chapter-2-scene-1.svg" media-type="image/svg+xml"');
    expectNoSecrets(allText(files), owner, token);
    expect(Object.values(files).some((file) => file.byteLength === png(4, 4, [255, 0, 0]).byteLength && strFromU8(file, true) === strFromU8(png(4, 4, [255, 0, 0]), true))).toBe(false);

    const check = await runTool("epubcheck", bytes);
    expect(check.output).toContain("No errors or warnings detected");
    expect(check.ok, check.output).toBe(true);
  });

  it("exports a DOCX that pandoc reads back with every chapter and scene", { timeout: 120_000 }, async () => {
    const owner = await signUp("Grace");
    const story = await storyWithMedia(owner);
    const token = await shareToken(owner, story.world.id);
    const done = await exportStory(owner, story.base, { format: "docx" });
    const bytes = await download(done, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx");
    const files = unzipSync(bytes);
    const document = strFromU8(files["word/document.xml"]!);
    expect(document.match(/<w:pStyle w:val="Heading1"\/>/g)).toHaveLength(2);
    // The PNG is drawn; the SVG (which Word needs a raster fallback for) is left out.
    expect(document.match(/<w:drawing>/g)).toHaveLength(1);
    // Laid out at the picture's own size (16 × 9 px), read from the start of its file.
    expect(document).toContain('<wp:extent cx="152400" cy="85725"/>');
    expect(Object.keys(files).filter((name) => name.startsWith("word/media/"))).toEqual(["word/media/image1.png"]);
    expectNoSecrets(allText(files), owner, token);

    const converted = await runTool("pandoc", bytes);
    expect(converted.ok, converted.output).toBe(true);
    const text = converted.output.replace(/\s+/g, " ");
    for (const title of ["The Drowned <Bell> & Other Tales", ...story.chapters, "The harbour", "Signs & <wonders>"]) expect(text).toContain(title);
    for (const scene of Object.values(SCENES)) {
      for (const paragraph of scene.text.replaceAll("\u0001", "").split(/\n{2,}/)) {
        if (paragraph !== "* * *") expect(text).toContain(paragraph.replace(/\s+/g, " ").replace(/^# /, "# "));
      }
    }
  });

  it("exports Markdown as one file, and as a ZIP with the pictures (and narration when asked)", async () => {
    const owner = await signUp("Mary");
    const story = await storyWithMedia(owner);
    const single = await exportStory(owner, story.base, { format: "markdown" });
    const markdown = strFromU8(await download(single, "text/markdown; charset=utf-8", "md"));
    expect(markdown).toMatch(/^# The Drowned \\<Bell\\> & Other Tales\n/);
    expect(markdown).toContain("\n## Ash & Water\n");
    expect(markdown).toContain("\n## The Tower\n");
    expect(markdown).toContain("\n* * *\n");
    expect(markdown).toContain(`![The harbour](<${ORIGIN}/api/assets/worlds/${story.world.id}/scenes/${story.scenes.harbour}/image.png>)`);
    // User text cannot start a heading or inject HTML.
    expect(markdown).toContain("\n\\# Not a heading\n");
    expect(markdown).toContain('\\<script\\>alert("x")\\</script\\>');
    expect(markdown).not.toContain("otherworld000001");

    const zipped = await exportStory(owner, story.base, { format: "markdown-zip", audio: true });
    const files = unzipSync(await download(zipped, "application/zip", "zip"));
    expect(Object.keys(files).sort()).toEqual([
      "audio/chapter-1-scene-1.mp3",
      "audio/chapter-2-scene-1.wav",
      "images/chapter-1-scene-1.png",
      "images/chapter-2-scene-1.svg",
      "story.md",
    ]);
    const inZip = strFromU8(files["story.md"]!);
    expect(inZip).toContain("![The harbour](<images/chapter-1-scene-1.png>)");
    expect(inZip).toContain("[Listen to this scene](<audio/chapter-1-scene-1.mp3>)");
  });

  it("lets readers export (drafts only for members), refuses bad requests clearly, and keeps each export its maker's", async () => {
    const owner = await signUp("Owner");
    const story = await storyWithMedia(owner, { visibility: "public" });
    const viewer = await signUp("Viewer");
    await addMember(story.world.id, viewer, "viewer");
    const stranger = await signUp("Stranger");

    // A viewer of the world reads (and exports) its drafts; a stranger does not even see them.
    const byViewer = await call("POST", `${story.base}/export`, { cookie: viewer.cookie, body: { format: "markdown" } });
    expect(byViewer.status, byViewer.text).toBe(202);
    const hidden = await call("POST", `${story.base}/export`, { cookie: stranger.cookie, body: { format: "markdown" } });
    expect(hidden.status).toBe(404);
    expectErrorShape(hidden.json, "not_found");
    // A share link lends reading, not taking away: told so, with a 403.
    const token = await shareToken(owner, story.world.id);
    const lent = await call("POST", `${story.base}/export`, { cookie: stranger.cookie, body: { format: "markdown" }, headers: { "x-share-token": token } });
    expect(lent.status, lent.text).toBe(403);
    expect(lent.json.error.message).toMatch(/share link/);
    // Published in a public world: anyone signed in may take it away; nobody signed out.
    expect((await call("PATCH", story.base, { cookie: owner.cookie, body: { status: "published" } })).status).toBe(200);
    const byStranger = await call("POST", `${story.base}/export`, { cookie: stranger.cookie, body: { format: "epub" } });
    expect(byStranger.status, byStranger.text).toBe(202);
    expect((await call("POST", `${story.base}/export`, { body: { format: "epub" } })).status).toBe(401);

    for (const [body, field] of [
      [{ format: "pdf" }, "format"],
      [{ format: "docx", audio: true }, "audio"],
      [{ format: "epub", includeSecrets: true }, null],
      [{}, "format"],
      ["not json", null],
    ] as const) {
      const refused = await call("POST", `${story.base}/export`, { cookie: owner.cookie, body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(refused.json);
      if (field) expect(refused.text).toContain(field);
    }
    expect((await call("POST", `/api/worlds/${story.world.id}/stories/nosuchstory00000/export`, { cookie: owner.cookie, body: { format: "epub" } })).status).toBe(404);

    // Another person's export is not there for anyone else.
    const viewerExport = await waitForExport(viewer, byViewer.json.export.id);
    expect(viewerExport.status).toBe("succeeded");
    expect((await call("GET", `/api/exports/${viewerExport.id}`, { cookie: stranger.cookie })).status).toBe(404);
    // The story's exports list is each person's own; the world's list keeps to world archives.
    const listed = await call("GET", `${story.base}/exports`, { cookie: viewer.cookie });
    expect(listed.json.exports.map((e: ExportView) => e.id)).toEqual([viewerExport.id]);
    expect((await call("GET", `/api/worlds/${story.world.id}/exports`, { cookie: viewer.cookie })).json.exports).toEqual([]);

    // Back to a draft: the stranger's export can no longer be read back.
    const strangerExport = await waitForExport(stranger, byStranger.json.export.id);
    expect(strangerExport.status).toBe("succeeded");
    expect((await call("PATCH", story.base, { cookie: owner.cookie, body: { status: "draft" } })).status).toBe(200);
    expect((await call("GET", `/api/exports/${strangerExport.id}`, { cookie: stranger.cookie })).status).toBe(404);
  });

  it("passes EPUBCheck with no chapters, an empty untitled chapter, and narration without word timings; no cover without pictures", { timeout: 300_000 }, async () => {
    const owner = await signUp("Edith");
    const world = await createWorld(owner, { title: "Quiet Reach" });
    const make = async (title: string) => {
      const created = await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { title, template: "bedtime" } });
      expect(created.status, created.text).toBe(201);
      return { id: created.json.story.id as string, base: `/api/worlds/${world.id}/stories/${created.json.story.id}` };
    };
    const empty = await make("Nothing Yet");
    const sparse = await make("Sparse");
    const untitled = await call("POST", `${sparse.base}/chapters`, { cookie: owner.cookie, body: { title: "" } });
    const second = await call("POST", `${sparse.base}/chapters`, { cookie: owner.cookie, body: { title: "Night" } });
    const scene = await sceneIn(owner, sparse.base, second.json.chapter.id, { title: "", text: "The moon hummed." });
    expect(untitled.status).toBe(201);
    await mediaRow(sparse.id, scene, "narration", `worlds/${world.id}/scenes/${scene}/narration.mp3`, "audio/mpeg", mp3(20), { durationMs: 520 });

    const emptyFiles = unzipSync(await download2(await exportStory(owner, empty.base, { format: "epub" })));
    expect(Object.keys(emptyFiles)).toContain("OEBPS/title.xhtml");
    const sparseBytes = await download2(await exportStory(owner, sparse.base, { format: "epub", audio: true }));
    const files = unzipSync(sparseBytes);
    const opf = strFromU8(files["OEBPS/content.opf"]!);
    expect(opf).not.toContain("cover-image");
    expect(strFromU8(files["OEBPS/nav.xhtml"]!)).toContain('<a href="chapter-1.xhtml">Chapter 1</a>');
    // Without word timings, the whole scene is one stretch of its audio.
    expect(strFromU8(files["OEBPS/chapter-2.smil"]!)).toContain('<text src="chapter-2.xhtml#c2s1"/><audio src="audio/chapter-2-scene-1.mp3" clipBegin="0:00:00.000" clipEnd="0:00:00.520"/>');
    expect(opf).toContain('<meta property="media:duration">0:00:00.520</meta>');

    for (const bytes of [await download2(await exportStory(owner, empty.base, { format: "epub" })), sparseBytes]) {
      const check = await runTool("epubcheck", bytes);
      expect(check.output).toContain("No errors or warnings detected");
    }
    // And the DOCX of a story with no chapters still opens.
    const docx = await runTool("pandoc", await download2(await exportStory(owner, empty.base, { format: "docx" })));
    expect(docx.output).toContain("Nothing Yet");
  });

  it("builds nothing for someone who lost the story while the export waited, and shares the world exports' rate limit", async () => {
    const owner = await signUp("Owner");
    const story = await storyWithMedia(owner, { visibility: "public" });
    expect((await call("PATCH", story.base, { cookie: owner.cookie, body: { status: "published" } })).status).toBe(200);
    const stranger = await signUp("Reader");
    // Queued but not yet delivered (a queue that holds the message), then the story goes back to draft.
    const held = { send: async () => undefined } as unknown as Queue<JobMessage>;
    const view = await createExport(getDb(env.DB), held, env, { userId: stranger.id, worldId: story.world.id, includeSecrets: false, origin: ORIGIN, story: { id: story.storyId, format: "epub", audio: false } });
    expect((await call("PATCH", story.base, { cookie: owner.cookie, body: { status: "draft" } })).status).toBe(200);
    const job = await env.DB.prepare("select job_id from world_exports where id = ?").bind(view.id).first<{ job_id: string }>();
    await runExportJob(job!.job_id, env);
    const row = await env.DB.prepare("select status, error, r2_key from world_exports where id = ?").bind(view.id).first<{ status: string; error: string; r2_key: string | null }>();
    expect(row).toMatchObject({ status: "failed", r2_key: null });
    expect(row!.error).toMatch(/no longer read this story/);

    // Five a minute, story and world exports together; the sixth is 429 with Retry-After.
    const reader = await signUp("Counter");
    await addMember(story.world.id, reader, "viewer");
    expect((await call("POST", `/api/worlds/${story.world.id}/export`, { cookie: reader.cookie })).status).toBe(202);
    for (let i = 0; i < 4; i += 1) expect((await call("POST", `${story.base}/export`, { cookie: reader.cookie, body: { format: "markdown" } })).status).toBe(202);
    const limited = await call("POST", `${story.base}/export`, { cookie: reader.cookie, body: { format: "markdown" } });
    expect(limited.status).toBe(429);
    expectErrorShape(limited.json, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const open = await env.DB.prepare("select id from jobs where user_id = ?").bind(reader.id).all<{ id: string }>();
    await waitUntil("the reader's exports to settle", async () => {
      const left = await env.DB.prepare("select count(*) as n from jobs where user_id = ? and status in ('queued', 'running')").bind(reader.id).first<{ n: number }>();
      return left?.n === 0 && open.results.length === 5;
    });
  });
});
