// Two people in two browsers on one world: a node created by one appears for the other, cursors
// and chat cross, and a lock shows on the other side. (The room's refusal of edits to a locked
// element is proven with two editors in tests/workers/room-socket.test.ts.)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, openPage, screenshot, skipWithoutChromium, startApp, uniqueEmail } from "./harness.mjs";

const skip = skipWithoutChromium;
const WORLD = "/worlds/demoworld0000001";

describe("real-time rooms in two browsers", { skip }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("shares nodes, cursors, chat and locks live", async () => {
    const owner = await openPage(app, DESKTOP);
    const guest = await openPage(app, DESKTOP);
    try {
      // The owner (the demo account) and someone else, who sees the public demo world as a viewer.
      await owner.page.goto("/");
      await owner.page.getByLabel("Email").fill("demo@loreloom.local");
      await owner.page.getByLabel("Password").fill("demo-password-1");
      await owner.page.getByRole("button", { name: "Sign in" }).click();
      await owner.page.waitForURL("**/worlds");
      await guest.page.goto("/");
      await guest.page.getByRole("tab", { name: "Create account" }).click();
      await guest.page.getByLabel("Your name").fill("Gil Guest");
      await guest.page.getByLabel("Email").fill(uniqueEmail("gil"));
      await guest.page.getByLabel("Password").fill("correct-horse-battery");
      await guest.page.getByRole("button", { name: "Create account" }).click();
      await guest.page.waitForURL("**/worlds");
      for (const { page } of [owner, guest]) {
        await page.goto(WORLD);
        await page.locator('[data-ready="true"]').waitFor();
      }
      await owner.page.getByRole("status").filter({ hasText: "Gil Guest joined" }).waitFor();

      // A node made by the owner appears for the guest.
      await owner.page.getByRole("button", { name: "+ Element" }).click();
      await owner.page.getByRole("complementary").getByLabel("Name").fill("The Lantern Market");
      await guest.page.locator('[data-name="The Lantern Market"]').waitFor();

      // The guest's cursor shows on the owner's canvas with the guest's name.
      const box = await guest.page.getByTestId("canvas").boundingBox();
      await guest.page.mouse.move(box.x + 200, box.y + 200);
      await guest.page.mouse.move(box.x + 260, box.y + 240, { steps: 5 });
      const cursor = owner.page.getByTestId("remote-cursor").filter({ hasText: "Gil Guest" });
      await cursor.waitFor();

      // Chat crosses, rendered as Markdown.
      await guest.page.getByRole("button", { name: /^Chat/ }).click();
      await guest.page.getByLabel("Chat message").fill("Hello from **Gil**");
      await guest.page.getByRole("button", { name: "Send" }).click();
      await owner.page.getByRole("button", { name: /^Chat/ }).click();
      const line = owner.page.getByTestId("chat-messages").locator("li").filter({ hasText: "Hello from" });
      await line.waitFor();
      assert.equal(await line.locator("strong").innerText(), "Gil");
      await owner.page.getByRole("button", { name: "Close chat" }).click();

      // The owner locks an element; the guest sees who holds it, and its panel stays closed to edits.
      await owner.page.locator('[data-name="Mosshide Stag"]').click();
      await owner.page.getByRole("button", { name: "Lock while I edit" }).click();
      await guest.page.locator('[data-name="Mosshide Stag"]').getByText("editing: Demo Weaver").waitFor();
      await guest.page.locator('[data-name="Mosshide Stag"]').click();
      await guest.page.getByRole("complementary").getByText("Demo Weaver is editing this element").waitFor();
      await screenshot(owner.page, "realtime-owner-desktop");
      await screenshot(guest.page, "realtime-guest-desktop");
      assert.deepEqual(owner.problems, []);
      assert.deepEqual(guest.problems, []);
    } finally {
      await owner.context.close();
      await guest.context.close();
    }
  });
});
