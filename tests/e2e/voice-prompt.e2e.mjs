// Voice prompts on a phone (issue 19, point 6): the microphone beside *Describe your world* fills the
// box from the browser's speech recogniser (a stub that hears a sentence); without a recogniser it
// asks the server, which here runs `local` and cannot transcribe, so the button says what to
// configure; and where the server can, a recording (a stubbed MediaRecorder) is uploaded and its
// words land in the box.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PHONE, openPage, overflowsHorizontally, screenshot, signInDemo, skipWithoutChromium, startApp } from "./harness.mjs";

const skip = skipWithoutChromium;
const HEARD = "a lighthouse keeper who talks to whales";

/** A recogniser that hears HEARD a moment after it starts, as Chrome's does after speech. */
function stubRecogniser(heard) {
  class FakeRecognition {
    constructor() {
      this.onresult = null;
      this.onerror = null;
      this.onend = null;
    }
    start() {
      window.__recognitionStarted = (window.__recognitionStarted ?? 0) + 1;
      setTimeout(() => {
        const alternatives = Object.assign([{ transcript: heard, confidence: 0.9 }], { isFinal: true });
        this.onresult?.({ resultIndex: 0, results: [alternatives] });
        this.onend?.();
      }, 100);
    }
    stop() {}
    abort() {}
  }
  window.SpeechRecognition = FakeRecognition;
  window.webkitSpeechRecognition = FakeRecognition;
}

/** A browser without the Web Speech API (Firefox, say). */
function noRecogniser() {
  for (const name of ["SpeechRecognition", "webkitSpeechRecognition"]) {
    Object.defineProperty(window, name, { value: undefined, configurable: true, writable: true });
  }
}

/** A microphone and recorder that hand over a short Ogg recording when stopped. */
function stubRecorder() {
  navigator.mediaDevices.getUserMedia = async () => new MediaStream();
  window.MediaRecorder = class {
    constructor() {
      this.state = "inactive";
      this.mimeType = "audio/ogg";
      this.ondataavailable = null;
      this.onstop = null;
    }
    start() {
      this.state = "recording";
    }
    stop() {
      this.state = "inactive";
      const bytes = new Uint8Array(512);
      bytes.set([0x4f, 0x67, 0x67, 0x53]);
      this.ondataavailable?.({ data: new Blob([bytes], { type: "audio/ogg" }) });
      this.onstop?.();
    }
  };
}

const promptBox = (page) => page.locator("#create-world").getByLabel(/Describe your world/);
const micButton = (page) => page.locator("#create-world").getByRole("button", { name: "Speak your prompt" });

