import { cloudflare } from "@cloudflare/vite-plugin";
import { reactRouter } from "@react-router/dev/vite";
import tailwindcss from "@tailwindcss/vite";
import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vite";
import { keepLoopbackConnectionsOpen } from "./scripts/lib/loopback-keep-alive.mjs";

// Before Miniflare starts (`npm start`, `npm run dev`): a queue job longer than 5 s otherwise
// stops the local queue for good (scripts/lib/loopback-keep-alive.mjs, issue 14).
keepLoopbackConnectionsOpen();

/**
 * mespeak's eSpeak build (the local provider's narration) is Latin-1, not UTF-8; its only
 * non-ASCII bytes are in comments. Rolldown reads sources as UTF-8, so hand it the file decoded.
 */
function latin1Sources(pattern: RegExp): Plugin {
  return {
    name: "loreloom:latin1-sources",
    enforce: "pre",
    load(id) {
      if (pattern.test(id)) return readFileSync(id.split("?")[0]!, "latin1");
    },
  };
}

/**
 * `vite dev` pre-bundles the Worker's CommonJS dependencies with Rolldown, outside the plugin
 * pipeline above: give that step the same Latin-1 reading (dev only; builds use the plugin).
 */
function latin1PrebundledSources(pattern: RegExp): Plugin {
  return {
    name: "loreloom:latin1-prebundled-sources",
    apply: "serve",
    configEnvironment(name) {
      if (name !== "ssr") return;
      return { optimizeDeps: { rolldownOptions: { plugins: [latin1Sources(pattern) as never] } } };
    },
  };
}

// Tests and the bench run their own servers on their own local state (LORELOOM_STATE_DIR), so
// they never touch the data `npm start` keeps in .wrangler/state.
const stateDir = process.env.LORELOOM_STATE_DIR;

export default defineConfig({
  plugins: [
    latin1Sources(/node_modules\/mespeak\/src\/ESpeak\.js$/),
    latin1PrebundledSources(/node_modules\/mespeak\/src\/ESpeak\.js$/),
    cloudflare({
      viteEnvironment: { name: "ssr" },
      persistState: stateDir ? { path: stateDir } : true,
      inspectorPort: false,
      // The rooms Worker (WorldRoom Durable Objects, ADR 9), built and served beside the app.
      auxiliaryWorkers: [{ configPath: "./durable-objects/wrangler.jsonc" }],
    }),
    tailwindcss(),
    reactRouter(),
  ],
  resolve: { tsconfigPaths: true },
  // The rooms Worker's bundle goes beside the app's (build/server) rather than to dist/.
  environments: { loreloom_rooms: { build: { outDir: "build/rooms", minify: true } } },
});
