// The editor on a phone (issue 19, point 4), on a 390×844 touch screen: the world editor's toolbar
// keeps the main actions and puts the rest behind a menu; nodes are drawn a finger's size (44 px);
// two fingers pinch the canvas's zoom and pan it; a long press on a node opens that node's menu;
// the element panel is a bottom sheet a finger pulls down to close; the story editor and the
// player have 44 px targets too; and none of the pages overflows sideways (the harness measures
// every page after each navigation, in this file and every other).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, signInDemo, skipWithoutChromium, startApp, waitFor } from "./harness.mjs";

const skip = skipWithoutChromium;
const TOUCH = { hasTouch: true, isMobile: true };
const TARGET = 44;

async function api(page, method, path, data) {
  const response = await page.request.fetch(path, { method, data });
  assert.ok(response.ok(), `${method} ${path} answered ${response.status()}: ${await response.text()}`);
  return response.json();
}

/** The canvas's pan and zoom, as React Flow draws them. */
function viewport(page) {
  return page.locator(".react-flow__viewport").evaluate((el) => {
    const { a, e, f } = new DOMMatrixReadOnly(getComputedStyle(el).transform);
    return { x: e, y: f, zoom: a };
  });
}

/** A point on the canvas's empty pane, `gap` px clear of any node on both sides (for two fingers). */
function emptySpot(page, gap) {
  return page.evaluate((gap) => {
    const pane = document.querySelector(".react-flow").getBoundingClientRect();
    const onPane = (x, y) => document.elementFromPoint(x, y)?.classList.contains("react-flow__pane");
    for (let y = pane.top + 60; y < pane.bottom - 60; y += 20) {
      for (let x = pane.left + gap + 10; x < pane.right - gap - 10; x += 20) {
        if (onPane(x, y) && onPane(x - gap, y) && onPane(x + gap, y)) return { x, y };
      }
    }
    return null;
  }, gap);
}

/** Two fingers from `from` to `to` (pairs of points), in small steps, through CDP. */
async function twoFingers(cdp, from, to, steps = 10) {
  const at = (t) =>
    from.map((p, i) => ({
      x: p.x + (to[i].x - p.x) * t,
      y: p.y + (to[i].y - p.y) * t,
      id: i,
    }));
  await cdp.send("Input.dispatchTouchEvent", {
    type: "touchStart",
    touchPoints: at(0),
  });
  for (let step = 1; step <= steps; step += 1)
    await cdp.send("Input.dispatchTouchEvent", {
      type: "touchMove",
      touchPoints: at(step / steps),
    });
  await cdp.send("Input.dispatchTouchEvent", {
    type: "touchEnd",
    touchPoints: [],
  });
}

/** A finger resting on `box`'s middle until `until` shows. */
async function longPress(cdp, box, until) {
  const finger = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await cdp.send("Input.dispatchTouchEvent", {
    type: "touchStart",
    touchPoints: [finger],
  });
  await until.waitFor();
  await cdp.send("Input.dispatchTouchEvent", {
    type: "touchEnd",
    touchPoints: [],
  });
}

/** Every box too small for a finger, by its text or label. */
async function tooSmall(locator) {
  const boxes = await locator.evaluateAll((els) =>
    els
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => ({
        name: el.getAttribute("aria-label") || el.textContent.trim(),
        height: el.getBoundingClientRect().height,
        width: el.getBoundingClientRect().width,
      })),
  );
  assert.ok(boxes.length > 0, "nothing to measure");
  return boxes.filter((b) => b.height < TARGET - 0.5 || b.width < TARGET - 0.5);
}

