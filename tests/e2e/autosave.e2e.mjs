// Nothing typed is lost (issue 15, point 2): every field of the element panel and of the world's
// settings saves as it is typed, says Saving… / Saved / Offline, and survives a reload made the
// moment the last key is pressed — on a desktop and on a phone, online and offline.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, editorText, openPage, screenshot, signInDemo, skipWithoutChromium, startApp, waitFor, editorTool } from "./harness.mjs";

const skip = skipWithoutChromium;
const WORLD = "/worlds/demoworld0000001";

/** The description editor's text, without carets drawn into it. */
function descriptionOf(page) {
  return editorText(page.getByRole("complementary").getByLabel("Description (Markdown)"));
}

/** Selects the element whose name ends with `marker` through the search box (it may be off-screen on a phone). */
async function selectElement(t, page, marker) {
  await waitFor(t.signal, `the element named …${marker}`, () => page.locator(`[data-name$="${marker}"]`).count());
  await page.getByLabel("Search this world").fill(marker);
  await page.getByLabel("Search this world").press("Enter");
  await page.getByRole("complementary").getByLabel("Name").waitFor();
}

async function openWorld(page) {
  await page.goto(WORLD);
  await page.locator('[data-ready="true"]').waitFor();
}

/** Types into every field of the panel of the element named `name`, reloading as the last key lands. */
async function typeEverywhereAndReload(page, panel, marker) {
  const name = panel.getByLabel("Name");
  await name.click();
  await name.press("End");
  await name.pressSequentially(` ${marker}`);
  await panel.getByLabel("Description (Markdown)").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(` Described ${marker}.`);
  const tags = panel.getByLabel(/^Tags/);
  await tags.click();
  await tags.press("End");
  await tags.pressSequentially(`, tag-${marker}`);
  const secret = panel.getByLabel(/^Secret/);
  await secret.click();
  await secret.press("Control+End");
  await secret.pressSequentially(` secret-${marker}`);
  // No waiting for "Saved": the page goes as the last key lands.
  await page.reload();
  await page.locator('[data-ready="true"]').waitFor();
}

async function expectEverywhere(t, page, marker) {
  await selectElement(t, page, marker);
  const panel = page.getByRole("complementary");
  assert.match(await panel.getByLabel("Name").inputValue(), new RegExp(`${marker}$`));
  await waitFor(t.signal, "the description typed before the reload", async () => (await descriptionOf(page)).endsWith(` Described ${marker}.`));
  assert.match(await panel.getByLabel(/^Tags/).inputValue(), new RegExp(`tag-${marker}$`));
  const secret = panel.getByLabel(/^Secret/);
  await waitFor(t.signal, "the secret typed before the reload", async () => (await secret.inputValue()).endsWith(` secret-${marker}`));
  await waitFor(t.signal, "the panel to say Saved", async () => (await panel.getByTestId("save-state").getAttribute("data-state")) === "saved");
  return panel;
}

