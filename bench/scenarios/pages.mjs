// SPEC §7, page weight: the gallery, the embed, and a story's reading page and embed (issue 18) load
// ≤ 120 KB of gzipped JavaScript; the world editor on a phone ≤ 300 KB (issue 19), beside the
// service worker's precache size and Chromium's installability check. Each page is
// opened in headless Chromium; every script it fetched is gzipped here with zlib (level 6, what
// servers commonly use), so the figure does not depend on how the local server encodes responses.
// Lighthouse 12 (performance category only, default mobile settings with simulated throttling,
// which needs no network) scores both pages; the score is reported, SPEC §7 sets no budget for it.
// `vite preview` sends everything uncompressed where Cloudflare would compress it, and Lighthouse's
// simulation charges the bytes on the wire, so its runs go through a small gzip proxy.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, request as httpRequest } from "node:http";
import { createGzip, gzipSync } from "node:zlib";
import { CHROMIUM_PATH, chromiumAvailable, launchChromium } from "../lib/browser.mjs";
import { round } from "../lib/http.mjs";

export const name = "pages";
export const title = "gallery, embed, story pages and the editor on a phone: gzipped JavaScript (Chromium), Lighthouse performance, precache, installable";

const JS_BUDGET_KB = 120;
/** Chrome's debugging port for the Lighthouse runs (one at a time). */
const LIGHTHOUSE_PORT = Number(process.env.BENCH_LIGHTHOUSE_PORT ?? 8832);
const LIGHTHOUSE_BIN = "node_modules/.bin/lighthouse";
const PROXY_PORT = Number(process.env.BENCH_GZIP_PROXY_PORT ?? 8834);
const COMPRESSIBLE = /^(text\/|application\/(javascript|json|xml)|image\/svg\+xml)/;
/** Flags for headless Chromium with nothing that phones home. */
const CHROME_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-default-apps",
  "--disable-extensions",
];

async function json(url, method, body, cookie) {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return { json: JSON.parse(text), headers: response.headers };
}

