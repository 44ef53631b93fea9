// A photo on a phone (issue 19, points 3 and 5): a picture shared from another app through the
// manifest's share_target reaches the service worker as a multipart POST, /share picks the world,
// and From photo opens holding it and makes it an element (an offline rendering, with the local
// provider); From photo shrinks a big photo in the browser and shows the upload's progress; with
// the network off, the actions that need the server say so instead of failing. One server, one
// browser, a 390×844 touch phone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { query } from "../../scripts/lib/local-d1.mjs";
import { PHONE, overflowsHorizontally, screenshot, signInDemo, skipWithoutChromium, startApp, waitFor } from "./harness.mjs";

const skip = skipWithoutChromium;
const WORLD_ID = "demoworld0000001";
const WORLD = `/worlds/${WORLD_ID}`;

/** The tray's card for the job whose prompt says `text`. */
const jobCard = (page, status, text) => page.getByRole("list", { name: "Generation jobs" }).locator(`li[data-job-status="${status}"]`).filter({ hasText: text });

/** Offline, the world's room cannot be reached: those are the only errors a page may log. */
const unexpected = (problems) => problems.filter((p) => !/WebSocket|ERR_INTERNET_DISCONNECTED|Failed to fetch|Failed to load resource/.test(p));

/** A 390×844 touch phone whose page records every console error and page error. */
async function openPhone(app) {
  const context = await app.browser.newContext({ viewport: PHONE, baseURL: app.url, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => message.type() === "error" && problems.push(`console.error: ${message.text()}`));
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

/** Resolves once a service worker controls the page (after a reload, if the first load was not). */
async function controlledBy(page, signal) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) await page.reload();
  return waitFor(signal, "the service worker to control the page", () => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null));
}

/**
 * Shares a file to Loreloom the way the phone's share sheet does: a multipart POST navigation to
 * the manifest's share_target action, with the manifest's field names.
 */
async function shareFromAnotherApp(page, file, text, beforeSubmit = async () => {}) {
  const { share_target: target } = await page.evaluate(() => fetch("/manifest.webmanifest").then((r) => r.json()));
  await page.evaluate(
    ({ action, method, enctype, fileField, textField, text }) => {
      const form = document.createElement("form");
      Object.assign(form, { id: "os-share-sheet", action, method, enctype });
      const input = Object.assign(document.createElement("input"), { type: "file", name: fileField });
      const words = Object.assign(document.createElement("input"), { type: "hidden", name: textField, value: text });
      form.append(input, words);
      document.body.append(form);
    },
    { action: target.action, method: target.method, enctype: target.enctype, fileField: target.params.files[0].name, textField: target.params.text, text },
  );
  await page.locator("#os-share-sheet input[type=file]").setInputFiles(file);
  await beforeSubmit();
  await Promise.all([page.waitForURL(/\/share(\?|$)/), page.evaluate(() => document.getElementById("os-share-sheet").submit())]);
}

/** A busy 4000×3000 photo-like PNG (gradients, shapes and noise), drawn in the page. */
async function bigPhoto(page) {
  const base64 = await page.evaluate(async () => {
    const canvas = Object.assign(document.createElement("canvas"), { width: 4000, height: 3000 });
    const g = canvas.getContext("2d");
    const sky = g.createLinearGradient(0, 0, 0, 3000);
    sky.addColorStop(0, "#1e3a8a");
    sky.addColorStop(1, "#f59e0b");
    g.fillStyle = sky;
    g.fillRect(0, 0, 4000, 3000);
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 400; i++) {
      g.fillStyle = `hsla(${Math.floor(random() * 360)}, 70%, 50%, 0.5)`;
      g.beginPath();
      g.arc(random() * 4000, random() * 3000, 20 + random() * 200, 0, Math.PI * 2);
      g.fill();
    }
    // Grain, as a camera sensor has, so the PNG is as heavy as a real photo.
    const grain = g.getImageData(0, 0, 4000, 600);
    for (let i = 0; i < grain.data.length; i += 4) grain.data[i] = (grain.data[i] + random() * 40) & 255;
    g.putImageData(grain, 0, 0);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  });
  return Buffer.from(base64, "base64");
}

/**
 * A 2000×1000 JPEG, red on its left half and blue on its right, whose EXIF says "rotate 90° clockwise
 * to show" (orientation 6), as a phone held upright writes it: seen right, it is 1000×2000, red on top.
 */
