// Runs SQL against the local D1 database that `npm start` serves, through wrangler (the only tool
// that touches D1 state, as in production).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const WRANGLER = "node_modules/.bin/wrangler";

function run(args, stateDir) {
  return execFileSync(WRANGLER, [...args, "--local", "-c", "wrangler.jsonc", "--persist-to", stateDir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
}

export function applyMigrations(stateDir) {
  run(["d1", "migrations", "apply", "DB"], stateDir);
}

export function query(sql, stateDir) {
  const out = run(["d1", "execute", "DB", "--json", "--command", sql], stateDir);
  return JSON.parse(out)[0]?.results ?? [];
}

export function executeFile(sql, stateDir) {
  const dir = mkdtempSync(join(tmpdir(), "loreloom-sql-"));
  const file = join(dir, "batch.sql");
  try {
    writeFileSync(file, sql);
    run(["d1", "execute", "DB", "--file", file], stateDir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const sqlString = (value) => `'${String(value).replaceAll("'", "''")}'`;
