// AI generation as a person meets it: ask for an element, watch the job's stages, open what it
// made (an illustration, narration that plays, provenance saying it is an offline rendering),
// refine it; a world from a prompt on the dashboard; an element from a photo; and two people
// asking to refine one element at once settle it with one choice.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { query, sqlString } from "../../scripts/lib/local-d1.mjs";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, signInDemo, skipWithoutChromium, startApp, uniqueEmail } from "./harness.mjs";

const skip = skipWithoutChromium;
const WORLD_ID = "demoworld0000001";
const WORLD = `/worlds/${WORLD_ID}`;

async function openWorld(page) {
  await page.goto(WORLD);
  await page.locator('[data-ready="true"]').waitFor();
}

/** The tray's card for the job whose prompt says `text` (jobs finished a moment ago show there too). */
const jobCard = (page, status, text) => page.getByRole("list", { name: "Generation jobs" }).locator(`li[data-job-status="${status}"]`).filter({ hasText: text });

describe("AI generation in the editor", { skip }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("generates an element with its stages shown, then opens, plays and refines it", async () => {
    const { page, problems, context } = await openPage(app, DESKTOP);
    try {
      await signInDemo(page);
      await openWorld(page);
      await page.getByRole("button", { name: "✦ Generate" }).click();
      const dialog = page.getByRole("dialog", { name: "Generate an element" });
      await dialog.getByLabel("Describe it").fill("a brass lighthouse keeper who talks to clockwork gulls");
      await dialog.getByLabel("Type").selectOption("character");
      await dialog.getByRole("button", { name: "Generate" }).click();

      // The job shows up with a bar per stage, then finishes.
      const tray = page.getByRole("list", { name: "Generation jobs" });
      await tray.getByRole("progressbar").first().waitFor();
      const done = jobCard(page, "succeeded", "brass lighthouse keeper");
      await done.waitFor({ timeout: 30_000 });
      await done.getByText(/Generated “.+”/).waitFor();
      for (const stage of ["Text", "Image", "Clip", "Narration", "Into the world"]) {
        await done.getByRole("progressbar", { name: `${stage}: succeeded` }).waitFor();
      }
      await screenshot(page, "generation-desktop");

      // Open what it made: the illustration loads, the narration is real audio, provenance says who made it.
      await done.getByRole("button", { name: "Open" }).click();
      const panel = page.getByRole("complementary");
      const image = panel.getByRole("img").first();
      await image.waitFor();
      assert.match(await image.getAttribute("src"), /^\/api\/assets\/worlds\/.+\.svg$/);
      await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await image.elementHandle());
      const audioSrc = await panel.locator("audio").getAttribute("src");
      const audio = await context.request.get(audioSrc);
      assert.equal(audio.status(), 200);
      assert.equal(audio.headers()["content-type"], "audio/wav");
      assert.equal((await audio.body()).subarray(0, 4).toString(), "RIFF");
      await panel.getByText("Offline rendering").first().waitFor();
      await panel.getByRole("list", { name: "Provenance" }).getByText(/Narration: local · mespeak/).waitFor();

      // Refine it: the description grows and the job's stages show in the panel.
      const description = panel.getByLabel("Description (Markdown)");
      const before = await description.innerText();
      await panel.getByLabel("Ask the AI to rewrite or extend this element").fill("make him older and more secretive");
      await panel.getByRole("button", { name: "Refine" }).click();
      const deadline = Date.now() + 30_000;
      while ((await description.innerText()).length <= before.length) {
        assert.ok(Date.now() < deadline, "the refined description did not arrive");
        await page.waitForTimeout(100);
      }
      await panel.getByRole("progressbar", { name: "Into the world: succeeded" }).waitFor({ timeout: 30_000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }

    // The same on a phone: the panel is a sheet, nothing overflows.
    const phone = await openPage(app, PHONE);
    try {
      await signInDemo(phone.page);
      await openWorld(phone.page);
      await phone.page.getByRole("button", { name: "✦ Generate" }).click();
      const dialog = phone.page.getByRole("dialog", { name: "Generate an element" });
      await dialog.getByLabel("Describe it").fill("a tide clock that runs backwards");
      await dialog.getByRole("button", { name: "Generate" }).click();
      const done = jobCard(phone.page, "succeeded", "tide clock");
      await done.waitFor({ timeout: 30_000 });
      await done.getByRole("button", { name: "Open" }).click();
      await phone.page.getByRole("complementary").getByRole("img").first().waitFor();
      assert.equal(await overflowsHorizontally(phone.page), false);
      await screenshot(phone.page, "generation-phone");
      assert.deepEqual(phone.problems, []);
    } finally {
      await phone.context.close();
    }
  });

  it("seeds a new world from a prompt on the dashboard", async () => {
    const { page, problems, context } = await openPage(app, DESKTOP);
    try {
      await signInDemo(page);
      await page.getByLabel(/Describe your world/).fill("a drowned clockwork city where lanterns keep the tides");
      await page.getByRole("button", { name: "Generate world" }).click();
      await page.waitForURL(/\/worlds\/[a-z0-9]+$/);
      // The title is the first thing the prompt names, whole.
      await page.getByRole("heading", { level: 1, name: "The Drowned Clockwork City" }).waitFor();
      await page.locator('[data-ready="true"]').waitFor();
      const deadline = Date.now() + 60_000;
      while (Number(await page.getByTestId("canvas").getAttribute("data-node-count")) < 8) {
        assert.ok(Date.now() < deadline, "the seeded elements did not arrive");
        await page.waitForTimeout(200);
      }
      // However far the seed job got before the editor opened, the tray shows it and how it ended.
      const seeded = page.getByRole("list", { name: "Generation jobs" }).locator("li").filter({ hasText: "Seeding the world" });
      await seeded.getByText(/Generated \d+ elements/).waitFor({ timeout: 30_000 });
      await seeded.getByRole("progressbar", { name: "Into the world: succeeded" }).waitFor();
      const worldId = new URL(page.url()).pathname.split("/").pop();
      const { jobs } = await page.evaluate((id) => fetch(`/api/worlds/${id}/jobs`).then((r) => r.json()), worldId);
      assert.equal(jobs[0].kind, "world_seed");
      assert.equal(jobs[0].status, "succeeded");
      await screenshot(page, "generation-seed-desktop");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("turns a photo into an element, and refuses one over 10 MB before sending it", async () => {
    const { page, problems, context } = await openPage(app, PHONE);
    try {
      await signInDemo(page);
      await openWorld(page);
      // Any real picture will do: a piece of the page itself, as PNG.
      const photo = await page.screenshot({ clip: { x: 0, y: 0, width: 160, height: 120 } });
      await page.getByRole("button", { name: "From photo" }).click();
      const dialog = page.getByRole("dialog", { name: "An element from a photo or sketch" });
      const input = dialog.getByLabel(/Photo or sketch/);
      assert.equal(await input.getAttribute("accept"), "image/*");
      assert.equal(await input.getAttribute("capture"), "environment");
      let uploads = 0;
      page.on("request", (request) => request.url().endsWith("/photo") && uploads++);
      await input.setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
      await dialog.getByRole("button", { name: "Generate" }).click();
      await dialog.getByRole("alert").filter({ hasText: "Photos are limited to 10 MB." }).waitFor();
      assert.equal(uploads, 0);

      await input.setInputFiles({ name: "sketch.png", mimeType: "image/png", buffer: photo });
      await dialog.getByLabel(/What is it/).fill("a lantern found on the shore");
      await dialog.getByRole("button", { name: "Generate" }).click();
      await dialog.waitFor({ state: "detached" });
      const done = jobCard(page, "succeeded", "lantern found on the shore");
      await done.waitFor({ timeout: 30_000 });
      assert.equal(uploads, 1);
      await done.getByRole("button", { name: "Open" }).click();
      const panel = page.getByRole("complementary");
      await panel.getByRole("img").first().waitFor();
      await panel.getByRole("list", { name: "Provenance" }).getByText(/Text: local/).waitFor();
      await panel.getByRole("list", { name: "Provenance" }).scrollIntoViewIfNeeded();
      assert.equal(await overflowsHorizontally(page), false);
      await screenshot(page, "generation-photo-phone");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("offers both people a choice when they refine one element at once; one choice closes both dialogs and only that request runs", async () => {
    // The owner at a desk, the friend on a phone.
    const owner = await openPage(app, DESKTOP);
    const friend = await openPage(app, PHONE);
    try {
      await signInDemo(owner.page);
      await friend.page.goto("/");
      await friend.page.getByRole("tab", { name: "Create account" }).click();
      await friend.page.getByLabel("Your name").fill("Fen Friend");
      await friend.page.getByLabel("Email").fill(uniqueEmail("fen"));
      await friend.page.getByLabel("Password").fill("correct-horse-battery");
      await friend.page.getByRole("button", { name: "Create account" }).click();
      await friend.page.waitForURL("**/worlds");
      // Members are managed in a later issue's UI; here the owner's invitation is a row in D1.
      const me = await friend.page.evaluate(() => fetch("/api/me").then((r) => r.json()));
      query(`insert into world_members (world_id, user_id, role) values (${sqlString(WORLD_ID)}, ${sqlString(me.user.id)}, 'editor')`, app.stateDir);
      // The owner's refine is waiting in the queue (a job row with no message yet: the local queue
      // would otherwise finish it before anyone could choose).
      const ownerId = (await owner.page.evaluate(() => fetch("/api/me").then((r) => r.json()))).user.id;
      const graph = await owner.page.evaluate((id) => fetch(`/api/worlds/${id}`).then((r) => r.json()), WORLD_ID);
      const hollow = graph.elements.find((element) => element.name === "The Whispering Hollow");
      const jobA = `e2econflicta${Date.now().toString(36)}`.slice(0, 24);
      const input = JSON.stringify({ prompt: "make the hollow flooded", elementId: hollow.id, modalities: ["text"] });
      query(
        `insert into jobs (id, world_id, user_id, kind, status, input, element_id) values (${sqlString(jobA)}, ${sqlString(WORLD_ID)}, ${sqlString(ownerId)}, 'element_refine', 'queued', ${sqlString(input)}, ${sqlString(hollow.id)})`,
        app.stateDir,
      );

      for (const { page } of [owner, friend]) {
        await openWorld(page);
        await page.locator('[data-name="The Whispering Hollow"]').click();
        await page.getByRole("complementary").getByLabel("Ask the AI to rewrite or extend this element").waitFor();
      }
      await friend.page.getByRole("complementary").getByLabel("Ask the AI to rewrite or extend this element").fill("add a librarian made of moths");
      const friendAsked = friend.page.waitForResponse((r) => r.url().endsWith("/refine"));
      await friend.page.getByRole("complementary").getByRole("button", { name: "Refine" }).click();
      assert.equal((await friendAsked).status(), 409);

      // Both see the same three options.
      for (const { page } of [owner, friend]) {
        const dialog = page.getByRole("dialog", { name: "Two requests for the same element" });
        await dialog.waitFor({ timeout: 15_000 });
        await dialog.getByText("Merged (recommended)").waitFor();
        // The offline provider wrote the merge, and the option says so.
        await dialog.locator("li").first().getByText("Offline rendering").waitFor();
      }
      await screenshot(owner.page, "conflict-desktop");
      await screenshot(friend.page, "conflict-phone");
      assert.equal(await overflowsHorizontally(friend.page), false);
      const merged = await friend.page.getByRole("dialog", { name: "Two requests for the same element" }).locator("li").first().locator("p").nth(1).textContent();
      assert.match(merged, /flooded/);
      assert.match(merged, /moths/);

      await friend.page.getByRole("button", { name: "Use the merged request" }).click();
      for (const { page } of [owner, friend]) {
        await page.getByRole("dialog", { name: "Two requests for the same element" }).waitFor({ state: "detached" });
        await page.getByRole("status").filter({ hasText: "Conflict settled: the merged request runs" }).waitFor();
      }
      // The merged request runs to the end, and everyone sees it; the owner's own request never runs.
      await jobCard(owner.page, "succeeded", /flooded.*moths|moths.*flooded/i).waitFor({ timeout: 30_000 });
      const description = await owner.page.getByRole("complementary").getByLabel("Description (Markdown)").innerText();
      assert.match(description, /flood|moth/i);
      const first = await owner.page.evaluate((id) => fetch(`/api/jobs/${id}`).then((r) => r.json()), jobA);
      assert.equal(first.job.status, "cancelled");
      const history = await owner.page.evaluate((id) => fetch(`/api/worlds/${id}/history?limit=50`).then((r) => r.json()), WORLD_ID);
      const refines = history.entries.filter((entry) => entry.action === "refined" && entry.elementIds.includes(hollow.id));
      assert.equal(refines.length, 1);
      assert.match(refines[0].prompt, /flooded/);
      assert.match(refines[0].prompt, /moths/);

      // The owner asks again right away: a request is turned down as overtaken only when its author
      // has not seen the other's result, and the panel sends the version on screen, which has it.
      await owner.page.getByRole("complementary").getByLabel("Ask the AI to rewrite or extend this element").fill("give the moths a queen");
      const again = owner.page.waitForResponse((r) => r.url().endsWith("/refine"));
      await owner.page.getByRole("complementary").getByRole("button", { name: "Refine" }).click();
      assert.equal((await again).status(), 202);
      assert.deepEqual(owner.problems, []);
      // The browser logs the expected 409 itself; nothing else may go wrong.
      assert.deepEqual(friend.problems.filter((p) => !p.includes("status of 409")), []);
    } finally {
      await owner.context.close();
      await friend.context.close();
    }
  });
});
