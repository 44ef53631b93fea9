// The gallery in a browser: a world made public is found by a word from one of its element names,
// shown as a card, and liked — on a desktop and on a phone — plus the seeded demo world.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DESKTOP, PHONE, openPage, overflowsHorizontally, screenshot, signUp, skipWithoutChromium, startApp } from "./harness.mjs";

const skip = skipWithoutChromium;

/** An API call from inside the page, as the signed-in person (same origin, their cookie). */
async function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch(path, {
        method,
        headers: body ? { "content-type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, json: await response.json().catch(() => null) };
    },
    { method, path, body },
  );
}

describe("the gallery in the browser", { skip }, () => {
  let app;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.stop();
  });

  it("lists the public demo world to anyone, with a sign-in link instead of a like button", async () => {
    const { context, page, problems } = await openPage(app, DESKTOP);
    try {
      await page.goto("/");
      await page.getByRole("link", { name: "Gallery" }).first().click();
      await page.waitForURL("**/gallery");
      const card = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: "The Verdant Reach" }) });
      await card.waitFor();
      assert.match(await card.innerText(), /12 elements · by Demo Weaver/);
      await card.getByRole("link", { name: /Sign in to like/ }).waitFor();

      // Found by an element name, and filtered by a tag clicked on its card.
      await page.getByRole("searchbox", { name: "Search worlds" }).fill("mosshide");
      await page.getByRole("button", { name: "Search" }).click();
      await page.waitForURL("**/gallery?q=mosshide");
      await card.waitFor();
      await card.getByRole("link", { name: "Show worlds tagged forest" }).click();
      await page.waitForURL(/tag=forest/);
      await card.waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  for (const [label, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ]) {
    it(`publishes a world, finds it by an element's name, and likes it (${label})`, async () => {
      const { context, page, problems } = await openPage(app, viewport);
      try {
        await signUp(page, `Gale ${label}`);
        const word = `Quillfeather${label}${Date.now().toString(36)}`;
        const created = await api(page, "POST", "/api/worlds", {
          title: `Harbour of Lanterns ${label}`,
          description: "A port city where every lamp keeps a ghost.",
          style: "steampunk",
          tags: ["harbour", "ghosts"],
        });
        assert.equal(created.status, 201);
        const worldId = created.json.world.id;
        const element = await api(page, "POST", `/api/worlds/${worldId}/elements`, { type: "character", name: `Captain ${word}` });
        assert.equal(element.status, 201);

        // Private worlds are never listed, however they are searched for.
        await page.goto(`/gallery?q=${word}`);
        await page.getByText(`No public worlds match “${word}”.`).waitFor();

        assert.equal((await api(page, "PATCH", `/api/worlds/${worldId}`, { visibility: "public" })).status, 200);
        await page.goto("/gallery");
        await page.getByRole("searchbox", { name: "Search worlds" }).fill(word.toLowerCase());
        await page.getByRole("button", { name: "Search" }).click();
        await page.waitForURL(/q=quillfeather/);
        const cards = page.getByRole("list", { name: "Worlds" }).getByRole("listitem").filter({ has: page.getByRole("heading") });
        await cards.first().waitFor();
        assert.equal(await cards.count(), 1);
        const card = cards.first();
        assert.match(await card.innerText(), new RegExp(`Harbour of Lanterns ${label}`));
        assert.match(await card.innerText(), /1 element · by Gale/);
        assert.equal(await card.getByRole("link", { name: `Harbour of Lanterns ${label}` }).getAttribute("href"), `/w/${worldId}`);
        assert.equal(await overflowsHorizontally(page), false, "gallery overflows");
        await screenshot(page, `gallery-search-${label}`);

        // Liking shows at once and is kept: after a reload the like is still there.
        const like = card.getByRole("button", { name: /Like this world \(0 likes\)/ });
        await like.click();
        await card.getByRole("button", { name: /Unlike this world \(1 like\)/ }).waitFor();
        await page.waitForFunction(() => !document.querySelector("button[aria-pressed][disabled]"));
        await page.reload();
        await card.getByRole("button", { name: /Unlike this world \(1 like\)/ }).waitFor();
        await screenshot(page, `gallery-liked-${label}`);

        await page.goto("/gallery?sort=popular");
        await page.locator('nav[aria-label="Sort"] a[aria-current="page"]', { hasText: "Popular" }).waitFor();
        assert.equal(await overflowsHorizontally(page), false, "gallery overflows");
        await screenshot(page, `gallery-popular-${label}`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }

  it("answers odd gallery URLs with a readable page: 400 for bad filters, never a 5xx", async () => {
    for (const [query, status, text] of [
      ["style=vaporwave", 400, /filters are not valid/],
      ["sort=best", 400, /filters are not valid/],
      ["cursor=bm9wZQ", 400, /no longer available/],
      ["q=NEAR(%22x%22*%20-%3A", 200, /No public worlds match/],
      ["q=&style=&tag=", 200, /The Verdant Reach/],
    ]) {
      const response = await fetch(`${app.url}/gallery?${query}`);
      assert.equal(response.status, status, query);
      assert.match(await response.text(), text, query);
    }
  });

  it("loads more with the cursor: appended with JavaScript, as a next page without", async () => {
    const cards = (page) => page.getByRole("list", { name: "Worlds" }).getByRole("heading");
    const { context, page, problems } = await openPage(app, DESKTOP);
    try {
      await page.goto("/gallery?limit=1");
      assert.equal(await cards(page).count(), 1);
      await page.getByRole("link", { name: "Load more" }).click();
      await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Worlds"] h2').length === 2);
      assert.match(page.url(), /\/gallery\?limit=1$/);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
    // The search form and the paging links are plain HTML: the page works without JavaScript.
    const plain = await app.browser.newContext({ viewport: PHONE, baseURL: app.url, javaScriptEnabled: false });
    try {
      const page = await plain.newPage();
      await page.goto("/gallery?limit=1");
      const first = await cards(page).first().innerText();
      await page.getByRole("link", { name: "Load more" }).click();
      await page.waitForURL(/cursor=/);
      assert.equal(await cards(page).count(), 1);
      assert.notEqual(await cards(page).first().innerText(), first);
      await page.getByRole("link", { name: "Back to the first page" }).waitFor();
      await page.getByRole("searchbox", { name: "Search worlds" }).fill("thornwall");
      await page.getByRole("button", { name: "Search" }).click();
      await page.waitForURL(/q=thornwall/);
      assert.equal(await cards(page).first().innerText(), "The Verdant Reach");
    } finally {
      await plain.close();
    }
  });
});
