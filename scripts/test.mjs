// `npm test`: every check the project has, in one command, ending with a plain
// `N passed, N failed, N skipped` line that CI reads.
//   1. type-check (generated Env and route types, then tsc -b)
//   2. lint
//   3. unit + integration tests in @cloudflare/vitest-pool-workers (real D1, R2, DO, Queues)
//   4. production build, and `wrangler deploy --dry-run` of that bundle (offline)
//   5. browser tests: playwright-core driving Debian's Chromium against the app as `npm start` runs it
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevVars } from "./ensure-dev-vars.mjs";

const totals = { passed: 0, failed: 0, skipped: 0 };
const report = [];

function run(command, args, options = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: options.capture ? "pipe" : "inherit", encoding: "utf8", env: { ...process.env, ...options.env } });
  if (options.capture) process.stdout.write(result.stdout + result.stderr);
  return { ok: result.status === 0, output: (result.stdout ?? "") + (result.stderr ?? ""), seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

function check(name, outcome) {
  if (outcome.ok) totals.passed += 1;
  else totals.failed += 1;
  report.push(`${outcome.ok ? "ok  " : "FAIL"} ${name} (${outcome.seconds}s)`);
}

const bin = (name) => `node_modules/.bin/${name}`;
ensureDevVars();

console.log("\n== 1. Type-check");
check("type-check", run("npm", ["run", "--silent", "typecheck"]));

console.log("\n== 2. Lint");
check("lint", run(bin("eslint"), ["."]));

console.log("\n== 3. Unit and integration tests (Workers pool)");
const resultsDir = mkdtempSync(join(tmpdir(), "loreloom-test-"));
const vitestJson = join(resultsDir, "vitest.json");
const vitest = run(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
if (existsSync(vitestJson)) {
  const results = JSON.parse(readFileSync(vitestJson, "utf8"));
  totals.passed += results.numPassedTests ?? 0;
  totals.failed += results.numFailedTests ?? 0;
  totals.skipped += (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
  report.push(`${vitest.ok ? "ok  " : "FAIL"} vitest: ${results.numPassedTests} passed, ${results.numFailedTests} failed (${vitest.seconds}s)`);
  if (!vitest.ok && (results.numFailedTests ?? 0) === 0) check("vitest run (suite errors)", vitest);
} else {
  check("vitest run", vitest);
}

console.log("\n== 4. Production build and `wrangler deploy --dry-run`");
const buildOutcome = run(bin("react-router"), ["build"]);
check("production build", buildOutcome);
const dryRunDir = join(resultsDir, "deploy");
// The rooms Worker first (the app binds its Durable Objects by script name), then the app.
const roomsDryRun = run(bin("wrangler"), ["deploy", "--dry-run", "-c", "build/rooms/wrangler.json", "--outdir", join(dryRunDir, "rooms")], { capture: true });
check("wrangler deploy --dry-run (rooms Worker)", roomsDryRun);
const dryRun = run(bin("wrangler"), ["deploy", "--dry-run", "--outdir", dryRunDir], { capture: true });
check("wrangler deploy --dry-run", dryRun);
for (const [label, outcome] of [["app", dryRun], ["rooms", roomsDryRun]]) {
  const bundleLine = outcome.output.match(/Total Upload: .*$/m)?.[0];
  if (bundleLine) report.push(`     production bundle (${label}): ${bundleLine}`);
}

console.log("\n== 5. Browser tests (Chromium)");
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(chromium)) {
  console.log(
    [
      "",
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
      `!!  BROWSER TESTS SKIPPED: no Chromium at ${chromium}.`,
      "!!  Install it with `apt-get install -y chromium` (or set CHROMIUM_PATH).",
      "!!  CI installs it, so there they always run.",
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
      "",
    ].join("\n"),
  );
}
const e2eFiles = spawnSync("sh", ["-c", "ls tests/e2e/*.e2e.mjs"], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
const e2e = run(process.execPath, ["--test", "--test-reporter=spec", "--test-concurrency=1", ...e2eFiles], {
  capture: true,
  env: { E2E_SKIP_BUILD: buildOutcome.ok ? "1" : "0" },
});
const count = (label) => Number(e2e.output.match(new RegExp(`^ℹ ${label} (\\d+)`, "m"))?.[1] ?? 0);
const e2eCounts = { passed: count("pass"), failed: count("fail") + count("cancelled"), skipped: count("skipped") + count("todo") };
if (e2eCounts.passed + e2eCounts.failed + e2eCounts.skipped === 0) {
  check("browser tests (no results)", { ...e2e, ok: false });
} else {
  totals.passed += e2eCounts.passed;
  totals.failed += e2eCounts.failed;
  totals.skipped += e2eCounts.skipped;
  if (!e2e.ok && e2eCounts.failed === 0) check("browser tests (runner error)", e2e);
  report.push(`${e2e.ok ? "ok  " : "FAIL"} browser: ${e2eCounts.passed} passed, ${e2eCounts.failed} failed, ${e2eCounts.skipped} skipped (${e2e.seconds}s)`);
}
rmSync(resultsDir, { recursive: true, force: true });

console.log(`\n== Summary\n${report.join("\n")}\n`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
