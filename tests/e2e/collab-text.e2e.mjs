// Two browsers type into the same element description at the same moment (issue 15): the text is
// the shared Y.Text edited through CodeMirror and y-codemirror.next, so both end with the same
// text, holding every keystroke of each person in the order they typed it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, openPage, screenshot, signInDemo, skipWithoutChromium, startApp, waitFor } from "./harness.mjs";

const skip = skipWithoutChromium;
const WORLD = "/worlds/demoworld0000001";
const ELEMENT = "Thornwall Citadel";

/** The editor's text, without other people's carets and name labels drawn into it. */
function textOf(editor) {
  return editor.evaluate((content) => {
    const copy = content.cloneNode(true);
    for (const drawn of copy.querySelectorAll(".cm-ySelectionCaret, .cm-ySelectionInfo, .cm-widgetBuffer")) drawn.remove();
    return [...copy.querySelectorAll(".cm-line")].map((line) => line.textContent.replace(/\u2060/g, "")).join("\n");
  });
}

/** Whether `text` holds the characters of `typed` in order (other people's letters may sit between). */
function holdsInOrder(text, typed) {
  let at = 0;
  for (const ch of text) if (ch === typed[at]) at += 1;
  return at === typed.length;
}

async function openDescription(app) {
  const person = await openPage(app, DESKTOP);
  await signInDemo(person.page);
  await person.page.goto(WORLD);
  await person.page.locator('[data-ready="true"]').waitFor();
  await person.page.locator(`[data-name="${ELEMENT}"]`).click();
  const editor = person.page.getByRole("complementary").getByLabel("Description (Markdown)");
  await editor.waitFor();
  return { ...person, editor };
}

describe("two people typing in one description", { skip, timeout: 240_000 }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("merges every keystroke of both, at different spots and at the same spot, at human and at burst speed", async (t) => {
    const a = await openDescription(app);
    const b = await openDescription(app);
    try {
      const rounds = [
        // At different spots: A at the end, B at the start.
        { aKey: "Control+End", bKey: "Control+Home", aText: " Ada wrote this sentence at the end.", bText: "Bea wrote this at the start. ", delay: 40 },
        // At the same spot (both at the end), at burst speed.
        { aKey: "Control+End", bKey: "Control+End", aText: " aaaaa-one aaaaa-two aaaaa-three", bText: " bbbbb-one bbbbb-two bbbbb-three", delay: 0 },
      ];
      for (const round of rounds) {
        await a.editor.click();
        await a.page.keyboard.press(round.aKey);
        await b.editor.click();
        await b.page.keyboard.press(round.bKey);
        await Promise.all([a.page.keyboard.type(round.aText, { delay: round.delay }), b.page.keyboard.type(round.bText, { delay: round.delay })]);
        const text = await waitFor(t.signal, "both editors to hold the same text", async () => {
          const [ta, tb] = await Promise.all([textOf(a.editor), textOf(b.editor)]);
          return ta === tb && ta.includes("Ada") ? ta : null;
        });
        assert.ok(holdsInOrder(text, round.aText), `A's keystrokes in order in: ${text}`);
        assert.ok(holdsInOrder(text, round.bText), `B's keystrokes in order in: ${text}`);
      }
      const final = await textOf(a.editor);
      assert.ok(final.startsWith("Bea wrote this at the start. A fortress grown"), final);
      // Each caret stayed with its owner: one more letter from each lands where that person left off.
      await a.page.keyboard.type("!");
      await b.page.keyboard.type("?");
      const after = await waitFor(t.signal, "the last letters", async () => {
        const [ta, tb] = await Promise.all([textOf(a.editor), textOf(b.editor)]);
        return ta === tb && ta.includes("!") && ta.includes("?") ? ta : null;
      });
      assert.ok(holdsInOrder(after, " aaaaa-three!"), after);
      assert.ok(holdsInOrder(after, " bbbbb-three?"), after);
      // Reloading shows what the room kept.
      await a.page.reload();
      await a.page.locator('[data-ready="true"]').waitFor();
      await a.page.locator(`[data-name="${ELEMENT}"]`).click();
      await waitFor(t.signal, "the text after a reload", async () => (await textOf(a.page.getByRole("complementary").getByLabel("Description (Markdown)"))) === after);
      await screenshot(b.page, "collab-text-desktop");
      assert.deepEqual(a.problems, []);
      assert.deepEqual(b.problems, []);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });
});
