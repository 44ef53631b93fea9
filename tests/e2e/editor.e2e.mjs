// The world editor in Chromium: build a small world on the canvas, connect, describe, restore a
// version, delete and undo, reload and find it all; a viewer cannot edit; the phone layout.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, signInDemo, signUp, skipWithoutChromium, startApp } from "./harness.mjs";

const skip = skipWithoutChromium;

async function createWorld(page, title) {
  await page.getByLabel("Title").fill(title);
  await page.getByRole("button", { name: "Create world" }).click();
  await page.waitForURL(/\/worlds\/[a-z0-9]+$/);
  await page.locator('[data-ready="true"]').waitFor();
}

const node = (page, name) => page.locator(".react-flow__node", { has: page.locator(`[data-name="${name}"]`) });
const panel = (page) => page.getByRole("complementary");

async function rename(page, name) {
  const field = panel(page).getByLabel("Name");
  await field.fill(name);
  await node(page, name).waitFor();
}

/** Waits for the room to project the last edits into D1 (it does so within about half a second). */
const settle = (page) => page.waitForTimeout(1200);

describe("the world editor", { skip }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("creates and connects elements, edits and restores a description, deletes with undo, and keeps it all after a reload", async () => {
    const { context, page, problems } = await openPage(app, DESKTOP);
    try {
      await signUp(page, "Ada Canvas");
      await createWorld(page, "Canvas Isles");

      // One element from the toolbar, one by double-clicking the canvas.
      await page.getByRole("button", { name: "+ Element" }).click();
      await panel(page).waitFor();
      await rename(page, "Ada");
      await page.getByRole("button", { name: "Close panel" }).click();
      const box = await page.getByTestId("canvas").boundingBox();
      await page.mouse.dblclick(box.x + box.width * 0.7, box.y + box.height * 0.7);
      await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length === 2);
      await rename(page, "Babbage");
      await panel(page).getByLabel("Type").selectOption("location");
      await page.getByRole("button", { name: "Close panel" }).click();

      // Connect Ada → Babbage by dragging between their handles, then pick the kind. The canvas
      // may still be settling (panel closing, viewport moving), so measure once the handles are
      // still, and drag again if a drag landed beside the handle.
      const kind = page.getByRole("dialog", { name: "Connect" });
      for (let attempt = 0; ; attempt += 1) {
        const from = await stableBox(node(page, "Ada").locator(".react-flow__handle-right"));
        // (The first left-hand handle is the dot; the second is the whole node, a drop target while connecting.)
        const to = await stableBox(node(page, "Babbage").locator(".react-flow__handle-left").first());
        await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
        await page.mouse.down();
        await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
        await page.mouse.up();
        const opened = await kind.waitFor({ timeout: 3000 }).then(() => true, () => false);
        if (opened) break;
        assert.ok(attempt < 2, "dragging between the handles never opened the Connect dialog");
      }
      await kind.getByLabel("Kind").selectOption("located_in");
      await kind.getByLabel("Label").fill("studies at");
      await kind.getByRole("button", { name: "Connect" }).click();
      await page.getByText("is located in: studies at").waitFor();

      // Auto-layout puts the source of a link to the left of its target.
      await page.getByRole("button", { name: "Auto-layout" }).click();
      await page.waitForFunction(() => {
        const x = (name) => document.querySelector(`[data-name="${name}"]`)?.getBoundingClientRect().x ?? 0;
        return x("Ada") + 50 < x("Babbage");
      });

      // The viewport glides to fit the new layout; click once it has come to rest.
      await stableBox(page.locator('[data-name="Ada"]'));
      // Two versions of a description (Save version ends the first), then restore the first.
      await node(page, "Ada").click();
      const description = panel(page).getByLabel("Description (Markdown)");
      await description.fill("Counts the **stars** over the isles.");
      await settle(page);
      await panel(page).getByRole("button", { name: "Save version" }).click();
      await panel(page).getByRole("status").filter({ hasText: /^Saved as version \d+/ }).waitFor();
      await description.fill("Charts the tides of the brass sea.");
      await settle(page);
      await panel(page).getByRole("button", { name: /Version history/ }).click();
      // Newest first: the second entry is the first draft.
      const firstDraft = panel(page).getByTestId("version").nth(1);
      await firstDraft.waitFor();
      await firstDraft.click();
      const diff = panel(page).getByTestId("version-diff");
      // What that version had and the current one lacks shows as removed words.
      assert.match((await diff.locator("del").allInnerTexts()).join(" "), /Counts.*stars/);
      assert.match((await diff.locator("ins").allInnerTexts()).join(" "), /Charts.*tides/);
      await screenshot(page, "editor-version-diff-desktop");
      await diff.getByRole("button", { name: /Restore version \d+/ }).click();
      await page.waitForFunction(
        () => document.querySelector('[data-testid="description-editor"]')?.innerText === "Counts the **stars** over the isles.",
      );
      await panel(page).getByRole("tab", { name: "preview" }).click();
      assert.equal(await panel(page).getByTestId("description-preview").locator("strong").innerText(), "stars");
      await settle(page);
      await screenshot(page, "editor-desktop");

      // Reload: everything came back from the room.
      await page.reload();
      await page.locator('[data-ready="true"]').waitFor();
      await node(page, "Babbage").waitFor();
      await page.getByText("is located in: studies at").waitFor();
      await node(page, "Ada").click();
      assert.equal(await panel(page).getByLabel("Description (Markdown)").innerText(), "Counts the **stars** over the isles.");
      await page.getByRole("button", { name: "Close panel" }).click();

      // Select both, delete (with a confirmation), then undo. Ada's panel, docked on the right,
      // covers part of Babbage: the second is Ctrl-clicked on its visible, left-hand end, as a
      // person would (its middle may be under the panel).
      await node(page, "Ada").click();
      await page.getByRole("complementary", { name: "Element: Ada" }).waitFor();
      await node(page, "Babbage").click({ modifiers: ["Control"], position: { x: 16, y: 16 } });
      await page.getByRole("button", { name: "Delete (2)" }).click();
      const confirm = page.getByRole("dialog", { name: "Delete?" });
      await confirm.getByRole("button", { name: "Delete" }).click();
      await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length === 0);
      const toast = page.getByRole("status").filter({ hasText: "Deleted 2 elements and 1 relationship" });
      await toast.getByRole("button", { name: "Undo" }).click();
      await node(page, "Ada").waitFor();
      await node(page, "Babbage").waitFor();
      await page.getByText("is located in: studies at").waitFor();
      await settle(page);

      // The API (D1 projection) agrees with the canvas.
      const worldId = new URL(page.url()).pathname.split("/").pop();
      const graph = await page.evaluate(async (id) => (await fetch(`/api/worlds/${id}`)).json(), worldId);
      assert.deepEqual(graph.elements.map((e) => e.name).sort(), ["Ada", "Babbage"]);
      assert.equal(graph.relationships.length, 1);
      assert.equal(graph.elements.find((e) => e.name === "Ada").description, "Counts the **stars** over the isles.");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("shows a public world read-only to someone who is not a member", async () => {
    const { context, page, problems } = await openPage(app, DESKTOP);
    try {
      await signUp(page, "Vera Viewer");
      await page.goto("/worlds/demoworld0000001");
      await page.locator('[data-ready="true"]').waitFor();
      await page.getByText("View only").waitFor();
      assert.equal(await page.getByRole("button", { name: "+ Element" }).count(), 0);
      await page.locator('[data-name="Mosshide Stag"]').click();
      assert.equal(await panel(page).getByLabel("Name").getAttribute("readonly"), "");
      assert.equal(await panel(page).getByText("Secret").count(), 0);
      assert.equal(await panel(page).getByRole("button", { name: /Delete/ }).count(), 0);
      await screenshot(page, "editor-viewer-desktop");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("fits a phone: toolbar, canvas and the element sheet", async () => {
    const { context, page, problems } = await openPage(app, PHONE);
    try {
      await signInDemo(page);
      await page.goto("/worlds/demoworld0000001");
      await page.locator('[data-ready="true"]').waitFor();
      assert.equal(await overflowsHorizontally(page), false, "editor overflows on a phone");
      await screenshot(page, "editor-phone");
      await page.locator('[data-name="Thornwall Citadel"]').click();
      await panel(page).waitFor();
      assert.equal(await overflowsHorizontally(page), false, "element sheet overflows on a phone");
      await screenshot(page, "editor-panel-phone");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("downloads the element panel when one is first opened, and says so in place when that download fails", async () => {
    // No service worker: it would answer from its precache, and this is the first visit's case
    // (offline, or a file gone after a deploy) that the precache does not cover.
    const { context, page, problems } = await openPage(app, DESKTOP, { serviceWorkers: "block" });
    const panelChunk = /\/assets\/element-panel-[\w-]+\.js$/;
    const fetched = [];
    page.on("request", (request) => fetched.push(request.url()));
    try {
      await signUp(page, "Lena Lazy");
      await createWorld(page, "Split Isles");
      await page.waitForLoadState("networkidle");
      assert.equal(fetched.filter((url) => panelChunk.test(url)).length, 0, "the element panel was downloaded before anyone opened it");

      await page.route(panelChunk, (route) => route.abort("internetdisconnected"));
      await page.getByRole("button", { name: "+ Element" }).click();
      const notLoaded = page.getByTestId("part-not-loaded");
      await notLoaded.waitFor();
      assert.match(await notLoaded.innerText(), /could not be downloaded/);
      // The rest of the editor goes on: the new element is on the canvas.
      assert.equal(await page.locator(".react-flow__node").count(), 1);

      // Back online, a reload brings it (the browser keeps a failed module's failure for the
      // page's life); the element made meanwhile is there.
      await page.unroute(panelChunk);
      await notLoaded.getByRole("button", { name: "Reload the page" }).click();
      await page.locator('[data-ready="true"]').waitFor();
      await page.locator(".react-flow__node").first().click();
      await panel(page).getByLabel("Name").waitFor();
      assert.equal(await notLoaded.count(), 0);
      assert.deepEqual(
        problems.filter((problem) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch dynamically imported module/.test(problem)),
        [],
      );
    } finally {
      await context.close();
    }
  });
});

/** A locator's box once it has stopped moving (two reads 100 ms apart agree). */
async function stableBox(locator) {
  let previous = await locator.boundingBox();
  for (let i = 0; i < 30; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const box = await locator.boundingBox();
    if (box && previous && box.x === previous.x && box.y === previous.y) return box;
    previous = box;
  }
  return previous;
}
