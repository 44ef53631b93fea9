// Scene media (issue 18, points 1–3 and 8): Illustrate, Narrate and Clip on a scene, a chapter and
// a story, as jobs on the real queue with the offline `local` provider, and narration through the
// Bedrock stand-in, which checks every Polly request (SigV4, shape, the 3,000 billed characters)
// and logs its voice and text, so the tests see which words went to which voice.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it, vi } from "vitest";
import { JobDeferred } from "../../workers/jobs/pipeline";
import { runSceneMediaJob } from "../../workers/jobs/scene-media-jobs";
import { RoomClient } from "./room-client";
import { addMember, call, createWorld, expectErrorShape, signUp, waitForJobsToSettle, type Person } from "./helpers";

const standin = inject("mediaStandin");
type PollyRequest = { operation: string; voice?: string; format?: string; characters?: number; text?: string; ok: boolean; error?: string };

async function pollyRequests(): Promise<PollyRequest[]> {
  const response = await fetch(`${standin.url}/__standin/requests`);
  return ((await response.json()) as { requests: PollyRequest[] }).requests.filter((r) => r.operation === "SynthesizeSpeech");
}

beforeEach(async () => {
  await fetch(`${standin.url}/__standin/reset`, { method: "POST" });
});

const bedrockEnv = () => ({ ...env, ...standin.env, AI_PROVIDER: "bedrock", AI_FALLBACK_LOCAL: "false" }) as unknown as Env;

type Setup = { owner: Person; world: { id: string }; base: string; story: string; chapter: string; mira: string; tobin: string; well: string };

async function element(owner: Person, worldId: string, type: string, name: string, description: string) {
  const response = await call("POST", `/api/worlds/${worldId}/elements`, { cookie: owner.cookie, body: { type, name, description } });
  if (response.status !== 201) throw new Error(`element: ${response.status} ${response.text}`);
  return response.json.element.id as string;
}

async function setup(): Promise<Setup> {
  const owner = await signUp("Teller");
  const world = await createWorld(owner, { style: "fairy-tale" });
  const mira = await element(owner, world.id, "character", "Mira Vale", "A brave young bell-ringer with a red scarf. She never lies.");
  const tobin = await element(owner, world.id, "character", "Tobin", "An old clockmaker with ink-black fingers.");
  const well = await element(owner, world.id, "location", "The Old Well", "A mossy well at the edge of the village.");
  const story = (await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { title: "The Bell", template: "fairy-tale" } })).json.story.id as string;
  const base = `/api/worlds/${world.id}/stories/${story}`;
  const chapter = (await call("POST", `${base}/chapters`, { cookie: owner.cookie, body: { title: "One" } })).json.chapter.id as string;
  return { owner, world, base, story, chapter, mira, tobin, well };
}

async function scene(s: Setup, title: string, text: string, extra: Record<string, unknown> = {}, chapter = s.chapter) {
  const response = await call("POST", `${s.base}/chapters/${chapter}/scenes`, { cookie: s.owner.cookie, body: { title, text, ...extra } });
  if (response.status !== 201) throw new Error(`scene: ${response.status} ${response.text}`);
  return response.json.scene.id as string;
}

async function finished(s: Setup, response: { status: number; json: any; text: string }) {
  expect(response.status, response.text).toBe(202);
  const jobId = response.json.job.id as string;
  await waitForJobsToSettle([jobId]);
  const job = (await call("GET", `/api/jobs/${jobId}`, { cookie: s.owner.cookie })).json.job;
  expect(job.status, JSON.stringify(job)).toBe("succeeded");
  return job;
}

const mediaOf = async (s: Setup) => (await call("GET", `${s.base}/media`, { cookie: s.owner.cookie })).json.media as Record<string, any>;

/** A job row as the routes write it, run here with the stand-in's Bedrock as the provider (not through the queue, whose env is `local`). */
async function runOnBedrock(s: Setup, kind: "narrate" | "scene_illustrate" | "scene_clip", sceneIds: string[], voice: string | null = null) {
  const jobId = `mj${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`;
  await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, ?, 'queued', ?)")
    .bind(jobId, s.world.id, s.owner.id, kind, JSON.stringify({ storyId: s.story, sceneIds, voice }))
    .run();
  await runSceneMediaJob(jobId, bedrockEnv());
  const row = await env.DB.prepare("select status, error, result, cost_estimate as cost from jobs where id = ?").bind(jobId).first<{ status: string; error: string | null; result: string; cost: number }>();
  expect(row?.status, row?.error ?? "").toBe("succeeded");
  return { jobId, result: JSON.parse(row!.result), cost: row!.cost };
}

