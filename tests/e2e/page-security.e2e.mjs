// SPEC §6 as a browser or another site sees it: a nonce CSP that the hydrated app lives within,
// no framing of pages, and no cross-site form posts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, openPage, skipWithoutChromium, startApp } from "./harness.mjs";

const skip = skipWithoutChromium;

describe("page security", { skip }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("serves pages with a nonce CSP, no framing, and hydrates within that policy", async () => {
    const response = await fetch(`${app.url}/`);
    const csp = response.headers.get("content-security-policy") ?? "";
    const nonce = csp.match(/'nonce-([^']+)'/)?.[1];
    assert.ok(nonce, `CSP has no script nonce: ${csp}`);
    assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(response.headers.get("x-frame-options"), "DENY");
    const html = await response.text();
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
      assert.match(tag, new RegExp(`nonce="${nonce.replace(/[+/=]/g, "\\$&")}"`), `script without the nonce: ${tag}`);
    }

    const { context, page, problems } = await openPage(app, DESKTOP);
    try {
      await page.goto("/");
      // Client-side navigation only works once React has hydrated: the CSP let the scripts run.
      await page.waitForFunction(() => Boolean(window.__reactRouterRouteModules));
      await page.getByRole("tab", { name: "Create account" }).click();
      await page.getByLabel("Your name").waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("refuses a form post from another site and creates nothing", async () => {
    const response = await fetch(`${app.url}/?index`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ intent: "sign-up", name: "Mallory", email: "mallory@example.com", password: "password-123" }),
      redirect: "manual",
    });
    assert.equal(response.status, 403);
    const signIn = await fetch(`${app.url}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "mallory@example.com", password: "password-123" }),
    });
    assert.equal(signIn.status, 401, "the cross-site sign-up must not have created an account");
  });
});
