// `npm run dev`: Vite with hot reload, on the same local state as `npm start`.
import { spawn } from "node:child_process";
import { ensureDevVars } from "./ensure-dev-vars.mjs";
import { applyMigrations } from "./lib/local-d1.mjs";
import { DEFAULT_STATE_DIR } from "./lib/server.mjs";
import { seedDemo } from "./lib/seed.mjs";

ensureDevVars();
applyMigrations(DEFAULT_STATE_DIR);
await seedDemo(DEFAULT_STATE_DIR);
const port = String(Number(process.env.PORT) || 5173);
// Offline: the placeholder `request.cf` instead of fetching one (as `npm start` does).
const child = spawn("node_modules/.bin/vite", ["dev", "--port", port], {
  stdio: "inherit",
  env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
});
child.on("exit", (code) => process.exit(code ?? 0));
