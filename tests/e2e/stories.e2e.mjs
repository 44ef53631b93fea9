// Two people write one story together (issue 17, points 1, 3, 5 and 7): the owner makes the story from
// the world's Stories page, adds a chapter and a scene and types; an invited editor on a phone sees
// the outline and the text arrive and writes back; a viewer reads the text live and cannot type;
// the AI continues the scene in front of all three, and the continuity panel catches a misspelled
// name and a stranger, each fixed with one click.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, signInDemo, signUp, skipWithoutChromium, startApp, waitFor } from "./harness.mjs";

const skip = skipWithoutChromium;
const WORLD_ID = "demoworld0000001";
const WORLD = `/worlds/${WORLD_ID}`;

/** A scene's text as a reader sees it, without other people's carets and name labels drawn into it. */
function sceneText(page) {
  return page.getByTestId("scene-text").evaluate((content) => {
    const copy = content.cloneNode(true);
    for (const drawn of copy.querySelectorAll(".story-caret, .ProseMirror-separator, .ProseMirror-trailingBreak")) drawn.remove();
    return [...copy.children].map((block) => block.textContent).join("\n");
  });
}

/** An invitation to the demo world from the signed-in owner, accepted by a new person. */
async function invite(app, owner, role, name, viewport) {
  const url = await owner.page.evaluate(
    async ([world, asRole]) => {
      const response = await fetch(`/api/worlds/${world}/invitations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ role: asRole }) });
      return (await response.json()).url;
    },
    [WORLD_ID, role],
  );
  const person = await openPage(app, viewport);
  await signUp(person.page, name);
  await person.page.goto(url);
  await person.page.getByRole("button", { name: "Accept and open the world" }).click();
  await person.page.waitForURL(`**${WORLD}`);
  return person;
}

/** Opens the outline: always shown on a desktop, a drawer behind a button on a phone. */
async function outline(page) {
  const toggle = page.getByRole("button", { name: "☰ Outline" });
  // Already open: a second click would land on the drawer, which covers the button (a poll calls this again and again).
  if ((await toggle.isVisible()) && (await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  return page.getByRole("navigation", { name: "Story outline" });
}

describe("writing a story together", { skip, timeout: Number(process.env.E2E_TIMEOUT) || 300_000 }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("one person adds a chapter, a scene and text; an editor on a phone sees it and writes back; a viewer reads but cannot type", async (t) => {
    const owner = await openPage(app, DESKTOP);
    const people = [owner];
    try {
      await signInDemo(owner.page);
      // From the world's editor to its stories, and a new story from the form.
      await owner.page.goto(WORLD);
      await owner.page.getByRole("toolbar", { name: "Editor tools" }).getByRole("link", { name: "Stories" }).click();
      await owner.page.waitForURL(`**${WORLD}/stories`);
      await owner.page.getByLabel("Title").fill("The Tide Clock's Last Hour");
      await owner.page.getByLabel("Template").selectOption("mystery");
      await owner.page.getByLabel("Premise").fill("A clockmaker's apprentice learns who stopped the Tide Clock.");
      await owner.page.getByRole("button", { name: "Create story" }).click();
      await owner.page.waitForURL(new RegExp(`${WORLD}/stories/[0-9a-z]+$`));
      const storyUrl = new URL(owner.page.url()).pathname;
      await owner.page.getByRole("heading", { name: "The Tide Clock's Last Hour" }).waitFor();
      await owner.page.locator('[data-ready="true"]').waitFor();

      const ownerOutline = await outline(owner.page);
      await ownerOutline.getByRole("button", { name: "+ Chapter" }).click();
      await ownerOutline.getByRole("button", { name: "Rename chapter Chapter 1" }).click();
      await owner.page.getByLabel("Chapter title").fill("The Stopped Clock");
      await owner.page.getByLabel("Chapter title").press("Enter");
      await ownerOutline.getByRole("button", { name: "+ Scene" }).click();
      const text = owner.page.getByTestId("scene-text");
      await text.click();
      await owner.page.keyboard.type("The bells fell silent at noon.", { delay: 10 });

      // The editor, on a phone, opens the story and finds the chapter, the scene and the text.
      const editor = await invite(app, owner, "editor", "Bea", PHONE);
      people.push(editor);
      await editor.page.goto(storyUrl);
      await editor.page.locator('[data-ready="true"]').waitFor();
      await waitFor(t.signal, "the owner's text on the editor's phone", async () => (await sceneText(editor.page)).includes("The bells fell silent at noon."));
      const editorOutline = await outline(editor.page);
      await editorOutline.getByRole("button", { name: "Rename chapter The Stopped Clock" }).waitFor();
      await editor.page.getByRole("button", { name: "Close", exact: true }).click();
      assert.equal(await overflowsHorizontally(editor.page), false, "the story editor fits a phone's width");

      // The editor writes a second paragraph; the owner sees it arrive, and both see each other here.
      await editor.page.getByTestId("scene-text").click();
      await editor.page.keyboard.press("Control+End");
      await editor.page.keyboard.press("Enter");
      await editor.page.keyboard.type("Bea found the key.", { delay: 10 });
      await waitFor(t.signal, "the editor's text on the owner's screen", async () => (await sceneText(owner.page)) === "The bells fell silent at noon.\nBea found the key.");
      await waitFor(t.signal, "two people in the story", async () => (await owner.page.getByTestId("story-people").getByRole("listitem").count()) === 2);

      // The chapter's summary, written by one, is read by the other.
      await owner.page.getByText("Chapter:").click();
      await owner.page.getByLabel("Chapter summary").fill("The clock stops; the apprentice starts asking.");
      await owner.page.getByLabel("Chapter summary").blur();
      await waitFor(t.signal, "the chapter summary on the editor's phone", async () => (await editor.page.getByLabel("Chapter summary").inputValue()) === "The clock stops; the apprentice starts asking.");

      // A second scene, moved above the first with the ↑ button, moves for the editor too.
      await ownerOutline.getByRole("button", { name: "+ Scene" }).click();
      await ownerOutline.getByRole("button", { name: "Move scene Scene 2 up" }).click();
      const sceneOrder = async (page) => (await outline(page)).locator("button[aria-label^='Drag scene']").evaluateAll((handles) => handles.map((h) => h.getAttribute("aria-label")));
      await waitFor(t.signal, "the new order on the editor's phone", async () => JSON.stringify(await sceneOrder(editor.page)) === JSON.stringify(["Drag scene Scene 2", "Drag scene Scene 1"]));
      await screenshot(editor.page, "stories-outline-phone");
      await editor.page.getByRole("button", { name: "Close", exact: true }).click();

      // A viewer sees the text, live, and cannot change it.
      const viewer = await invite(app, owner, "viewer", "Vic", DESKTOP);
      people.push(viewer);
      await viewer.page.goto(storyUrl);
      await viewer.page.locator('[data-ready="true"]').waitFor();
      await (await outline(viewer.page)).getByRole("button", { name: "Scene 1" }).click();
      await waitFor(t.signal, "the text on the viewer's screen", async () => (await sceneText(viewer.page)).includes("Bea found the key."));
      assert.equal(await viewer.page.getByTestId("scene-text").getAttribute("contenteditable"), "false");
      assert.equal(await viewer.page.getByRole("button", { name: "+ Chapter" }).count(), 0);
      await viewer.page.getByTestId("scene-text").click();
      await viewer.page.keyboard.type("Vic was here.");
      await owner.page.getByRole("button", { name: "Scene 1", exact: true }).click();
      await text.click();
      await owner.page.keyboard.press("Control+End");
      await owner.page.keyboard.type(" The end.", { delay: 10 });
      await waitFor(t.signal, "the owner's last words on the viewer's screen", async () => (await sceneText(viewer.page)).endsWith("The end."));
      assert.equal(await sceneText(viewer.page), "The bells fell silent at noon.\nBea found the key. The end.");

      // The AI continues the scene in front of everyone; the offline writer's words say what they are.
      await (await outline(editor.page)).getByRole("button", { name: "Scene 1", exact: true }).click();
      await owner.page.getByLabel("Direction for the AI (optional)").fill("the apprentice hears the clock tick again");
      await owner.page.getByRole("button", { name: "✦ Continue" }).click();
      for (const person of [editor, viewer]) {
        await waitFor(t.signal, "the AI's words on another screen", async () => (await person.page.locator("[data-testid=scene-text] [data-ai]").count()) > 0);
      }
      await waitFor(t.signal, "the AI to finish", async () => (await owner.page.getByTestId("ai-writing").count()) === 0 && (await owner.page.locator("[data-testid=scene-text] [data-ai]").count()) > 0);
      assert.match(await owner.page.getByTestId("ai-legend").innerText(), /offline rendering/);
      assert.match(await owner.page.locator("[data-testid=scene-text] [data-ai]").first().getAttribute("title"), /Offline rendering/);
      const withAi = await sceneText(owner.page);
      assert.ok(withAi.startsWith("The bells fell silent at noon.\nBea found the key. The end.\n") && withAi.length > 80, "the passage comes after what people wrote");
      // A person writes on right after the AI's words: their words are their own, and the room takes them.
      await text.click();
      await owner.page.keyboard.press("Control+End");
      await owner.page.keyboard.type(" Ada adds this.", { delay: 10 });
      await waitFor(t.signal, "the owner's words after the AI's on the editor's phone", async () => (await sceneText(editor.page)).endsWith("Ada adds this."));
      assert.equal(await owner.page.locator("[data-testid=scene-text] [data-ai]", { hasText: "Ada adds this." }).count(), 0);
      assert.equal(await owner.page.getByRole("alert").count(), 0, "the room refused nothing");

      // A misspelled name of the world's ranger and a stranger: Check continuity finds both and
      // underlines them; one click applies the fix (which reaches the other writer's text too), one
      // adds the stranger to the world.
      await owner.page.keyboard.press("Enter");
      await owner.page.keyboard.type("Fenick Ashbough crossed the bridge. Captain Orrin Vale said nothing.", { delay: 5 });
      await waitFor(t.signal, "the new sentences on the editor's phone", async () => (await sceneText(editor.page)).endsWith("Orrin Vale said nothing."));
      await owner.page.getByRole("button", { name: "Check continuity" }).click();
      const issue = (page, quote) => page.getByTestId("continuity-issue").filter({ hasText: `“${quote}”` });
      for (const person of [owner, editor]) {
        await waitFor(t.signal, "the misspelled name in the continuity panel", async () => (await issue(person.page, "Fenick").count()) === 1);
      }
      assert.match(await issue(owner.page, "Fenick").innerText(), /Name drift[\s\S]*Fennick/);
      assert.match(await issue(owner.page, "Orrin Vale").innerText(), /New character/);
      assert.equal(await owner.page.locator("[data-testid=scene-text] .continuity-issue", { hasText: "Fenick" }).count(), 1, "the name is underlined in the text");
      await issue(owner.page, "Fenick").getByRole("button", { name: "Apply suggestion" }).click();
      await waitFor(t.signal, "the fix on the editor's phone", async () => (await sceneText(editor.page)).includes("Fennick Ashbough crossed the bridge."));
      await issue(owner.page, "Fenick").waitFor({ state: "detached" });
      await issue(editor.page, "Fenick").waitFor({ state: "detached" });
      await issue(owner.page, "Orrin Vale").getByRole("button", { name: "Add to world" }).click();
      await issue(owner.page, "Orrin Vale").waitFor({ state: "detached" });
      const added = await owner.page.evaluate(async (world) => (await (await fetch(`/api/worlds/${world}`)).json()).elements.filter((e) => e.name === "Orrin Vale").map((e) => e.type), WORLD_ID);
      assert.deepEqual(added, ["character"]);

      // The scene's mentions: the ranger, now spelled right (read a moment after the text changes).
      await owner.page.getByTestId("scene-mentions").getByRole("link", { name: /Fennick Ashbough/ }).waitFor();
      await screenshot(owner.page, "stories-editor-desktop");
      await screenshot(editor.page, "stories-editor-phone");
      await owner.page.goto(`${WORLD}/stories`);
      await owner.page.getByRole("link", { name: /The Tide Clock's Last Hour/ }).waitFor();
      await screenshot(owner.page, "stories-list-desktop");

      // The scene's mentions open the element on the world's canvas.
      await owner.page.goto(storyUrl);
      await (await outline(owner.page)).getByRole("button", { name: "Scene 1", exact: true }).click();
      await owner.page.getByTestId("scene-mentions").getByRole("link", { name: /Fennick Ashbough/ }).click();
      await owner.page.waitForURL(`**${WORLD}?element=demoe05000000000`);
      await owner.page.getByRole("complementary", { name: "Element: Fennick Ashbough" }).waitFor();

      for (const person of people) assert.deepEqual(person.problems, []);
    } catch (error) {
      if (process.env.E2E_DEBUG) {
        for (const [i, person] of people.entries()) {
          await screenshot(person.page, `stories-failed-${i}`);
          console.error(i, person.problems);
        }
      }
      throw error;
    } finally {
      for (const person of people) await person.context.close();
    }
  });
  it("writes a new story from a prompt: chapters and scenes in the outline, the first scenes' prose, and a title", async (t) => {
    const owner = await openPage(app, PHONE);
    try {
      await signInDemo(owner.page);
      await owner.page.goto(`${WORLD}/stories`);
      await owner.page.getByLabel("Write it with the AI from a prompt").check();
      await owner.page.getByLabel("Prompt", { exact: true }).fill("Queen Ysolde's ranger finds a path that was not there yesterday");
      await owner.page.getByRole("button", { name: "Write the story" }).click();
      await owner.page.waitForURL(new RegExp(`${WORLD}/stories/[0-9a-z]+$`));
      await owner.page.locator('[data-ready="true"]').waitFor();
      await waitFor(t.signal, "the first scene's prose", async () => (await owner.page.locator("[data-testid=scene-text] [data-ai]").count()) > 0 && (await owner.page.getByTestId("story-writing").count()) === 0);
      const nav = await outline(owner.page);
      assert.ok((await nav.locator("button[aria-label^='Drag chapter']").count()) >= 1, "the outline has chapters");
      assert.ok((await nav.locator("button[aria-label^='Drag scene']").count()) >= 2, "and scenes");
      assert.equal(await overflowsHorizontally(owner.page), false);
      await screenshot(owner.page, "stories-written-outline-phone");
      await owner.page.getByRole("button", { name: "Close", exact: true }).click();
      assert.notEqual(await owner.page.getByRole("heading", { level: 1 }).innerText(), "Story");
      assert.deepEqual(owner.problems, []);
    } finally {
      await owner.context.close();
    }
  });
});
