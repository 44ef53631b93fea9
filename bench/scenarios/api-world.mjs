// SPEC §7, API: `GET /api/worlds/:id` for a 500-element world at concurrency 16 keeps at least half
// the requests per second of `GET /api/health` on the same server in the same run.
import { seedFixtureWorld } from "../../scripts/lib/fixture-world.mjs";
import { load, signIn } from "../lib/http.mjs";

export const name = "api";
export const title = "GET /api/worlds/:id (500 elements) against GET /api/health, concurrency 16";

const FIXTURE = {
  userId: "benchowner000001",
  email: "bench-api@loreloom.local",
  password: "bench-password-1",
  worldId: "benchapiworld001",
  title: "Bench: 500 elements",
  elementCount: 500,
  relationshipCount: 600,
};

/** Runs before the server starts, on its fresh state. */
export async function prepare({ stateDir }) {
  await seedFixtureWorld(stateDir, FIXTURE);
}

export async function run({ url, duration }) {
  const cookie = await signIn(url, FIXTURE.email, FIXTURE.password);
  const worldUrl = `${url}/api/worlds/${FIXTURE.worldId}`;
  const check = await fetch(worldUrl, { headers: { cookie } });
  const graph = await check.json();
  if (graph.elements?.length !== FIXTURE.elementCount) throw new Error(`fixture world has ${graph.elements?.length} elements`);

  // Warm both paths (isolate, caches) before measuring.
  await load(`${url}/api/health`, { duration: 2 });
  await load(worldUrl, { duration: 2, headers: { cookie } });
  const health = await load(`${url}/api/health`, { duration });
  const world = await load(worldUrl, { duration, headers: { cookie } });
  const ratio = world.rps / health.rps;
  return {
    rows: [
      { case: "GET /api/health", ...health },
      { case: "GET /api/worlds/:id (500 el.)", ...world },
    ],
    checks: [{ what: "world rps / health rps", value: Number(ratio.toFixed(2)), budget: "≥ 0.50", ok: ratio >= 0.5 }],
  };
}
