// World export and import (catalogue F4) end to end inside workerd: the API queues an export, the
// real queue delivers it to the consumer, the archive is built from the room's graph and stored in
// R2, downloaded through a signed link, unzipped with fflate, and imported back as a new world.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { runCleanup } from "../../workers/jobs/cleanup";
import { MAX_RETRIES } from "../../workers/domain/job-queue";
import { handleQueue } from "../../workers/jobs/consumer";
import { PART_SIZE } from "../../workers/jobs/export-archive";
import { readMultipartFile } from "../../workers/api/upload";
import type { ImportView } from "../../workers/domain/import-view";
import { overlappingZip, zipBomb } from "./zip-factory";
import { addMember, call, count, createWorld, expectErrorShape, ORIGIN, signUp, waitForJobsToSettle, waitUntil, type Person } from "./helpers";

type ExportView = { id: string; worldId: string; status: string; size: number | null; error: string | null; createdAt: string; expiresAt: string; url?: string; includesSecrets: boolean };

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 300 }, (_, i) => (i * 37) % 256)]);
const WAV = strToU8("RIFF....WAVEfmt " + "narration ".repeat(200));
const MP4 = new Uint8Array(Array.from({ length: 2048 }, (_, i) => (i * 13 + 7) % 256));

/**
 * A world with media and a secret: two elements written to D1 before the room first loads (it
 * hydrates from them), and one element and the relationships written through the API (the room).
 */
async function richWorld(owner: Person) {
  const world = await createWorld(owner, { title: "Emberfall Reaches", description: "Ash and lanterns", style: "horror", tags: ["ash", "lanterns"] });
  const keys = {
    image: `worlds/${world.id}/jobs/j1/0-image.png`,
    video: `worlds/${world.id}/jobs/j1/0-video.mp4`,
    audio: `worlds/${world.id}/jobs/j1/0-audio.wav`,
    image2: `worlds/${world.id}/uploads/harbour.png`,
  };
  await env.ASSETS_BUCKET.put(keys.image, PNG, { httpMetadata: { contentType: "image/png" } });
  await env.ASSETS_BUCKET.put(keys.video, MP4, { httpMetadata: { contentType: "video/mp4" } });
  await env.ASSETS_BUCKET.put(keys.audio, WAV, { httpMetadata: { contentType: "audio/wav" } });
  await env.ASSETS_BUCKET.put(keys.image2, PNG.slice().reverse(), { httpMetadata: { contentType: "image/png" } });
  await env.DB.batch([
    env.DB.prepare(
      "insert into elements (id, world_id, type, name, description, secret, x, y, tags, assets, metadata) values (?, ?, 'character', 'Mira Vale', 'A lamplighter who **remembers** every fire.', 'She started the first one.', 120, -40, '[\"lamplighter\"]', ?, ?)",
    ).bind(`m${world.id}`, world.id, JSON.stringify({ image: keys.image, video: keys.video, audio: keys.audio }), JSON.stringify({ provider: "local", model: "test" })),
    env.DB.prepare(
      "insert into elements (id, world_id, type, name, description, x, y, tags, assets) values (?, ?, 'location', 'Cinder Harbour', 'Docks under grey snow.', -200.5, 310, '[\"port\",\"ash\"]', ?)",
    ).bind(`h${world.id}`, world.id, JSON.stringify({ image: keys.image2 })),
    env.DB.prepare("update worlds set cover_asset_key = ? where id = ?").bind(keys.image, world.id),
  ]);
  const created = await call("POST", `/api/worlds/${world.id}/elements`, {
    cookie: owner.cookie,
    body: { type: "faction", name: "The Ash Choir", description: "They sing the embers down.", secret: "Funded by the harbour master.", position: { x: 400, y: 90 }, tags: ["choir"] },
  });
  expect(created.status).toBe(201);
  const choir = created.json.element.id as string;
  for (const body of [
    { from: `m${world.id}`, to: `h${world.id}`, kind: "located_in", label: "lights lamps in" },
    { from: choir, to: `m${world.id}`, kind: "enemy_of", label: "" },
  ]) {
    const rel = await call("POST", `/api/worlds/${world.id}/relationships`, { cookie: owner.cookie, body });
    expect(rel.status).toBe(201);
  }
  return { world, keys, choir };
}

/** Follows an export as its maker does, until it has finished: the test's timeout is the only limit. */
async function waitForExport(person: Person, id: string): Promise<ExportView> {
  return waitUntil(`export ${id}`, async () => {
    const response = await call("GET", `/api/exports/${id}`, { cookie: person.cookie });
    expect(response.status).toBe(200);
    return ["succeeded", "failed"].includes(response.json.export.status) ? (response.json.export as ExportView) : null;
  });
}

async function exportWorld(person: Person, worldId: string, body?: unknown) {
  const accepted = await call("POST", `/api/worlds/${worldId}/export`, { cookie: person.cookie, body });
  expect(accepted.status, accepted.text).toBe(202);
  expect(accepted.json.export).toMatchObject({ worldId, status: "queued" });
  const done = await waitForExport(person, accepted.json.export.id);
  expect(done.status, done.error ?? "").toBe("succeeded");
  return done;
}

async function download(url: string) {
  const response = await call("GET", url);
  return response;
}

async function downloadZip(view: ExportView) {
  const { SELF } = await import("cloudflare:test");
  const response = await SELF.fetch(`${ORIGIN}${view.url}`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/zip");
  expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="emberfall-reaches-\d{4}-\d{2}-\d{2}\.zip"$/);
  return new Uint8Array(await response.arrayBuffer());
}

