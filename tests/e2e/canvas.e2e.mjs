// The canvas as a person handles it (issue 15, point 5), on a desktop and on a 390×844 phone:
// a connection dropped on the middle of a node connects; new elements land in free space inside
// what can be seen; a long name shows on two lines and whole on hover, on a tap and in the menu a
// long press opens; edge labels never overlap and go when zoomed out; job progress sits in one
// tray under the canvas that never covers a node and clears when the job ends (reloads included);
// and Markdown reads as typography in the element panel, on the public page, in the embed and in
// an export's offline viewer.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { unzipSync } from "fflate";
import { DESKTOP, PHONE, overflowsHorizontally, screenshot, signInDemo, signUp, skipWithoutChromium, startApp, waitFor } from "./harness.mjs";

const skip = skipWithoutChromium;
const LONG_NAME = "Queen Ysolde Mirewen of the Drowned Lantern Court";
const MARKDOWN = [
  "Opening paragraph with `brass gear` code.",
  "",
  "## The Tides",
  "",
  "- high water at the bell",
  "- low water at dusk",
  "",
  "1. wind the clock",
  "2. listen",
  "",
  "| Hour | Depth |",
  "| --- | --- |",
  "| First | 3 fathoms |",
  "",
  "> The sea keeps time.",
  "",
  "```",
  "tick(); tock();",
  "```",
].join("\n");

/** A browser context like the harness's, with touch when asked, recording console and page errors. */
async function open(app, viewport, { touch = false } = {}) {
  const context = await app.browser.newContext({ viewport, baseURL: app.url, hasTouch: touch });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => message.type() === "error" && problems.push(`console.error: ${message.text()}`));
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

async function api(page, method, path, data) {
  const response = await page.request.fetch(path, { method, data });
  assert.ok(response.ok(), `${method} ${path} answered ${response.status()}: ${await response.text()}`);
  return response.json();
}

const nodeBoxes = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll(".react-flow__node")].map((n) => {
      const r = n.getBoundingClientRect();
      return { name: n.querySelector("[data-name]")?.getAttribute("data-name"), x: r.x, y: r.y, width: r.width, height: r.height };
    }),
  );
const overlap = (a, b) => a.x < b.x + b.width && a.x + a.width > b.x && a.y < b.y + b.height && a.y + a.height > b.y;
const inside = (a, b) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
const node = (page, name) => page.locator(".react-flow__node", { has: page.locator(`[data-name="${name}"]`) });

/** A locator's box once it has stopped moving (the canvas glides when it fits or centres). */
async function stableBox(locator) {
  let previous = await locator.boundingBox();
  for (let i = 0; i < 40; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const box = await locator.boundingBox();
    if (box && previous && box.x === previous.x && box.y === previous.y && box.width === previous.width) return box;
    previous = box;
  }
  return previous;
}

/** Computed typography of the Markdown rendered inside `root` (a CSS selector), read in the page. */
function typography(page, root) {
  return page.evaluate((selector) => {
    const box = document.querySelector(selector);
    if (!box) return null;
    const style = (sel, pseudo) => {
      const el = box.querySelector(sel);
      return el ? getComputedStyle(el, pseudo) : null;
    };
    const px = (value) => Number.parseFloat(value ?? "0");
    return {
      h2: px(style("h2")?.fontSize),
      p: px(style("p")?.fontSize),
      h2Weight: Number(style("h2")?.fontWeight),
      ulMarker: style("ul")?.listStyleType,
      olMarker: style("ol")?.listStyleType,
      liDisplay: style("li")?.display,
      liIndent: box.querySelector("li") ? box.querySelector("li").getBoundingClientRect().x - box.querySelector("p").getBoundingClientRect().x : 0,
      thBorder: px(style("th")?.borderBottomWidth),
      tdBorder: px(style("td")?.borderBottomWidth),
      quoteBar: px(style("blockquote")?.borderLeftWidth),
      codeFont: style("p code")?.fontFamily ?? "",
      preFont: style("pre")?.fontFamily ?? "",
      // Nothing of the Markdown syntax is left showing as text.
      text: box.textContent,
    };
  }, root);
}

