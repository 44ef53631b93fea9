// The installable app on a phone (issue 19, points 1–3; ADR 22): a valid manifest linked from every
// page, a service worker that installs and controls the page, pages opened before that open with
// the network off (a cold start in a new tab too), the offline page only for a page never opened
// and only when offline — a page the server answered with an error is passed through — and the
// install button where the browser offers one, with the iOS how-to on iOS. An element added in a
// world opened offline reaches the server when the network returns.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { query } from "../../scripts/lib/local-d1.mjs";
import { PHONE, openPage, overflowsHorizontally, screenshot, signInDemo, skipWithoutChromium, startApp, waitFor } from "./harness.mjs";

const skip = skipWithoutChromium;
const DEMO_WORLD = "/worlds/demoworld0000001";
const IPHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(bytes) {
  assert.equal(bytes.subarray(1, 4).toString("latin1"), "PNG", "not a PNG");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Resolves once a service worker controls the page (after a reload, if the first load was not). */
async function controlledBy(page, signal) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) await page.reload();
  return waitFor(signal, "the service worker to control the page", () =>
    page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null),
  );
}

/** Offline, the world's room cannot be reached: those are the only errors a page may log. */
const unexpected = (problems) => problems.filter((p) => !/WebSocket|ERR_INTERNET_DISCONNECTED|Failed to fetch|Failed to load resource/.test(p));

