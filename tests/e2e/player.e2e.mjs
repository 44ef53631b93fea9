// The story player (issue 18, points 4 and 7): a published story of a public world is opened by a
// reader on a phone from the world's public page; the player steps scene by scene and chapter by
// chapter; the story is added to a playlist that plays it; and its embed plays inside a page of
// another origin.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, signInDemo, signUp, skipWithoutChromium, startApp, waitFor } from "./harness.mjs";

const skip = skipWithoutChromium;
const WORLD_ID = "demoworld0000001";

/** JSON from the API as the page's signed-in person. */
function api(page, method, path, body) {
  return page.evaluate(
    async ([m, p, b]) => {
      const response = await fetch(p, { method: m, headers: b === undefined ? {} : { "content-type": "application/json" }, body: b === undefined ? undefined : JSON.stringify(b) });
      return { status: response.status, json: await response.json().catch(() => null) };
    },
    [method, path, body],
  );
}

/** A published story in the demo world: two chapters, three scenes. */
async function publishedStory(page) {
  const created = await api(page, "POST", `/api/worlds/${WORLD_ID}/stories`, { title: "The Lantern Road", template: "adventure" });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const story = created.json.story.id;
  const base = `/api/worlds/${WORLD_ID}/stories/${story}`;
  const first = (await api(page, "POST", `${base}/chapters`, { title: "Setting out" })).json.chapter.id;
  const second = (await api(page, "POST", `${base}/chapters`, { title: "The crossing", after: first })).json.chapter.id;
  const one = (await api(page, "POST", `${base}/chapters/${first}/scenes`, { title: "Dawn", text: "The lantern flickered at the gate.\nMira shouldered her pack." })).json.scene.id;
  await api(page, "POST", `${base}/chapters/${first}/scenes`, { title: "The ford", text: "Cold water ran over the stones.", after: one });
  await api(page, "POST", `${base}/chapters/${second}/scenes`, { title: "Far shore", text: "On the far shore a bell was ringing." });
  assert.equal((await api(page, "PATCH", base, { status: "published" })).status, 200);
  return story;
}