async function sidewaysPhoto(page) {
  const base64 = await page.evaluate(async () => {
    const canvas = Object.assign(document.createElement("canvas"), { width: 2000, height: 1000 });
    const g = canvas.getContext("2d");
    g.fillStyle = "#ff0000";
    g.fillRect(0, 0, 1000, 1000);
    g.fillStyle = "#0000ff";
    g.fillRect(1000, 0, 1000, 1000);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  });
  const jpeg = Buffer.from(base64, "base64");
  // APP1 "Exif": a big-endian TIFF header and one IFD entry, Orientation (0x0112) SHORT = 6.
  const exif = Buffer.from("ffe10022457869660000" + "4d4d002a00000008" + "0001" + "011200030000000100060000" + "00000000", "hex");
  const app0End = 4 + jpeg.readUInt16BE(4);
  return Buffer.concat([jpeg.subarray(0, app0End), exif, jpeg.subarray(app0End)]);
}

/** The stored upload's own pixel size and the colour at its top middle (EXIF ignored: what was sent is upright). */
function uploadedPicture(page, key) {
  return page.evaluate(async (key) => {
    const blob = await fetch(`/api/assets/${key}`).then((r) => r.blob());
    const bitmap = await createImageBitmap(blob, { imageOrientation: "none" });
    const canvas = Object.assign(document.createElement("canvas"), { width: bitmap.width, height: bitmap.height });
    const g = canvas.getContext("2d");
    g.drawImage(bitmap, 0, 0);
    const [r, , b] = g.getImageData(Math.floor(bitmap.width / 2), 10, 1, 1).data;
    return { width: bitmap.width, height: bitmap.height, top: r > 200 && b < 60 ? "red" : b > 200 && r < 60 ? "blue" : `rgb ${r},${b}` };
  }, key);
}

