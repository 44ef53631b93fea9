// Issue 5's "Prove it" journey, walked once end to end as people do it, through the UI wherever
// there is one: Ada makes a world public in the Share dialog and copies its embed snippet; a visitor
// finds it in the gallery by a word from an element's name and opens its public page (no secret,
// card tags present); another site embeds it from the copied snippet; Bo forks it (no secret comes
// along); Ada exports it to a ZIP and imports it back as a new world with nothing lost.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, signUp, skipWithoutChromium, startApp } from "./harness.mjs";

const skip = skipWithoutChromium;
const FRAMING_PORT = Number(process.env.E2E_FRAMING_PORT) || Number(process.env.E2E_PORT || 8797) + 37;
const TITLE = "The Saltglass Archipelago";
const WORD = "Quillmarrow";
const SECRET_MARK = "zq-7731";
const SECRET = `The warden drowned the old king himself ${SECRET_MARK}`;

/** An API call as whoever the context is signed in as. */
async function api(context, method, path, data) {
  const response = await context.request.fetch(path, { method, data, failOnStatusCode: false });
  const text = await response.text();
  return { status: response.status(), text, json: text.startsWith("{") ? JSON.parse(text) : null };
}

/**
 * Ada's starting world, set up quickly through the API: seeded from a prompt (linked elements with
 * pictures, so the public page has a card image), plus an element named with the invented word,
 * linked to the rest, and another holding a secret.
 */
