// The service worker (ADR 22), built after `react-router build`: sw/service-worker.ts is bundled
// into one classic script, then workbox-build's injectManifest writes the list of files to precache
// (the hashed client assets, the offline page, the manifest and icons, each with its revision) into
// it as build/client/sw.js, which Workers static assets serve at /sw.js (public/_headers: no-cache).
import { rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { injectManifest } from "workbox-build";
import { build } from "vite";

const BUNDLE_DIR = "build/sw";
const CLIENT_DIR = "build/client";

export async function buildServiceWorker({ quiet = false } = {}) {
  await build({
    configFile: false,
    logLevel: quiet ? "error" : "warn",
    // Workbox reads NODE_ENV for its development logging; the bundle is the production one.
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    build: {
      outDir: BUNDLE_DIR,
      emptyOutDir: true,
      minify: true,
      copyPublicDir: false,
      lib: { entry: "sw/service-worker.ts", formats: ["iife"], name: "loreloomServiceWorker", fileName: () => "sw.js" },
    },
  });
  const { count, size, warnings } = await injectManifest({
    swSrc: `${BUNDLE_DIR}/sw.js`,
    swDest: `${CLIENT_DIR}/sw.js`,
    globDirectory: CLIENT_DIR,
    globPatterns: ["assets/**/*.{js,css,woff2}", "offline.html", "manifest.webmanifest", "favicon.svg", "icons/*.png"],
    // Names under assets/ carry their content hash: no revision query needed.
    dontCacheBustURLsMatching: /^assets\//,
    maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
  });
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  for (const warning of warnings) console.warn(`service worker: ${warning}`);
  if (!quiet) console.log(`service worker: build/client/sw.js precaches ${count} files, ${(size / 1024).toFixed(0)} KB`);
  return { count, size };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await buildServiceWorker();
}