describe("nothing typed is lost", { skip, timeout: 300_000 }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  for (const [device, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ]) {
    it(`every field of the element panel survives a reload mid-typing (${device})`, async (t) => {
      const { page, context, problems } = await openPage(app, viewport);
      // Going offline in the browser does not close an open WebSocket: the room's socket is cut
      // through Playwright's WebSocket routing as well.
      let offline = false;
      const sockets = new Set();
      await page.routeWebSocket(/\/api\/worlds\/[a-z0-9]+\/room/, (socket) => {
        if (offline) return void socket.close();
        socket.connectToServer();
        sockets.add(socket);
      });
      try {
        await signInDemo(page);
        await openWorld(page);
        // A brand-new element (not yet in D1 when typing starts) and one that has been there.
        await page.getByRole("button", { name: "+ Element" }).click();
        const panel = page.getByRole("complementary");
        await panel.getByLabel("Name").waitFor();
        const marker = `${device}${Date.now().toString(36)}`;
        await typeEverywhereAndReload(page, panel, marker);
        const reopened = await expectEverywhere(t, page, marker);
        await screenshot(page, `autosave-panel-${device}`);

        // Offline: the panel says so, and what is typed is sent when the network returns.
        offline = true;
        await context.setOffline(true);
        for (const socket of sockets) await socket.close();
        await waitFor(t.signal, "the editor to notice it is offline", async () => (await page.getByTestId("connection").textContent()).includes("Offline"));
        const secret = reopened.getByLabel(/^Secret/);
        await secret.click();
        await secret.press("Control+End");
        await secret.pressSequentially(" offline-words");
        await reopened.getByLabel("Description (Markdown)").click();
        await page.keyboard.press("Control+End");
        await page.keyboard.type(" Typed offline.");
        await waitFor(t.signal, "the panel to say the edit is kept offline", async () => (await reopened.getByTestId("save-state").getAttribute("data-state")) === "offline");
        await waitFor(t.signal, "the secret to say it is kept offline", async () => (await reopened.getByTestId("secret-save-state").getAttribute("data-state")) === "offline");
        await screenshot(page, `autosave-offline-${device}`);
        offline = false;
        await context.setOffline(false);
        await waitFor(t.signal, "the panel to say Saved again", async () => (await reopened.getByTestId("save-state").getAttribute("data-state")) === "saved");
        await waitFor(t.signal, "the secret to say Saved again", async () => (await reopened.getByTestId("secret-save-state").getAttribute("data-state")) === "saved");

        // Another browser, with nothing of this one's, finds all of it on the server.
        const other = await openPage(app, viewport);
        try {
          await signInDemo(other.page);
          await openWorld(other.page);
          await selectElement(t, other.page, marker);
          const otherPanel = other.page.getByRole("complementary");
          await waitFor(t.signal, "the offline description elsewhere", async () => (await descriptionOf(other.page)).endsWith(" Typed offline."));
          await waitFor(t.signal, "the offline secret elsewhere", async () => (await otherPanel.getByLabel(/^Secret/).inputValue()).endsWith(" offline-words"));
        } finally {
          await other.context.close();
        }
        assert.deepEqual(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|WebSocket|Failed to fetch|net::/.test(p)), []);
      } finally {
        await context.close();
      }
    });

    it(`every field of the world's settings survives a reload mid-typing (${device})`, async (t) => {
      const { page, context } = await openPage(app, viewport);
      try {
        await signInDemo(page);
        await openWorld(page);
        const marker = `w${device}${Date.now().toString(36)}`;
        await editorTool(page, "Settings");
        const dialog = page.getByRole("dialog", { name: "World settings" });
        const title = dialog.getByLabel("Title");
        await title.click();
        await title.press("End");
        await title.pressSequentially(` ${marker}`);
        const description = dialog.getByLabel("Description");
        await description.click();
        await description.press("Control+End");
        await description.pressSequentially(` About ${marker}.`);
        const tags = dialog.getByLabel(/^Tags/);
        await tags.click();
        await tags.press("End");
        await tags.pressSequentially(`, ${marker}`);
        await page.reload();
        await page.locator('[data-ready="true"]').waitFor();
        await editorTool(page, "Settings");
        const reopened = page.getByRole("dialog", { name: "World settings" });
        await waitFor(t.signal, "the title typed before the reload", async () => (await reopened.getByLabel("Title").inputValue()).endsWith(` ${marker}`));
        assert.ok((await reopened.getByLabel("Description").inputValue()).endsWith(` About ${marker}.`));
        assert.ok((await reopened.getByLabel(/^Tags/).inputValue()).endsWith(marker));
        await waitFor(t.signal, "the settings to say Saved", async () => (await reopened.getByTestId("settings-save-state").getAttribute("data-state")) === "saved");
        // The server has it: the world's public page shows the new title.
        const response = await page.request.get(`/api/worlds/demoworld0000001`);
        const { world } = await response.json();
        assert.ok(world.title.endsWith(` ${marker}`), world.title);
        assert.ok(world.tags.includes(marker), JSON.stringify(world.tags));
        // A choice saves at once.
        await reopened.getByLabel("Style").selectOption("steampunk");
        await waitFor(t.signal, "the style saved", async () => (await (await page.request.get(`/api/worlds/demoworld0000001`)).json()).world.style === "steampunk");
        await screenshot(page, `autosave-settings-${device}`);
        // Put the title back for the other tests of this file.
        const restored = world.title.slice(0, -(marker.length + 1));
        await reopened.getByLabel("Title").fill(restored);
        await waitFor(t.signal, "the title put back", async () => (await (await page.request.get(`/api/worlds/demoworld0000001`)).json()).world.title === restored);
      } finally {
        await context.close();
      }
    });
  }
});
