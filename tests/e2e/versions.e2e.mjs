// Versions as a person meets them (issue 15): typing with pauses is one version in the element's
// history (while every pause still reaches the API at once), *Save version* in the history starts
// the next one, and each entry says who changed what in words people use — on a desktop and on a
// phone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, SCREENSHOT_DIR, openPage, overflowsHorizontally, signUp, skipWithoutChromium, startApp, waitFor } from "./harness.mjs";

const skip = skipWithoutChromium;
const panel = (page) => page.getByRole("complementary");

/** The element as the API (the D1 projection) has it. */
async function elementNamed(page, worldId, name) {
  const graph = await page.evaluate(async (id) => (await fetch(`/api/worlds/${id}`)).json(), worldId);
  return graph.elements.find((element) => element.name === name) ?? null;
}

async function versionsOf(page, worldId, elementId) {
  return (await page.evaluate(async ([w, e]) => (await fetch(`/api/worlds/${w}/elements/${e}/versions`)).json(), [worldId, elementId])).versions;
}

async function coalesceAndSave(viewport, label, signal) {
  const { context, page, problems } = await openPage(app, viewport);
  try {
    await signUp(page, `Vera ${label}`);
    await page.getByLabel("Title").fill(`Tidewater ${label}`);
    await page.getByRole("button", { name: "Create world" }).click();
    await page.waitForURL(/\/worlds\/[a-z0-9]+$/);
    await page.locator('[data-ready="true"]').waitFor();
    const worldId = new URL(page.url()).pathname.split("/").pop();

    await page.getByRole("button", { name: "+ Element" }).click();
    await panel(page).getByLabel("Name").fill("Tide Clock");
    await page.locator('[data-name="Tide Clock"]').waitFor();
    const description = panel(page).getByLabel("Description (Markdown)");
    // Four pauses in typing: each reaches the API at once, all of them are one version.
    const drafts = ["A clock", "A clock that keeps", "A clock that keeps the tides", "A clock that keeps the tides of the drowned city."];
    for (const draft of drafts) {
      await description.fill(draft);
      await waitFor(signal, `"${draft}" in the API`, async () => (await elementNamed(page, worldId, "Tide Clock"))?.description === draft);
    }
    const element = await elementNamed(page, worldId, "Tide Clock");
    assert.equal((await versionsOf(page, worldId, element.id)).length, 1);

    const history = panel(page).getByRole("region", { name: "Versions" });
    await history.getByRole("button", { name: /Version history/ }).click();
    const entries = history.getByTestId("version");
    await entries.first().waitFor();
    assert.equal(await entries.count(), 1);
    assert.match(await entries.first().innerText(), /^v1\s*current · Vera \w+ created it · just now$/);

    // Save version: the next change is version 2, and the history says what it changed.
    const save = history.getByRole("button", { name: "Save version" });
    await save.scrollIntoViewIfNeeded();
    await save.click();
    await history.getByRole("status").filter({ hasText: "Saved as version 1; your next change starts version 2." }).waitFor();
    await description.fill("A clock that keeps the tides of the drowned city. It runs backwards.");
    await panel(page).getByLabel("Tags (comma-separated)").fill("relic, tide");
    await panel(page).getByLabel("Tags (comma-separated)").blur();
    await waitFor(signal, "version 2 in the history", async () => (await entries.count()) === 2 && /tags/.test(await entries.first().innerText()));
    assert.match(await entries.first().innerText(), /^v2\s*current · Vera \w+ changed the description and tags · just now$/);
    assert.match(await entries.nth(1).innerText(), /^v1 · Vera \w+ created it/);
    // The panel's version is the history's newest.
    await panel(page).getByText(/· version 2$/).waitFor();
    await entries.nth(1).click();
    await history.getByTestId("version-diff").getByText("Description:").waitFor();
    assert.equal(await overflowsHorizontally(page), false, "the history overflows");
    // The sheet scrolls by itself on a phone: a picture of the screen as it is, history in view.
    await save.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOT_DIR}/versions-history-${label}.png` });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}

let app;
describe("element versions in the browser", { skip }, () => {
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("gathers a session's typing into one version and saves it on a desktop", { timeout: 180_000 }, async (t) => {
    await coalesceAndSave(DESKTOP, "desktop", t.signal);
  });

  it("does the same on a phone, with Save version within reach in the sheet", { timeout: 180_000 }, async (t) => {
    await coalesceAndSave(PHONE, "phone", t.signal);
  });
});
