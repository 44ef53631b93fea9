// The layer rule (ADR 16) is enforced, not only written down: the layer check, run with the
// project's own config and exactly the command `npm run lint` runs, passes a small project laid out
// like ours and fails once that project imports the wrong way. `npm test` runs it in its lint step
// (`node --test tests/lint/layers.test.mjs`).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const [command, ...args] = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts["lint:layers"].split(" ");
const scratch = mkdtempSync(join(tmpdir(), "loreloom-layers-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A small project laid out like ours, with the project's layer config, checked as lint checks ours. */
async function lintLayers(name, files) {
  const dir = join(scratch, name);
  const tree = {
    "tsconfig.cloudflare.json": JSON.stringify({ compilerOptions: { module: "ES2022", moduleResolution: "bundler", strict: true } }),
    "app/routes/home.tsx": `import { HttpError } from "../../workers/lib/errors";\nexport const shown = new HttpError().name;\n`,
    "workers/lib/errors.ts": "export class HttpError extends Error {}\n",
    "workers/api/worlds.ts": `import { readWorld } from "../domain/worlds";\nexport const route = readWorld;\n`,
    "workers/domain/worlds.ts": `import { HttpError } from "../lib/errors";\nexport const readWorld = () => new HttpError();\n`,
    "workers/jobs/messages.ts": "export type JobMessage = { jobId: string };\n",
    "durable-objects/world-room/world-room.ts": `import { readWorld } from "../../workers/domain/worlds";\nexport const load = readWorld;\n`,
    "drizzle/schema/index.ts": "export const tables = [];\n",
    ...files,
  };
  for (const [path, text] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  copyFileSync(join(root, ".dependency-cruiser.mjs"), join(dir, ".dependency-cruiser.mjs"));
  return new Promise((resolve) => {
    execFile(join(root, "node_modules/.bin", command), args, { cwd: dir }, (error, stdout, stderr) => {
      resolve({ status: error ? (error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

// Each check is a process of its own, as in lint; the two run side by side.
describe("the layer check", { concurrency: true }, () => {
  test("passes a project whose imports all run downward", async () => {
    const { status, output } = await lintLayers("downward", {});
    assert.equal(status, 0, output);
    assert.match(output, /no dependency violations found/);
  });

  test("fails on wrong-way imports, type-only ones included, and on a cycle, naming each import and its rule", async () => {
    const { status, output } = await lintLayers("wrong-way", {
      // The domain throwing the API's error class, and naming the queue message type of the jobs.
      "workers/api/errors.ts": "export class HttpError extends Error {}\n",
      "workers/domain/worlds.ts": `import { HttpError } from "../api/errors";\nexport const readWorld = () => new HttpError();\n`,
      "workers/domain/jobs.ts": `import type { JobMessage } from "../jobs/messages";\nexport const queued = (message: JobMessage) => message.jobId;\n`,
      // A room reaching into the jobs, and the API into app/.
      "durable-objects/world-room/world-room.ts": `import type { JobMessage } from "../../workers/jobs/messages";\nexport const load = (message: JobMessage) => message;\n`,
      "app/lib/embed-html.ts": "export const embed = () => '<iframe></iframe>';\n",
      "workers/api/oembed.ts": `import { embed } from "../../app/lib/embed-html";\nexport const html = embed();\n`,
      // Two jobs modules importing each other for one constant.
      "workers/jobs/consumer.ts": `import { runExport } from "./export-archive";\nexport const MAX_RETRIES = 5;\nexport const handlers = [runExport];\n`,
      "workers/jobs/export-archive.ts": `import { MAX_RETRIES } from "./consumer";\nexport const runExport = () => MAX_RETRIES;\n`,
    });
    assert.notEqual(status, 0, output);
    assert.match(output, /layer-domain: workers\/domain\/worlds\.ts → workers\/api\/errors\.ts/);
    assert.match(output, /layer-domain: workers\/domain\/jobs\.ts → workers\/jobs\/messages\.ts/);
    assert.match(output, /layer-rooms: durable-objects\/world-room\/world-room\.ts → workers\/jobs\/messages\.ts/);
    assert.match(output, /layer-api: workers\/api\/oembed\.ts → app\/lib\/embed-html\.ts/);
    assert.match(output, /no-circular: workers\/jobs\/(consumer|export-archive)\.ts/);
    assert.match(output, /5 dependency violations/);
  });
});