async function r2Bytes(key: string) {
  const object = await env.ASSETS_BUCKET.get(key);
  expect(object, key).not.toBeNull();
  return new Uint8Array(await object!.arrayBuffer());
}

async function importZip(person: Person, bytes: Uint8Array, name = "world.zip") {
  const form = new FormData();
  form.append("file", new File([bytes as Uint8Array<ArrayBuffer>], name, { type: "application/zip" }));
  return call("POST", "/api/worlds/import", { cookie: person.cookie, body: form });
}

/** Follows an import as its uploader does, until it is done or failed. */
async function waitForImport(person: Person, id: string): Promise<ImportView> {
  return waitUntil(`import ${id}`, async () => {
    const response = await call("GET", `/api/imports/${id}`, { cookie: person.cookie });
    expect(response.status, response.text).toBe(200);
    return ["done", "failed"].includes(response.json.import.status) ? (response.json.import as ImportView) : null;
  });
}

/** Uploads an archive (202, queued) and follows the import to its end. */
async function importArchive(person: Person, bytes: Uint8Array, name = "world.zip"): Promise<ImportView> {
  const accepted = await importZip(person, bytes, name);
  expect(accepted.status, accepted.text).toBe(202);
  expect(accepted.json.import).toMatchObject({ status: "queued", fileName: name, size: bytes.byteLength, progress: 0 });
  expect(accepted.headers.get("location")).toBe(`/api/imports/${accepted.json.import.id}`);
  return waitForImport(person, accepted.json.import.id);
}

async function r2Count(prefix: string) {
  return (await env.ASSETS_BUCKET.list({ prefix })).objects.length;
}