const setVoices = (s: Setup, narrator: string | null, characters: Record<string, string>) =>
  env.DB.prepare("update stories set narrator_voice = ?, character_voices = ? where id = ?").bind(narrator, JSON.stringify(characters), s.story).run();

describe("Illustrate, Narrate and Clip on `local`", () => {
  it("illustrates a scene with the people and place in it, as an offline SVG stored under the world and recorded with its provenance", async () => {
    const s = await setup();
    const id = await scene(s, "At the well", "Mira Vale waited by the well while Tobin wound his pocket watch.", { location: s.well });
    await finished(s, await call("POST", `${s.base}/scenes/${id}/illustrate`, { cookie: s.owner.cookie }));
    const image = (await mediaOf(s))[id].image;
    expect(image).toMatchObject({ mimeType: "image/svg+xml", provider: "local", offline: true });
    expect(image.key.startsWith(`worlds/${s.world.id}/`)).toBe(true);
    const svg = (await call("GET", image.url, { cookie: s.owner.cookie })).text;
    expect(svg).toContain("Mira Vale");
    expect(svg).toContain("Tobin");
    expect(svg).toContain("The Old Well");
    expect(svg).toContain("offline rendering");
    const asset = await env.DB.prepare("select world_id as worldId, kind, provenance from assets where key = ?").bind(image.key).first<{ worldId: string; kind: string; provenance: string }>();
    expect(asset?.worldId).toBe(s.world.id);
    expect(JSON.parse(asset!.provenance)).toMatchObject({ provider: "local", offline: true, sceneId: id, storyId: s.story });
  });

  it("narrates a scene offline with word timings that point at the scene's own words, in order", async () => {
    const s = await setup();
    const text = "The bell rang twice.\n\n“Come quickly,” said Mira Vale. Tobin shook his head.";
    const id = await scene(s, "Bells", text);
    await finished(s, await call("POST", `${s.base}/scenes/${id}/narrate`, { cookie: s.owner.cookie, body: { voice: "f2" } }));
    const narration = (await mediaOf(s))[id].narration;
    expect(narration).toMatchObject({ mimeType: "audio/wav", provider: "local", offline: true });
    expect(narration.durationMs).toBeGreaterThan(500);
    const plain = (await call("GET", `${s.base}/scenes/${id}`, { cookie: s.owner.cookie })).json.scene.text as string;
    const words = narration.timings.map((t: { start: number; end: number }) => plain.slice(t.start, t.end));
    expect(words).toEqual(plain.match(/[\p{L}\p{N}]+/gu));
    const times = narration.timings.map((t: { time: number }) => t.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.at(-1)).toBeLessThan(narration.durationMs);
    const wav = await call("GET", narration.url, { cookie: s.owner.cookie });
    expect(wav.text.startsWith("RIFF")).toBe(true);
  });

  it("makes a clip of a scene from its picture: an animated SVG labelled offline", async () => {
    const s = await setup();
    const id = await scene(s, "Night", "Mira Vale climbed the tower.");
    await finished(s, await call("POST", `${s.base}/scenes/${id}/illustrate`, { cookie: s.owner.cookie }));
    await finished(s, await call("POST", `${s.base}/scenes/${id}/clip`, { cookie: s.owner.cookie }));
    const clip = (await mediaOf(s))[id].clip;
    expect(clip).toMatchObject({ mimeType: "image/svg+xml", provider: "local", offline: true });
    const svg = (await call("GET", clip.url, { cookie: s.owner.cookie })).text;
    expect(svg).toContain("animateTransform");
    expect(svg).toContain("offline rendering");
  });

  it("one job covers every scene of a chapter, and of the story, in reading order", async () => {
    const s = await setup();
    const first = await scene(s, "One", "Mira Vale woke.");
    const second = await scene(s, "Two", "Tobin slept.");
    const other = (await call("POST", `${s.base}/chapters`, { cookie: s.owner.cookie, body: { title: "Two" } })).json.chapter.id as string;
    const third = await scene(s, "Three", "The bell fell silent.", {}, other);
    const viewer = await signUp("Watcher");
    await addMember(s.world.id, viewer, "viewer");
    const { client: watcher } = await RoomClient.connectTo(`${s.base}/room`, viewer.cookie);
    if (!watcher) throw new Error("the viewer could not join the story");
    const chapterJob = await finished(s, await call("POST", `${s.base}/chapters/${s.chapter}/illustrate`, { cookie: s.owner.cookie }));
    expect(chapterJob.result.scenes.map((r: { sceneId: string }) => r.sceneId)).toEqual([first, second]);
    // Everyone in the story saw its progress, scene by scene, and its end.
    await watcher.waitFor((m) => m.type === "job" && m.jobId === chapterJob.id && m.status === "succeeded");
    const seen = watcher.messages.filter((m) => m.type === "job" && m.jobId === chapterJob.id).map((m) => (m.type === "job" ? m.progress : -1));
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(100);
    watcher.close();
    let media = await mediaOf(s);
    expect(media[first]?.image && media[second]?.image && !media[third]).toBeTruthy();
    const storyJob = await finished(s, await call("POST", `${s.base}/narrate`, { cookie: s.owner.cookie }));
    expect(storyJob.result.scenes.map((r: { sceneId: string }) => r.sceneId)).toEqual([first, second, third]);
    media = await mediaOf(s);
    for (const id of [first, second, third]) expect(media[id].narration.offline).toBe(true);
    expect((await call("POST", `${s.base}/chapters/nosuchchapter000/clip`, { cookie: s.owner.cookie })).status).toBe(404);
  });

  it("the same Idempotency-Key gives the same job, not a second one", async () => {
    const s = await setup();
    const id = await scene(s, "One", "Mira Vale woke.");
    const ask = () => call("POST", `${s.base}/scenes/${id}/illustrate`, { cookie: s.owner.cookie, headers: { "idempotency-key": "illustrate-once-1" } });
    const first = await ask();
    const second = await ask();
    expect(first.status).toBe(202);
    expect(second.json.job.id).toBe(first.json.job.id);
    await waitForJobsToSettle([first.json.job.id]);
    const jobs = await env.DB.prepare("select count(*) as n from jobs where world_id = ? and kind = 'scene_illustrate'").bind(s.world.id).first<{ n: number }>();
    expect(jobs?.n).toBe(1);
  });

  it("deleting the story deletes its pictures and narration; deleting the world deletes every file it had", async () => {
    const s = await setup();
    const id = await scene(s, "Night", "Mira Vale climbed the tower.");
    await finished(s, await call("POST", `${s.base}/scenes/${id}/illustrate`, { cookie: s.owner.cookie }));
    await finished(s, await call("POST", `${s.base}/scenes/${id}/narrate`, { cookie: s.owner.cookie }));
    const { image, narration } = (await mediaOf(s))[id];
    const storyPrefix = `worlds/${s.world.id}/stories/${s.story}/`;
    const filesUnder = async (prefix: string) => (await env.ASSETS_BUCKET.list({ prefix })).objects.map((o) => o.key);
    expect(await filesUnder(storyPrefix)).toEqual(expect.arrayContaining([image.key, narration.key]));
    // Another story of the same world keeps its files.
    const kept = (await call("POST", `/api/worlds/${s.world.id}/stories`, { cookie: s.owner.cookie, body: { title: "Kept", template: "fairy-tale" } })).json.story.id as string;
    const keptChapter = (await call("POST", `/api/worlds/${s.world.id}/stories/${kept}/chapters`, { cookie: s.owner.cookie, body: { title: "One" } })).json.chapter.id as string;
    const keptScene = (await call("POST", `/api/worlds/${s.world.id}/stories/${kept}/chapters/${keptChapter}/scenes`, { cookie: s.owner.cookie, body: { title: "Dawn", text: "Tobin woke." } })).json.scene.id as string;
    await finished(s, await call("POST", `/api/worlds/${s.world.id}/stories/${kept}/scenes/${keptScene}/illustrate`, { cookie: s.owner.cookie }));
    const keptPrefix = `worlds/${s.world.id}/stories/${kept}/`;
    expect(await filesUnder(keptPrefix)).toHaveLength(1);

    expect((await call("DELETE", s.base, { cookie: s.owner.cookie })).status).toBe(204);
    await vi.waitFor(async () => expect(await filesUnder(storyPrefix)).toEqual([]), { timeout: 30_000, interval: 50 });
    expect(await env.DB.prepare("select count(*) as n from assets where key like ?").bind(`${storyPrefix}%`).first("n")).toBe(0);
    expect((await call("GET", image.url, { cookie: s.owner.cookie })).status).toBe(404);
    expect(await filesUnder(keptPrefix)).toHaveLength(1);

    expect((await call("DELETE", `/api/worlds/${s.world.id}`, { cookie: s.owner.cookie })).status).toBe(204);
    await vi.waitFor(async () => expect(await filesUnder(`worlds/${s.world.id}/`)).toEqual([]), { timeout: 30_000, interval: 50 });
  });
});

