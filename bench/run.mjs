// `npm run bench [scenario…]`: starts Loreloom on temporary state (as `npm start` does), lets each
// scenario build its fixtures, runs it, prints a table and the SPEC §7 budget verdicts, and writes
// the raw figures to bench/results/. Figures are ratios against a baseline measured in the same run.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, startServer } from "../scripts/lib/server.mjs";
import { applyMigrations } from "../scripts/lib/local-d1.mjs";

const PORT = Number(process.env.BENCH_PORT ?? 8799);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);

const available = [];
for (const file of readdirSync(new URL("./scenarios/", import.meta.url)).sort()) {
  if (file.endsWith(".mjs")) available.push(await import(`./scenarios/${file}`));
}
const wanted = process.argv.slice(2);
const scenarios = wanted.length ? available.filter((s) => wanted.includes(s.name)) : available;
if (scenarios.length === 0) {
  console.error(`No scenario named ${wanted.join(", ")}. Available: ${available.map((s) => s.name).join(", ")}`);
  process.exit(2);
}

function printTable(rows) {
  if (!rows?.length) return;
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? "").length)));
  const line = (cells) => cells.map((cell, i) => String(cell ?? "").padEnd(widths[i])).join("  ");
  console.log(line(columns));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => row[c])));
}

console.log("Building the production bundle…");
build({ quiet: true });
const results = [];
let failedBudgets = 0;
for (const scenario of scenarios) {
  console.log(`\n== ${scenario.name}: ${scenario.title}`);
  const stateDir = mkdtempSync(join(tmpdir(), `loreloom-bench-${scenario.name}-`));
  let server;
  try {
    applyMigrations(stateDir);
    await scenario.prepare?.({ stateDir });
    const vars = (await scenario.vars?.()) ?? {};
    const start = () => startServer({ port: PORT, stateDir, build: false, seed: false, quiet: true, via: scenario.serve, vars });
    server = await start();
    const restart = async () => {
      await server.stop();
      server = await start();
      return server;
    };
    const outcome = await scenario.run({ url: server.url, stateDir, duration: DURATION, restart, server: () => server });
    printTable(outcome.rows);
    for (const check of outcome.checks ?? []) {
      // A figure reported beside the budgets, judged by none.
      if (check.budget === undefined) {
        console.log(`for comparison  ${check.what}: ${check.value}`);
        continue;
      }
      if (!check.ok) failedBudgets += 1;
      console.log(`${check.ok ? "within budget" : "OVER BUDGET  "}  ${check.what}: ${check.value} (budget ${check.budget})`);
    }
    results.push({ scenario: scenario.name, ...outcome });
  } finally {
    await server?.stop();
    await scenario.cleanup?.();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const file = new URL(`./results/${stamp}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), node: process.version, duration: DURATION, results }, null, 2));
console.log(`\nRaw results: bench/results/${stamp}.json`);
console.log(failedBudgets ? `${failedBudgets} budget(s) missed.` : "All budgets met.");
process.exitCode = failedBudgets ? 1 : 0;
