// What a person does first: sign up, create a world, see it listed, open it, sign out — on a
// desktop and on a phone — plus the seeded demo world.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, signUp, skipWithoutChromium, startApp, uniqueEmail, editorTool } from "./harness.mjs";

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

        // An empty dashboard offers a start: example prompts, and the demo world to open or fork.
        await page.getByRole("heading", { name: /No worlds yet/ }).waitFor();
        const examples = page.getByRole("list", { name: "Example prompts" }).getByRole("link");
        assert.ok((await examples.count()) >= 3, "a few example prompts");
        const demo = page.getByRole("region", { name: "The Verdant Reach" });
        await demo.getByRole("link", { name: "Open the demo" }).waitFor();
        await demo.getByRole("button", { name: "Fork the demo" }).waitFor();
        assert.match(await demo.innerText(), /12 elements/);
        assert.equal(await overflowsHorizontally(page), false, "empty dashboard overflows");
        await screenshot(page, `dashboard-empty-${label}`);

        // One click on an example fills the new-world form with it, ready to generate.
        const example = examples.first();
        const chosen = (await example.innerText()).split("\n")[0].replace(/^“|”$/g, "");
        await example.click();
        await page.waitForURL((url) => url.searchParams.get("prompt") === chosen);
        const prompt = page.getByLabel("Describe your world");
        await page.waitForFunction((text) => document.activeElement?.id === "field-prompt" && document.activeElement.value === text, chosen);
        assert.equal(await prompt.inputValue(), chosen);
        assert.equal(await page.getByLabel("Style").inputValue(), "steampunk");
        await page.getByRole("button", { name: "Generate world" }).waitFor();
        const box = await prompt.boundingBox();
        assert.ok(box && box.y >= 0 && box.y + box.height <= viewport.height, "the filled-in prompt is in view");
        await screenshot(page, `dashboard-example-chosen-${label}`);

        // Generating from it: the prompt is the one description the form asked for, and it is
        // the world's description in World settings.
        await page.getByRole("button", { name: "Generate world" }).click();
        await page.waitForURL(/\/worlds\/[a-z0-9]+$/);
        await page.locator('[data-ready="true"]').waitFor();
        await editorTool(page, "Settings");
        const settings = page.getByRole("dialog", { name: "World settings" });
        const description = settings.getByRole("textbox", { name: "Description" });
        assert.equal(await description.inputValue(), chosen);
        assert.match(await description.evaluate((field) => document.getElementById(field.getAttribute("aria-describedby")).textContent), /starts with that prompt/);
        await screenshot(page, `world-settings-description-${label}`);
        await page.keyboard.press("Escape");
        await page.goto("/worlds");

        // Without a prompt the form makes an empty world with just a title.
        const title = `Isles of Brass ${label}`;
        await page.getByLabel("Title").fill(title);
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

  for (const [label, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ]) {
    it(`forks the demo from an empty dashboard, and the fork's card says where it came from (${label})`, async () => {
      const { context, page, problems } = await openPage(app, viewport);
      try {
        await signUp(page, `Fern ${label}`);
        const demo = page.getByRole("region", { name: "The Verdant Reach" });
        // Opening the demo shows it read-only; forking makes a copy of one's own.
        await demo.getByRole("link", { name: "Open the demo" }).click();
        await page.waitForURL("**/worlds/demoworld0000001");
        await page.locator('[data-ready="true"]').waitFor();
        await page.goBack();
        await page.getByRole("region", { name: "The Verdant Reach" }).getByRole("button", { name: "Fork the demo" }).click();
        await page.waitForURL((url) => /^\/worlds\/[a-z0-9]{16}$/.test(url.pathname) && !url.pathname.endsWith("demoworld0000001"));
        await page.getByRole("heading", { level: 1, name: "The Verdant Reach (fork)" }).waitFor();
        await page.locator('[data-ready="true"]').waitFor();
        assert.equal(await page.locator('[data-ready="true"]').getAttribute("data-node-count"), "12");

        await page.goto("/worlds");
        const card = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: /The Verdant Reach \(fork\)/ }) });
        const origin = card.getByTestId("world-origin");
        assert.equal(await origin.innerText(), "Forked from The Verdant Reach");
        // The source is public: the credit links to its public page.
        assert.equal(await origin.getByRole("link", { name: "The Verdant Reach" }).getAttribute("href"), "/w/demoworld0000001");
        assert.equal(await overflowsHorizontally(page), false, "dashboard overflows");
        await screenshot(page, `dashboard-fork-card-${label}`);
        await origin.getByRole("link", { name: "The Verdant Reach" }).click();
        await page.waitForURL("**/w/demoworld0000001");
        await page.getByRole("heading", { level: 1, name: "The Verdant Reach" }).waitFor();
        assert.deepEqual(problems, []);
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
