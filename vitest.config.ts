import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import http from "node:http";

// Miniflare's queue broker logs every delivered batch through its loopback HTTP server in this
// process, after the consumer returns and before it marks the delivery finished. Node closes an
// idle keep-alive connection after 5 s (`server.keepAliveTimeout`); when a queue job ran longer
// than that (the 5,000-element export on a slower machine), workerd wrote the log line to a
// socket Node had closed ("Broken pipe"), the delivery threw past the broker's bookkeeping, and
// the queue never delivered another message: every later export and import stayed queued (issue
// 14, finding 10). Servers made in this process, the loopback among them, keep idle connections
// open instead. LOOPBACK_KEEP_ALIVE_MS=300 brings the failure back for a look.
const createServer = http.createServer;
http.createServer = ((...args: Parameters<typeof createServer>) => {
  const server = createServer(...args);
  server.keepAliveTimeout = Number(process.env.LOOPBACK_KEEP_ALIVE_MS ?? 0);
  return server;
}) as typeof http.createServer;

// Unit and integration tests run inside workerd with the bindings from wrangler.jsonc (local D1,
// R2, the WorldRoom Durable Object and the jobs queue); the setup file applies the real migrations.
export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      main: "./tests/workers/worker.ts",
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        // In production the rooms live in their own Worker (durable-objects/wrangler.jsonc, ADR 9);
        // the pool runs one Worker, so the test entry exports WorldRoom and binds it locally.
        durableObjects: { WORLD_ROOM: { className: "WorldRoom", useSQLite: true } },
        bindings: {
          // A fixed, test-only secret: sessions signed with it never leave the test runtime.
          BETTER_AUTH_SECRET: "loreloom-vitest-secret-not-for-production-0123456789",
          DEMO_ACCOUNT_HINT: "0",
          TEST_MIGRATIONS: await readD1Migrations("drizzle/migrations"),
          // How many times longer the property-based fuzz tests run (`FUZZ_RUNS=50 npm run test:workers`).
          FUZZ_RUNS: process.env.FUZZ_RUNS ?? "1",
        },
      },
    })),
  ],
  test: {
    include: ["app/**/*.test.ts", "tests/unit/**/*.test.ts", "tests/workers/**/*.test.ts", "workers/**/*.test.ts", "durable-objects/**/*.test.ts"],
    setupFiles: ["./tests/workers/apply-migrations.ts"],
    // Starts the local Bedrock stand-in (a Node HTTP server) that the provider tests call.
    globalSetup: ["./tests/workers/global-setup.ts"],
    // Request logs are JSON lines; show them only for failing tests.
    silent: "passed-only",
  },
});