describe("a photo on a phone", { skip }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("takes a picture shared from another app through the service worker and makes it an element of the chosen world", async (t) => {
    const { context, page, problems } = await openPhone(app);
    try {
      await signInDemo(page);
      await controlledBy(page, t.signal);
      // The world edited last is the one /share offers first.
      await page.goto(WORLD);
      await page.locator('[data-ready="true"]').waitFor();
      const picture = await page.screenshot({ clip: { x: 0, y: 0, width: 200, height: 150 } });

      // Something that is not a picture is refused with a clear message, and nothing is kept.
      await shareFromAnotherApp(page, { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") }, "");
      assert.equal(new URL(page.url()).search, "?problem=not-image");
      await page.getByRole("alert").filter({ hasText: "That was not a picture" }).waitFor();
      await page.getByRole("status").filter({ hasText: "Looking for the shared picture" }).waitFor({ state: "detached" });
      assert.equal(await page.getByRole("list", { name: "Worlds you can add to" }).count(), 0, "nothing was kept to add");

      await shareFromAnotherApp(page, { name: "lantern.png", mimeType: "image/png", buffer: picture }, "a lantern seen from the train");
      assert.equal(new URL(page.url()).pathname, "/share");
      await page.getByRole("heading", { name: "Add a shared picture" }).waitFor();
      await page.getByText("lantern.png").waitFor();
      await page.getByRole("img", { name: "The shared picture" }).waitFor();
      const worlds = page.getByRole("list", { name: "Worlds you can add to" });
      const first = worlds.getByRole("link").first();
      await first.filter({ hasText: "Last edited" }).waitFor();
      assert.equal(await overflowsHorizontally(page), false, "/share overflows");
      await screenshot(page, "share-target-picker-phone");

      await first.click();
      await page.waitForURL((url) => url.pathname === WORLD);
      const dialog = page.getByRole("dialog", { name: "An element from a photo or sketch" });
      await dialog.waitFor();
      // The dialog reads the kept picture from Cache Storage once it is open.
      await waitFor(t.signal, "the shared picture in the dialog", () => dialog.getByLabel(/Photo or sketch/).evaluate((input) => input.files[0]?.name));
      assert.equal(await dialog.getByLabel(/Photo or sketch/).evaluate((input) => input.files[0]?.name), "lantern.png");
      assert.equal(await dialog.getByLabel(/What is it/).inputValue(), "a lantern seen from the train");
      await dialog.getByRole("button", { name: "Generate" }).click();
      await dialog.waitFor({ state: "detached" });
      const done = jobCard(page, "succeeded", "lantern seen from the train");
      await done.waitFor({ timeout: 30_000 });
      await done.getByRole("button", { name: "Open" }).click();
      const panel = page.getByRole("complementary");
      await panel.getByRole("img").first().waitFor();
      await panel.getByText("Offline rendering").first().waitFor();
      await panel.getByRole("list", { name: "Provenance" }).getByText(/Text: local/).waitFor();
      const uploads = query(`select mime_type, size from assets where world_id = '${WORLD_ID}' and kind = 'upload'`, app.stateDir);
      assert.ok(uploads.some((row) => row.mime_type === "image/png" && row.size === picture.length), "the shared picture was uploaded as it was (small already)");
      // Used once: the picture is gone from the share cache, and a reload does not reopen the dialog.
      assert.equal(await page.evaluate(() => caches.open("loreloom-share-v1").then((c) => c.match("/share-target/photo")).then(Boolean)), false);
      assert.equal(new URL(page.url()).search, "");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("takes a picture shared offline to /share, a page never opened before (My worlds keeps it)", async (t) => {
    const { context, page, problems } = await openPhone(app);
    try {
      await signInDemo(page);
      await controlledBy(page, t.signal);
      // My worlds opened while online: a page load and, inside the app, its data request.
      await page.goto("/worlds");
      await waitFor(t.signal, "/share to be kept", () => page.evaluate(() => caches.open("loreloom-pages-v1").then((c) => c.match("/share")).then(Boolean)));
      const picture = await page.screenshot({ clip: { x: 0, y: 0, width: 160, height: 120 } });
      await shareFromAnotherApp(page, { name: "signal-box.png", mimeType: "image/png", buffer: picture }, "a signal box, no signal", () => context.setOffline(true));
      await page.getByRole("heading", { name: "Add a shared picture" }).waitFor();
      await page.getByText("signal-box.png").waitFor();
      await page.getByRole("img", { name: "The shared picture" }).waitFor();
      await page.getByRole("list", { name: "Worlds you can add to" }).getByRole("link").first().waitFor();
      await screenshot(page, "share-target-offline-phone");
      await context.setOffline(false);
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });

  it("answers a share that reaches the server (no service worker yet) by asking to share again, never with an error", async () => {
    const form = new FormData();
    form.set("photo", new File([Buffer.from("\x89PNG\r\n\x1a\n")], "shot.png", { type: "image/png" }));
    for (const origin of [null, "null", "https://another-app.example"]) {
      const response = await fetch(`${app.url}/share-target`, { method: "POST", body: form, redirect: "manual", headers: origin ? { origin } : {} });
      assert.equal(response.status, 303, `origin ${origin}`);
      assert.equal(response.headers.get("location"), "/share?problem=not-ready");
    }
    const big = new FormData();
    big.set("photo", new File([Buffer.alloc(12 * 1024 * 1024)], "huge.jpg", { type: "image/jpeg" }));
    const large = await fetch(`${app.url}/share-target`, { method: "POST", body: big, redirect: "manual" });
    assert.equal(large.status, 303);

    const { context, page } = await openPhone(app);
    try {
      await signInDemo(page);
      await page.goto("/share?problem=not-ready");
      await page.getByRole("alert").filter({ hasText: "was not ready to receive pictures" }).waitFor();
      assert.equal(await overflowsHorizontally(page), false);
      await screenshot(page, "share-target-not-ready-phone");
    } finally {
      await context.close();
    }
  });

  it("shrinks a big photo before sending it and shows the upload's progress", async (t) => {
    const { context, page, problems } = await openPhone(app);
    try {
      await signInDemo(page);
      await page.goto(WORLD);
      await page.locator('[data-ready="true"]').waitFor();
      const original = await bigPhoto(page);
      assert.ok(original.length > 2 * 1024 * 1024, `the test photo is big (${original.length} bytes)`);

      await page.getByRole("button", { name: "From photo" }).click();
      const dialog = page.getByRole("dialog", { name: "An element from a photo or sketch" });
      const input = dialog.getByLabel(/Photo or sketch/);
      assert.equal(await input.getAttribute("capture"), "environment");
      await input.setInputFiles({ name: "IMG_4000x3000.png", mimeType: "image/png", buffer: original });
      await dialog.getByLabel(/What is it/).fill("a harbour at dusk");

      // A slow phone connection, so the progress can be seen moving.
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 40, downloadThroughput: -1, uploadThroughput: 96 * 1024 });
      const sent = page.waitForRequest((request) => request.url().endsWith(`/api/worlds/${WORLD_ID}/photo`));
      await dialog.getByRole("button", { name: "Generate" }).click();
      const bar = dialog.getByRole("progressbar", { name: "Uploading the photo" });
      await bar.waitFor();
      const midway = await waitFor(t.signal, "the upload to be under way", async () => {
        const now = Number(await bar.getAttribute("aria-valuenow").catch(() => null));
        return now > 0 && now < 100 ? now : null;
      }, 50);
      await dialog.getByText(`${midway}%`).waitFor().catch(() => undefined);
      await dialog.getByText(/made smaller from \d+(\.\d)? MB/).waitFor();
      await screenshot(page, "from-photo-progress-phone");
      await dialog.waitFor({ state: "detached", timeout: 60_000 });
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

      assert.match((await sent).headers()["content-type"], /^multipart\/form-data/);
      // What arrived: a WebP (or JPEG) far smaller than the PNG that was chosen.
      const rows = query(`select key, mime_type, size from assets where world_id = '${WORLD_ID}' and kind = 'upload' and mime_type != 'image/png'`, app.stateDir);
      assert.equal(rows.length, 1, "one shrunk upload");
      assert.match(rows[0].mime_type, /^image\/(webp|jpeg)$/);
      assert.ok(rows[0].size < original.length / 4, `the upload (${rows[0].size} bytes) is much smaller than the photo (${original.length})`);
      assert.deepEqual(await uploadedPicture(page, rows[0].key).then(({ width, height }) => ({ width, height })), { width: 1600, height: 1200 });
      await jobCard(page, "succeeded", "a harbour at dusk").waitFor({ timeout: 30_000 });

      // A photo taken upright, stored sideways with an EXIF rotation, arrives upright (and smaller).
      await page.getByRole("button", { name: "From photo" }).click();
      await dialog.getByLabel(/Photo or sketch/).setInputFiles({ name: "upright.jpg", mimeType: "image/jpeg", buffer: await sidewaysPhoto(page) });
      await dialog.getByLabel(/What is it/).fill("a red and blue banner");
      await dialog.getByRole("button", { name: "Generate" }).click();
      await dialog.waitFor({ state: "detached" });
      const [upright] = query(
        `select key from assets where world_id = '${WORLD_ID}' and kind = 'upload' and mime_type != 'image/png' and key != '${rows[0].key}'`,
        app.stateDir,
      );
      assert.deepEqual(await uploadedPicture(page, upright.key), { width: 800, height: 1600, top: "red" });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("says Generate, From photo, Share and Export need a connection while offline, and explains on a tap", async () => {
    const { context, page, problems } = await openPhone(app);
    try {
      await signInDemo(page);
      await page.goto(WORLD);
      await page.locator('[data-ready="true"]').waitFor();
      await context.setOffline(true);
      const generate = page.getByRole("button", { name: "✦ Generate (needs a connection)" });
      await generate.waitFor();
      assert.equal(await generate.getAttribute("aria-disabled"), "true");
      assert.match(await generate.getAttribute("title"), /Needs a connection/);
      await page.getByRole("button", { name: "From photo (needs a connection)" }).waitFor();
      // On a phone Share and Export are behind More tools: there, dimmed and saying why.
      await page.getByRole("toolbar", { name: "Editor tools" }).getByRole("button", { name: "More tools" }).click();
      const menu = page.getByRole("menu", { name: "More tools" });
      for (const name of ["Share", "Export"]) {
        const item = menu.getByRole("menuitem", { name: `${name} Needs a connection` });
        assert.equal(await item.isDisabled(), true, `${name} is disabled offline`);
      }
      assert.equal(await menu.getByRole("menuitem", { name: "History", exact: true }).isDisabled(), false);
      await page.keyboard.press("Escape");
      await menu.waitFor({ state: "hidden" });
      // What works offline stays as it is.
      assert.equal(await page.getByRole("button", { name: "+ Element" }).getAttribute("aria-disabled"), null);
      // A tap still reaches it (it is aria-disabled, not disabled): it explains instead of doing nothing.
      await generate.tap({ force: true });
      await page.getByRole("status").filter({ hasText: "Needs a connection." }).waitFor();
      assert.equal(await page.getByRole("dialog", { name: "Generate an element" }).count(), 0, "no dialog that would fail");
      assert.equal(await overflowsHorizontally(page), false);
      await screenshot(page, "needs-connection-phone");

      await context.setOffline(false);
      await page.getByRole("button", { name: "✦ Generate", exact: true }).click();
      await page.getByRole("dialog", { name: "Generate an element" }).waitFor();
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });
});