describe("the editor on a phone", { skip, timeout: 240_000 }, () => {
  let app;
  let phone;
  let cdp;
  let worldId;
  before(async () => {
    app = await startApp();
    phone = await openPage(app, PHONE, TOUCH);
    cdp = await phone.context.newCDPSession(phone.page);
    await signInDemo(phone.page);
    // Spread wide: fitted whole on a phone, the nodes would be drawn far smaller than a finger.
    ({
      world: { id: worldId },
    } = await api(phone.page, "POST", "/api/worlds", {
      title: "Pocket Isles",
    }));
    const names = ["Gull Rock", "Saltmarsh", "The Lamp House", "Old Wrecker", "Tide Bell", "Kelp Market", "Drowned Chapel", "Netmaker Ines"];
    for (const [i, name] of names.entries()) {
      await api(phone.page, "POST", `/api/worlds/${worldId}/elements`, {
        type: i % 2 ? "character" : "location",
        name,
        position: { x: (i % 4) * 320, y: Math.floor(i / 4) * 600 },
      });
    }
  });
  after(async () => {
    await phone?.context.close();
    await app?.stop();
  });

  it("keeps the main actions in a compact toolbar and the rest in a menu", async () => {
    const { page } = phone;
    await page.goto(`/worlds/${worldId}`);
    await page.locator('[data-ready="true"]').waitFor();
    // The canvas is sized to the screen: the page does not scroll under a finger panning it.
    const [height, screenHeight] = await page.evaluate(() => [document.documentElement.scrollHeight, window.innerHeight]);
    assert.ok(height <= screenHeight, `the world page fits the screen's height (${height} px in ${screenHeight})`);
    const toolbar = page.getByRole("toolbar", { name: "Editor tools" });
    const bar = await toolbar.boundingBox();
    assert.ok(bar.height <= 2 * TARGET + 24, `the toolbar is two rows at most (${bar.height} px)`);
    for (const name of ["+ Element", "✦ Generate", "From photo", "More tools"]) assert.ok(await toolbar.getByRole("button", { name, exact: true }).isVisible(), `${name} is in the toolbar`);
    for (const name of ["Auto-layout", "History", "Export", "Settings", "Share"])
      assert.equal(await toolbar.getByRole("button", { name, exact: true }).count(), 0, `${name} is not in the phone's toolbar`);
    assert.deepEqual(await tooSmall(toolbar.locator("button, input")), [], "every toolbar control is a finger's size");

    await toolbar.getByRole("button", { name: "More tools" }).tap();
    const menu = page.getByRole("menu", { name: "More tools" });
    await menu.waitFor();
    assert.deepEqual(await menu.getByRole("menuitem").allTextContents(), ["Auto-layout", "Delete", "Undo", "Redo", "Types", "Chat", "Stories", "History", "Share", "Export", "Settings"]);
    assert.deepEqual(await tooSmall(menu.getByRole("menuitem")), []);
    const shown = await menu.boundingBox();
    assert.ok(shown.x >= 0 && shown.x + shown.width <= PHONE.width && shown.y + shown.height <= PHONE.height, "the menu is on the screen");
    await screenshot(page, "phone-editor-menu");
    // Escape closes it and gives the focus back; a chosen item does what its button does.
    await page.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "More tools");
    await toolbar.getByRole("button", { name: "More tools" }).tap();
    await menu.getByRole("menuitem", { name: "Settings" }).tap();
    await page.getByRole("dialog", { name: "World settings" }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog", { name: "World settings" }).waitFor({ state: "hidden" });
    assert.equal(await overflowsHorizontally(page), false);
    await screenshot(page, "phone-editor");

    // A wide screen is as it was: every tool in the toolbar, no menu.
    const desk = await openPage(app, DESKTOP);
    try {
      await signInDemo(desk.page);
      await desk.page.goto(`/worlds/${worldId}`);
      await desk.page.locator('[data-ready="true"]').waitFor();
      const wide = desk.page.getByRole("toolbar", { name: "Editor tools" });
      assert.equal(await wide.getByRole("button", { name: "More tools" }).count(), 0);
      for (const name of ["Auto-layout", "History", "Export", "Settings", "Share", "Undo"]) assert.ok(await wide.getByRole("button", { name, exact: true }).isVisible(), `${name} on a wide screen`);
      assert.deepEqual(desk.problems, []);
    } finally {
      await desk.context.close();
    }
    assert.deepEqual(phone.problems, []);
  });

  it("draws nodes a finger's size, and two fingers pinch-zoom and pan the canvas", async (t) => {
    const { page } = phone;
    await page.goto(`/worlds/${worldId}`);
    await page.locator('[data-ready="true"]').waitFor();
    const opened = await viewport(page);
    const heights = await page.locator(".react-flow__node").evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().height));
    assert.ok(heights.length > 0);
    for (const height of heights) assert.ok(height >= TARGET, `a node is ${height} px tall on the screen`);
    assert.deepEqual(await tooSmall(page.locator(".react-flow__controls-button")), [], "the zoom buttons are a finger's size");

    // Fingers apart: the canvas zooms in, about the point between them.
    const spot = await waitFor(t.signal, "an empty part of the canvas", () => emptySpot(page, 40));
    const near = [
      { x: spot.x - 40, y: spot.y },
      { x: spot.x + 40, y: spot.y },
    ];
    const far = [
      { x: spot.x - 140, y: spot.y },
      { x: spot.x + 140, y: spot.y },
    ].map((p) => ({ x: Math.min(Math.max(p.x, 2), PHONE.width - 2), y: p.y }));
    await twoFingers(cdp, near, far);
    const zoomedIn = await waitFor(t.signal, "the canvas to zoom in", async () => {
      const now = await viewport(page);
      return now.zoom > opened.zoom * 1.3 && now;
    });
    // Fingers together again: it zooms back out.
    const back = await emptySpot(page, 40);
    if (back) {
      await twoFingers(
        cdp,
        [
          { x: back.x - 120, y: back.y },
          { x: back.x + 120, y: back.y },
        ].map((p) => ({
          x: Math.min(Math.max(p.x, 2), PHONE.width - 2),
          y: p.y,
        })),
        [
          { x: back.x - 30, y: back.y },
          { x: back.x + 30, y: back.y },
        ],
      );
      await waitFor(t.signal, "the canvas to zoom out", async () => (await viewport(page)).zoom < zoomedIn.zoom * 0.8);
    }
    // Both fingers moving the same way pan it, at the same zoom.
    const before = await viewport(page);
    const pan = await waitFor(t.signal, "an empty part of the canvas", () => emptySpot(page, 30));
    await twoFingers(
      cdp,
      [
        { x: pan.x - 30, y: pan.y },
        { x: pan.x + 30, y: pan.y },
      ],
      [
        { x: pan.x - 30, y: pan.y - 90 },
        { x: pan.x + 30, y: pan.y - 90 },
      ],
    );
    const panned = await waitFor(t.signal, "the canvas to pan", async () => {
      const now = await viewport(page);
      return Math.abs(now.y - before.y) > 40 && now;
    });
    assert.ok(Math.abs(panned.zoom - before.zoom) / before.zoom < 0.05, `a two-finger pan keeps the zoom (${before.zoom} → ${panned.zoom})`);
    assert.equal(await overflowsHorizontally(page), false, "the page did not zoom or scroll sideways");
    await screenshot(page, "phone-canvas-pinched");
    assert.deepEqual(phone.problems, []);
  });

  it("opens a node's menu on a long press, and the element as a bottom sheet", async () => {
    const { page } = phone;
    await page.goto(`/worlds/${worldId}`);
    await page.locator('[data-ready="true"]').waitFor();
    const visible = async () => {
      for (const node of await page.getByTestId("element-node").all()) {
        const box = await node.boundingBox();
        if (box && box.y > 260 && box.y + box.height < PHONE.height - 60 && box.x + box.width / 2 > 40 && box.x + box.width / 2 < PHONE.width - 40)
          return { name: await node.getAttribute("data-name"), box };
      }
      return null;
    };
    const first = await visible();
    assert.ok(first, "a node is in view");
    const menu = page.getByRole("menu", { name: first.name });
    await longPress(cdp, first.box, menu);
    assert.deepEqual(await menu.getByRole("menuitem").allTextContents(), ["Open", "Zoom to", "Delete…"]);
    assert.deepEqual(await tooSmall(menu.getByRole("menuitem")), []);
    const shown = await menu.boundingBox();
    assert.ok(shown.x >= 0 && shown.x + shown.width <= PHONE.width && shown.y >= 0 && shown.y + shown.height <= PHONE.height, "the node's menu is on the screen");
    assert.equal(await page.getByRole("complementary").count(), 0, "a long press does not open the element");
    await screenshot(page, "phone-node-menu");

    // Open: the element's panel is a sheet along the bottom, the canvas still above it.
    await menu.getByRole("menuitem", { name: "Open" }).tap();
    const sheet = page.getByRole("complementary", {
      name: `Element: ${first.name}`,
    });
    await sheet.waitFor();
    await page.waitForFunction(() => {
      const box = document.querySelector("aside")?.getBoundingClientRect();
      return box && Math.abs(box.bottom - window.innerHeight) < 1;
    });
    const box = await sheet.boundingBox();
    assert.equal(Math.round(box.x), 0);
    assert.equal(Math.round(box.width), PHONE.width);
    assert.ok(Math.abs(box.y + box.height - PHONE.height) <= 1, "anchored to the bottom of the screen");
    assert.ok(box.height <= PHONE.height * 0.62 + 1, `no taller than 62% of the screen (${box.height} px)`);
    const canvas = await page.locator(".react-flow").boundingBox();
    assert.ok(box.y > canvas.y + 40, "some of the canvas shows above the sheet");
    assert.deepEqual(await tooSmall(sheet.getByRole("button", { name: "Close panel" })), []);
    assert.equal(await overflowsHorizontally(page), false);
    await screenshot(page, "phone-element-sheet");
    // A finger pulling the sheet's head down closes it.
    await pullDown(cdp, sheet.getByTestId("sheet-grabber"));
    await sheet.waitFor({ state: "detached" });

    // Delete… from the menu asks first, then deletes that element.
    const second = await visible();
    const secondMenu = page.getByRole("menu", { name: second.name });
    await longPress(cdp, second.box, secondMenu);
    await secondMenu.getByRole("menuitem", { name: "Delete…" }).tap();
    const confirm = page.getByRole("dialog", { name: "Delete?" });
    await confirm.getByText(`Delete “${second.name}” and its relationships?`).waitFor();
    await confirm.getByRole("button", { name: "Delete" }).tap();
    await page.locator(`[data-name="${second.name}"]`).waitFor({ state: "detached" });

    // The chat is a bottom sheet too, pulled down the same way.
    await page.getByRole("toolbar", { name: "Editor tools" }).getByRole("button", { name: "More tools" }).tap();
    await page.getByRole("menu", { name: "More tools" }).getByRole("menuitem", { name: "Chat" }).tap();
    const chat = page.getByRole("complementary", { name: "Chat" });
    await chat.waitFor();
    await pullDown(cdp, chat.getByTestId("sheet-grabber"));
    await chat.waitFor({ state: "detached" });
    assert.deepEqual(phone.problems, []);
  });

  it("gives the story editor and the player a finger's targets, and no page overflows", async () => {
    const { page } = phone;
    const { story } = await api(page, "POST", `/api/worlds/${worldId}/stories`, { title: "The Lamp Keeper", template: "adventure" });
    const base = `/api/worlds/${worldId}/stories/${story.id}`;
    const { chapter } = await api(page, "POST", `${base}/chapters`, {
      title: "Low tide",
    });
    await api(page, "POST", `${base}/chapters/${chapter.id}/scenes`, {
      title: "The lamp",
      text: "Ines climbed to the lamp.\nThe sea was flat as slate.",
    });

    await page.goto(`/worlds/${worldId}/stories/${story.id}`);
    await page.locator('[data-ready="true"]').waitFor();
    await page.getByRole("toolbar", { name: "Text tools" }).waitFor();
    assert.deepEqual(await tooSmall(page.getByRole("toolbar", { name: "Text tools" }).getByRole("button")), [], "the text tools");
    const targets = [
      page.getByRole("link", { name: "▶ Play" }),
      page.getByRole("button", { name: "Publish" }),
      page.getByRole("button", { name: "Export", exact: true }),
      page.getByRole("button", { name: "☰ Outline" }),
    ];
    for (const target of targets) assert.deepEqual(await tooSmall(target), []);
    assert.equal(await overflowsHorizontally(page), false);
    await screenshot(page, "phone-story-editor");
    await page.getByRole("button", { name: "☰ Outline" }).tap();
    const outline = page.getByRole("complementary", {
      name: "Chapters and scenes",
    });
    await outline.waitFor();
    assert.deepEqual(await tooSmall(outline.getByRole("button", { name: "Close", exact: true })), []);
    assert.deepEqual(await tooSmall(outline.getByRole("button", { name: /^(Move|Delete|Drag) / })), [], "the outline's move, delete and drag buttons");
    assert.equal(await overflowsHorizontally(page), false);
    await outline.getByRole("button", { name: "Close", exact: true }).tap();

    await page.goto(`/worlds/${worldId}/stories/${story.id}/play`);
    const player = page.getByRole("region", { name: /Story player/ });
    await player.waitFor();
    assert.deepEqual(await tooSmall(player.getByRole("button")), [], "the player's buttons");
    assert.equal(await overflowsHorizontally(page), false);
    await screenshot(page, "phone-player");

    // The rest of the app, on the phone (the harness measures each page as it loads).
    for (const path of ["/", "/worlds", "/gallery", "/playlists", `/worlds/${worldId}/stories`, "/forgot-password", "/worlds/demoworld0000001", `/w/demoworld0000001`, "/embed/demoworld0000001"]) {
      await page.goto(path);
      assert.equal(await overflowsHorizontally(page), false, `${path} overflows`);
    }
    assert.deepEqual(app.overflows, [], "pages overflowed their viewport sideways");
    assert.deepEqual(phone.problems, []);
  });
});

/** A finger on `handle` pulling it 150 px down, through CDP touch events. */
async function pullDown(cdp, handle) {
  const box = await handle.boundingBox();
  const from = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [from] });
  for (let step = 1; step <= 6; step += 1) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x: from.x, y: from.y + step * 25 }] });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
}