describe("installable app and service worker", { skip }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("links a valid manifest whose icons exist at their declared sizes, and serves the worker uncached", async () => {
    const html = await (await fetch(`${app.url}/`)).text();
    assert.match(html, /<link rel="manifest" href="\/manifest.webmanifest"\/?>/);
    assert.match(html, /<link rel="apple-touch-icon" href="\/icons\/apple-touch-icon.png"\/?>/);
    assert.match(html, /<meta name="theme-color" content="#312e81"\/?>/);

    const response = await fetch(`${app.url}/manifest.webmanifest`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^application\/manifest\+json/);
    const manifest = await response.json();
    assert.equal(manifest.short_name, "Loreloom");
    assert.ok(manifest.name && manifest.id, "name and id");
    assert.equal(manifest.start_url, "/worlds");
    assert.equal(manifest.scope, "/");
    assert.equal(manifest.display, "standalone");
    assert.equal(manifest.theme_color, "#312e81");
    assert.equal(manifest.background_color, "#fafaf9");
    assert.deepEqual(
      manifest.shortcuts.map((s) => [s.name, s.url]),
      [
        ["My worlds", "/worlds"],
        ["New world", "/worlds#create-world"],
      ],
    );
    const pngs = manifest.icons.filter((icon) => icon.type === "image/png");
    for (const [size, purpose] of [["192x192", "any"], ["512x512", "any"], ["192x192", "maskable"], ["512x512", "maskable"]]) {
      assert.ok(pngs.some((icon) => icon.sizes === size && icon.purpose === purpose), `a ${purpose} ${size} PNG icon`);
    }
    // Screenshots for the install dialog: one for phones, one for wide screens, at their declared sizes.
    assert.deepEqual(manifest.screenshots.map((shot) => shot.form_factor).sort(), ["narrow", "wide"]);
    // A picture shared from another app is posted to the service worker (tests/e2e/phone-photo.e2e.mjs).
    assert.equal(manifest.share_target.action, "/share-target");
    assert.equal(manifest.share_target.method, "POST");
    assert.equal(manifest.share_target.enctype, "multipart/form-data");
    assert.ok(manifest.share_target.params.files.some((f) => f.accept.includes("image/*")));
    for (const icon of [...pngs, { src: "/icons/apple-touch-icon.png", sizes: "180x180" }, ...manifest.screenshots]) {
      const image = await fetch(new URL(icon.src, app.url));
      assert.equal(image.status, 200, icon.src);
      assert.equal(image.headers.get("content-type"), "image/png", icon.src);
      const { width, height } = pngSize(Buffer.from(await image.arrayBuffer()));
      assert.equal(`${width}x${height}`, icon.sizes, icon.src);
    }

    const worker = await fetch(`${app.url}/sw.js`);
    assert.equal(worker.status, 200);
    assert.match(worker.headers.get("content-type") ?? "", /javascript/);
    assert.equal(worker.headers.get("cache-control"), "no-cache");
    assert.equal(worker.headers.get("service-worker-allowed"), "/");
    const source = await worker.text();
    assert.doesNotMatch(source, /__WB_MANIFEST/, "the precache list was injected");
    assert.match(source, /offline\.html/);
    assert.match(source, /assets\/root-[\w-]+\.js/, "the hashed client build is precached");
  });

  it("controls the page, opens visited pages offline (a cold start too) and the offline page only for others", async (t) => {
    const { context, page, problems } = await openPage(app, PHONE);
    try {
      await signInDemo(page);
      const scriptURL = await controlledBy(page, t.signal);
      assert.equal(new URL(scriptURL).pathname, "/sw.js");
      // Visited while online (and controlled): My worlds and the demo world.
      await page.goto("/worlds");
      await page.getByRole("heading", { name: "My worlds" }).waitFor();
      await page.goto(DEMO_WORLD);
      await page.locator('[data-ready="true"]').waitFor();

      await context.setOffline(true);
      await page.goto("/worlds");
      await page.getByRole("heading", { name: "My worlds" }).waitFor();
      await page.goto("/playlists");
      await page.getByTestId("offline-page").waitFor();
      await page.getByRole("heading", { name: "You are offline" }).waitFor();
      await screenshot(page, "pwa-offline-page-phone");

      // A cold start: a new tab with no network opens My worlds as last seen, then the world.
      await page.close();
      const cold = await context.newPage();
      cold.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      await cold.goto("/worlds");
      await cold.getByRole("heading", { name: "My worlds" }).waitFor();
      await cold.getByText("The Verdant Reach").first().waitFor();
      await cold.goto(DEMO_WORLD);
      await cold.locator('[data-ready="true"]').waitFor({ timeout: 30_000 });
      await cold.getByTestId("connection").filter({ hasText: /Offline|Reconnecting/ }).waitFor();
      // An element added offline is kept in this browser and reaches the server once online.
      await cold.getByRole("button", { name: "+ Element" }).click();
      await cold.getByRole("complementary").getByLabel("Name").fill("Drafted in a tunnel");
      await cold.getByTestId("connection").filter({ hasText: /pending/ }).waitFor();
      await screenshot(cold, "pwa-offline-world-phone");
      await context.setOffline(false);
      await cold.getByTestId("connection").filter({ hasText: "Live" }).waitFor({ timeout: 60_000 });
      await waitFor(
        t.signal,
        "the offline element in D1",
        () => query(`select id from elements where world_id = 'demoworld0000001' and name = 'Drafted in a tunnel'`, app.stateDir).length === 1,
        1000,
      );
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });

  it("passes the server's error answers (404, 503) through instead of the offline page", async (t) => {
    const { context, page } = await openPage(app, PHONE);
    try {
      await signInDemo(page);
      await controlledBy(page, t.signal);
      const response = await page.goto("/worlds/nosuchworld00001");
      assert.equal(response?.status(), 404);
      assert.ok(response?.fromServiceWorker(), "the worker answered the navigation");
      await page.getByRole("heading", { name: "Not found" }).waitFor();
      assert.equal(await page.getByTestId("offline-page").count(), 0);
      // A server failing (5xx) is not the device being offline: its answer is shown as it is.
      // The context's routes see the worker's own fetches in Chromium, so the 500 reaches the worker.
      await context.route("**/playlists", (route) =>
        route.fulfill({ status: 503, contentType: "text/plain", body: "The server is having a bad day." }),
      );
      const failed = await page.goto("/playlists");
      assert.equal(failed?.status(), 503);
      assert.ok(failed?.fromServiceWorker(), "the worker answered the navigation");
      await page.getByText("The server is having a bad day.").waitFor();
      assert.equal(await page.getByTestId("offline-page").count(), 0);
    } finally {
      await context.close();
    }
  });

  it("offers Install app where the browser offers it, and the how-to on iOS", async () => {
    const { context, page } = await openPage(app, PHONE);
    try {
      await page.goto("/");
      await page.waitForFunction(() => Boolean(window.__reactRouterRouteModules));
      assert.equal(await page.getByRole("button", { name: "Install app" }).count(), 0, "hidden until the browser offers it");
      await page.evaluate(() => {
        const offer = new Event("beforeinstallprompt", { cancelable: true });
        offer.prompt = async () => {
          window.__installPrompted = true;
        };
        offer.userChoice = Promise.resolve({ outcome: "accepted" });
        window.dispatchEvent(offer);
      });
      await page.getByRole("button", { name: "Install app" }).click();
      await page.waitForFunction(() => window.__installPrompted === true);
      await page.getByRole("button", { name: "Install app" }).waitFor({ state: "detached" });
    } finally {
      await context.close();
    }
    const iphone = await app.browser.newContext({ viewport: PHONE, baseURL: app.url, userAgent: IPHONE_UA, isMobile: true, hasTouch: true });
    try {
      const page = await iphone.newPage();
      await page.goto("/");
      await page.getByRole("button", { name: "Install app" }).click();
      await page.getByRole("note").filter({ hasText: "Add to Home Screen" }).waitFor();
      assert.equal(await overflowsHorizontally(page), false, "the landing page with the how-to open overflows");
      // Signed in, the header holds the button beside Gallery, Playlists and Sign out, within 390 px.
      await signInDemo(page);
      await page.getByRole("button", { name: "Install app" }).waitFor();
      assert.equal(await overflowsHorizontally(page), false, "My worlds with the install button overflows");
    } finally {
      await iphone.close();
    }
  });
});
