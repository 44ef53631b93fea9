// Process-level (issue 14 finding 4, ADR 13): zip bombs and archives whose entries share one
// stream are uploaded to the app as `npm start` runs it, while `/api/health` is asked on a steady
// beat. Before the fix the upload request itself decoded 512 MiB and every other request waited
// seconds behind it; now the request only stores the upload, the queue consumer refuses the
// archive after a few MiB of work, and health answers as it does when the server is idle. Timings
// are compared as a ratio to the same server's idle latency, never to a fixed number of ms.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startServer } from "../../scripts/lib/server.mjs";
import { waitFor } from "./harness.mjs";
import { sharedStreamZip, zipBomb } from "./zip-attacks.mjs";

// ------------------------------------------------------------ the server and its clients

async function signUpCookie(url) {
  const email = `sapper-${Date.now().toString(36)}@example.com`;
  const response = await fetch(`${url}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url },
    body: JSON.stringify({ email, password: "correct-horse-battery", name: "Sapper" }),
  });
  assert.equal(response.status, 200, await response.text());
  return response.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
}

async function upload(url, cookie, bytes, name) {
  const form = new FormData();
  form.append("file", new File([bytes], name, { type: "application/zip" }));
  const response = await fetch(`${url}/api/worlds/import`, { method: "POST", headers: { cookie, origin: url }, body: form });
  const json = await response.json();
  assert.equal(response.status, 202, JSON.stringify(json));
  return json.import.id;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

async function healthMs(url) {
  const started = performance.now();
  const response = await fetch(`${url}/api/health`);
  await response.arrayBuffer();
  assert.equal(response.status, 200);
  return performance.now() - started;
}

describe("archives are read within a budget", () => {
  let stateDir;
  let server;
  const port = Number(process.env.E2E_PORT || 8797) + 25;
  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "loreloom-archive-"));
    server = await startServer({ port, stateDir, build: process.env.E2E_SKIP_BUILD !== "1", seed: false, quiet: true });
  });
  after(async () => {
    await server?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("keeps /api/health answering while bombs and shared-stream archives are refused", { timeout: 300_000 }, async (t) => {
    const { url } = server;
    const cookie = await signUpCookie(url);
    const archives = [
      ["bomb-world-json.zip", zipBomb("world.json")],
      ["bomb-asset.zip", zipBomb("asset")],
      ["three-of-one.zip", sharedStreamZip()],
    ];
    for (const [, bytes] of archives) assert.ok(bytes.length < 600 * 1024, "each archive is a small upload");

    // Idle: the same server, the same requests, nothing else going on.
    for (let i = 0; i < 10; i += 1) await healthMs(url);
    const idle = [];
    for (let i = 0; i < 40; i += 1) idle.push(await healthMs(url));

    // Under attack: health is asked every 20 ms, without waiting for the last answer, from the
    // first upload until every import has ended.
    const during = [];
    let attacking = true;
    const pending = new Set();
    const beat = setInterval(() => {
      if (!attacking) return;
      const sample = healthMs(url).then((ms) => during.push(ms));
      pending.add(sample);
      void sample.finally(() => pending.delete(sample));
    }, 20);
    let views;
    try {
      const ids = [];
      for (const [name, bytes] of archives) ids.push(await upload(url, cookie, bytes, name));
      views = await waitFor(t.signal, "the imports to end", async () => {
        const all = await Promise.all(ids.map(async (id) => (await (await fetch(`${url}/api/imports/${id}`, { headers: { cookie } })).json()).import));
        return all.every((v) => v.status === "done" || v.status === "failed") && all;
      });
      // At least a second of beats, so a stall of the server would be seen.
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      attacking = false;
      clearInterval(beat);
    }
    await Promise.all(pending);

    // Every archive was refused with its reason, and no world was made of any of them.
    assert.deepEqual(
      views.map((v) => [v.status, v.error?.code]),
      [
        ["failed", "archive_too_large"],
        ["failed", "archive_too_large"],
        ["failed", "invalid_zip"],
      ],
    );
    assert.match(views[2].error.message, /share data/);
    const worlds = await (await fetch(`${url}/api/worlds`, { headers: { cookie } })).json();
    assert.equal(worlds.worlds.length, 0);

    // Health kept its pace: generous ratios to its idle latency (floored at 2 ms for timer noise).
    const base = Math.max(2, median(idle));
    const ratio = { median: median(during) / base, p90: percentile(during, 0.9) / base };
    t.diagnostic(`health idle median ${median(idle).toFixed(1)} ms; during the attack ${during.length} samples, median ${median(during).toFixed(1)} ms, p90 ${percentile(during, 0.9).toFixed(1)} ms`);
    assert.ok(during.length >= 40, `health was asked ${during.length} times during the attack`);
    assert.ok(ratio.median <= 5, `health's median during the attack was ${ratio.median.toFixed(1)}× its idle median`);
    assert.ok(ratio.p90 <= 25, `health's p90 during the attack was ${ratio.p90.toFixed(1)}× its idle median`);
  });
});
