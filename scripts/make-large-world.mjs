// `npm run fixture:large`: adds a world of 5,000 elements and 8,000 relationships ("Atlas of
// Five Thousand") to the demo account in the local state `npm start` serves, to try the editor at
// scale. Run it while the server is stopped; it refuses to add the world twice.
import { DEMO_USER } from "../drizzle/seed/demo-world.mjs";
import { seedFixtureWorld } from "./lib/fixture-world.mjs";
import { applyMigrations, query, sqlString as q } from "./lib/local-d1.mjs";
import { seedDemo } from "./lib/seed.mjs";
import { DEFAULT_STATE_DIR } from "./lib/server.mjs";

const WORLD_ID = "atlas5000world01";
const elementCount = Number(process.env.FIXTURE_ELEMENTS ?? 5000);
const relationshipCount = Number(process.env.FIXTURE_RELATIONSHIPS ?? 8000);
const stateDir = process.env.LORELOOM_STATE_DIR ?? DEFAULT_STATE_DIR;

applyMigrations(stateDir);
await seedDemo(stateDir);
if (query(`select id from worlds where id = ${q(WORLD_ID)}`, stateDir).length > 0) {
  console.log(`The large world already exists: http://localhost:8787/worlds/${WORLD_ID}`);
  process.exit(0);
}
const started = Date.now();
await seedFixtureWorld(stateDir, {
  existingOwner: true,
  userId: DEMO_USER.id,
  worldId: WORLD_ID,
  title: `Atlas of ${elementCount.toLocaleString("en")}`,
  elementCount,
  relationshipCount,
});
console.log(
  `Added "${`Atlas of ${elementCount.toLocaleString("en")}`}" (${elementCount} elements, ${relationshipCount} relationships) in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
);
console.log(`Start the app (npm start), sign in as ${DEMO_USER.email} and open http://localhost:8787/worlds/${WORLD_ID}`);
