// Headless Chromium (Debian's) for page-level measurements.
import { existsSync } from "node:fs";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const chromiumAvailable = () => existsSync(CHROMIUM_PATH);

export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** A browser context already signed in with the cookie header `cookie` for `baseUrl`. */
export async function signedInContext(browser, baseUrl, cookie, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, baseURL: baseUrl });
  const { hostname } = new URL(baseUrl);
  await context.addCookies(
    cookie.split("; ").map((pair) => {
      const at = pair.indexOf("=");
      return { name: pair.slice(0, at), value: pair.slice(at + 1), domain: hostname, path: "/", httpOnly: true, secure: true, sameSite: "Lax" };
    }),
  );
  return context;
}