describe("voice prompts on a phone", { skip }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("fills the new-world prompt from the browser's speech recogniser", async () => {
    const { page, problems, context } = await openPage(app, PHONE);
    try {
      await context.addInitScript(stubRecogniser, HEARD);
      await signInDemo(page);
      await promptBox(page).fill("A fog-bound fishing village:");
      const mic = micButton(page);
      const box = await mic.boundingBox();
      assert.ok(box && box.width >= 44 && box.height >= 44, `the microphone is a 44 px target (${JSON.stringify(box)})`);
      await mic.click();
      await page.waitForFunction((heard) => document.querySelector("#field-prompt")?.value.endsWith(heard), HEARD);
      assert.equal(await promptBox(page).inputValue(), `A fog-bound fishing village: ${HEARD}`);
      assert.equal(await page.evaluate(() => window.__recognitionStarted), 1);
      // React saw it as typing: the form offers to generate the world from it.
      await page.locator("#create-world").getByRole("button", { name: "Generate world" }).waitFor();
      assert.equal(await overflowsHorizontally(page), false);
      await screenshot(page, "voice-prompt-phone");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("without a recogniser, says what to configure when the server cannot transcribe (local)", async () => {
    const { page, problems, context } = await openPage(app, PHONE);
    try {
      await context.addInitScript(noRecogniser);
      await context.addInitScript(stubRecorder);
      const posted = [];
      page.on("request", (request) => {
        if (request.method() === "POST" && new URL(request.url()).pathname === "/api/transcribe") posted.push(request.url());
      });
      await signInDemo(page);
      await micButton(page).click();
      const status = page.locator("#create-world").getByTestId("voice-status");
      await status.filter({ hasText: /configure OPENAI_\*/ }).waitFor();
      assert.match(await status.innerText(), /Workers AI/);
      assert.equal(await promptBox(page).inputValue(), "");
      assert.deepEqual(posted, [], "nothing is uploaded to a server that cannot transcribe");
      assert.equal(await overflowsHorizontally(page), false);
      await screenshot(page, "voice-prompt-unavailable-phone");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("records and uploads where the server can transcribe, and puts the words in the box", async () => {
    const { page, problems, context } = await openPage(app, PHONE);
    try {
      await context.addInitScript(noRecogniser);
      await context.addInitScript(stubRecorder);
      const uploads = [];
      // The e2e server runs `local`; a provider that can transcribe is played by the route here.
      await page.route("**/api/transcribe", async (route) => {
        const request = route.request();
        if (request.method() === "GET") return route.fulfill({ json: { available: true, providers: ["openai"], setup: null } });
        uploads.push(request.postDataBuffer());
        return route.fulfill({ json: { text: " The tide priests count every breath. ", provider: "openai", model: "whisper-1" } });
      });
      await signInDemo(page);
      const mic = micButton(page);
      await mic.click();
      await page.locator("#create-world").getByTestId("voice-status").filter({ hasText: "Recording" }).waitFor();
      assert.equal(await mic.getAttribute("aria-pressed"), "true");
      await mic.click();
      await page.waitForFunction(() => document.querySelector("#field-prompt")?.value === "The tide priests count every breath.");
      assert.equal(uploads.length, 1);
      const body = uploads[0].toString("latin1");
      assert.match(body, /name="file"; filename="speech"/);
      assert.match(body, /Content-Type: audio\/ogg/);
      assert.ok(body.includes("OggS"), "the recording's bytes are sent");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("offline, says the microphone needs a connection; a recording the connection dropped is kept and sent again", async () => {
    const { page, problems, context } = await openPage(app, PHONE);
    try {
      await context.addInitScript(noRecogniser);
      await context.addInitScript(stubRecorder);
      let posts = 0;
      await page.route("**/api/transcribe", async (route) => {
        const request = route.request();
        if (request.method() === "GET") return route.fulfill({ json: { available: true, providers: ["openai"], setup: null } });
        posts += 1;
        // The first upload meets a dropped connection; the second arrives.
        if (posts === 1) return route.abort("internetdisconnected");
        return route.fulfill({ json: { text: "Gulls nest in the bell tower.", provider: "openai", model: "whisper-1" } });
      });
      await signInDemo(page);
      const status = page.locator("#create-world").getByTestId("voice-status");
      const mic = micButton(page);

      await context.setOffline(true);
      await mic.click();
      await status.filter({ hasText: "needs a connection" }).waitFor();
      assert.equal(await mic.getAttribute("aria-pressed"), "false", "nothing is recorded offline");
      await context.setOffline(false);
      await page.waitForFunction(() => navigator.onLine);

      await mic.click();
      await status.filter({ hasText: "Recording" }).waitFor();
      await mic.click();
      await status.filter({ hasText: "could not be sent" }).waitFor();
      assert.equal(await promptBox(page).inputValue(), "");
      await page.locator("#create-world").getByRole("button", { name: "Send again" }).click();
      await page.waitForFunction(() => document.querySelector("#field-prompt")?.value === "Gulls nest in the bell tower.");
      assert.equal(posts, 2);
      assert.equal(await page.locator("#create-world").getByRole("button", { name: "Send again" }).count(), 0);
      assert.deepEqual(
        problems.filter((problem) => !/ERR_INTERNET_DISCONNECTED/.test(problem)),
        [],
      );
    } finally {
      await context.close();
    }
  });
});