function assertTypography(found, where) {
  assert.ok(found, `${where}: no rendered Markdown`);
  assert.ok(found.h2 > found.p * 1.1, `${where}: the heading (${found.h2}px) is larger than the text (${found.p}px)`);
  assert.ok(found.h2Weight >= 600, `${where}: the heading is bold`);
  assert.equal(found.ulMarker, "disc", `${where}: bullets`);
  assert.equal(found.olMarker, "decimal", `${where}: numbers`);
  assert.equal(found.liDisplay, "list-item", `${where}: list items show their markers`);
  assert.ok(found.liIndent > 4, `${where}: lists are indented (${found.liIndent}px)`);
  assert.ok(found.thBorder >= 1 && found.tdBorder >= 1, `${where}: table cells are ruled`);
  assert.ok(found.quoteBar >= 2, `${where}: the quote has a bar`);
  assert.match(found.codeFont, /mono|Menlo|Consolas/i, `${where}: inline code is monospaced`);
  assert.match(found.preFont, /mono|Menlo|Consolas/i, `${where}: code blocks are monospaced`);
  assert.doesNotMatch(found.text, /##|\| ---|^> |```/m, `${where}: no Markdown symbols left as text`);
}

describe("the canvas", { skip }, () => {
  let app;
  let workDir;
  before(async () => {
    app = await startApp();
    workDir = mkdtempSync(join(tmpdir(), "loreloom-canvas-e2e-"));
  });
  after(async () => {
    await app?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  for (const [label, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ]) {
    it(`connects on a drop anywhere on a node, places new elements in free space in view, and shows long names whole (${label})`, { timeout: 120_000 }, async (t) => {
      const { context, page, problems } = await open(app, viewport, { touch: label === "phone" });
      try {
        await signUp(page, `Cleo ${label}`);
        const { world } = await api(page, "POST", "/api/worlds", { title: `Free space ${label}` });
        await api(page, "POST", `/api/worlds/${world.id}/elements`, { type: "location", name: "Harbour", position: { x: 0, y: 0 } });
        await api(page, "POST", `/api/worlds/${world.id}/elements`, { type: "character", name: LONG_NAME, position: { x: 120, y: 200 } });
        await page.goto(`/worlds/${world.id}`);
        await page.locator('[data-ready="true"]').waitFor();

        // Drag from the Harbour's dot and let go over the middle of the other node, far from its dot.
        const kind = page.getByRole("dialog", { name: "Connect" });
        const from = await stableBox(node(page, "Harbour").locator(".react-flow__handle-right").first());
        const to = await stableBox(node(page, LONG_NAME));
        await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
        await page.mouse.down();
        await page.mouse.move(to.x + to.width * 0.55, to.y + to.height / 2, { steps: 15 });
        await page.mouse.up();
        await kind.waitFor();
        await kind.getByLabel("Kind").selectOption("owns");
        await kind.getByRole("button", { name: "Connect" }).click();
        const graph = await waitFor(t.signal, "the relationship in the API", async () => {
          const g = await api(page, "GET", `/api/worlds/${world.id}`);
          return g.relationships.length === 1 && g;
        });
        const ids = new Map(graph.elements.map((e) => [e.name, e.id]));
        assert.deepEqual([graph.relationships[0].from, graph.relationships[0].to], [ids.get("Harbour"), ids.get(LONG_NAME)]);

        if (label === "phone") {
          // With a finger too: from the long-named node's dot to the middle of the Harbour.
          const touch = await context.newCDPSession(page);
          const dot = await stableBox(node(page, LONG_NAME).locator(".react-flow__handle-right").first());
          const target = await stableBox(node(page, "Harbour"));
          const a = { x: dot.x + dot.width / 2, y: dot.y + dot.height / 2 };
          const b = { x: target.x + target.width / 2, y: target.y + target.height / 2 };
          await touch.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [a] });
          for (let step = 1; step <= 12; step += 1) {
            await touch.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x: a.x + ((b.x - a.x) * step) / 12, y: a.y + ((b.y - a.y) * step) / 12 }] });
          }
          await touch.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
          await kind.waitFor();
          await kind.getByLabel("Kind").selectOption("allied_with");
          await kind.getByRole("button", { name: "Connect" }).click();
          const both = await waitFor(t.signal, "the second relationship in the API", async () => {
            const g = await api(page, "GET", `/api/worlds/${world.id}`);
            return g.relationships.length === 2 && g;
          });
          const touched = both.relationships.find((r) => r.kind === "allied_with");
          assert.deepEqual([touched.from, touched.to], [ids.get(LONG_NAME), ids.get("Harbour")]);
        }

        // The long name: two lines, cut, and whole in its title (hover).
        const name = node(page, LONG_NAME).getByTestId("element-name");
        assert.equal(await name.getAttribute("title"), LONG_NAME);
        const lines = await name.evaluate((el) => {
          const lineHeight = Number.parseFloat(getComputedStyle(el).lineHeight);
          return { lines: Math.round(el.clientHeight / lineHeight), cut: el.scrollHeight > el.clientHeight + 1 };
        });
        assert.deepEqual(lines, { lines: 2, cut: true });

        if (label === "phone") {
          // On a touch screen a long press opens the node's menu, headed by the whole name, over
          // everything, and does not open the element.
          const menu = page.getByRole("menu", { name: LONG_NAME });
          const tooltip = page.getByRole("tooltip").filter({ hasText: LONG_NAME });
          const touch = await context.newCDPSession(page);
          const at = await name.boundingBox();
          const finger = { x: at.x + at.width / 2, y: at.y + at.height / 2 };
          await touch.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [finger] });
          await menu.waitFor();
          await touch.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
          const shownAt = await menu.boundingBox();
          assert.ok(inside(shownAt, { x: 0, y: 0, ...viewport }), "the menu and the whole name are on the screen");
          await menu.getByText(LONG_NAME, { exact: true }).waitFor();
          await screenshot(page, "canvas-long-name-menu-phone");
          await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
          assert.equal(await page.getByRole("complementary").count(), 0, "a long press does not open the element");
          await page.keyboard.press("Escape");
          await menu.waitFor({ state: "detached" });
          // A tap opens the element, and shows the whole name too, above the element's sheet.
          await name.tap();
          await page.getByRole("complementary").waitFor();
          await tooltip.waitFor();
          await screenshot(page, "canvas-long-name-tap-phone");
          await page.getByRole("button", { name: "Close panel" }).click();
        }

        // Several new elements in a row: none on another, all where they can be seen.
        const before = (await nodeBoxes(page)).length;
        const count = label === "phone" ? 3 : 4;
        for (let i = 1; i <= count; i += 1) {
          await page.getByRole("button", { name: "+ Element" }).click();
          await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length === n, before + i);
          const pane = await page.locator(".react-flow").boundingBox();
          const panel = await page.getByRole("complementary").boundingBox();
          const added = (await nodeBoxes(page)).filter((b) => b.name === "New character");
          for (const box of added) {
            assert.ok(inside(box, pane), `${JSON.stringify(box)} is inside the canvas ${JSON.stringify(pane)}`);
            // On a wide screen the element panel is docked over the canvas's right: not there either.
            if (label === "desktop") assert.ok(box.x + box.width <= panel.x, `${JSON.stringify(box)} is clear of the panel at ${panel.x}`);
          }
        }
        await page.getByRole("button", { name: "Close panel" }).click();
        const boxes = await nodeBoxes(page);
        const pane = await page.locator(".react-flow").boundingBox();
        assert.equal(boxes.length, before + count);
        for (let i = 0; i < boxes.length; i += 1) {
          assert.ok(inside(boxes[i], pane), `${boxes[i].name} is in view`);
          for (let j = i + 1; j < boxes.length; j += 1) assert.ok(!overlap(boxes[i], boxes[j]), `${boxes[i].name} and ${boxes[j].name} do not overlap`);
        }
        assert.equal(await overflowsHorizontally(page), false);
        await screenshot(page, `canvas-placed-${label}`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }

  it("draws edge labels apart from each other and the nodes, and leaves them out zoomed out", async () => {
    const { context, page, problems } = await open(app, DESKTOP);
    try {
      await signInDemo(page);
      await page.goto("/worlds/demoworld0000001");
      await page.locator('[data-ready="true"]').waitFor();
      await stableBox(page.locator(".react-flow__node").first());
      const labels = () =>
        page.evaluate(() => [...document.querySelectorAll('[data-testid="edge-label"]')].map((l) => ({ text: l.textContent, ...l.getBoundingClientRect().toJSON() })));
      // Up close, labels show; none overlaps another label or a node.
      await page.getByRole("button", { name: "Zoom In" }).click();
      await page.getByRole("button", { name: "Zoom In" }).click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="edge-label"]').length > 0);
      await stableBox(page.locator(".react-flow__node").first());
      const shown = await labels();
      const nodes = await nodeBoxes(page);
      for (let i = 0; i < shown.length; i += 1) {
        for (let j = i + 1; j < shown.length; j += 1) assert.ok(!overlap(shown[i], shown[j]), `“${shown[i].text}” and “${shown[j].text}” overlap`);
        for (const n of nodes) assert.ok(!overlap(shown[i], n), `“${shown[i].text}” covers ${n.name}`);
      }
      await screenshot(page, "canvas-edge-labels-desktop");
      // Zoomed out far enough that text cannot be read: no labels at all.
      for (let i = 0; i < 8; i += 1) await page.getByRole("button", { name: "Zoom Out" }).click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="edge-label"]').length === 0);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  for (const [label, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ]) {
    it(`keeps job progress in one tray under the canvas that covers no node and clears when the job ends (${label})`, { timeout: 180_000 }, async () => {
      const { context, page, problems } = await open(app, viewport);
      try {
        await signInDemo(page);
        await page.goto("/worlds/demoworld0000001");
        await page.locator('[data-ready="true"]').waitFor();
        await page.getByRole("button", { name: "✦ Generate" }).click();
        const dialog = page.getByRole("dialog", { name: "Generate an element" });
        await dialog.getByLabel("Describe it").fill(`a lighthouse that hums at ${label} tide`);
        await dialog.getByRole("button", { name: "Generate" }).click();
        await dialog.waitFor({ state: "detached" });

        const tray = page.getByTestId("jobs-tray");
        await tray.getByRole("list", { name: "Generation jobs" }).locator("li").first().waitFor();
        // Docked: it takes no part of the canvas, so it covers no node and takes no node's clicks.
        const trayBox = await tray.boundingBox();
        const pane = await page.locator(".react-flow").boundingBox();
        assert.ok(!overlap(trayBox, pane), `the tray ${JSON.stringify(trayBox)} is outside the canvas ${JSON.stringify(pane)}`);
        for (const box of await nodeBoxes(page)) {
          const visible = { x: Math.max(box.x, pane.x), y: Math.max(box.y, pane.y), width: 0, height: 0 };
          visible.width = Math.min(box.x + box.width, pane.x + pane.width) - visible.x;
          visible.height = Math.min(box.y + box.height, pane.y + pane.height) - visible.y;
          if (visible.width <= 0 || visible.height <= 0) continue;
          assert.ok(!overlap(visible, trayBox), `${box.name} is not under the tray`);
        }
        // The node drawn lowest on the canvas still takes a click while the job runs.
        const lowest = (await nodeBoxes(page)).filter((b) => inside(b, pane)).sort((a, b) => b.y - a.y)[0];
        await page.mouse.click(lowest.x + lowest.width / 2, lowest.y + lowest.height / 2);
        await page.getByRole("complementary", { name: `Element: ${lowest.name}` }).waitFor();
        await page.getByRole("button", { name: "Close panel" }).click();
        await screenshot(page, `canvas-job-tray-${label}`);

        // It folds to one line and opens again.
        const toggle = tray.getByRole("button", { name: /AI jobs/ });
        await toggle.click();
        assert.equal(await toggle.getAttribute("aria-expanded"), "false");
        assert.equal(await tray.getByRole("list", { name: "Generation jobs" }).count(), 0);
        await toggle.click();

        // The job ends, shows how for a moment, and leaves; a reload does not bring it back.
        await tray.locator('li[data-job-status="succeeded"]').filter({ hasText: `hums at ${label} tide` }).waitFor({ timeout: 60_000 });
        await tray.waitFor({ state: "detached", timeout: 60_000 });
        const caughtUp = page.waitForResponse((r) => /\/jobs\?limit=5$/.test(r.url()));
        await page.reload();
        await page.locator('[data-ready="true"]').waitFor();
        await caughtUp;
        // Two frames after the answer: the tray has rendered whatever it was going to.
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        assert.equal(await page.getByTestId("jobs-tray").count(), 0, "an ended job came back after a reload");
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }

  it("renders Markdown with typography in the element panel, on the public page, in the embed and in the offline viewer", { timeout: 180_000 }, async (t) => {
    const { context, page, problems } = await open(app, DESKTOP);
    try {
      await signUp(page, "Maren Markdown");
      const { world } = await api(page, "POST", "/api/worlds", { title: "Typeset Tides", visibility: "public" });
      const element = await api(page, "POST", `/api/worlds/${world.id}/elements`, { type: "lore", name: "Tide Almanac", description: MARKDOWN, position: { x: 0, y: 0 } });
      const elementId = element.element?.id ?? element.id;

      // The element panel's preview.
      await page.goto(`/worlds/${world.id}`);
      await page.locator('[data-ready="true"]').waitFor();
      await node(page, "Tide Almanac").click();
      await page.getByRole("complementary").getByRole("tab", { name: "preview" }).click();
      assertTypography(await typography(page, '[data-testid="description-preview"]'), "the element panel");
      await screenshot(page, "markdown-panel-desktop");

      // The public page, on a desktop and on a phone.
      await page.goto(`/w/${world.id}`);
      assertTypography(await typography(page, `#element-${elementId} .prose`), "the public page");
      await screenshot(page, "markdown-public-desktop");
      const phone = await open(app, PHONE);
      try {
        await phone.page.goto(`/w/${world.id}`);
        assertTypography(await typography(phone.page, `#element-${elementId} .prose`), "the public page on a phone");
        assert.equal(await overflowsHorizontally(phone.page), false);
        await screenshot(phone.page, "markdown-public-phone");
        assert.deepEqual(phone.problems, []);
      } finally {
        await phone.context.close();
      }

      // The embed (anonymous, as another site frames it).
      const embed = await open(app, { width: 800, height: 600 });
      try {
        await embed.page.goto(`/embed/${world.id}`);
        await embed.page.getByRole("button", { name: "Tide Almanac (lore)" }).click();
        await embed.page.getByRole("complementary", { name: "Tide Almanac" }).waitFor();
        assertTypography(await typography(embed.page, 'aside[aria-label="Tide Almanac"] .prose'), "the embed");
        await screenshot(embed.page, "markdown-embed");
        assert.deepEqual(embed.problems, []);
      } finally {
        await embed.context.close();
      }

      // The offline viewer in an export, opened from disk.
      const started = await api(page, "POST", `/api/worlds/${world.id}/export`, {});
      const ready = await waitFor(t.signal, "the export", async () => {
        const { export: now } = await api(page, "GET", `/api/exports/${started.export.id}`);
        assert.notEqual(now.status, "failed");
        return now.status === "succeeded" && now.url && now;
      });
      const zip = await page.request.get(ready.url);
      const folder = join(workDir, "offline");
      for (const [file, bytes] of Object.entries(unzipSync(new Uint8Array(await zip.body())))) {
        mkdirSync(dirname(join(folder, file)), { recursive: true });
        writeFileSync(join(folder, file), bytes);
      }
      assert.ok(readFileSync(join(folder, "index.html"), "utf8").includes('id="world-html"'));
      for (const [size, name] of [
        [DESKTOP, "desktop"],
        [PHONE, "phone"],
      ]) {
        const viewer = await open(app, size);
        try {
          await viewer.page.goto(pathToFileURL(join(folder, "index.html")).href);
          await viewer.page.getByRole("list", { name: "Elements" }).getByRole("button", { name: /Tide Almanac/ }).click();
          await viewer.page.locator("#details .md h2").waitFor();
          assertTypography(await typography(viewer.page, "#details .md"), `the offline viewer (${name})`);
          await screenshot(viewer.page, `markdown-offline-viewer-${name}`);
          assert.deepEqual(viewer.problems, []);
        } finally {
          await viewer.context.close();
        }
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
