// Two browsers type into the same element description at the same moment (issue 15): the text is
// the shared Y.Text edited through CodeMirror and y-codemirror.next, so both end with the same
// text, holding every keystroke of each person in the order they typed it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, editorText, openPage, screenshot, signInDemo, signUp, skipWithoutChromium, startApp, waitFor } from "./harness.mjs";

const skip = skipWithoutChromium;
const WORLD = "/worlds/demoworld0000001";
const ELEMENT = "Thornwall Citadel";

const textOf = editorText;

/** Whether `text` holds the characters of `typed` in order (other people's letters may sit between). */
function holdsInOrder(text, typed) {
  let at = 0;
  for (const ch of text) if (ch === typed[at]) at += 1;
  return at === typed.length;
}

/** Opens the element's description; the element is found through search (on a phone it may be off-screen). */
async function openDescription(person) {
  const { page } = person;
  await page.goto(WORLD);
  await page.locator('[data-ready="true"]').waitFor();
  await page.getByLabel("Search this world").fill(ELEMENT);
  await page.getByLabel("Search this world").press("Enter");
  const editor = page.getByRole("complementary").getByLabel("Description (Markdown)");
  await editor.waitFor();
  return { ...person, editor };
}

/** The demo account on a desktop, and a second person on a phone whom it invited as an editor. */
async function twoPeople(app) {
  const owner = await openPage(app, DESKTOP);
  await signInDemo(owner.page);
  const invite = await owner.page.evaluate(async (world) => {
    const response = await fetch(`/api/worlds/${world}/invitations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ role: "editor" }) });
    return (await response.json()).url;
  }, WORLD.split("/").pop());
  const editor = await openPage(app, PHONE);
  await signUp(editor.page, "Bea");
  await editor.page.goto(invite);
  await editor.page.getByRole("button", { name: "Accept and open the world" }).click();
  await editor.page.waitForURL(`**${WORLD}`);
  return [await openDescription(owner), await openDescription(editor)];
}

/** `count` characters of recognisable words, e.g. "a0 a1 a2 …". */
function words(prefix, count) {
  let text = "";
  for (let i = 0; text.length < count; i++) text += ` ${prefix}${i}`;
  return text.slice(0, count);
}

describe("two people typing in one description", { skip, timeout: 240_000 }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("merges every keystroke of two people (desktop and phone), at different spots and at the same spot, at human and at burst speed", async (t) => {
    const [a, b] = await twoPeople(app);
    try {
      const rounds = [
        // At different spots (A at the end, B at the start), at a quick typist's speed: 200 keys each.
        { aKey: "Control+End", bKey: "Control+Home", aText: ` Ada wrote this sentence at the end.${words("a", 164)}`, bText: `Bea wrote this at the start.${words("b", 172)} `, delay: 25 },
        // At the same spot (both at the end), at burst speed: 300 keys each.
        { aKey: "Control+End", bKey: "Control+End", aText: words("x", 280) + " aaaaa-three", bText: words("y", 280) + " bbbbb-three", delay: 0 },
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
      assert.ok(final.startsWith("Bea wrote this at the start. b0 b1"), final);
      // Each sees the other's caret, labelled with their name.
      await waitFor(t.signal, "Bea's caret on Ada's screen", async () => (await a.page.locator(".cm-ySelectionInfo", { hasText: "Bea" }).count()) > 0);
      await waitFor(t.signal, "Ada's caret on Bea's screen", async () => (await b.page.locator(".cm-ySelectionInfo", { hasText: "Demo Weaver" }).count()) > 0);
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
      await a.page.getByLabel("Search this world").fill(ELEMENT);
      await a.page.getByLabel("Search this world").press("Enter");
      await waitFor(t.signal, "the text after a reload", async () => (await textOf(a.page.getByRole("complementary").getByLabel("Description (Markdown)"))) === after);
      await screenshot(b.page, "collab-text-phone");
      assert.deepEqual(a.problems, []);
      assert.deepEqual(b.problems, []);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });
});
