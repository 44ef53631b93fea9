// Takes the web app manifest's screenshots (public/manifest.webmanifest `screenshots`, which
// install dialogs show) of the seeded demo world, with Debian's Chromium through playwright-core:
//   public/screenshots/world-narrow.png  390×844, a phone (form_factor "narrow")
//   public/screenshots/world-wide.png    1280×800, a desktop (form_factor "wide")
// Run when the editor's look changes (`npm run build && node scripts/make-screenshots.mjs`) and
// commit the PNGs; builds do not run it. It serves the last build on its own port and state.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServer } from "./lib/server.mjs";

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = [
  { file: "world-narrow.png", viewport: { width: 390, height: 844 }, touch: true },
  { file: "world-wide.png", viewport: { width: 1280, height: 800 }, touch: false },
];

const stateDir = mkdtempSync(join(tmpdir(), "loreloom-screenshots-"));
const server = await startServer({ port: Number(process.env.PORT) || 8878, stateDir, build: false, seed: true, quiet: true });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox", "--disable-gpu"] });
try {
  mkdirSync("public/screenshots", { recursive: true });
  for (const { file, viewport, touch } of SHOTS) {
    // deviceScaleFactor 1: the PNG is exactly the size the manifest declares.
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, baseURL: server.url, hasTouch: touch, isMobile: touch });
    const page = await context.newPage();
    await page.goto("/");
    await page.getByLabel("Email").fill("demo@loreloom.local");
    await page.getByLabel("Password").fill("demo-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/worlds");
    await page.goto("/worlds/demoworld0000001");
    await page.locator('[data-ready="true"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="connection"]').filter({ hasText: "Live" }).waitFor();
    // Every illustration drawn, no caret blinking in a field.
    // (These callbacks run in the page: its globals come through globalThis.)
    await page.waitForFunction(() => [...globalThis.document.images].every((image) => image.complete));
    // On a phone the whole world fits only small: closer, its names can be read.
    if (touch) {
      for (let i = 0; i < 2; i++) await page.locator(".react-flow__controls-zoomin").click();
      await page.waitForTimeout(400);
    }
    await page.evaluate(() => globalThis.document.activeElement?.blur?.());
    await page.screenshot({ path: join("public/screenshots", file) });
    console.log(`public/screenshots/${file}: ${viewport.width}×${viewport.height}`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
