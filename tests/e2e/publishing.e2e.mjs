// Publishing as people and other sites see it: a world made public has a server-rendered page with
// Open Graph and Twitter tags and no secrets; its embed renders inside an iframe on another origin
// (and only the embed may be framed); a second person signs in from the page, forks the world and
// lands in the fork's editor.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, skipWithoutChromium, startApp, uniqueEmail } from "./harness.mjs";

const skip = skipWithoutChromium;
const SECRET = "Secretly the drowned king qx-5519";
const FRAMING_PORT = Number(process.env.E2E_FRAMING_PORT) || Number(process.env.E2E_PORT || 8797) + 38;

async function api(app, method, path, { cookie, body } = {}) {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text.startsWith("{") ? JSON.parse(text) : null };
}

async function signUpCookie(app, name) {
  const response = await fetch(`${app.url}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, email: uniqueEmail(name.toLowerCase()), password: "correct-horse-battery" }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return response.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
}

/** A world seeded from a prompt (linked elements with pictures and narration), a secret, public. */
async function publicWorld(app, cookie) {
  const created = await api(app, "POST", "/api/worlds", {
    cookie,
    body: { title: "Brinemoor", style: "steampunk", tags: ["sea"], description: "A drowned coast of brass lighthouses.", prompt: "a drowned coast of brass lighthouses" },
  });
  assert.equal(created.status, 201, created.text);
  const worldId = created.json.world.id;
  for (let i = 0; ; i += 1) {
    const job = (await api(app, "GET", `/api/jobs/${created.json.job.id}`, { cookie })).json.job;
    if (job.status === "succeeded") break;
    assert.ok(job.status !== "failed" && i < 300, `seeding did not finish: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const graph = (await api(app, "GET", `/api/worlds/${worldId}`, { cookie })).json;
  const keeper = graph.elements[1];
  assert.equal((await api(app, "PATCH", `/api/worlds/${worldId}/elements/${keeper.id}`, { cookie, body: { secret: SECRET } })).status, 200);
  const cover = graph.elements[0].assets.image;
  assert.equal((await api(app, "PATCH", `/api/worlds/${worldId}`, { cookie, body: { visibility: "public", coverAssetKey: cover } })).status, 200);
  return { worldId, graph, cover };
}

function metaContent(html, attribute, name) {
  const tag = html.match(new RegExp(`<meta[^>]*${attribute}="${name}"[^>]*>`))?.[0];
  return tag?.match(/content="([^"]*)"/)?.[1] ?? null;
}

