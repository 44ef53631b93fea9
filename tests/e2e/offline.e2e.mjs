// Offline editing: one browser loses its connection to the room, keeps editing (the toolbar counts
// what is pending), another keeps editing online, and when the first comes back both have
// everything. The connection is cut with Playwright's WebSocket routing (going "offline" in the
// browser does not close a WebSocket that is already open).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, openPage, screenshot, signInDemo, skipWithoutChromium, startApp } from "./harness.mjs";

const skip = skipWithoutChromium;

/** Signs in as the demo account and opens its world. */
async function signInDemoAndOpen(page) {
  await signInDemo(page);
  await page.goto("/worlds/demoworld0000001");
  await page.locator('[data-ready="true"]').waitFor();
}

describe("editing offline", { skip }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("merges edits made offline with edits made meanwhile by someone online", async () => {
    const away = await openPage(app, DESKTOP);
    const here = await openPage(app, DESKTOP);
    try {
      let offline = false;
      const open = new Set();
      await away.page.routeWebSocket(/\/api\/worlds\/[a-z0-9]+\/room/, (socket) => {
        if (offline) {
          socket.close();
          return;
        }
        socket.connectToServer();
        open.add(socket);
      });
      await signInDemoAndOpen(away.page);
      await signInDemoAndOpen(here.page);

      offline = true;
      for (const socket of open) await socket.close();
      await away.page.getByTestId("connection").filter({ hasText: /Offline|Reconnecting/ }).waitFor({ timeout: 20_000 });
      await away.page.getByRole("button", { name: "+ Element" }).click();
      await away.page.getByRole("complementary").getByLabel("Name").fill("Drafted on the train");
      await away.page.getByTestId("connection").filter({ hasText: /pending/ }).waitFor();
      await screenshot(away.page, "offline-pending-desktop");

      await here.page.getByRole("button", { name: "+ Element" }).click();
      await here.page.getByRole("complementary").getByLabel("Name").fill("Added while they were away");
      await here.page.locator('[data-name="Added while they were away"]').waitFor();

      offline = false;
      await away.page.getByTestId("connection").filter({ hasText: "Live" }).waitFor({ timeout: 30_000 });
      await away.page.locator('[data-name="Added while they were away"]').waitFor();
      await here.page.locator('[data-name="Drafted on the train"]').waitFor();
      assert.deepEqual(
        away.problems.filter((p) => !/WebSocket/.test(p)),
        [],
      );
      assert.deepEqual(here.problems, []);
    } finally {
      await away.context.close();
      await here.context.close();
    }
  });
});
