import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { keepLoopbackConnectionsOpen } from "./scripts/lib/loopback-keep-alive.mjs";

// Before Miniflare starts: a queue job longer than 5 s otherwise stops the local queue for good.
keepLoopbackConnectionsOpen();

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
        durableObjects: { WORLD_ROOM: { className: "WorldRoom", useSQLite: true }, STORY_ROOM: { className: "StoryRoom", useSQLite: true } },
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
    // Vitest's default is one worker fewer than the cores: one, on a 2-core machine. The tests
    // spend much of their time waiting on workerd, so two keep both cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Two projects in the one workerd set-up. Unit tests (next to the code they test) share one
    // runtime: starting a fresh one per file costs seconds each, more than most of them run for.
    // The integration tests under tests/workers each get their own, with their own storage.
    projects: [
      { extends: true, test: { name: "unit", include: ["app/**/*.test.ts", "sw/**/*.test.ts", "workers/**/*.test.ts", "durable-objects/**/*.test.ts"], isolate: false } },
      { extends: true, test: { name: "integration", include: ["tests/workers/**/*.test.ts"] } },
    ],
    setupFiles: ["./tests/workers/apply-migrations.ts"],
    // Starts the local Bedrock stand-in (a Node HTTP server) that the provider tests call.
    globalSetup: ["./tests/workers/global-setup.ts"],
    // Tests wait on state (an answer, a row, a message), never on the clock; this is the one
    // generous limit per test, so that a slower or busier machine than this one does not fail
    // them (vitest's default of 5 s did, on a loaded 2-core run). Fuzz tests scale theirs.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Request logs are JSON lines; show them only for failing tests.
    silent: "passed-only",
  },
});
