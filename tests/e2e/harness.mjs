// Shared set-up for the browser tests: one server started as `npm start` starts it (on its own
// port and state directory), Debian's Chromium through playwright-core, and helpers that fail a
// test on any console error or uncaught page error. Every page any test opens is measured after
// each navigation: a page wider than its viewport (something overflowing sideways) fails the file.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/lib/server.mjs";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = "test-results/screenshots";
export const chromiumMissing = !existsSync(CHROMIUM_PATH);
/** The `skip` option of every browser suite: skipped, loudly, without Chromium. */
export const skipWithoutChromium = chromiumMissing
  ? "Chromium is missing: install it with `apt-get install -y chromium` (or set CHROMIUM_PATH)"
  : false;

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Starts the app and a browser once for a test file; `stop()` tears both down. */
export async function startApp() {
  const stateDir = mkdtempSync(join(tmpdir(), "loreloom-e2e-"));
  const port = Number(process.env.E2E_PORT) || 8797;
  const server = await startServer({
    port,
    stateDir,
    build: process.env.E2E_SKIP_BUILD !== "1",
    seed: true,
    quiet: true,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const overflow = watchOverflow(browser);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    url: server.url,
    browser,
    /** The server's local state (for `query()` from scripts/lib/local-d1.mjs). */
    stateDir,
    /** Pages found wider than their viewport so far (`stop()` fails on any). */
    overflows: overflow.found,
    async stop() {
      await overflow.settled();
      await browser.close();
      await server.stop();
      rmSync(stateDir, { recursive: true, force: true });
      assert.deepEqual(overflow.found, [], "pages overflowed their viewport sideways");
    },
  };
}

/**
 * Measures every page of every context the browser opens, once after each navigation of its main
 * frame (a full load or a client-side one): a document wider than the viewport by more than a
 * pixel is recorded. One evaluate per navigation; it waits for the load and two frames, so what
 * the client renders after hydration is measured too. A page closed or navigated away meanwhile
 * is simply not measured.
 */
function watchOverflow(browser) {
  const found = [];
  const pending = new Set();
  const measure = async (page) => {
    try {
      await page.waitForLoadState("load");
      const width = page.viewportSize()?.width;
      if (!width) return;
      const seen = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const done = () => resolve({ url: location.href, scrollWidth: document.documentElement.scrollWidth });
            // Two frames after the load (React has rendered); with scripts off, soon anyway.
            setTimeout(done, 250);
            requestAnimationFrame(() => requestAnimationFrame(done));
          }),
      );
      if (seen.url.startsWith("http") && seen.scrollWidth > width + 1) found.push(`${seen.url} is ${seen.scrollWidth}px wide in a ${width}px viewport`);
    } catch {
      // The page closed or navigated on: nothing to measure.
    }
  };
  const watch = (page) =>
    page.on("framenavigated", (frame) => {
      if (frame !== page.mainFrame()) return;
      const check = measure(page);
      pending.add(check);
      void check.finally(() => pending.delete(check));
    });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.on("page", watch);
    return context;
  };
  return { found, settled: () => Promise.allSettled([...pending]) };
}

/**
 * A fresh browser context whose page records every console error and page error; `options` go
 * to the context (`{ hasTouch: true, isMobile: true }` for a phone's touch screen).
 */
export async function openPage(app, viewport = DESKTOP, options = {}) {
  const context = await app.browser.newContext({ ...options, viewport, baseURL: app.url });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console.error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

/**
 * True when the page is wider than its viewport (something overflows sideways). Measured against
 * the viewport the test set: on a mobile viewport the browser widens `innerWidth` to the content.
 */
export async function overflowsHorizontally(page) {
  const width = page.viewportSize()?.width;
  return page.evaluate((width) => document.documentElement.scrollWidth > (width ?? window.innerWidth) + 1, width);
}

export async function screenshot(page, name) {
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export function uniqueEmail(prefix = "person") {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Signs up a new person through the landing page; resolves on their dashboard. */
export async function signUp(page, name) {
  await page.goto("/");
  await page.getByRole("tab", { name: "Create account" }).click();
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(uniqueEmail(name.toLowerCase().replace(/\W+/g, "-")));
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL("**/worlds");
}

/** Signs in as the seeded demo account; resolves on its dashboard. */
export async function signInDemo(page) {
  await page.goto("/");
  await page.getByLabel("Email").fill("demo@loreloom.local");
  await page.getByLabel("Password").fill("demo-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/worlds");
}

/**
 * Polls `read` until it returns a value (anything but undefined, null or false). It has no
 * deadline of its own: the test's `timeout` option is the one limit, and `signal` (the test
 * context's, aborted when the test ends) stops it. A slower machine only waits longer.
 */
export async function waitFor(signal, what, read, pauseMs = 100) {
  if (process.env.E2E_DEBUG) console.error(`[e2e] waiting for ${what}`);
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== null && value !== false) return value;
    if (signal?.aborted) throw new Error(`stopped waiting for ${what}: the test has ended`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** A CodeMirror editor's text, without other people's carets and name labels drawn into it. */
export function editorText(editor) {
  return editor.evaluate((content) => {
    const copy = content.cloneNode(true);
    for (const drawn of copy.querySelectorAll(".cm-ySelectionCaret, .cm-ySelectionInfo, .cm-widgetBuffer")) drawn.remove();
    return [...copy.querySelectorAll(".cm-line")].map((line) => line.textContent.replace(/\u2060/g, "")).join("\n");
  });
}

/**
 * Uses one of the world editor's tools by its name: on a phone the toolbar keeps only the main
 * actions, and the others are in its “More tools” menu.
 */
export async function editorTool(page, name) {
  const toolbar = page.getByRole("toolbar", { name: "Editor tools" });
  const more = toolbar.getByRole("button", { name: "More tools" });
  if (await more.isVisible()) {
    await more.click();
    await page.getByRole("menu", { name: "More tools" }).getByRole("menuitem", { name, exact: true }).click();
  } else {
    await toolbar.getByRole(name === "Stories" ? "link" : "button", { name, exact: true }).click();
  }
}