/** A public world made the way a person makes one: sign up, create from a prompt, publish. */
async function makePublicWorld(url) {
  const signUp = await json(`${url}/api/auth/sign-up/email`, "POST", { name: "Bench Publisher", email: `bench-pages-${Date.now()}@loreloom.local`, password: "bench-password-1" });
  const cookie = signUp.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
  const created = await json(`${url}/api/worlds`, "POST", { title: "Bench: a public world", style: "fantasy", prompt: "a mystical forest kingdom hidden in ancient woods" }, cookie);
  const worldId = created.json.world.id;
  for (let i = 0; ; i += 1) {
    const { job } = (await json(`${url}/api/jobs/${created.json.job.id}`, "GET", null, cookie)).json;
    if (job.status === "succeeded") break;
    if (job.status === "failed" || i > 600) throw new Error(`seeding the bench world failed: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await json(`${url}/api/worlds/${worldId}`, "PATCH", { visibility: "public" }, cookie);
  return { worldId, cookie, storyId: await publishedStory(url, worldId, cookie) };
}

/** A published story in the world (issue 18): two chapters of scenes, as its reading page and embed show it. */
async function publishedStory(url, worldId, cookie) {
  const base = `${url}/api/worlds/${worldId}/stories`;
  const story = (await json(base, "POST", { title: "Bench: a published story", template: "adventure" }, cookie)).json.story.id;
  let after;
  for (const [n, title] of ["Into the woods", "The hidden court"].entries()) {
    const chapter = (await json(`${base}/${story}/chapters`, "POST", { title, ...(after ? { after } : {}) }, cookie)).json.chapter.id;
    after = chapter;
    let scene;
    for (let i = 0; i < 3; i += 1) {
      const text = `Scene ${i + 1} of chapter ${n + 1}. The path bent between the old trees, and the lanterns of the hidden court glowed ahead.\nSomeone was singing in the dark.`;
      scene = (await json(`${base}/${story}/chapters/${chapter}/scenes`, "POST", { title: `Scene ${i + 1}`, text, ...(scene ? { after: scene } : {}) }, cookie)).json.scene.id;
    }
  }
  await json(`${base}/${story}`, "PATCH", { status: "published" }, cookie);
  return story;
}

/** A proxy to the app that gzips text responses, as Cloudflare's edge does. */
async function startGzipProxy(appUrl) {
  const target = new URL(appUrl);
  const server = createServer((incoming, outgoing) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host, "accept-encoding": "identity" } },
      (response) => {
        const headers = { ...response.headers };
        const compress = COMPRESSIBLE.test(String(headers["content-type"] ?? "")) && /\bgzip\b/.test(String(incoming.headers["accept-encoding"] ?? "")) && !headers["content-encoding"];
        if (!compress) {
          outgoing.writeHead(response.statusCode ?? 502, headers);
          response.pipe(outgoing);
          return;
        }
        delete headers["content-length"];
        headers["content-encoding"] = "gzip";
        headers.vary = "accept-encoding";
        outgoing.writeHead(response.statusCode ?? 502, headers);
        response.pipe(createGzip({ level: 6 })).pipe(outgoing);
      },
    );
    upstream.on("error", () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(PROXY_PORT, "localhost", resolve);
  });
  return { url: `http://localhost:${PROXY_PORT}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Loads a page once and sums the gzipped size of every script it fetched. */
async function measureScripts(browser, pageUrl, context = null) {
  context ??= await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const scripts = [];
  page.on("response", (response) => {
    if (response.request().resourceType() === "script") scripts.push(response);
  });
  try {
    const response = await page.goto(pageUrl, { waitUntil: "networkidle" });
    const status = response?.status() ?? 0;
    if (status !== 200) return { status, scripts: 0, rawKb: 0, gzipKb: 0 };
    let raw = 0;
    let gzipped = 0;
    for (const script of scripts) {
      const body = await script.body();
      raw += body.length;
      gzipped += gzipSync(body, { level: 6 }).length;
    }
    return { status, scripts: scripts.length, rawKb: round(raw / 1024), gzipKb: round(gzipped / 1024) };
  } finally {
    await context.close();
  }
}

/** One Lighthouse run (performance only) in its own headless Chromium; null and a reason if it fails. */
function lighthouse(pageUrl, port) {
  return new Promise((resolve) => {
    if (!existsSync(LIGHTHOUSE_BIN)) return resolve({ error: "lighthouse is not installed (npm install)" });
    const child = spawn(
      LIGHTHOUSE_BIN,
      [
        pageUrl,
        "--only-categories=performance",
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        "--no-enable-error-reporting",
        "--disable-full-page-screenshot",
        `--port=${port}`,
        "--max-wait-for-load=30000",
        `--chrome-flags=${CHROME_FLAGS.join(" ")}`,
      ],
      { env: { ...process.env, CHROME_PATH: CHROMIUM_PATH }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const out = [];
    const err = [];
    child.stdout.on("data", (chunk) => out.push(chunk));
    child.stderr.on("data", (chunk) => err.push(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        const report = JSON.parse(Buffer.concat(out).toString());
        if (report.runtimeError) return resolve({ error: `${report.runtimeError.code}: ${report.runtimeError.message}` });
        const audit = (id) => report.audits[id]?.numericValue;
        resolve({
          score: Math.round((report.categories.performance.score ?? 0) * 100),
          fcpMs: round(audit("first-contentful-paint") ?? NaN, 0),
          lcpMs: round(audit("largest-contentful-paint") ?? NaN, 0),
          tbtMs: round(audit("total-blocking-time") ?? NaN, 0),
          cls: round(audit("cumulative-layout-shift") ?? NaN, 3),
          warnings: report.runWarnings ?? [],
        });
      } catch {
        resolve({ error: `lighthouse exited ${code}: ${Buffer.concat(err).toString().trim().split("\n").slice(-3).join(" | ")}` });
      }
    });
  });
}

/** A signed-in phone (390×844, touch), as issue 19 measures the editor. */
async function phoneContext(browser, url, cookie) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: url });
  await context.addCookies(sessionCookies(url, cookie));
  return context;
}

/** A `Cookie` header's pairs as the browser context's cookies for `url`'s host (the signed-in session). */
function sessionCookies(url, cookie) {
  const { hostname } = new URL(url);
  return cookie.split("; ").map((pair) => {
    const at = pair.indexOf("=");
    return { name: pair.slice(0, at), value: pair.slice(at + 1), domain: hostname, path: "/", httpOnly: true, sameSite: "Lax" };
  });
}

/**
 * What the service worker precaches at install (issue 19): the list workbox wrote into /sw.js,
 * each file fetched and gzipped as above; the raw bytes are what lands in the phone's storage.
 */
async function precacheSize(url) {
  const script = await (await fetch(`${url}/sw.js`)).text();
  const files = [...new Set([...script.matchAll(/["']?url["']?\s*:\s*"([^"]+)"/g)].map((match) => match[1]))];
  let raw = 0;
  let gzipped = 0;
  for (const file of files) {
    const body = Buffer.from(await (await fetch(new URL(file, `${url}/`))).arrayBuffer());
    raw += body.length;
    gzipped += gzipSync(body, { level: 6 }).length;
  }
  return { files: files.length, rawKb: round(raw / 1024), gzipKb: round(gzipped / 1024) };
}

/**
 * Chromium's own installability check (DevTools' Page.getInstallabilityErrors) on the start page:
 * what Lighthouse's "installable" audit ran until Lighthouse 12 dropped its PWA category.
 */
async function installability(url, cookie) {
  // Not in a throwaway (incognito-like) context: Chromium never offers to install from one.
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "loreloom-bench-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  await context.addCookies(sessionCookies(url, cookie));
  try {
    const page = await context.newPage();
    await page.goto(`${url}/worlds`, { waitUntil: "networkidle" });
    const session = await context.newCDPSession(page);
    const { installabilityErrors } = await session.send("Page.getInstallabilityErrors");
    return installabilityErrors.map((error) => error.errorId);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const EDITOR_PHONE_BUDGET_KB = 300;

export async function run({ url }) {
  const { worldId, storyId, cookie } = await makePublicWorld(url);
  const pages = [
    { page: "gallery", path: "/gallery" },
    { page: "embed", path: `/embed/${worldId}` },
    // Issue 18: a story's reading page and its embedded player, under the same budget.
    { page: "story reading page", path: `/w/${worldId}/stories/${storyId}` },
    { page: "story embed", path: `/embed/${worldId}/stories/${storyId}` },
    // The public page has no SPEC budget; it is measured alongside for comparison.
    { page: "public page", path: `/w/${worldId}`, budget: false },
  ];
  const rows = [];
  const checks = [];
  if (!chromiumAvailable()) {
    return { rows: [], checks: [{ what: "page weight", value: "not measured: install chromium", budget: `≤ ${JS_BUDGET_KB} KB`, ok: false }] };
  }
  const browser = await launchChromium();
  const proxy = await startGzipProxy(url);
  try {
    for (const { page, path, budget = true } of pages) {
      const weight = await measureScripts(browser, `${url}${path}`);
      if (weight.status !== 200) {
        rows.push({ page, path, status: weight.status, scripts: "", "JS raw KB": "", "JS gzip KB": "", lighthouse: "", "FCP ms": "", "LCP ms": "", "TBT ms": "", CLS: "" });
        checks.push({ what: `${page} page JavaScript (gzip KB)`, value: `page missing (HTTP ${weight.status})`, budget: `≤ ${JS_BUDGET_KB}`, ok: false });
        continue;
      }
      const score = await lighthouse(`${proxy.url}${path}`, LIGHTHOUSE_PORT);
      if (score.error) console.log(`  lighthouse on ${page}: ${score.error}`);
      for (const warning of score.warnings ?? []) console.log(`  lighthouse on ${page} warns: ${warning}`);
      rows.push({
        page,
        path,
        status: weight.status,
        scripts: weight.scripts,
        "JS raw KB": weight.rawKb,
        "JS gzip KB": weight.gzipKb,
        lighthouse: score.error ? "failed" : score.score,
        "FCP ms": score.fcpMs ?? "",
        "LCP ms": score.lcpMs ?? "",
        "TBT ms": score.tbtMs ?? "",
        CLS: score.cls ?? "",
      });
      if (budget) checks.push({ what: `${page} page JavaScript (gzip KB)`, value: weight.gzipKb, budget: `≤ ${JS_BUDGET_KB}`, ok: weight.gzipKb <= JS_BUDGET_KB });
    }
    // Issue 19: the world editor on a phone (its own budget), and what the service worker stores.
    const editor = await measureScripts(browser, `${url}/worlds/${worldId}`, await phoneContext(browser, url, cookie));
    rows.push({ page: "world editor (phone)", path: `/worlds/${worldId}`, status: editor.status, scripts: editor.scripts, "JS raw KB": editor.rawKb, "JS gzip KB": editor.gzipKb, lighthouse: "", "FCP ms": "", "LCP ms": "", "TBT ms": "", CLS: "" });
    checks.push({ what: "world editor on a phone: JavaScript (gzip KB)", value: editor.status === 200 ? editor.gzipKb : `page missing (HTTP ${editor.status})`, budget: `≤ ${EDITOR_PHONE_BUDGET_KB}`, ok: editor.status === 200 && editor.gzipKb <= EDITOR_PHONE_BUDGET_KB });
    const precache = await precacheSize(url);
    rows.push({ page: "service worker precache", path: "/sw.js", status: 200, scripts: `${precache.files} files`, "JS raw KB": precache.rawKb, "JS gzip KB": precache.gzipKb, lighthouse: "", "FCP ms": "", "LCP ms": "", "TBT ms": "", CLS: "" });
    const errors = await installability(url, cookie);
    checks.push({ what: "installable (Chromium's check)", value: errors.length === 0 ? "yes" : `no: ${errors.join(", ")}`, budget: "yes", ok: errors.length === 0 });
  } finally {
    await browser.close();
    await proxy.close();
  }
  return { rows, checks };
}