describe("export a world", () => {
  it("builds a ZIP from the room's graph: world.json, Markdown, assets and an offline viewer", async () => {
    const owner = await signUp("Exporter");
    const { world, keys } = await richWorld(owner);
    const done = await exportWorld(owner, world.id, { includeSecrets: true });
    expect(done.includesSecrets).toBe(true);
    expect(done.size).toBeGreaterThan(1000);
    expect(done.url).toMatch(new RegExp(`^/api/exports/${done.id}/download\\?expires=\\d+&sig=[0-9a-f]{64}$`));
    const expires = Number(new URL(done.url!, ORIGIN).searchParams.get("expires"));
    expect(expires - Date.now()).toBeLessThanOrEqual(60 * 60 * 1000);
    expect(expires).toBeLessThanOrEqual(Date.parse(done.expiresAt));

    const files = unzipSync(await downloadZip(done));
    const doc = JSON.parse(strFromU8(files["world.json"]!));
    expect(doc.schemaVersion).toBe(1);
    expect(doc.world).toMatchObject({ title: "Emberfall Reaches", description: "Ash and lanterns", style: "horror", tags: ["ash", "lanterns"], visibility: "private" });
    expect(doc.source).toEqual({ worldId: world.id, url: `${ORIGIN}/worlds/${world.id}` });
    expect(doc.elements).toHaveLength(3);
    expect(doc.relationships).toHaveLength(2);
    const mira = doc.elements.find((e: any) => e.name === "Mira Vale");
    expect(mira).toMatchObject({ type: "character", position: { x: 120, y: -40 }, tags: ["lamplighter"], secret: "She started the first one.", metadata: { provider: "local", model: "test" } });
    expect(Object.keys(mira.assets).sort()).toEqual(["audio", "image", "video"]);
    // Every asset is in the archive, byte for byte, and the cover is one of them.
    expect(files[mira.assets.image]).toEqual(await r2Bytes(keys.image));
    expect(files[mira.assets.video]).toEqual(await r2Bytes(keys.video));
    expect(files[mira.assets.audio]).toEqual(await r2Bytes(keys.audio));
    expect(doc.world.cover).toBe(mira.assets.image);
    const harbour = doc.elements.find((e: any) => e.name === "Cinder Harbour");
    expect(files[harbour.assets.image]).toEqual(await r2Bytes(keys.image2));
    expect(harbour.secret).toBe("");
    const choir = doc.elements.find((e: any) => e.name === "The Ash Choir");
    expect(choir.secret).toBe("Funded by the harbour master.");

    // One Markdown file per element, with front matter, the secret and links to its media.
    const markdown = Object.keys(files).filter((name) => name.endsWith(".md")).sort();
    expect(markdown).toHaveLength(3);
    expect(markdown.every((name) => /^elements\/(character|location|faction)\/[a-z0-9-]+-[a-z0-9]{6}\.md$/.test(name))).toBe(true);
    const miraMd = strFromU8(files[mira.file]!);
    expect(miraMd).toMatch(/^---\nname: "Mira Vale"\ntype: character\ntags: \["lamplighter"\]/);
    expect(miraMd).toContain("A lamplighter who **remembers** every fire.");
    expect(miraMd).toContain("## Secret\n\nShe started the first one.");
    expect(miraMd).toContain(`![Mira Vale](../../${mira.assets.image})`);
    expect(miraMd).toContain("lights lamps in [Cinder Harbour]");
    expect(strFromU8(files[harbour.file]!)).toContain(`- [Mira Vale](../../${mira.file}) lights lamps in Cinder Harbour`);

    // The offline viewer carries the same data inline and points at assets by relative path.
    const html = strFromU8(files["index.html"]!);
    const inline = /<script type="application\/json" id="world-data">([\s\S]*?)<\/script>/.exec(html);
    expect(inline).not.toBeNull();
    expect(JSON.parse(inline![1]!)).toEqual(doc);
    // Nothing is loaded from the network: no external scripts, styles, images or fetches.
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/);
    expect(html).not.toMatch(/fetch\(|XMLHttpRequest|import\(/);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain("<title>Emberfall Reaches · Loreloom</title>");

    // The list of the person's exports of the world, newest first.
    const list = await call("GET", `/api/worlds/${world.id}/exports`, { cookie: owner.cookie });
    expect(list.status).toBe(200);
    expect(list.json.exports.map((e: ExportView) => e.id)).toEqual([done.id]);
    expect(await count("jobs", "kind = 'export' and status = 'succeeded' and world_id = ?", world.id)).toBe(1);
    // Exports are not generations: they do not show among the world's generation jobs.
    const jobs = await call("GET", `/api/worlds/${world.id}/jobs`, { cookie: owner.cookie });
    expect(jobs.json.jobs).toEqual([]);
  });

  /** Every file of an export's archive, as its maker downloads it. */
  async function archiveFiles(view: ExportView) {
    const { SELF } = await import("cloudflare:test");
    return unzipSync(new Uint8Array(await (await SELF.fetch(`${ORIGIN}${view.url}`)).arrayBuffer()));
  }

  function expectNoSecrets(files: Record<string, Uint8Array>) {
    const json = strFromU8(files["world.json"]!);
    expect(json).not.toContain("secret");
    expect(json).not.toContain("Funded by the harbour master");
    expect(json).not.toContain("She started the first one");
    expect(strFromU8(files["index.html"]!)).not.toContain("Funded by the harbour master");
    for (const [name, bytes] of Object.entries(files)) if (name.endsWith(".md")) expect(strFromU8(bytes)).not.toMatch(/## Secret|Funded by the harbour master|She started the first one/);
  }

  it("leaves secrets out unless the export explicitly asks for them, and only owners and editors may ask", async () => {
    const owner = await signUp("Keeper");
    const viewer = await signUp("Reader");
    const editor = await signUp("Scribe");
    const { world } = await richWorld(owner);
    await addMember(world.id, viewer, "viewer");
    await addMember(world.id, editor, "editor");

    const refused = await call("POST", `/api/worlds/${world.id}/export`, { cookie: viewer.cookie, body: { includeSecrets: true } });
    expect(refused.status).toBe(403);
    expectErrorShape(refused.json, "forbidden");

    // The owner and an editor who say nothing, or no, get an archive without a trace of a secret.
    for (const [person, body] of [
      [owner, undefined],
      [owner, {}],
      [editor, undefined],
      [editor, { includeSecrets: false }],
      [viewer, undefined],
    ] as const) {
      const done = await exportWorld(person, world.id, body);
      expect(done.includesSecrets).toBe(false);
      expectNoSecrets(await archiveFiles(done));
    }

    // Asking is what puts them in: the owner's and an editor's archives then carry both secrets.
    for (const person of [owner, editor]) {
      const done = await exportWorld(person, world.id, { includeSecrets: true });
      expect(done.includesSecrets).toBe(true);
      const files = await archiveFiles(done);
      const doc = JSON.parse(strFromU8(files["world.json"]!));
      expect(doc.elements.map((e: any) => e.secret ?? "").sort()).toEqual(["", "Funded by the harbour master.", "She started the first one."]);
      expect(strFromU8(files["index.html"]!)).toContain("Funded by the harbour master");
    }
  });

  it("builds no archive with secrets for someone who lost the right to them while the export waited", async () => {
    const owner = await signUp("Warden");
    const editor = await signUp("Turncoat");
    const { world } = await richWorld(owner);
    await addMember(world.id, editor, "editor");
    // The editor's export with secrets, as createExport stores it, still waiting for the queue
    // (written here so the queue never delivers it before the test is ready)…
    const jobId = `jd${world.id}`.slice(0, 16);
    const exportId = `ed${world.id}`.slice(0, 16);
    await env.DB.batch([
      env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, 'export', 'queued', ?)").bind(
        jobId,
        world.id,
        editor.id,
        JSON.stringify({ exportId, includeSecrets: true, origin: ORIGIN }),
      ),
      env.DB.prepare("insert into world_exports (id, world_id, user_id, job_id, status, includes_secrets, expires_at) values (?, ?, ?, ?, 'queued', 1, ?)").bind(
        exportId,
        world.id,
        editor.id,
        jobId,
        Date.now() + 3_600_000,
      ),
    ]);
    // …and meanwhile the owner makes them a viewer.
    const demoted = await call("PATCH", `/api/worlds/${world.id}/members/${editor.id}`, { cookie: owner.cookie, body: { role: "viewer" } });
    expect(demoted.status).toBe(200);

    const batch = createMessageBatch("loreloom-jobs", [{ id: "md", timestamp: new Date(), attempts: 1, body: { jobId, kind: "export" } }]);
    await handleQueue(batch, env);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["md"]);
    const failed = await call("GET", `/api/exports/${exportId}`, { cookie: editor.cookie });
    expect(failed.json.export).toMatchObject({ status: "failed", error: expect.stringMatching(/no longer one of its owners or editors/) });
    expect(failed.json.export.url).toBeUndefined();
    expect(await r2Count(`exports/${world.id}/`)).toBe(0);
  });

  it("lets visitors of a public world export it; strangers to a private world get 404", async () => {
    const owner = await signUp("Publisher");
    const visitor = await signUp("Visitor");
    const { world } = await richWorld(owner);
    const hidden = await call("POST", `/api/worlds/${world.id}/export`, { cookie: visitor.cookie });
    expect(hidden.status).toBe(404);
    expect((await call("POST", `/api/worlds/${world.id}/export`, {})).status).toBe(401);

    const mine = await exportWorld(owner, world.id);
    // Someone else's export does not exist for you, even when you can see the world.
    await env.DB.prepare("update worlds set visibility = 'public' where id = ?").bind(world.id).run();
    expect((await call("GET", `/api/exports/${mine.id}`, { cookie: visitor.cookie })).status).toBe(404);
    const list = await call("GET", `/api/worlds/${world.id}/exports`, { cookie: visitor.cookie });
    expect(list.json.exports).toEqual([]);

    const theirs = await exportWorld(visitor, world.id);
    expect(theirs.includesSecrets).toBe(false);
    expect((await call("GET", `/api/exports/${theirs.id}`, { cookie: owner.cookie })).status).toBe(404);
  });

  it("refuses forged and expired links, and bad requests", async () => {
    const owner = await signUp("Linker");
    const { world } = await richWorld(owner);
    const done = await exportWorld(owner, world.id);
    const url = new URL(done.url!, ORIGIN);
    const sig = url.searchParams.get("sig")!;
    const forged = `${url.pathname}?expires=${Number(url.searchParams.get("expires")) + 1000}&sig=${sig}`;
    expect((await download(forged)).status).toBe(403);
    const flipped = `${url.pathname}?expires=${url.searchParams.get("expires")}&sig=${sig.slice(0, -1)}${sig.endsWith("0") ? "1" : "0"}`;
    expect((await download(flipped)).status).toBe(403);
    expect((await download(`${url.pathname}?expires=abc&sig=${sig}`)).status).toBe(403);
    expect((await download(`${url.pathname}`)).status).toBe(403);

    // A link we signed whose time has passed: 410.
    const { signDownloadUrl } = await import("../../workers/domain/exports");
    const old = await signDownloadUrl(env.BETTER_AUTH_SECRET, done.id, new Date(Date.now() + 60_000), Date.now() - 2 * 60 * 60 * 1000);
    const stale = await download(old);
    expect(stale.status).toBe(410);
    expectErrorShape(stale.json, "link_expired");

    // An export past its expiry gives no link, and the cron deletes it and its archive.
    const row = await env.DB.prepare("select r2_key from world_exports where id = ?").bind(done.id).first<{ r2_key: string }>();
    expect(await env.ASSETS_BUCKET.head(row!.r2_key)).not.toBeNull();
    await env.DB.prepare("update world_exports set expires_at = ? where id = ?").bind(Date.now() - 1000, done.id).run();
    const expired = await call("GET", `/api/exports/${done.id}`, { cookie: owner.cookie });
    expect(expired.json.export.url).toBeUndefined();
    expect((await download(done.url!)).status).toBe(410);
    const summary = await runCleanup(env);
    expect(summary.exports).toBeGreaterThanOrEqual(1);
    expect(await env.ASSETS_BUCKET.head(row!.r2_key)).toBeNull();
    expect(await count("world_exports", "id = ?", done.id)).toBe(0);

    const bad = await call("POST", `/api/worlds/${world.id}/export`, { cookie: owner.cookie, body: { includeSecrets: "yes" } });
    expect(bad.status).toBe(400);
    expectErrorShape(bad.json, "validation_failed");
    expect((await call("GET", "/api/exports/nope!", { cookie: owner.cookie })).status).toBe(400);
    expect((await call("GET", "/api/exports/doesnotexist", { cookie: owner.cookie })).status).toBe(404);
  });

  it("uploads an archive larger than one part in parts, and leaves out assets no longer stored", async () => {
    const owner = await signUp("Bulk");
    const { world, keys } = await richWorld(owner);
    // A 9 MiB clip makes the archive span two 8 MiB multipart parts.
    const clip = new Uint8Array(9 * 1024 * 1024).map((_, i) => (i * 31 + (i >> 12)) % 256);
    await env.ASSETS_BUCKET.put(keys.video, clip, { httpMetadata: { contentType: "video/mp4" } });
    await env.ASSETS_BUCKET.delete(keys.image2);
    const done = await exportWorld(owner, world.id);
    expect(done.size).toBeGreaterThan(PART_SIZE);
    const zip = await downloadZip(done);
    expect(zip.byteLength).toBe(done.size);
    const files = unzipSync(zip);
    const doc = JSON.parse(strFromU8(files["world.json"]!));
    const mira = doc.elements.find((e: any) => e.name === "Mira Vale");
    // Compared in a loop: a deep equality of 9 million array keys would exhaust the test's heap.
    const copy = files[mira.assets.video]!;
    expect(copy.byteLength).toBe(clip.byteLength);
    expect(copy.every((byte, i) => byte === clip[i])).toBe(true);
    const harbour = doc.elements.find((e: any) => e.name === "Cinder Harbour");
    expect(harbour.assets).toEqual({});
    expect(Object.keys(files).filter((name) => name.startsWith("assets/"))).toHaveLength(3);
  });

  it("retries a failing export as the queue does, then fails the export and its job with the reason", async () => {
    const owner = await signUp("Unlucky");
    const { world } = await richWorld(owner);
    const jobId = `jx${world.id}`.slice(0, 16);
    const exportId = `ex${world.id}`.slice(0, 16);
    await env.DB.batch([
      env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, 'export', 'queued', ?)").bind(
        jobId,
        world.id,
        owner.id,
        JSON.stringify({ exportId, includeSecrets: true, origin: ORIGIN }),
      ),
      env.DB.prepare("insert into world_exports (id, world_id, user_id, job_id, status, includes_secrets, expires_at) values (?, ?, ?, ?, 'queued', 1, ?)").bind(
        exportId,
        world.id,
        owner.id,
        jobId,
        Date.now() + 3_600_000,
      ),
    ]);
    // R2 refuses every read: the archive cannot be built.
    const broken = { ...env, ASSETS_BUCKET: { ...env.ASSETS_BUCKET, get: () => Promise.reject(new Error("R2 is unavailable")) } } as unknown as Env;
    const batch = () => createMessageBatch("loreloom-jobs", [{ id: "mx", timestamp: new Date(), attempts: 1, body: { jobId, kind: "export" } }]);
    const first = batch();
    const ctx = createExecutionContext();
    await handleQueue(first, broken);
    const result = await getQueueResult(first, ctx);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["mx"]);
    const retrying = await call("GET", `/api/exports/${exportId}`, { cookie: owner.cookie });
    expect(retrying.json.export.status).not.toBe("failed");

    // The last delivery: the export and its job fail with the reason, and the message is acknowledged.
    await env.DB.prepare("update jobs set attempts = ? where id = ?").bind(MAX_RETRIES, jobId).run();
    const last = batch();
    await handleQueue(last, broken);
    expect((await getQueueResult(last, createExecutionContext())).explicitAcks).toEqual(["mx"]);
    const failed = await call("GET", `/api/exports/${exportId}`, { cookie: owner.cookie });
    expect(failed.json.export).toMatchObject({ status: "failed", error: "R2 is unavailable" });
    expect(failed.json.export.url).toBeUndefined();
    const job = await env.DB.prepare("select status, error from jobs where id = ?").bind(jobId).first<{ status: string; error: string }>();
    expect(job).toEqual({ status: "failed", error: "R2 is unavailable" });
    expect(await r2Count(`exports/${world.id}/`)).toBe(0);
  });

  it("limits how many exports a person asks for in a minute (429 with Retry-After)", async () => {
    const owner = await signUp("Hurry");
    const world = await createWorld(owner);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | null = null;
    for (let i = 0; i < 6; i += 1) {
      last = await call("POST", `/api/worlds/${world.id}/export`, { cookie: owner.cookie });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    expectErrorShape(last!.json, "rate_limited");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    // The five accepted exports are queue work: they finish here, not in the next test's time.
    const queued = await env.DB.prepare("select id from jobs where world_id = ? and kind = 'export'").bind(world.id).all<{ id: string }>();
    await waitForJobsToSettle(queued.results.map((row) => row.id));
  });
});

