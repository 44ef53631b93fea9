// Export and import (catalogue F4) as a person meets them: export a world from the editor, download
// the ZIP, open its offline viewer straight from disk (file://, no server) and see the world, then
// import the ZIP on the dashboard and land in a new world with the same elements.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { unzipSync } from "fflate";
import { zipBomb } from "./zip-attacks.mjs";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, signInDemo, skipWithoutChromium, startApp, waitFor, editorTool } from "./harness.mjs";

const skip = skipWithoutChromium;
const WORLD_ID = "demoworld0000001";
const WORLD = `/worlds/${WORLD_ID}`;

/** One generated element with an illustration, a clip and narration, so the archive carries media. */
async function generateElement(context, signal) {
  const started = await context.request.post(`/api/worlds/${WORLD_ID}/generate`, {
    data: { prompt: "a lantern-bearing heron who guards the drowned archive", type: "creature" },
  });
  assert.equal(started.status(), 202);
  const { job } = await started.json();
  return waitFor(signal, "the generation", async () => {
    const { job: now } = await (await context.request.get(`/api/jobs/${job.id}`)).json();
    assert.notEqual(now.status, "failed", now.error);
    return now.status === "succeeded" && now;
  });
}

function unzipTo(zipPath, dir) {
  const files = unzipSync(readFileSync(zipPath));
  for (const [name, bytes] of Object.entries(files)) {
    const target = join(dir, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
  return files;
}

describe("export and import a world", { skip }, () => {
  let app;
  let workDir;
  before(async () => {
    app = await startApp();
    workDir = mkdtempSync(join(tmpdir(), "loreloom-export-e2e-"));
  });
  after(async () => {
    await app?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  // One generous limit for the whole journey; nothing inside it waits on a clock of its own.
  it("exports from the editor, opens the offline viewer from disk, and imports the ZIP back", { timeout: 300_000 }, async (t) => {
    const { page, problems, context } = await openPage(app, DESKTOP);
    try {
      await signInDemo(page);
      const generated = await generateElement(context, t.signal);
      const original = await (await context.request.get(`/api/worlds/${WORLD_ID}`)).json();
      const heron = original.elements.find((e) => e.id === generated.result.elementIds[0]);
      assert.ok(heron.assets.image && heron.assets.audio, "the generated element has media");

      // Export in the editor: the dialog follows the job and offers the download when ready.
      await page.goto(WORLD);
      await page.locator('[data-ready="true"]').waitFor();
      await page.getByRole("button", { name: "Export", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Export world" });
      await dialog.getByText("None yet.").waitFor();
      // Secrets leave only when someone ticks the box for this export.
      const secrets = dialog.getByLabel(/Include secrets/);
      assert.equal(await secrets.isChecked(), false);
      await dialog.getByRole("button", { name: "Export as ZIP" }).click();
      const row = dialog.getByTestId("export-row").first();
      assert.doesNotMatch(await row.innerText(), /with secrets/);
      const link = row.getByRole("link", { name: "Download" });
      await link.waitFor({ timeout: 0 });
      await row.getByText("Ready").waitFor();
      assert.match(await link.getAttribute("href"), /^\/api\/exports\/[a-z0-9]+\/download\?expires=\d+&sig=[0-9a-f]{64}$/);
      await screenshot(page, "export-dialog-desktop");
      const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
      assert.match(download.suggestedFilename(), /^the-verdant-reach-\d{4}-\d{2}-\d{2}\.zip$/);
      const zipPath = join(workDir, download.suggestedFilename());
      await download.saveAs(zipPath);
      assert.deepEqual(problems, []);

      // The offline viewer, opened from the unzipped folder with no server.
      const folder = join(workDir, "unzipped");
      const files = unzipTo(zipPath, folder);
      const doc = JSON.parse(Buffer.from(files["world.json"]).toString());
      assert.equal(doc.elements.length, original.elements.length);
      const viewer = await openPage(app, DESKTOP);
      const offline = viewer.page;
      const requests = [];
      offline.on("request", (request) => requests.push(request.url()));
      await offline.goto(pathToFileURL(join(folder, "index.html")).href);
      await offline.getByRole("heading", { name: "The Verdant Reach" }).waitFor();
      const list = offline.getByRole("list", { name: "Elements" });
      for (const name of ["Thornwall Citadel", "Queen Ysolde Mirewen", heron.name]) await list.getByText(name, { exact: true }).waitFor();
      assert.equal(await offline.locator("#graph .node").count(), doc.elements.length);
      // The heron's illustration loads from assets/ beside the page.
      const thumb = list.getByRole("button", { name: new RegExp(heron.name) }).locator("img");
      await offline.waitForFunction((img) => img.complete && img.naturalWidth > 0, await thumb.elementHandle());
      await screenshot(offline, "offline-viewer-desktop");
      await offline.getByLabel("Search elements").fill("thorn");
      await list.getByText("Thornwall Citadel").waitFor();
      assert.equal(await list.getByText("Mosshide Stag").count(), 0);
      await offline.getByLabel("Search elements").fill("");
      await list.getByRole("button", { name: new RegExp(heron.name) }).click();
      const details = offline.locator("#details");
      await details.getByRole("heading", { name: heron.name }).waitFor();
      assert.equal(await details.locator("audio").count(), 1);
      await offline.waitForFunction(() => [...document.querySelectorAll("#details img")].every((img) => img.complete && img.naturalWidth > 0));
      await screenshot(offline, "offline-viewer-details-desktop");
      assert.ok(requests.every((url) => url.startsWith("file://")), `only local files: ${requests.filter((u) => !u.startsWith("file://")).join(", ")}`);
      assert.deepEqual(viewer.problems, []);
      await viewer.context.close();

      const phoneViewer = await openPage(app, PHONE);
      await phoneViewer.page.goto(pathToFileURL(join(folder, "index.html")).href);
      await phoneViewer.page.getByRole("list", { name: "Elements" }).getByText("Thornwall Citadel").waitFor();
      assert.equal(await overflowsHorizontally(phoneViewer.page), false);
      await phoneViewer.page.screenshot({ path: "test-results/screenshots/offline-viewer-phone.png" });
      await phoneViewer.page.getByRole("list", { name: "Elements" }).getByRole("button", { name: /Queen Ysolde Mirewen/ }).click();
      await phoneViewer.page.locator("#details").getByRole("heading", { name: "Queen Ysolde Mirewen" }).waitFor();
      await phoneViewer.page.screenshot({ path: "test-results/screenshots/offline-viewer-details-phone.png" });
      assert.deepEqual(phoneViewer.problems, []);
      await phoneViewer.context.close();

      // Import on the dashboard: the import runs in the background and the button follows it; a
      // bad file says why once it has been read; the export opens as a new world when it is done.
      await page.goto("/worlds");
      const picker = page.getByLabel("Import a world from a Loreloom export (.zip)");
      const notZip = join(workDir, "notes.zip");
      writeFileSync(notZip, "these are not the archives you are looking for");
      await picker.setInputFiles(notZip);
      await page.getByRole("alert").getByText("The file is not a ZIP archive.").waitFor({ timeout: 0 });
      await screenshot(page, "import-error-desktop");
      // A bomb: refused, with the reason, and the dashboard stays usable.
      const bombPath = join(workDir, "bomb.zip");
      writeFileSync(bombPath, zipBomb());
      await picker.setInputFiles(bombPath);
      await page.getByRole("alert").getByText(/unpacks to more than the 64 bytes it declares/).waitFor({ timeout: 0 });
      await picker.setInputFiles(zipPath);
      await page.waitForURL((url) => /^\/worlds\/[a-z0-9]{16}$/.test(url.pathname) && !url.pathname.endsWith(WORLD_ID), { timeout: 0 });
      await page.locator('[data-ready="true"]').waitFor();
      const newId = new URL(page.url()).pathname.split("/").pop();
      for (const name of ["Thornwall Citadel", "Queen Ysolde Mirewen", heron.name]) await page.getByText(name, { exact: true }).first().waitFor();
      const imported = await (await context.request.get(`/api/worlds/${newId}`)).json();
      assert.equal(imported.world.title, "The Verdant Reach");
      assert.equal(imported.world.visibility, "private");
      const names = (graph) => graph.elements.map((e) => `${e.type}:${e.name}:${e.position.x},${e.position.y}`).sort();
      assert.deepEqual(names(imported), names(original));
      assert.equal(imported.relationships.length, original.relationships.length);
      const importedHeron = imported.elements.find((e) => e.name === heron.name);
      const [before, afterImport] = await Promise.all([context.request.get(`/api/assets/${heron.assets.audio}`), context.request.get(`/api/assets/${importedHeron.assets.audio}`)]);
      assert.deepEqual(await afterImport.body(), await before.body());
      await screenshot(page, "imported-world-desktop");

      // On the dashboard the import no longer looks like its source: its card names the file.
      await page.goto("/worlds");
      const card = page.getByRole("listitem").filter({ has: page.locator(`a[href="/worlds/${newId}"]`) });
      assert.equal(await card.getByTestId("world-origin").innerText(), `Imported from ${download.suggestedFilename()}`);
      const source = page.getByRole("listitem").filter({ has: page.locator(`a[href="${WORLD}"]`) });
      assert.equal(await source.getByTestId("world-origin").count(), 0);
      await screenshot(page, "imported-world-card-desktop");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("fits a phone: the export dialog and the dashboard's import button", async () => {
    const { page, problems, context } = await openPage(app, PHONE);
    try {
      await signInDemo(page);
      await page.getByText("Import world").waitFor();
      assert.equal(await overflowsHorizontally(page), false);
      await page.screenshot({ path: "test-results/screenshots/import-dashboard-phone.png" });
      await page.goto(WORLD);
      await page.locator('[data-ready="true"]').waitFor();
      await editorTool(page, "Export");
      const dialog = page.getByRole("dialog", { name: "Export world" });
      assert.equal(await dialog.getByLabel(/Include secrets/).isChecked(), false);
      const row = dialog.getByTestId("export-row").first();
      await row.getByText("Ready").waitFor();
      assert.equal(await overflowsHorizontally(page), false);
      // Nothing in the row runs under the Download button or out of the dialog.
      const fits = await row.evaluate((li) => [li, ...li.querySelectorAll("span")].every((el) => el.scrollWidth <= el.clientWidth + 1 || getComputedStyle(el).display === "inline"));
      assert.equal(fits, true);
      const [text, button] = await Promise.all([row.locator("span.flex-1").boundingBox(), row.getByRole("button", { name: "Download" }).boundingBox()]);
      assert.ok(text.x + text.width <= button.x + 1 || text.y + text.height <= button.y + 1, "the details and the Download button do not overlap");
      await page.screenshot({ path: "test-results/screenshots/export-dialog-phone.png" });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
