import type { D1Migration } from "cloudflare:test";

// Bindings only the test runtime has (vitest.config.ts adds them to wrangler.jsonc's).
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** Multiplies the runs of the property-based fuzz tests (vitest.config.ts). */
      FUZZ_RUNS: string;
    }
  }
}