describe("import a world", () => {
  it("round trip: the imported world has every element, relationship, position, asset and the cover", async () => {
    const owner = await signUp("Traveller");
    const importer = await signUp("Archivist");
    const { world, keys } = await richWorld(owner);
    const done = await exportWorld(owner, world.id, { includeSecrets: true });
    const zip = await downloadZip(done);

    const view = await importArchive(importer, zip, "emberfall-reaches-2026-05-01.zip");
    expect(view).toMatchObject({ status: "done", progress: 100, imported: { elements: 3, relationships: 2, assets: 4 } });
    expect(view.error).toBeUndefined();
    const imported = (await call("GET", `/api/worlds/${view.worldId}`, { cookie: importer.cookie })).json.world;
    expect(imported).toMatchObject({ title: "Emberfall Reaches", description: "Ash and lanterns", style: "horror", tags: ["ash", "lanterns"], visibility: "private", role: "owner", ownerId: importer.id });
    expect(imported.id).not.toBe(world.id);

    const before = (await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie })).json;
    const after = (await call("GET", `/api/worlds/${imported.id}`, { cookie: importer.cookie })).json;
    const shape = (graph: any) => {
      const names = new Map(graph.elements.map((e: any) => [e.id, e.name]));
      return {
        elements: graph.elements
          .map((e: any) => ({ name: e.name, type: e.type, description: e.description, tags: e.tags, position: e.position, secret: e.secret, metadata: e.metadata, media: Object.keys(e.assets).sort() }))
          .sort((a: any, b: any) => a.name.localeCompare(b.name)),
        relationships: graph.relationships
          .map((r: any) => `${names.get(r.from)} -${r.kind}/${r.label}-> ${names.get(r.to)}`)
          .sort(),
      };
    };
    expect(shape(after)).toEqual(shape(before));
    expect(after.elements.every((e: any) => !before.elements.some((b: any) => b.id === e.id))).toBe(true);

    // Same bytes, under the new world's keys, served to its owner and recorded in `assets`.
    const mira = after.elements.find((e: any) => e.name === "Mira Vale");
    for (const kind of ["image", "video", "audio"] as const) {
      expect(mira.assets[kind]).toMatch(new RegExp(`^worlds/${imported.id}/imported/`));
      expect(await r2Bytes(mira.assets[kind])).toEqual(await r2Bytes(keys[kind]));
    }
    expect(after.world.coverAssetKey).toBe(mira.assets.image);
    const served = await call("GET", `/api/assets/${mira.assets.image}`, { cookie: importer.cookie });
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(await count("assets", "world_id = ?", imported.id)).toBe(4);

    // The new world's room hydrates from D1: its graph matches what the API shows.
    const room = await env.WORLD_ROOM.getByName(imported.id).graph(true);
    expect(room.ok && room.value.elements.length).toBe(3);
    expect(room.ok && room.value.relationships.length).toBe(2);
    // And it is listed among the importer's worlds, saying which file it was imported from.
    const mine = await call("GET", "/api/worlds", { cookie: importer.cookie });
    const card = mine.json.worlds.find((w: any) => w.id === imported.id);
    expect(card.origin).toEqual({ kind: "import", fileName: "emberfall-reaches-2026-05-01.zip", format: "loreloom-export" });
    // The source it was exported from is not a fork of anything, and says nothing of an origin.
    const theirs = await call("GET", "/api/worlds", { cookie: owner.cookie });
    expect(theirs.json.worlds.find((w: any) => w.id === world.id).origin).toBeNull();
    // The upload was kept only while the import ran.
    expect(await r2Count(`imports/${view.id}/`)).toBe(0);
  });

  it("records the archive's name as a name only: no path, no control or direction characters", async () => {
    const person = await signUp("Namer");
    const archive = zipSync({ "world.json": strToU8(JSON.stringify({ schemaVersion: 1, world: { title: "Tricked" }, elements: [], relationships: [] })) });
    // A right-to-left override would make this read as "notes-exe.zip" on the card.
    const accepted = await importZip(person, archive, "C:\\fakepath\\notes-\u202Epiz.exe\u0007");
    expect(accepted.status, accepted.text).toBe(202);
    const view = await waitForImport(person, accepted.json.import.id);
    expect(view.status).toBe("done");
    const mine = await call("GET", "/api/worlds", { cookie: person.cookie });
    expect(mine.json.worlds.find((w: any) => w.id === view.worldId).origin).toEqual({ kind: "import", fileName: "notes-piz.exe", format: "loreloom-export" });
  });

  it("shows an import only to the person who uploaded it", async () => {
    const owner = await signUp("Uploader");
    const other = await signUp("Onlooker");
    const view = await importArchive(owner, zipSync({ "world.json": strToU8(JSON.stringify({ schemaVersion: 1, world: { title: "Mine alone" }, elements: [], relationships: [] })) }));
    expect(view.status).toBe("done");
    for (const cookie of [other.cookie, undefined]) {
      const response = await call("GET", `/api/imports/${view.id}`, { cookie });
      expect(response.status).toBe(cookie ? 404 : 401);
      expectErrorShape(response.json, cookie ? "not_found" : "unauthenticated");
    }
    // Nor is it a job anyone can read through the jobs API.
    expect((await call("GET", `/api/jobs/${view.id}`, { cookie: owner.cookie })).status).toBe(404);
    // An export's id is not an import.
    const world = await createWorld(owner);
    const done = await exportWorld(owner, world.id);
    const job = await env.DB.prepare("select job_id from world_exports where id = ?").bind(done.id).first<{ job_id: string }>();
    expect((await call("GET", `/api/imports/${job!.job_id}`, { cookie: owner.cookie })).status).toBe(404);
    expect((await call("GET", "/api/imports/not*an*id", { cookie: owner.cookie })).status).toBe(400);
  });

  it("imports and exports a 5,000-element world (batched writes, streamed archive)", async () => {
    const person = await signUp("Cartographer");
    const elements = Array.from({ length: 5000 }, (_, i) => ({
      id: `e${i}`,
      type: ["location", "character", "faction", "item", "creature", "event", "lore"][i % 7],
      name: `Place ${i}`,
      description: `Element ${i} of a large world. `.repeat(8),
      position: { x: (i % 100) * 220, y: Math.floor(i / 100) * 120 },
      tags: ["large", `row-${Math.floor(i / 100)}`],
      assets: {},
      metadata: {},
    }));
    const relationships = elements.slice(1).map((e, i) => ({ from: elements[i]!.id, to: e.id, kind: "related_to", label: `link ${i}` }));
    const archive = zipSync({
      "world.json": strToU8(JSON.stringify({ schemaVersion: 1, world: { title: "The Long Coast", style: "fantasy", tags: [], settings: {} }, elements, relationships })),
    });
    const view = await importArchive(person, archive);
    expect(view.status, JSON.stringify(view.error)).toBe("done");
    const worldId = view.worldId!;
    expect(view.imported?.elements).toBe(5000);
    expect(await count("elements", "world_id = ?", worldId)).toBe(5000);
    expect(await count("relationships", "world_id = ?", worldId)).toBe(4999);
    const sample = await env.DB.prepare("select x, y, tags from elements where world_id = ? and name = 'Place 4321'").bind(worldId).first<{ x: number; y: number; tags: string }>();
    expect(sample).toEqual({ x: 21 * 220, y: 43 * 120, tags: '["large","row-43"]' });

    const done = await exportWorld(person, worldId);
    const files = unzipSync(new Uint8Array(await (await (await import("cloudflare:test")).SELF.fetch(`${ORIGIN}${done.url}`)).arrayBuffer()), {
      filter: (file) => file.name === "world.json",
    });
    const doc = JSON.parse(strFromU8(files["world.json"]!));
    expect(doc.elements).toHaveLength(5000);
    expect(doc.relationships).toHaveLength(4999);
  }, 60_000);

  /** Nothing of the person's remains: no world, membership, asset, and no stored upload. */
  async function expectNothingLeft(person: Person) {
    expect(await count("worlds", "owner_id = ?", person.id)).toBe(0);
    expect(await count("world_members", "user_id = ?", person.id)).toBe(0);
    expect(await count("assets", "created_by = ?", person.id)).toBe(0);
    const imports = await env.DB.prepare("select id from jobs where kind = 'import' and user_id = ?").bind(person.id).all<{ id: string }>();
    for (const { id } of imports.results) expect(await r2Count(`imports/${id}/`), `upload of import ${id}`).toBe(0);
  }

  /** A request refused before anything is stored: a 4xx in the API's error shape. */
  async function expectRequestRefused(person: Person, response: Awaited<ReturnType<typeof call>>, status: number, code: string) {
    expect(response.status, response.text).toBe(status);
    expectErrorShape(response.json, code);
    await expectNothingLeft(person);
  }

  /** An archive accepted for reading (202) whose import then fails with `code`, creating nothing. */
  async function expectImportRefused(person: Person, bytes: Uint8Array, status: number, code: string) {
    const view = await importArchive(person, bytes);
    expect(view.status, JSON.stringify(view)).toBe("failed");
    expect(view.worldId).toBeUndefined();
    expectErrorShape({ error: view.error }, code);
    const row = await env.DB.prepare("select result from jobs where id = ?").bind(view.id).first<{ result: string }>();
    expect(JSON.parse(row!.result).failure.status).toBe(status);
    await expectNothingLeft(person);
    return view;
  }

  it("refuses bad archives with a clear reason and creates nothing", async () => {
    const owner = await signUp("Source");
    const { world } = await richWorld(owner);
    const zip = await downloadZip(await exportWorld(owner, world.id));
    const files = unzipSync(zip);
    const doc = JSON.parse(strFromU8(files["world.json"]!));
    const withDoc = (next: unknown, extra: Record<string, Uint8Array> = {}) => zipSync({ ...files, "world.json": strToU8(JSON.stringify(next)), ...extra });
    const importer = await signUp("Careful");
    const importedBefore = await r2Count("worlds/");

    // Refused by the request itself: no file, not multipart, over the upload limit.
    await expectRequestRefused(importer, await call("POST", "/api/worlds/import", { cookie: importer.cookie, body: { file: "x" } }), 400, "invalid_form");
    await expectRequestRefused(importer, await call("POST", "/api/worlds/import", { cookie: importer.cookie, body: new FormData() }), 400, "validation_failed");
    await expectRequestRefused(importer, await importZip(importer, new Uint8Array(51 * 1024 * 1024)), 413, "payload_too_large");
    const anonymous = await importZip({ ...importer, cookie: "" }, zip);
    expect(anonymous.status).toBe(401);

    // Refused once read, in the queue: the import fails with the reason and leaves nothing.
    await expectImportRefused(importer, strToU8("this is not a zip at all"), 400, "invalid_zip");
    await expectImportRefused(importer, zip.slice(0, zip.length - 40), 400, "invalid_zip");
    const { "world.json": _dropped, ...withoutManifest } = files;
    void _dropped;
    await expectImportRefused(importer, zipSync(withoutManifest), 422, "invalid_export");
    await expectImportRefused(importer, zipSync({ ...files, "world.json": strToU8("{not json") }), 422, "invalid_export");
    const wrongVersion = await expectImportRefused(importer, withDoc({ ...doc, schemaVersion: 2 }), 422, "invalid_export");
    expect(wrongVersion.error!.message).toContain("schema version 2");

    // Paths that would escape the archive.
    for (const evil of ["../evil.txt", "assets/../../evil.txt", "/etc/passwd", "assets\\evil.png", "C:/evil.txt"]) {
      await expectImportRefused(importer, zipSync({ ...files, [evil]: strToU8("boo") }), 400, "unsafe_path");
    }
    // An element that fails the element API's rules, a relationship to nowhere, a missing asset.
    const invalidElement = await expectImportRefused(importer, withDoc({ ...doc, elements: [...doc.elements, { id: "x1", type: "spaceship", name: "" }] }), 422, "validation_failed");
    const issues = (invalidElement.error!.details as { issues: Array<{ path: string }> }).issues;
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(["elements.3.type", "elements.3.name"]));
    const dangling = await expectImportRefused(importer, withDoc({ ...doc, relationships: [...doc.relationships, { from: doc.elements[0].id, to: "ghost", kind: "owns" }] }), 422, "validation_failed");
    expect((dangling.error!.details as { issues: Array<{ path: string }> }).issues[0]).toMatchObject({ path: "relationships.2.to" });
    const mira = doc.elements.find((e: any) => e.assets.image);
    const { [mira.assets.image]: _gone, ...missingAsset } = files;
    void _gone;
    await expectImportRefused(importer, zipSync(missingAsset), 422, "validation_failed");

    // Too large: an entry that declares more than the uncompressed cap.
    const bomb = zipSync({ ...files, "assets/huge.bin": new Uint8Array(1024) });
    await expectImportRefused(importer, patchDeclaredSize(bomb, "assets/huge.bin", 0xfffffff0), 413, "archive_too_large");

    expect(await r2Count("worlds/")).toBe(importedBefore);
  });

  it("refuses the 512 MiB bomb that declares 64 bytes, as world.json and as an asset, leaving nothing", async () => {
    const importer = await signUp("Sapper");
    for (const as of ["world.json", "asset"] as const) {
      const bomb = zipBomb(as);
      expect(bomb.byteLength).toBeLessThan(600 * 1024);
      const view = await expectImportRefused(importer, bomb, 413, "archive_too_large");
      expect(view.error!.message).toContain("more than the 64 bytes it declares");
      expect(view.error!.details).toMatchObject({ declaredBytes: 64 });
    }
  });

  it("refuses three directory entries that share one compressed stream, leaving nothing", async () => {
    const importer = await signUp("Tripler");
    const view = await expectImportRefused(importer, overlappingZip(), 400, "invalid_zip");
    expect(view.error!.message).toMatch(/share data/);
  });

  it("sweeps uploads whose import was given up on, and leaves those still under way", async () => {
    const importer = await signUp("Forgotten");
    const stale = `stale${importer.id}`.slice(0, 32);
    const waiting = `waiting${importer.id}`.slice(0, 32);
    for (const [id, status] of [[stale, "failed"], [waiting, "queued"]] as const) {
      await env.DB.prepare("insert into jobs (id, user_id, kind, status, input) values (?, ?, 'import', ?, ?)")
        .bind(id, importer.id, status, JSON.stringify({ uploadKey: `imports/${id}/upload.zip`, fileName: "x.zip", size: 3 }))
        .run();
      await env.ASSETS_BUCKET.put(`imports/${id}/upload.zip`, strToU8("zip"));
    }
    // Not yet old enough: both stay.
    await runCleanup(env);
    expect(await r2Count(`imports/${stale}/`)).toBe(1);
    // Later: the failed import's upload goes; the queued one's stays.
    // (Eleven minutes on: past the uploads' grace, not near any other sweep's horizon.)
    const summary = await runCleanup(env, new Date(Date.now() + 11 * 60 * 1000));
    expect(summary.uploads).toBeGreaterThanOrEqual(1);
    expect(await r2Count(`imports/${stale}/`)).toBe(0);
    expect(await r2Count(`imports/${waiting}/`)).toBe(1);
    await env.ASSETS_BUCKET.delete(`imports/${waiting}/upload.zip`);
  });

  it("refuses a fourth import while three are under way (429), and accepts the next once one has ended", async () => {
    const importer = await signUp("Hoarder");
    const archive = zipSync({ "world.json": strToU8(JSON.stringify({ schemaVersion: 1, world: { title: "One of many" }, elements: [], relationships: [] })) });
    // Three imports under way, as D1 records them (rows only: no queue work to leave behind).
    const ids = ["held1", "held2", "held3"].map((id) => `${id}${importer.id}`.slice(0, 32));
    for (const id of ids) {
      await env.DB.prepare("insert into jobs (id, user_id, kind, status, input) values (?, ?, 'import', 'queued', ?)")
        .bind(id, importer.id, JSON.stringify({ uploadKey: `imports/${id}/upload.zip`, fileName: "x.zip", size: 1 }))
        .run();
    }
    const refused = await importZip(importer, archive);
    expect(refused.status).toBe(429);
    expectErrorShape(refused.json, "rate_limited");
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await count("jobs", "kind = 'import' and user_id = ?", importer.id)).toBe(3);
    // Once one has finished, the next is accepted and runs.
    await env.DB.prepare("update jobs set status = 'failed' where id = ?").bind(ids[0]).run();
    expect((await importArchive(importer, archive)).status).toBe("done");
  });
});

