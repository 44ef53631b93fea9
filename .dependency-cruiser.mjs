// The layer rule (ADR 16), checked by `npm run lint` with dependency-cruiser. Imports run one way,
// down this table: each layer names the layers it may import, and any other import of our own code
// fails lint. Type-only imports count too: a type names the module it comes from. Tests are not a
// layer: tests/ and the *.test.ts files beside the code may import anything.
//
//    app/              workers/api             workers/jobs
//     │  ╲            ╱     │     ╲           ╱      │
//     │   workers/auth.ts   │    durable-objects/    │
//     │          │          │       (rooms)          │
//     ▼          ▼          ▼          ▼             ▼
//    ──────────────────  workers/domain  ──────────────────
//                              │
//                          workers/ai
//                              │
//                          workers/lib
//                              │
//                        drizzle/schema
//
// An arrow may skip layers; the entries (workers/app.ts, workers/worker.ts) sit on top and wire the
// API and the jobs into the Worker. The browser speaks to a room through the room's isomorphic files
// (protocol.ts, graph-doc.ts): those two, and nothing else of the rooms, may be imported by app/.

/** Every layer: the files it holds, and the layers below it that it may import (besides itself). */
export const LAYERS = {
  app: { path: "^app/", mayImport: ["auth", "roomShared", "domain", "lib", "schema"] },
  entries: { path: "^workers/(app|worker)\\.ts$", mayImport: ["api", "auth", "jobs", "domain", "ai", "lib", "schema"] },
  api: { path: "^workers/api/", mayImport: ["auth", "rooms", "domain", "ai", "lib", "schema"] },
  auth: { path: "^workers/auth\\.ts$", mayImport: ["domain", "lib", "schema"] },
  jobs: { path: "^workers/jobs/", mayImport: ["rooms", "domain", "ai", "lib", "schema"] },
  rooms: { path: "^durable-objects/", mayImport: ["domain", "lib", "schema"] },
  domain: { path: "^workers/domain/", mayImport: ["ai", "lib", "schema"] },
  ai: { path: "^workers/ai/", mayImport: ["lib", "schema"] },
  lib: { path: "^workers/lib/", mayImport: ["schema"] },
  schema: { path: "^drizzle/schema/", mayImport: [] },
};

/** Not a layer of its own: the part of the rooms that app/ may import. */
const ROOM_SHARED = "^durable-objects/[^/]+/(protocol|graph-doc)\\.ts$";
const pathOf = (name) => (name === "roomShared" ? ROOM_SHARED : LAYERS[name].path);

/** Our own code, as opposed to packages: what the layer rules are about. */
const OWN_CODE = "^(app|workers|durable-objects|drizzle|tests|scripts|bench|public)/";
const TESTS = "\\.test\\.tsx?$";

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...Object.entries(LAYERS).map(([name, layer]) => ({
      name: `layer-${name}`,
      comment: `${layer.path} may import only ${layer.mayImport.length ? layer.mayImport.join(", ") : "itself"} (ADR 16)`,
      severity: "error",
      from: { path: layer.path, pathNot: TESTS },
      to: { path: OWN_CODE, pathNot: [layer.path, ...layer.mayImport.map(pathOf)] },
    })),
    {
      name: "layer-unknown",
      comment: "Every source file belongs to a layer: add its folder to LAYERS in .dependency-cruiser.mjs (ADR 16)",
      severity: "error",
      from: { path: "^(app|workers|durable-objects|drizzle/schema)/", pathNot: [...Object.values(LAYERS).map((layer) => layer.path), TESTS] },
      to: { path: OWN_CODE },
    },
    {
      name: "no-circular",
      comment: "Modules that import each other: move what both need to a module below them (ADR 16)",
      severity: "error",
      from: { path: OWN_CODE },
      to: { circular: true },
    },
  ],
  options: {
    // Type-only imports are dependencies too; the layers hold for them as well.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.cloudflare.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|build|\\.react-router|\\.wrangler)/" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    skipAnalysisNotInRules: true,
  },
};