async function startingWorld(context) {
  const created = await api(context, "POST", "/api/worlds", {
    title: TITLE,
    style: "mythic",
    tags: ["islands"],
    description: "Glass-sand islands where the tide keeps the archives.",
    prompt: "glass-sand islands where the tide keeps the archives",
  });
  assert.equal(created.status, 201, created.text);
  const worldId = created.json.world.id;
  for (let i = 0; ; i += 1) {
    const { job } = (await api(context, "GET", `/api/jobs/${created.json.job.id}`)).json;
    if (job.status === "succeeded") break;
    assert.ok(job.status !== "failed" && i < 300, `seeding did not finish: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const lighthouse = await api(context, "POST", `/api/worlds/${worldId}/elements`, {
    type: "location",
    name: `${WORD} Lighthouse`,
    description: "A lighthouse whose lamp burns whale-song.",
    position: { x: 640, y: -220 },
  });
  assert.equal(lighthouse.status, 201, lighthouse.text);
  const warden = await api(context, "POST", `/api/worlds/${worldId}/elements`, {
    type: "character",
    name: "Warden Osk Tallow",
    description: "Keeps the lighthouse and its ledgers.",
    secret: SECRET,
    position: { x: 820, y: -40 },
  });
  assert.equal(warden.status, 201, warden.text);
  const lighthouseId = lighthouse.json.element.id;
  const wardenId = warden.json.element.id;
  const linked = await api(context, "POST", `/api/worlds/${worldId}/relationships`, { from: wardenId, to: lighthouseId, kind: "located_in", label: "keeps the lamp" });
  assert.equal(linked.status, 201, linked.text);
  const graph = (await api(context, "GET", `/api/worlds/${worldId}`)).json;
  assert.ok(graph.elements.length >= 4 && graph.relationships.length >= 2, "the starting world is too small");
  assert.ok(graph.elements.some((e) => e.secret === SECRET), "the owner reads the secret through the API");
  return { worldId, graph };
}

/** A graph as comparable text: elements by type, name and position; relationships by names. */
function shapeOf(graph) {
  const names = new Map(graph.elements.map((e) => [e.id, e.name]));
  return {
    elements: graph.elements.map((e) => `${e.type}:${e.name}@${Math.round(e.position.x)},${Math.round(e.position.y)}`).sort(),
    relationships: graph.relationships.map((r) => `${names.get(r.from)} -${r.kind}${r.label ? `(${r.label})` : ""}-> ${names.get(r.to)}`).sort(),
  };
}

function metaContent(html, attribute, name) {
  const tag = html.match(new RegExp(`<meta[^>]*${attribute}="${name}"[^>]*>`))?.[0];
  return tag?.match(/content="([^"]*)"/)?.[1]?.replace(/&amp;/g, "&") ?? null;
}

describe("the publishing journey, end to end", { skip }, () => {
  let app;
  let framingServer;
  let workDir;
  const contexts = [];

  before(async () => {
    app = await startApp();
    workDir = mkdtempSync(join(tmpdir(), "loreloom-journey-"));
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    if (framingServer) await new Promise((resolve) => framingServer.close(resolve));
    await app?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it("publishes, is found, embedded, forked, exported and imported back", async () => {
    // 1. Ada signs up and has a world (set up through the API).
    const ada = await openPage(app, DESKTOP);
    contexts.push(ada.context);
    await signUp(ada.page, "Ada");
    const { worldId, graph: original } = await startingWorld(ada.context);
    const lighthouse = original.elements.find((e) => e.name === `${WORD} Lighthouse`);

    // 2. In the editor she makes the world public in the Share dialog, and copies the embed snippet.
    await ada.page.goto(`/worlds/${worldId}`);
    await ada.page.locator('[data-ready="true"]').waitFor();
    await ada.page.locator(`[data-name="${lighthouse.name}"]`).waitFor();
    await screenshot(ada.page, "journey-01-editor-private");
    await ada.page.getByRole("button", { name: "Share", exact: true }).click();
    const share = ada.page.getByRole("dialog", { name: /Share/ });
    await share.getByText("Make the world public or unlisted to embed it.").waitFor();
    // The radio follows the saved world, so it shows as chosen once the server has taken it.
    const publicChoice = share.getByRole("radio", { name: /^Public/ });
    await publicChoice.click();
    await ada.page.waitForFunction((input) => input.checked, await publicChoice.elementHandle());
    const embedSection = share.getByRole("region", { name: "Embed" });
    const snippetBox = embedSection.getByLabel("Paste this into your page");
    await snippetBox.waitFor();
    const snippet = await snippetBox.inputValue();
    await share.locator("fieldset:not([disabled])").first().waitFor();
    await snippetBox.scrollIntoViewIfNeeded();
    assert.match(snippet, new RegExp(`^<iframe src="${app.url}/embed/${worldId}" width="\\d+" height="\\d+"[^>]*></iframe>$`));
    await screenshot(ada.page, "journey-02-share-dialog-public");
    // The choice is saved, not only shown.
    assert.equal((await api(ada.context, "GET", `/api/worlds/${worldId}`)).json.world.visibility, "public");
    await share.getByRole("button", { name: "Close" }).click();
    // The page's header follows: it says "public" now, not the "private" it opened with.
    await ada.page.locator("main > div").first().getByText("public", { exact: true }).waitFor();
    assert.deepEqual(ada.problems, []);

    // 3. A visitor, not signed in, searches the gallery for the invented word and opens the world.
    for (const [viewport, label] of [[DESKTOP, "desktop"], [PHONE, "phone"]]) {
      const visitor = await openPage(app, viewport);
      contexts.push(visitor.context);
      const { page } = visitor;
      await page.goto("/gallery");
      await page.getByRole("searchbox", { name: "Search worlds" }).fill(WORD);
      await page.getByRole("button", { name: "Search" }).click();
      await page.waitForURL(new RegExp(`/gallery\\?q=${WORD}$`));
      // The form shows the search once, holding the word (it once kept a stale empty box beside it).
      await page.waitForFunction(() => Boolean(window.__reactRouterRouteModules));
      assert.deepEqual(await page.locator('input[name="q"]').evaluateAll((inputs) => inputs.map((i) => i.value)), [WORD]);
      const cards = page.getByRole("list", { name: "Worlds" }).getByRole("listitem").filter({ has: page.getByRole("heading") });
      await cards.first().waitFor();
      assert.equal(await cards.count(), 1, "only the published world matches the invented word");
      assert.match(await cards.first().innerText(), new RegExp(`${TITLE}[\\s\\S]*${original.elements.length} elements · by Ada`));
      assert.equal(await overflowsHorizontally(page), false, `${label}: the gallery overflows sideways`);
      await screenshot(page, `journey-03-gallery-search-${label}`);

      await cards.first().getByRole("link", { name: TITLE }).click();
      await page.waitForURL(`**/w/${worldId}`);
      await page.getByRole("heading", { name: TITLE, level: 1 }).waitFor();
      for (const element of original.elements) await page.getByRole("heading", { name: element.name, level: 3 }).waitFor();
      assert.ok(!(await page.content()).includes(SECRET_MARK), "the secret is in the public page's document");
      const image = await page.locator('meta[property="og:image"]').getAttribute("content");
      assert.match(image ?? "", new RegExp(`^${app.url}/api/assets/`));
      assert.equal(await page.locator('meta[name="twitter:card"]').getAttribute("content"), "summary_large_image");
      assert.equal(await page.locator('meta[name="twitter:image"]').getAttribute("content"), image);
      assert.equal(await page.locator('meta[property="og:title"]').getAttribute("content"), TITLE);
      assert.equal(await overflowsHorizontally(page), false, `${label}: the public page overflows sideways`);
      await screenshot(page, `journey-04-public-page-${label}`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `test-results/screenshots/journey-04-public-page-${label}-top.png` });
      assert.deepEqual(visitor.problems, []);
      await visitor.context.close();
    }
    // The HTML as served (including the data the page hydrates from) carries no secret either,
    // and its card image is served to anyone, as link previews fetch it.
    const served = await (await fetch(`${app.url}/w/${worldId}`)).text();
    assert.ok(!served.includes(SECRET_MARK), "the secret is in the served HTML");
    assert.ok(served.includes(`${WORD} Lighthouse`));
    assert.equal((await fetch(metaContent(served, "property", "og:image"))).status, 200);

    // 4. Another site pastes the snippet copied from the Share dialog; the world renders in the frame.
    framingServer = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(`<!doctype html><title>Islands fan page</title><h1>My favourite world</h1>${snippet}`);
    });
    await new Promise((resolve, reject) => framingServer.once("error", reject).listen(FRAMING_PORT, "127.0.0.1", resolve));
    const fan = await openPage(app, { width: 1280, height: 900 });
    contexts.push(fan.context);
    await fan.page.goto(`http://127.0.0.1:${FRAMING_PORT}/`);
    const frame = fan.page.frameLocator("iframe");
    for (const element of original.elements) await frame.getByRole("button", { name: `${element.name} (${element.type})` }).waitFor();
    await frame.getByRole("link", { name: "Open in Loreloom ↗" }).waitFor();
    const embedFrame = fan.page.frames().find((f) => f.url() === `${app.url}/embed/${worldId}`);
    assert.ok(embedFrame, "the frame is the world's embed");
    assert.ok(!(await embedFrame.content()).includes(SECRET_MARK), "the secret is in the embed");
    await screenshot(fan.page, "journey-05-embed-on-another-origin");
    assert.deepEqual(fan.problems, []);
    await fan.context.close();

    // 5. Bo signs up, opens the public page and forks the world into his own editor.
    const bo = await openPage(app, DESKTOP);
    contexts.push(bo.context);
    await signUp(bo.page, "Bo");
    await bo.page.goto(`/w/${worldId}`);
    await bo.page.getByRole("button", { name: "Fork this world" }).click();
    await bo.page.waitForURL((url) => /^\/worlds\/[a-z0-9]+$/.test(url.pathname));
    const forkId = new URL(bo.page.url()).pathname.split("/").pop();
    assert.notEqual(forkId, worldId);
    await bo.page.getByRole("heading", { name: `${TITLE} (fork)` }).waitFor();
    await bo.page.locator('[data-ready="true"]').waitFor();
    assert.equal(Number(await bo.page.locator('[data-ready="true"]').getAttribute("data-node-count")), original.elements.length);
    for (const element of original.elements) await bo.page.locator(`[data-name="${element.name}"]`).waitFor();
    await screenshot(bo.page, "journey-06-fork-editor");
    const fork = await api(bo.context, "GET", `/api/worlds/${forkId}`);
    assert.equal(fork.status, 200);
    assert.equal(fork.json.world.role, "owner");
    assert.deepEqual(shapeOf(fork.json), shapeOf(original), "the fork has every element and link");
    // Bo owns the fork, and owners are always given the (editable) secret field: it must be empty.
    for (const element of fork.json.elements) assert.equal(element.secret ?? "", "", `${element.name} carries a secret into the fork`);
    assert.ok(!fork.text.includes(SECRET_MARK), "the secret reached the fork");
    assert.deepEqual(bo.problems, []);

    // 6. Ada exports the world in the editor, downloads the ZIP, and imports it on her dashboard.
    await ada.page.getByRole("button", { name: "Export", exact: true }).click();
    const exporting = ada.page.getByRole("dialog", { name: "Export world" });
    // Secrets leave only when asked for: Ada wants a full backup of her world.
    await exporting.getByLabel(/Include secrets/).check();
    await exporting.getByRole("button", { name: "Export as ZIP" }).click();
    const row = exporting.getByTestId("export-row").first();
    const download = row.getByRole("link", { name: "Download" });
    await download.waitFor({ timeout: 30_000 });
    await row.getByText("Ready").waitFor();
    await screenshot(ada.page, "journey-07-export-dialog");
    const [file] = await Promise.all([ada.page.waitForEvent("download"), download.click()]);
    assert.match(file.suggestedFilename(), /^the-saltglass-archipelago-\d{4}-\d{2}-\d{2}\.zip$/);
    const zipPath = join(workDir, file.suggestedFilename());
    await file.saveAs(zipPath);
    await exporting.getByRole("button", { name: "Close" }).click();

    await ada.page.goto("/worlds");
    await ada.page.getByText("Import world").waitFor();
    await ada.page.getByLabel("Import a world from a Loreloom export (.zip)").setInputFiles(zipPath);
    await ada.page.waitForURL((url) => /^\/worlds\/[a-z0-9]+$/.test(url.pathname) && !url.pathname.endsWith(worldId));
    const importedId = new URL(ada.page.url()).pathname.split("/").pop();
    assert.ok(![worldId, forkId].includes(importedId));
    await ada.page.locator('[data-ready="true"]').waitFor();
    for (const element of original.elements) await ada.page.locator(`[data-name="${element.name}"]`).waitFor();
    await screenshot(ada.page, "journey-08-imported-editor");
    const imported = (await api(ada.context, "GET", `/api/worlds/${importedId}`)).json;
    assert.equal(imported.world.title, TITLE);
    assert.equal(imported.world.visibility, "private");
    assert.deepEqual(shapeOf(imported), shapeOf(original), "the round trip kept every element, position and link");
    assert.equal(imported.elements.find((e) => e.name === "Warden Osk Tallow").secret, SECRET, "the owner's export keeps her secret");
    assert.deepEqual(ada.problems, []);
  });
});