/** Rewrites one central-directory entry's uncompressed size, as a zip bomb would declare it. */
function patchDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const copy = zip.slice();
  const view = new DataView(copy.buffer);
  for (let i = 0; i < copy.length - 46; i += 1) {
    if (view.getUint32(i, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(i + 28, true);
    if (strFromU8(copy.subarray(i + 46, i + 46 + nameLength)) === name) {
      view.setUint32(i + 24, size, true);
      return copy;
    }
  }
  throw new Error(`${name} is not in the archive`);
}

describe("reading an uploaded archive", () => {
  const multipart = (boundary: string, parts: string[]) => strToU8(parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("") + `--${boundary}--\r\n`);

  it("finds the file field among others, as a view of the body", async () => {
    const body = multipart("b0undary", [
      'Content-Disposition: form-data; name="note"\r\n\r\nhello',
      'Content-Disposition: form-data; name="file"; filename="world.zip"\r\nContent-Type: application/zip\r\n\r\nPK\u0003\u0004 bytes\r\nwith a line break',
    ]);
    const request = new Request("http://x/", { method: "POST", headers: { "content-type": 'multipart/form-data; boundary="b0undary"' }, body });
    const file = await readMultipartFile(request, "file", 1024);
    expect(file?.name).toBe("world.zip");
    expect(strFromU8(file!.bytes)).toBe("PK\u0003\u0004 bytes\r\nwith a line break");
    const none = new Request("http://x/", { method: "POST", headers: { "content-type": "multipart/form-data; boundary=b0undary" }, body: multipart("b0undary", ['Content-Disposition: form-data; name="file"\r\n\r\nnot a file']) });
    expect(await readMultipartFile(none, "file", 1024)).toBeNull();
  });

  it("stops reading a body without a length once it passes the limit (413)", async () => {
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        if (sent > 100) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const request = new Request("http://x/", { method: "POST", headers: { "content-type": "multipart/form-data; boundary=zz" }, body: stream });
    await expect(readMultipartFile(request, "file", 1024 * 1024)).rejects.toMatchObject({ status: 413, code: "payload_too_large" });
    expect(sent).toBeLessThan(30);
  });
});