describe("publishing: public page, embed, fork", { skip }, () => {
  let app;
  let ownerCookie;
  let world;
  let framingServer;

  before(async () => {
    app = await startApp();
    ownerCookie = await signUpCookie(app, "Maker");
    world = await publicWorld(app, ownerCookie);
  });
  after(async () => {
    framingServer?.close();
    await app?.stop();
  });

  it("serves a public page with Open Graph and Twitter tags, oEmbed discovery and no secret", async () => {
    const response = await fetch(`${app.url}/w/${world.worldId}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-frame-options"), "DENY");
    assert.match(response.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    const html = await response.text();
    assert.match(html, /<title>Brinemoor — Loreloom<\/title>/);
    assert.equal(metaContent(html, "name", "description"), "A drowned coast of brass lighthouses.");
    assert.equal(metaContent(html, "property", "og:title"), "Brinemoor");
    assert.equal(metaContent(html, "property", "og:type"), "website");
    assert.equal(metaContent(html, "property", "og:url"), `${app.url}/w/${world.worldId}`);
    assert.equal(metaContent(html, "property", "og:image"), `${app.url}/api/assets/${world.cover}`);
    assert.equal(metaContent(html, "name", "twitter:card"), "summary_large_image");
    assert.equal(metaContent(html, "name", "twitter:image"), `${app.url}/api/assets/${world.cover}`);
    assert.equal(metaContent(html, "name", "twitter:title"), "Brinemoor");
    const oembedHref = html.match(/<link[^>]*type="application\/json\+oembed"[^>]*href="([^"]+)"/)?.[1]?.replace(/&amp;/g, "&");
    assert.ok(oembedHref, "no oEmbed discovery link");
    const oembed = await fetch(oembedHref);
    assert.equal(oembed.status, 200);
    const body = await oembed.json();
    assert.equal(body.type, "rich");
    assert.match(body.html, new RegExp(`src="${app.url}/embed/${world.worldId}"`));
    // The cover is served to anonymous visitors, as crawlers fetch it.
    assert.equal((await fetch(`${app.url}/api/assets/${world.cover}`)).status, 200);
    for (const element of world.graph.elements) assert.ok(html.includes(element.name.replace(/&/g, "&amp;").replace(/'/g, "&#x27;")), element.name);
    assert.ok(!html.includes("qx-5519") && !JSON.stringify(body).includes("qx-5519"), "the secret reached the public page or oEmbed");

    // The owner, who may read the secret in the editor, sees the same secret-free page (plus a way back).
    const asOwner = await (await fetch(`${app.url}/w/${world.worldId}`, { headers: { cookie: ownerCookie } })).text();
    assert.ok(asOwner.includes(`href="/worlds/${world.worldId}"`) && asOwner.includes("Open in editor"));
    assert.ok(!asOwner.includes("qx-5519"), "the secret reached the public page of its owner");
    const embedAsOwner = await (await fetch(`${app.url}/embed/${world.worldId}`, { headers: { cookie: ownerCookie } })).text();
    assert.ok(!embedAsOwner.includes("qx-5519"), "the secret reached the embed of its owner");
    // …while the secret is really there, for the owner, through the API.
    assert.ok((await api(app, "GET", `/api/worlds/${world.worldId}`, { cookie: ownerCookie })).text.includes("qx-5519"));
  });

  it("shows the page on desktop and phone, read-only, with the graph and element details", async () => {
    for (const [viewport, name] of [[DESKTOP, "desktop"], [PHONE, "phone"]]) {
      const { context, page, problems } = await openPage(app, viewport);
      try {
        await page.goto(`/w/${world.worldId}`);
        await page.getByRole("heading", { name: "Brinemoor", level: 1 }).waitFor();
        await page.getByRole("img", { name: /Graph of Brinemoor/ }).waitFor();
        await page.getByRole("heading", { name: world.graph.elements[0].name, level: 3 }).waitFor();
        await page.waitForFunction(() => Boolean(window.__reactRouterRouteModules));
        assert.equal(await page.getByRole("link", { name: "Sign in to fork" }).count(), 1);
        assert.equal(await page.getByRole("link", { name: "Open in editor" }).count(), 0);
        assert.ok(await page.locator("audio").count() > 0, "narration players are missing");
        await page.getByText("Embed", { exact: true }).click();
        const snippet = await page.getByLabel("Paste this into your page").inputValue();
        assert.match(snippet, new RegExp(`<iframe src="${app.url}/embed/${world.worldId}" width="800" height="600"`));
        await page.getByText("Small").click();
        assert.match(await page.getByLabel("Paste this into your page").inputValue(), /width="480" height="360"/);
        assert.equal(await overflowsHorizontally(page), false, `${name}: the page overflows sideways`);
        await screenshot(page, `publishing-public-page-${name}`);
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: `test-results/screenshots/publishing-public-page-${name}-top.png` });
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
  });

  it("has no public page for a private world, and tells its members where the editor is", async () => {
    const hidden = await api(app, "POST", "/api/worlds", { cookie: ownerCookie, body: { title: "Vault of Hours" } });
    const anonymous = await fetch(`${app.url}/w/${hidden.json.world.id}`);
    assert.equal(anonymous.status, 404);
    assert.ok(!(await anonymous.text()).includes("Vault of Hours"));
    assert.equal((await fetch(`${app.url}/embed/${hidden.json.world.id}`)).status, 404);
    const member = await fetch(`${app.url}/w/${hidden.json.world.id}`, { headers: { cookie: ownerCookie } });
    assert.equal(member.status, 404);
    const html = await member.text();
    assert.match(html, /This world is private/);
    assert.ok(html.includes(`href="/worlds/${hidden.json.world.id}"`));
  });

  it("lets only the embed be framed, and renders it inside an iframe on another origin", async () => {
    const embed = await fetch(`${app.url}/embed/${world.worldId}`);
    assert.equal(embed.status, 200);
    assert.match(embed.headers.get("content-security-policy") ?? "", /frame-ancestors \*/);
    assert.equal(embed.headers.get("x-frame-options"), null);
    const embedHtml = await embed.text();
    assert.ok(!embedHtml.includes("qx-5519"), "the secret reached the embed");
    assert.ok(!embedHtml.includes("Sign out") && !embedHtml.includes("My worlds"), "the embed carries the site header");

    framingServer = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(
        `<!doctype html><title>A fan site</title><h1>My favourite world</h1>` +
          `<iframe id="embed" src="${app.url}/embed/${world.worldId}" width="800" height="600" style="border:0"></iframe>` +
          `<iframe id="page" src="${app.url}/w/${world.worldId}" width="400" height="200"></iframe>` +
          `<h2>On a phone-sized column</h2><iframe id="small" src="${app.url}/embed/${world.worldId}" width="360" height="300" style="border:0"></iframe>`,
      );
    });
    await new Promise((resolve) => framingServer.listen(FRAMING_PORT, "127.0.0.1", resolve));
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (error) => problems.push(error.message));
    try {
      await page.goto(`http://127.0.0.1:${FRAMING_PORT}/`);
      await page.frameLocator("#small").getByRole("link", { name: "Open in Loreloom ↗" }).waitFor();
      const frame = page.frameLocator("#embed");
      const first = world.graph.elements[0];
      await frame.getByRole("button", { name: `${first.name} (${first.type})` }).waitFor();
      for (const element of world.graph.elements.slice(0, 4)) {
        assert.equal(await frame.getByRole("button", { name: `${element.name} (${element.type})` }).count(), 1, element.name);
      }
      assert.equal(await frame.getByRole("link", { name: "Open in Loreloom ↗" }).getAttribute("target"), "_blank");
      // Wait for hydration inside the frame, then click a node: its details open in the overlay.
      const embedFrame = page.frames().find((f) => f.url().includes("/embed/"));
      await embedFrame.waitForFunction(() => Boolean(window.__reactRouterRouteModules));
      await frame.getByRole("button", { name: `${first.name} (${first.type})` }).click();
      await frame.getByRole("complementary", { name: first.name }).waitFor();
      await frame.getByRole("button", { name: "Zoom in" }).click();
      // The public page itself refuses to be framed: its frame stays empty.
      const pageFrame = page.frames().find((f) => f.url().includes("/w/"));
      const framedText = pageFrame ? await pageFrame.evaluate(() => document.body?.innerText ?? "").catch(() => "") : "";
      assert.ok(!framedText.includes("Brinemoor"), "the public page rendered inside a frame");
      await screenshot(page, "publishing-embed-on-another-origin");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("lets a second person sign in from the page, fork the world and land in the fork's editor", async () => {
    const { context, page, problems } = await openPage(app, DESKTOP);
    try {
      await page.goto(`/w/${world.worldId}`);
      await page.getByRole("link", { name: "Sign in to fork" }).click();
      await page.getByRole("tab", { name: "Create account" }).click();
      await page.getByLabel("Your name").fill("Forker");
      await page.getByLabel("Email").fill(uniqueEmail("forker"));
      await page.getByLabel("Password").fill("correct-horse-battery");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`**/w/${world.worldId}`);
      await page.getByRole("button", { name: "Fork this world" }).waitFor();
      await screenshot(page, "publishing-public-page-signed-in");
      await page.getByRole("button", { name: "Fork this world" }).click();
      await page.waitForURL(/\/worlds\/[a-z0-9]+$/);
      const forkId = page.url().split("/").pop();
      assert.notEqual(forkId, world.worldId);
      await page.getByRole("heading", { name: "Brinemoor (fork)" }).waitFor();
      await page.locator('[data-ready="true"]').waitFor();
      assert.equal(Number(await page.locator('[data-ready="true"]').getAttribute("data-node-count")), world.graph.elements.length);
      await screenshot(page, "publishing-fork-editor");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
