// Renders the app icons of the web app manifest (public/manifest.webmanifest) from
// public/favicon.svg with Debian's Chromium through playwright-core. Run once when the logo
// changes (`node scripts/make-icons.mjs`) and commit public/icons/*.png; builds do not run it.
//   icon-192/512.png      the logo as it is (its own rounded indigo square), on transparency
//   maskable-192/512.png  the logo's marks inside the maskable safe zone (the central 80 % circle),
//                         on a full-bleed indigo square that a launcher may crop to any shape
//   apple-touch-icon.png  180 px, full-bleed like the maskable ones (iOS rounds the corners itself)
import { mkdirSync, readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const BRAND = "#312e81";
const svg = readFileSync("public/favicon.svg", "utf8");
// The marks without the logo's own rounded square: the maskable icon's background is full-bleed.
const marks = svg.replace(/<rect[^>]*\/>/, "");

function page(size, maskable, scale) {
  // Maskable: the marks span 64 px of the logo; scaled to 60 % of the icon they stay in the safe zone.
  const inner = maskable ? Math.round(size * scale) : size;
  const body = maskable ? marks : svg;
  const image = `data:image/svg+xml;base64,${Buffer.from(body).toString("base64")}`;
  return `<!doctype html><html><body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${maskable ? BRAND : "transparent"}">
<img src="${image}" width="${inner}" height="${inner}" alt=""></body></html>`;
}

mkdirSync("public/icons", { recursive: true });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox", "--disable-gpu"] });
try {
  const icons = [
    ["icon-192.png", 192, false, 1],
    ["icon-512.png", 512, false, 1],
    ["maskable-192.png", 192, true, 0.6],
    ["maskable-512.png", 512, true, 0.6],
    ["apple-touch-icon.png", 180, true, 0.75],
  ];
  for (const [name, size, maskable, scale] of icons) {
    const context = await browser.newContext({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const tab = await context.newPage();
    await tab.setContent(page(size, maskable, scale));
    await tab.locator("img").evaluate((img) => img.decode());
    const path = `public/icons/${name}`;
    await tab.screenshot({ path, omitBackground: !maskable });
    console.log(`wrote ${path}`);
    await context.close();
  }
} finally {
  await browser.close();
}