describe("the story player", { skip, timeout: 240_000 }, () => {
  let app;
  let owner;
  let story;
  before(async () => {
    app = await startApp();
    owner = await openPage(app, DESKTOP);
    await signInDemo(owner.page);
    story = await publishedStory(owner.page);
    assert.equal((await api(owner.page, "PATCH", `/api/worlds/${WORLD_ID}`, { visibility: "public" })).status, 200);
  });
  after(async () => {
    await app?.stop();
  });

  it("plays a published story for a reader on a phone, from the world's public page", async (t) => {
    const reader = await openPage(app, PHONE);
    const { page } = reader;
    await page.goto(`/w/${WORLD_ID}`);
    await page.getByRole("link", { name: /The Lantern Road/ }).click();
    await page.waitForURL(`**/w/${WORLD_ID}/stories/${story}`);
    // Server-rendered with its card for other sites, as a crawler reads it (no script run).
    const html = await (await page.request.get(`/w/${WORLD_ID}/stories/${story}`)).text();
    assert.match(html, /<meta property="og:title" content="The Lantern Road"\/>/);
    assert.match(html, /<link rel="alternate" type="application\/json\+oembed" href="[^"]*\/api\/oembed\?url=/);
    assert.match(html, /The lantern flickered at the gate\./);

    const player = page.getByRole("region", { name: /Story player/ });
    await waitFor(t.signal, "the first scene", async () => (await player.getByTestId("player-scene").textContent()) === "Dawn");
    assert.match(await player.getByTestId("player-text").textContent(), /The lantern flickered at the gate\.\s*Mira shouldered her pack\./);
    await player.getByRole("button", { name: "Next scene" }).click();
    await waitFor(t.signal, "the second scene", async () => (await player.getByTestId("player-scene").textContent()) === "The ford");
    // A swipe to the left turns to the next scene (the next chapter here).
    const box = await player.getByTestId("player-text").boundingBox();
    await player.getByTestId("player-text").dispatchEvent("touchstart", { touches: [{ identifier: 1, clientX: box.x + 250, clientY: box.y + 20 }], changedTouches: [], targetTouches: [] });
    await player.getByTestId("player-text").dispatchEvent("touchend", { touches: [], changedTouches: [{ identifier: 1, clientX: box.x + 40, clientY: box.y + 25 }], targetTouches: [] });
    await waitFor(t.signal, "the next chapter after a swipe", async () => (await player.getByTestId("player-chapter").textContent()) === "The crossing");
    // The keyboard goes back; the chapter list jumps.
    await player.focus();
    await page.keyboard.press("ArrowLeft");
    await waitFor(t.signal, "the previous scene", async () => (await player.getByTestId("player-scene").textContent()) === "The ford");
    await player.getByRole("button", { name: "Chapters" }).click();
    await player.getByRole("button", { name: /The crossing/ }).click();
    await waitFor(t.signal, "the chosen chapter", async () => (await player.getByTestId("player-scene").textContent()) === "Far shore");
    assert.equal(await overflowsHorizontally(page), false, "the reading page fits the phone");
    await screenshot(page, "player-phone");
    assert.deepEqual(reader.problems, []);
    await reader.context.close();
  });

  it("reads a narrated, illustrated story aloud on a phone, lighting the words, and goes on to the next scene", async (t) => {
    // The owner illustrates and narrates the whole story (the offline `local` provider here).
    for (const action of ["illustrate", "narrate"]) {
      const queued = await api(owner.page, "POST", `/api/worlds/${WORLD_ID}/stories/${story}/${action}`, {});
      assert.equal(queued.status, 202, JSON.stringify(queued.json));
      const job = await waitFor(t.signal, `the ${action} job`, async () => {
        const read = await api(owner.page, "GET", `/api/jobs/${queued.json.job.id}`);
        return ["succeeded", "failed", "cancelled"].includes(read.json?.job?.status) && read.json.job;
      });
      assert.equal(job.status, "succeeded", job.error ?? "");
    }

    const reader = await openPage(app, PHONE);
    const { page } = reader;
    await page.goto(`/w/${WORLD_ID}/stories/${story}`);
    const player = page.getByRole("region", { name: /Story player/ });
    await waitFor(t.signal, "the first scene's picture", async () => (await player.getByRole("img", { name: /Illustration/ }).count()) === 1);
    assert.match(await player.textContent(), /offline rendering/, "offline media says so");
    await player.getByRole("button", { name: "Play" }).click();
    // Words light up one after another as the narration plays.
    const lit = new Set();
    await waitFor(t.signal, "three different words lit", async () => {
      const word = await player.locator('[data-word][aria-current="true"]').getAttribute("data-word", { timeout: 200 }).catch(() => null);
      if (word !== null) lit.add(word);
      return lit.size >= 3;
    }, 50);
    // When the scene's narration ends, the next scene follows and goes on playing.
    await waitFor(t.signal, "the next scene after the narration ends", async () => (await player.getByTestId("player-scene").textContent()) === "The ford");
    await waitFor(t.signal, "the next scene playing", async () => (await player.getByRole("button", { name: "Pause" }).count()) === 1);
    assert.equal(await overflowsHorizontally(page), false);
    await screenshot(page, "player-narrated-phone");
    assert.deepEqual(reader.problems, []);
    await reader.context.close();
  });

  it("keeps a signed-in reader's place, lets them take the story away as an EPUB, and plays a playlist of two stories one after the other", async (t) => {
    const reader = await openPage(app, PHONE);
    const { page } = reader;
    await signUp(page, "Reader");
    await page.goto(`/w/${WORLD_ID}/stories/${story}`);
    const player = page.getByRole("region", { name: /Story player/ });
    await player.getByRole("button", { name: "Next scene" }).click();
    await waitFor(t.signal, "the second scene", async () => (await player.getByTestId("player-scene").textContent()) === "The ford");
    const place = await waitFor(t.signal, "the place kept", async () => {
      const played = await api(page, "GET", `/api/worlds/${WORLD_ID}/stories/${story}/play`);
      return played.json?.progress?.sceneId && played.json.progress;
    });
    assert.ok(place.sceneId);

    // The reader takes the story away as an EPUB, which EPUBCheck passes.
    await page.getByRole("button", { name: /^Download/ }).click();
    const dialog = page.getByRole("dialog", { name: "Export story" });
    await dialog.getByRole("radio", { name: /^EPUB/ }).check();
    await dialog.getByRole("button", { name: "Export", exact: true }).click();
    const link = dialog.getByTestId("export-row").first().getByRole("link", { name: "Download" });
    await link.waitFor({ timeout: 0 });
    const epub = await reader.context.request.get(await link.getAttribute("href"));
    assert.equal(epub.status(), 200);
    const dir = mkdtempSync(join(tmpdir(), "loreloom-player-e2e-"));
    try {
      writeFileSync(join(dir, "story.epub"), Buffer.from(await epub.body()));
      const check = spawnSync("java", ["-jar", process.env.EPUBCHECK_JAR ?? "/usr/share/java/epubcheck.jar", join(dir, "story.epub")], { encoding: "utf8" });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout + check.stderr, /No errors or warnings detected/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await dialog.getByRole("button", { name: "Close" }).click();

    await page.goto("/playlists");
    await page.getByLabel("Playlist title").fill("Road stories");
    await page.getByRole("button", { name: "New playlist" }).click();
    await page.waitForURL("**/playlists/*");
    const playlistUrl = page.url();
    const playlistId = playlistUrl.split("/").at(-1);
    // A second story, short and narrated, after the first.
    const second = (await api(owner.page, "POST", `/api/worlds/${WORLD_ID}/stories`, { title: "Bells at Night", template: "bedtime" })).json.story.id;
    const secondBase = `/api/worlds/${WORLD_ID}/stories/${second}`;
    const chapter = (await api(owner.page, "POST", `${secondBase}/chapters`, { title: "Night" })).json.chapter.id;
    await api(owner.page, "POST", `${secondBase}/chapters/${chapter}/scenes`, { title: "Bells", text: "The bells rang softly." });
    assert.equal((await api(owner.page, "PATCH", secondBase, { status: "published" })).status, 200);
    const narrated = await api(owner.page, "POST", `${secondBase}/narrate`, {});
    await waitFor(t.signal, "the second story's narration", async () => (await api(owner.page, "GET", `/api/jobs/${narrated.json.job.id}`)).json?.job?.status === "succeeded");

    for (const storyId of [story, second]) assert.equal((await api(page, "POST", `/api/playlists/${playlistId}/stories`, { storyId })).status, 200);
    await page.reload();
    await waitFor(t.signal, "the playlist's first story", async () => /Story 1 of 2: The Lantern Road/.test((await page.getByTestId("playlist-now").textContent().catch(() => "")) ?? ""));
    // Played from the start, the first story runs to its end and the second follows, still playing.
    await page.getByRole("region", { name: /Story player/ }).getByRole("button", { name: "Play" }).click();
    await waitFor(t.signal, "the second story of the playlist", async () => /Story 2 of 2: Bells at Night/.test((await page.getByTestId("playlist-now").textContent().catch(() => "")) ?? ""));
    await waitFor(t.signal, "the second story playing", async () => (await page.getByRole("region", { name: /Story player/ }).getByRole("button", { name: "Pause" }).count()) === 1);
    assert.equal(await overflowsHorizontally(page), false, "the playlist fits the phone");
    await screenshot(page, "playlist-phone");
    assert.deepEqual(reader.problems, []);
    await reader.context.close();
  });

  it("plays in a page of another origin through its embed", async (t) => {
    const host = createServer((request, response) => {
      response.writeHead(200, { "content-type": "text/html" });
      response.end(`<!doctype html><title>A blog</title><h1>My blog</h1><iframe src="${app.url}/embed/${WORLD_ID}/stories/${story}" width="800" height="640"></iframe>`);
    });
    await new Promise((resolve) => host.listen(0, "127.0.0.1", resolve));
    try {
      const visitor = await openPage(app, DESKTOP);
      await visitor.page.goto(`http://127.0.0.1:${host.address().port}/`);
      const frame = visitor.page.frameLocator("iframe");
      const player = frame.getByRole("region", { name: /Story player/ });
      await waitFor(t.signal, "the embedded player", async () => (await player.getByTestId("player-scene").textContent().catch(() => null)) === "Dawn");
      await player.getByRole("button", { name: "Next scene" }).click();
      await waitFor(t.signal, "the next scene in the embed", async () => (await player.getByTestId("player-scene").textContent()) === "The ford");
      await screenshot(visitor.page, "player-embed");
      assert.deepEqual(visitor.problems, []);
      await visitor.context.close();
    } finally {
      host.close();
    }
  });
});
