// Starts Loreloom the way `npm start` does: build, migrate, seed, then serve in workerd through
// `vite preview`. The e2e tests and the bench use the same function on their own state directory.
import { spawn, spawnSync } from "node:child_process";
import { ensureDevVars } from "../ensure-dev-vars.mjs";
import { applyMigrations } from "./local-d1.mjs";
import { seedDemo } from "./seed.mjs";

export const DEFAULT_STATE_DIR = ".wrangler/state";

/** `npm run build`: the app, then the service worker from its output (scripts/build-sw.mjs, ADR 22). */
export function build({ quiet = false } = {}) {
  for (const [command, args] of [
    ["node_modules/.bin/react-router", ["build"]],
    [process.execPath, ["scripts/build-sw.mjs"]],
  ]) {
    const result = spawnSync(command, args, { stdio: quiet ? "pipe" : "inherit", encoding: "utf8" });
    if (result.status !== 0) {
      if (quiet) process.stderr.write(result.stdout + result.stderr);
      throw new Error("The production build failed.");
    }
  }
}

async function waitForHealth(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server exited early (code ${child.exitCode}).`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The server did not answer ${url} within ${timeoutMs / 1000}s.`);
}

/**
 * @param {{ port?: number, stateDir?: string, build?: boolean, seed?: boolean, quiet?: boolean, via?: "vite" | "wrangler", vars?: Record<string, string> }} options
 */
export async function startServer(options = {}) {
  const port = options.port ?? 8787;
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  ensureDevVars();
  if (options.build !== false) build({ quiet: options.quiet });
  applyMigrations(stateDir);
  const seeded = options.seed === false ? false : await seedDemo(stateDir);
  // `vite preview` is how `npm start` serves; `via: "wrangler"` serves the same build straight from
  // workerd (`wrangler dev` on build/server/wrangler.json), with no Node proxy in the WebSocket path.
  const [command, args] =
    options.via === "wrangler"
      ? [
          "node_modules/.bin/wrangler",
          [
            // The app and the rooms Worker (ADR 9) in one workerd, as `vite preview` serves them.
            "dev", "-c", "build/server/wrangler.json", "-c", "build/rooms/wrangler.json", "--port", String(port), "--ip", "localhost", "--persist-to", stateDir,
            "--inspector-port", process.env.LORELOOM_INSPECTOR_PORT ?? "0",
            // Extra Worker vars (the bench points the AI providers at its Bedrock stand-in).
            ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
          ],
        ]
      : ["node_modules/.bin/vite", ["preview", "--port", String(port), "--strictPort", "--host", "localhost"]];
  const child = spawn(
    command,
    args,
    {
      stdio: options.quiet && !process.env.LORELOOM_SERVER_LOGS ? ["ignore", "pipe", "pipe"] : "inherit",
      env: {
        ...process.env,
        LORELOOM_STATE_DIR: stateDir,
        WRANGLER_SEND_METRICS: "false",
        // Local runs are offline: use the placeholder `request.cf` instead of fetching one.
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
      },
    },
  );
  const logs = [];
  if (child.stdout) {
    child.stdout.on("data", (chunk) => logs.push(chunk));
    child.stderr.on("data", (chunk) => logs.push(chunk));
  }
  const url = `http://localhost:${port}`;
  try {
    await waitForHealth(`${url}/api/health`, child);
  } catch (error) {
    child.kill("SIGTERM");
    if (logs.length) process.stderr.write(Buffer.concat(logs).toString());
    throw error;
  }
  return {
    url,
    seeded,
    child,
    logs: () => Buffer.concat(logs).toString(),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
