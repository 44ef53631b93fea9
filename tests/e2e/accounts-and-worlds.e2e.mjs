// What a person does first: sign up, create a world, see it listed, open it, sign out — on a
// desktop and on a phone — plus the seeded demo world.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, skipWithoutChromium, startApp, uniqueEmail } from "./harness.mjs";

const skip = skipWithoutChromium;

describe("accounts and worlds in the browser", { skip }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  for (const [label, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ]) {
    it(`signs up, creates a world, sees it listed, opens it and signs out (${label})`, async () => {
      const { context, page, problems } = await openPage(app, viewport);
      try {
        await page.goto("/");
        assert.match(await page.locator("h1").innerText(), /living worlds/i);
        assert.equal(await overflowsHorizontally(page), false, "landing page overflows");
        await screenshot(page, `landing-${label}`);

        await page.getByRole("tab", { name: "Create account" }).click();
        await page.getByLabel("Your name").fill("Ada Lorewright");
        await page.getByLabel("Email").fill(uniqueEmail(label));
        await page.getByLabel("Password").fill("correct-horse-battery");
        await page.getByRole("button", { name: "Create account" }).click();
        await page.waitForURL("**/worlds");
        await page.getByRole("heading", { name: "My worlds" }).waitFor();
        assert.match(await page.getByText("No worlds yet").innerText(), /first one/);

        const title = `Isles of Brass ${label}`;
        await page.getByLabel("Title").fill(title);
        await page.getByLabel("Description").fill("Clockwork archipelago ruled by tide-engineers.");
        await page.getByLabel("Style").selectOption("steampunk");
        await page.getByRole("button", { name: "Create world" }).click();
        await page.waitForURL(/\/worlds\/[a-z0-9]+$/);
        await page.getByRole("heading", { name: title }).waitFor();
        await page.locator('[data-ready="true"]').waitFor();
        assert.match(await page.locator("main").innerText(), /An empty world/);
        assert.equal(await overflowsHorizontally(page), false, "world page overflows");
        await screenshot(page, `world-new-${label}`);

        await page.goto("/worlds");
        const card = page.getByRole("link", { name: new RegExp(title) });
        await card.waitFor();
        assert.match(await card.innerText(), /steampunk/i);
        assert.equal(await overflowsHorizontally(page), false, "dashboard overflows");
        await screenshot(page, `dashboard-${label}`);
        await card.click();
        await page.waitForURL(/\/worlds\/[a-z0-9]+$/);
        await page.getByRole("heading", { level: 1, name: title }).waitFor();

        const beforeSignOut = problems.length;
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.waitForURL((url) => url.pathname === "/");
        await page.goto("/worlds");
        await page.waitForURL(/\/\?next=%2Fworlds/);
        // Signing out ends the session at once (ADR 12): a request the world page still had in
        // flight is refused with 401, which Chromium logs. Nothing else may be logged.
        assert.deepEqual(
          problems.filter((p, i) => !(i >= beforeSignOut && /status of 401/.test(p))),
          [],
        );
      } finally {
        await context.close();
      }
    });
  }

  it("signs in to the demo account and shows the seeded world's elements and relationships", async () => {
    const { context, page, problems } = await openPage(app, DESKTOP);
    try {
      await page.goto("/");
      await page.getByLabel("Email").fill("demo@loreloom.local");
      await page.getByLabel("Password").fill("demo-password-1");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL("**/worlds");
      await page.getByRole("link", { name: /The Verdant Reach/ }).click();
      await page.waitForURL("**/worlds/demoworld0000001");
      await page.getByRole("heading", { level: 1, name: "The Verdant Reach" }).waitFor();
      const canvas = page.locator('[data-ready="true"]');
      await canvas.waitFor();
      assert.equal(await canvas.getAttribute("data-node-count"), "12");
      assert.equal(await page.locator(".react-flow__node").count(), 12);
      assert.equal(await page.locator(".react-flow__edge").count(), 12);
      await page.locator('[data-name="Queen Ysolde Mirewen"]').click();
      const panel = page.getByRole("complementary", { name: /Queen Ysolde Mirewen/ });
      await panel.waitFor();
      assert.match(await panel.innerText(), /owns\s+The Rootbound Crown/);
      await screenshot(page, "demo-world-desktop");
      await page.setViewportSize(PHONE);
      assert.equal(await overflowsHorizontally(page), false, "demo world overflows on a phone");
      await screenshot(page, "demo-world-phone");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("shows a wrong password as an error on the form, without leaving the page", async () => {
    const { context, page, problems } = await openPage(app, PHONE);
    try {
      await page.goto("/");
      await page.getByLabel("Email").fill("demo@loreloom.local");
      await page.getByLabel("Password").fill("not-the-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor();
      assert.match(await alert.innerText(), /invalid email or password/i);
      await screenshot(page, "sign-in-error-phone");
      // The 401 document response is logged by Chromium itself; nothing else may be.
      assert.deepEqual(
        problems.filter((p) => !/status of 401/.test(p)),
        [],
      );
    } finally {
      await context.close();
    }
  });

  it("resets a forgotten password through the link in the email (read from the local outbox)", async () => {
    const { context, page, problems } = await openPage(app, PHONE);
    try {
      // Someone signs up, signs out, and forgets the password.
      const email = uniqueEmail("forgetful");
      await page.goto("/?mode=sign-up");
      await page.getByLabel("Your name").fill("Fern Forgetful");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("first-password-1");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL("**/worlds");
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL((url) => url.pathname === "/");

      await page.getByRole("link", { name: "Forgot your password?" }).click();
      await page.waitForURL("**/forgot-password");
      await page.getByLabel("Email").fill(email);
      await page.getByRole("button", { name: "Email me a link" }).click();
      await page.getByRole("status").filter({ hasText: "we sent it a link" }).waitFor();
      assert.equal(await overflowsHorizontally(page), false);
      await screenshot(page, "forgot-password-phone");

      await page.goto("/dev/outbox");
      await page.getByRole("article", { name: `Reset your Loreloom password to ${email}` }).getByRole("link").click();
      await page.waitForURL(/\/reset-password\?token=/);
      await page.getByLabel("New password").fill("second-password-2");
      await page.getByRole("button", { name: "Set the new password" }).click();
      await page.getByRole("status").filter({ hasText: "Your password is changed" }).waitFor();
      await screenshot(page, "reset-password-phone");

      await page.getByRole("link", { name: "Sign in with the new one" }).click();
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("second-password-2");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL("**/worlds");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("never sends a person to another site after sign-in, whatever next says", async () => {
    for (const next of ["/\\evil.example/", "/\t/evil.example/", "//evil.example", "https://evil.example/", "/worlds?tab=1"]) {
      // The sign-in form's own POST, as a browser without JavaScript sends it.
      const body = new URLSearchParams({ intent: "sign-in", email: "demo@loreloom.local", password: "demo-password-1", next });
      const response = await fetch(`${app.url}/?index`, { method: "POST", body, redirect: "manual", headers: { "cf-connecting-ip": `10.9.9.${next.length}` } });
      assert.equal(response.status, 302, JSON.stringify(next));
      const location = response.headers.get("location");
      const target = new URL(location, `${app.url}/`);
      assert.equal(target.origin, app.url, `${JSON.stringify(next)} → ${location}`);
      assert.equal(target.pathname + target.search, next === "/worlds?tab=1" ? next : "/worlds", JSON.stringify(next));
    }
  });

  it("answers an unknown world with a readable not-found page", async () => {
    const { context, page } = await openPage(app, DESKTOP);
    try {
      const response = await page.goto("/worlds/doesnotexist0000");
      assert.equal(response?.status(), 404);
      await page.getByRole("heading", { name: "Not found" }).waitFor();
      await screenshot(page, "not-found-desktop");
    } finally {
      await context.close();
    }
  });
});