describe("who may ask, and what is refused", () => {
  it("a draft story's picture is not served to someone who may see the public world but not the draft; once published it is", async () => {
    const s = await setup();
    const id = await scene(s, "Dusk", "Mira Vale rang the bell.");
    await finished(s, await call("POST", `${s.base}/scenes/${id}/illustrate`, { cookie: s.owner.cookie }));
    const { image } = (await mediaOf(s))[id];
    expect((await call("PATCH", `/api/worlds/${s.world.id}`, { cookie: s.owner.cookie, body: { visibility: "public" } })).status).toBe(200);
    const viewer = await signUp("Viewer");
    const stranger = await signUp("Stranger");
    await addMember(s.world.id, viewer, "viewer");
    expect((await call("GET", image.url, { cookie: viewer.cookie })).status).toBe(200);
    expect((await call("GET", image.url, { cookie: stranger.cookie })).status).toBe(404);
    expect((await call("GET", image.url)).status).toBe(404);
    expect((await call("PATCH", s.base, { cookie: s.owner.cookie, body: { status: "published" } })).status).toBe(200);
    expect((await call("GET", image.url, { cookie: stranger.cookie })).status).toBe(200);
    expect((await call("GET", image.url)).status).toBe(200);
  });

  it("a viewer gets 403, someone outside a private world 404, nobody signed in 401; nothing is queued for them", async () => {
    const s = await setup();
    const id = await scene(s, "Dusk", "Mira Vale rang the bell.");
    const viewer = await signUp("Viewer");
    const stranger = await signUp("Stranger");
    await addMember(s.world.id, viewer, "viewer");
    for (const action of ["illustrate", "narrate", "clip"]) {
      for (const path of [`${s.base}/scenes/${id}/${action}`, `${s.base}/chapters/${s.chapter}/${action}`, `${s.base}/${action}`]) {
        expect((await call("POST", path, { cookie: viewer.cookie })).status).toBe(403);
        expect((await call("POST", path, { cookie: stranger.cookie })).status).toBe(404);
        expect((await call("POST", path)).status).toBe(401);
      }
    }
    const jobs = await env.DB.prepare("select count(*) as n from jobs where world_id = ?").bind(s.world.id).first<{ n: number }>();
    expect(jobs?.n).toBe(0);
    // A reader of the world sees the media; a stranger does not.
    expect((await call("GET", `${s.base}/media`, { cookie: viewer.cookie })).status).toBe(200);
    expect((await call("GET", `${s.base}/media`, { cookie: stranger.cookie })).status).toBe(404);
  });

  it("bad input is a clear 400 (or 404 for what is not there), never a 5xx", async () => {
    const s = await setup();
    const id = await scene(s, "Dusk", "Mira Vale rang the bell.");
    const empty = await scene(s, "Blank", "");
    const cases: Array<[string, unknown, number, string?]> = [
      [`${s.base}/scenes/${id}/narrate`, { voice: "NoSuchVoice" }, 400, "unknown_voice"],
      [`${s.base}/scenes/${id}/narrate`, { voice: "<speak>" }, 400, "validation_failed"],
      [`${s.base}/scenes/${id}/narrate`, { voice: 7 }, 400, "validation_failed"],
      [`${s.base}/scenes/${id}/illustrate`, { prompt: "anything" }, 400, "validation_failed"],
      [`${s.base}/scenes/${id}/narrate`, "{not json", 400, "invalid_json"],
      [`${s.base}/scenes/nosuchscene00000/illustrate`, {}, 404],
      [`${s.base}/scenes/${empty}/narrate`, {}, 409, "empty_scene"],
      [`/api/worlds/${s.world.id}/stories/nosuchstory00000/narrate`, {}, 404],
    ];
    for (const [path, body, status, code] of cases) {
      const response = await call("POST", path, { cookie: s.owner.cookie, body });
      expect(response.status, `${path} ${JSON.stringify(body)}: ${response.text}`).toBe(status);
      expectErrorShape(response.json, code);
    }
  });

  it("a world with AI images turned off refuses illustrations and clips, and a job queued before the change fails without making one", async () => {
    const s = await setup();
    const id = await scene(s, "Dusk", "Mira Vale rang the bell.");
    const queued = await call("POST", `${s.base}/scenes/${id}/illustrate`, { cookie: s.owner.cookie });
    expect(queued.status).toBe(202);
    await waitForJobsToSettle([queued.json.job.id]);
    const off = await call("PATCH", `/api/worlds/${s.world.id}`, { cookie: s.owner.cookie, body: { settings: { aiImages: false } } });
    expect(off.status, off.text).toBe(200);
    for (const action of ["illustrate", "clip"]) {
      for (const path of [`${s.base}/scenes/${id}/${action}`, `${s.base}/${action}`]) {
        const response = await call("POST", path, { cookie: s.owner.cookie });
        expect(response.status, response.text).toBe(409);
        expectErrorShape(response.json, "ai_images_off");
      }
    }
    // Narration is not an image: still allowed.
    expect((await call("POST", `${s.base}/scenes/${id}/narrate`, { cookie: s.owner.cookie })).status).toBe(202);
    // A job already on the queue when the setting changed reads it again and makes nothing.
    const before = await env.DB.prepare("select count(*) as n from scene_media where story_id = ? and kind = 'image'").bind(s.story).first<{ n: number }>();
    const jobId = "mjaioffjob000001";
    await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, 'scene_illustrate', 'queued', ?)")
      .bind(jobId, s.world.id, s.owner.id, JSON.stringify({ storyId: s.story, sceneIds: [id], voice: null }))
      .run();
    await runSceneMediaJob(jobId, env);
    const row = await env.DB.prepare("select status, error from jobs where id = ?").bind(jobId).first<{ status: string; error: string }>();
    expect(row).toMatchObject({ status: "failed", error: expect.stringContaining("AI images are turned off") });
    const after = await env.DB.prepare("select count(*) as n from scene_media where story_id = ? and kind = 'image'").bind(s.story).first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("the media files belong to the story's world: another world's people cannot read them", async () => {
    const s = await setup();
    const id = await scene(s, "Dusk", "Mira Vale rang the bell.");
    await finished(s, await call("POST", `${s.base}/scenes/${id}/illustrate`, { cookie: s.owner.cookie }));
    const { key, url } = (await mediaOf(s))[id].image;
    const other = await signUp("Other");
    await createWorld(other);
    expect((await call("GET", url, { cookie: other.cookie })).status).toBe(404);
    const rows = await env.DB.prepare("select a.world_id as worldId from assets a join scene_media m on m.key = a.key where m.story_id = ?").bind(s.story).all<{ worldId: string }>();
    expect(rows.results.length).toBeGreaterThan(0);
    for (const row of rows.results) expect(row.worldId).toBe(s.world.id);
    expect(key).toMatch(new RegExp(`^worlds/${s.world.id}/stories/${s.story}/scenes/${id}/`));
  });
});

describe("voices", () => {
  it("lists the voices per provider, previews one, and a story's narrator and character voices are set only to known voices and the world's characters", async () => {
    const s = await setup();
    const listed = await call("GET", "/api/voices", { cookie: s.owner.cookie });
    expect(listed.status).toBe(200);
    const local = listed.json.providers.find((p: { provider: string }) => p.provider === "local");
    expect(local.offline).toBe(true);
    expect(local.voices).toEqual(expect.arrayContaining([expect.objectContaining({ id: "f2", language: "en-US", gender: "female", previewUrl: "/api/voices/local/f2/preview" })]));
    expect(listed.json.previewText.length).toBeGreaterThan(10);
    const preview = await call("GET", "/api/voices/local/f2/preview", { cookie: s.owner.cookie });
    expect(preview.status).toBe(200);
    expect(preview.headers.get("content-type")).toBe("audio/wav");
    expect(await env.ASSETS_BUCKET.head("voices/local/f2-preview")).not.toBeNull(); // kept: the next preview is not synthesised again
    expect((await call("GET", "/api/voices/local/f2/preview")).status).toBe(401);
    expect((await call("GET", "/api/voices/local/NoSuchVoice/preview", { cookie: s.owner.cookie })).status).toBe(404);
    expect((await call("GET", "/api/voices/nosuchprovider/f2/preview", { cookie: s.owner.cookie })).status).toBe(400);

    const patch = (body: unknown) => call("PATCH", s.base, { cookie: s.owner.cookie, body });
    const ok = await patch({ narratorVoice: "m1", characterVoices: { [s.mira]: "f2" } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.story).toMatchObject({ narratorVoice: "m1", characterVoices: { [s.mira]: "f2" } });
    expect((await patch({ narratorVoice: "Nobody" })).status).toBe(400);
    expect((await patch({ characterVoices: { [s.mira]: "Nobody" } })).status).toBe(400);
    // A place does not speak; an element of another world is not this story's.
    expect((await patch({ characterVoices: { [s.well]: "f2" } })).status).toBe(400);
    const elsewhere = await createWorld(s.owner);
    const stranger = await element(s.owner, elsewhere.id, "character", "Stranger", "From elsewhere.");
    expect((await patch({ characterVoices: { [stranger]: "f2" } })).status).toBe(400);
    expect((await patch({ narratorVoice: null })).json.story.narratorVoice).toBeNull();
  });
});

describe("Narrate through the Bedrock stand-in (Polly)", () => {
  it("a scene longer than 3,000 characters is read in several requests, each within the limit and cut at a sentence's end, with speech marks as timings", async () => {
    const s = await setup();
    const sentences = Array.from({ length: 60 }, (_, i) => `Sentence number ${i + 1} tells of the bell & the long winter road.`);
    const text = sentences.join(" ");
    expect(text.length).toBeGreaterThan(3000);
    const id = await scene(s, "Long", text);
    await setVoices(s, "Joanna", {});
    const { result, cost } = await runOnBedrock(s, "narrate", [id]);
    expect(result.scenes[0].made).toMatchObject({ provider: "bedrock", offline: false });
    expect(cost).toBeGreaterThan(0);
    const requests = await pollyRequests();
    expect(requests.every((r) => r.ok)).toBe(true);
    const audio = requests.filter((r) => r.format === "mp3");
    const marks = requests.filter((r) => r.format === "json");
    expect(audio.length).toBeGreaterThanOrEqual(2);
    expect(marks.length).toBe(audio.length);
    for (const request of audio) {
      expect(request.characters).toBeLessThanOrEqual(3000);
      expect(request.text).toMatch(/\.$/); // cut at a sentence's end
      expect(request.voice).toBe("Joanna");
    }
    expect(audio.map((r) => r.text).join(" ")).toBe(text);
    const narration = (await mediaOf(s))[id].narration;
    expect(narration).toMatchObject({ mimeType: "audio/mpeg", provider: "bedrock", offline: false });
    const words = narration.timings.map((t: { start: number; end: number }) => text.slice(t.start, t.end));
    expect(words).toEqual(text.match(/[\p{L}\p{N}]+/gu));
    const times = narration.timings.map((t: { time: number }) => t.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // The second request's words come after the first request's audio, not from zero again.
    const secondStart = text.indexOf(audio[1]!.text!.slice(0, 20));
    const firstOfSecond = narration.timings.find((t: { start: number }) => t.start >= secondStart);
    expect(firstOfSecond.time).toBeGreaterThan(0);
  });

  it("dialogue is read in the speaking character's voice, the rest in the narrator's", async () => {
    const s = await setup();
    const text = "The bell rang twice.\n\n“Come quickly,” said Mira Vale. Tobin shook his head and answered, “Not tonight.”\n\nThe snow kept falling.";
    const id = await scene(s, "Bells", text);
    await setVoices(s, "Joanna", { [s.mira]: "Amy", [s.tobin]: "Brian" });
    await runOnBedrock(s, "narrate", [id]);
    const audio = (await pollyRequests()).filter((r) => r.format === "mp3");
    const spoken = audio.map((r) => [r.voice, r.text]);
    expect(spoken).toContainEqual(["Amy", "Come quickly,"]);
    expect(spoken).toContainEqual(["Brian", "Not tonight."]);
    for (const [voice, said] of spoken) {
      if (voice === "Joanna") {
        expect(said).not.toContain("Come quickly");
        expect(said).not.toContain("Not tonight");
      }
    }
    expect(spoken.filter(([voice]) => voice === "Joanna").map(([, said]) => said).join(" ")).toContain("The bell rang twice.");
    const narration = (await mediaOf(s))[id].narration;
    const voices = (await env.DB.prepare("select voices from scene_media where key = ?").bind(narration.key).first<{ voices: string }>())!.voices;
    expect(JSON.parse(voices)).toEqual({ narrator: "Joanna", characters: { [s.mira]: "Amy", [s.tobin]: "Brian" } });
  });

  it("re-narrating an unchanged scene in the same voices makes no Polly call; a changed voice does", async () => {
    const s = await setup();
    const id = await scene(s, "Bells", "“Come quickly,” said Mira Vale.");
    await setVoices(s, "Joanna", { [s.mira]: "Amy" });
    await runOnBedrock(s, "narrate", [id]);
    const first = (await mediaOf(s))[id].narration;
    const calls = (await pollyRequests()).length;
    expect(calls).toBeGreaterThan(0);
    const again = await runOnBedrock(s, "narrate", [id]);
    expect(again.cost).toBe(0);
    expect(again.result.scenes[0].made).toMatchObject({ cached: true, key: first.key });
    expect((await pollyRequests()).length).toBe(calls);
    expect((await mediaOf(s))[id].narration.key).toBe(first.key);
    // Another voice for Mira is another reading.
    await setVoices(s, "Joanna", { [s.mira]: "Emma" });
    await runOnBedrock(s, "narrate", [id]);
    expect((await pollyRequests()).length).toBeGreaterThan(calls);
    expect((await mediaOf(s))[id].narration.key).not.toBe(first.key);
  });

  it("the voice asked for the job comes first, then the story's narrator; a voice Polly lacks is passed over", async () => {
    const s = await setup();
    const id = await scene(s, "Quiet", "The snow kept falling.");
    await setVoices(s, "Matthew", {});
    await runOnBedrock(s, "narrate", [id], "Ruth");
    expect((await pollyRequests()).filter((r) => r.format === "mp3").map((r) => r.voice)).toEqual(["Ruth"]);
    await fetch(`${standin.url}/__standin/reset`, { method: "POST" });
    await runOnBedrock(s, "narrate", [id], "f2"); // an offline voice: not Polly's
    expect((await pollyRequests()).filter((r) => r.format === "mp3").map((r) => r.voice)).toEqual(["Matthew"]);
  });

  it("with no narrator chosen: the person's default voice, then the world's, then the provider's", async () => {
    const s = await setup();
    const voicesRead = async (text: string) => {
      await fetch(`${standin.url}/__standin/reset`, { method: "POST" });
      await runOnBedrock(s, "narrate", [await scene(s, "Quiet", text)]);
      return (await pollyRequests()).filter((r) => r.format === "mp3").map((r) => r.voice);
    };
    await setVoices(s, null, {});
    await env.DB.prepare("update worlds set settings = ? where id = ?").bind(JSON.stringify({ maxCollaborators: 10, aiImages: true, defaultVoice: "Ivy" }), s.world.id).run();
    expect((await call("PATCH", "/api/me", { cookie: s.owner.cookie, body: { preferences: { defaultVoice: "Kevin" } } })).status).toBe(200);
    expect(await voicesRead("The snow kept falling.")).toEqual(["Kevin"]);
    await env.DB.prepare("update user set preferences = ? where id = ?").bind(JSON.stringify({}), s.owner.id).run();
    expect(await voicesRead("The wind rose.")).toEqual(["Ivy"]);
    await env.DB.prepare("update worlds set settings = ? where id = ?").bind(JSON.stringify({ maxCollaborators: 10, aiImages: true }), s.world.id).run();
    expect(await voicesRead("The night fell.")).toEqual(["Joanna"]); // POLLY_VOICE's default
  });
});

/** A 4×4 PNG, built the long way so the test does not depend on a fixture file. */
function tinyPng(): Uint8Array<ArrayBuffer> {
  const bytes = atob("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFklEQVR4nGP8z8DAwMDAxMDAwMAAAB0ABwFkb7pzAAAAAElFTkSuQmCC");
  return Uint8Array.from(bytes, (c) => c.charCodeAt(0));
}

type LoggedRequest = { operation: string; task?: string; model?: string; ok: boolean };
const loggedRequests = async () => ((await (await fetch(`${standin.url}/__standin/requests`)).json()) as { requests: LoggedRequest[] }).requests;

describe("Illustrate and Clip through the Bedrock stand-in", () => {
  it("a character with a picture of its own conditions the scene's image (Nova Canvas IMAGE_VARIATION); without one the scene is described (TEXT_IMAGE)", async () => {
    const s = await setup();
    const plain = await scene(s, "Plain", "Tobin wound his watch at the well.");
    const { result } = await runOnBedrock(s, "scene_illustrate", [plain]);
    expect(result.scenes[0].made).toMatchObject({ provider: "bedrock", offline: false });
    expect((await loggedRequests()).filter((r) => r.operation === "InvokeModel").map((r) => r.task)).toEqual(["TEXT_IMAGE"]);

    // Mira's own picture, as a generation would have stored it.
    const key = `worlds/${s.world.id}/jobs/manual/0-image.png`;
    await env.ASSETS_BUCKET.put(key, tinyPng(), { httpMetadata: { contentType: "image/png" } });
    await env.DB.prepare("update elements set assets = ? where id = ?").bind(JSON.stringify({ image: key }), s.mira).run();
    await fetch(`${standin.url}/__standin/reset`, { method: "POST" });
    const withMira = await scene(s, "Mira", "Mira Vale rang the bell at dawn.");
    await runOnBedrock(s, "scene_illustrate", [withMira]);
    expect((await loggedRequests()).filter((r) => r.operation === "InvokeModel").map((r) => r.task)).toEqual(["IMAGE_VARIATION"]);
    const image = (await mediaOf(s))[withMira].image;
    expect(image).toMatchObject({ mimeType: "image/png", provider: "bedrock", offline: false });
    const provenance = (await env.DB.prepare("select provenance from assets where key = ?").bind(image.key).first<{ provenance: string }>())!.provenance;
    expect(JSON.parse(provenance)).toMatchObject({ provider: "bedrock", reference: s.mira, sceneId: withMira });
  });

  it("a slow Nova Reel clip is handed back to the queue (JobDeferred) and finished on a later delivery without starting a second one", async () => {
    const s = await setup();
    const id = await scene(s, "Storm", "Mira Vale watched the storm.");
    const jobId = "mjreeljob0000001";
    await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, 'scene_clip', 'queued', ?)")
      .bind(jobId, s.world.id, s.owner.id, JSON.stringify({ storyId: s.story, sceneIds: [id], voice: null }))
      .run();
    await fetch(`${standin.url}/__standin/behaviour`, { method: "POST", body: JSON.stringify({ delays: { video: 5_000 } }) });
    await expect(runSceneMediaJob(jobId, bedrockEnv())).rejects.toBeInstanceOf(JobDeferred);
    expect((await mediaOf(s))[id]?.clip).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await runSceneMediaJob(jobId, bedrockEnv());
    const row = await env.DB.prepare("select status, error from jobs where id = ?").bind(jobId).first<{ status: string; error: string | null }>();
    expect(row?.status, row?.error ?? "").toBe("succeeded");
    expect((await loggedRequests()).filter((r) => r.operation === "StartAsyncInvoke")).toHaveLength(1);
    expect((await mediaOf(s))[id].clip).toMatchObject({ mimeType: "video/mp4", provider: "bedrock", offline: false });
  }, 30_000);
});
