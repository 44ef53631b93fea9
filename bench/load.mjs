// `npm run load`: SPEC issue 6's load test. 200 clients across 20 rooms edit for 60 s over
// loopback (adding elements and typing into descriptions), then every client's document, the room
// (a fresh client) and the D1 projection must be identical, with nothing lost: every element any
// client added and every word any client typed must be there. LOAD_CLIENTS, LOAD_ROOMS and
// LOAD_SECONDS adjust it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyMigrations } from "../scripts/lib/local-d1.mjs";
import { seedFixtureWorld } from "../scripts/lib/fixture-world.mjs";
import { build, startServer } from "../scripts/lib/server.mjs";
import { NodeRoomClient, addElement, elementsOf, signInCookie, until } from "../tests/e2e/room-client.mjs";

const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 200);
const ROOMS = Number(process.env.LOAD_ROOMS ?? 20);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const EDIT_EVERY_MS = Number(process.env.LOAD_EDIT_EVERY_MS ?? 1000);
const PORT = Number(process.env.BENCH_PORT ?? 8799);
const OWNER = { userId: "loadowner0000001", email: "load@loreloom.local", password: "load-password-1" };

const worldIds = Array.from({ length: ROOMS }, (_, i) => `loadworld${String(i).padStart(7, "0")}`);

function content(doc) {
  const elements = elementsOf(doc).toJSON();
  return JSON.stringify(Object.keys(elements).sort().map((id) => [id, elements[id].name, elements[id].description]));
}

console.log(`Load: ${CLIENTS} clients across ${ROOMS} rooms for ${SECONDS} s, one edit per client every ${EDIT_EVERY_MS} ms`);
build({ quiet: true });
const stateDir = mkdtempSync(join(tmpdir(), "loreloom-load-"));
applyMigrations(stateDir);
for (const [i, worldId] of worldIds.entries()) {
  await seedFixtureWorld(stateDir, { ...OWNER, existingOwner: i > 0, worldId, title: `Load ${i}`, elementCount: 10, relationshipCount: 10, seed: i + 1 });
}
const server = await startServer({ port: PORT, stateDir, build: false, seed: false, quiet: true });
let exitCode = 0;
try {
  const cookie = await signInCookie(server.url, OWNER.email, OWNER.password);
  const clients = [];
  for (let i = 0; i < CLIENTS; i += 1) {
    const worldId = worldIds[i % ROOMS];
    clients.push({ worldId, index: i, client: new NodeRoomClient(`${server.url}/api/worlds/${worldId}/room`, { cookie }), added: [], typed: [] });
  }
  await Promise.all(clients.map((c) => c.client.ready()));
  await until(() => clients.every((c) => elementsOf(c.client.doc).size === 10), 30_000, "every client to load its world");
  console.log(`${clients.length} clients joined`);

  // Edit: half the time add an element, half the time type a unique word into a description.
  let sent = 0;
  const started = Date.now();
  const timers = clients.map((c) =>
    setInterval(() => {
      const doc = c.client.doc;
      const n = c.added.length + c.typed.length;
      if (n % 2 === 0) {
        const id = `l${String(c.index).padStart(4, "0")}x${String(n).padStart(10, "0")}`;
        addElement(doc, id, `Added by ${c.index} #${n}`);
        c.added.push(id);
      } else {
        const ids = [...elementsOf(doc).keys()];
        const target = elementsOf(doc).get(ids[(c.index * 7 + n) % ids.length]);
        const word = ` w${c.index}n${n} `;
        doc.transact(() => target.get("description").insert(target.get("description").length, word));
        c.typed.push(word.trim());
      }
      sent += 1;
    }, EDIT_EVERY_MS + (c.index % 10) * 7),
  );
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  timers.forEach(clearInterval);
  const elapsed = (Date.now() - started) / 1000;
  console.log(`${sent} edits sent in ${elapsed.toFixed(1)} s (${(sent / elapsed).toFixed(0)}/s)`);

  // Convergence: all clients of a room agree.
  const convergeStart = Date.now();
  await until(
    () => worldIds.every((worldId) => new Set(clients.filter((c) => c.worldId === worldId).map((c) => content(c.client.doc))).size === 1),
    60_000,
    "clients to converge",
  );
  const convergedMs = Date.now() - convergeStart;
  clients.forEach((c) => c.client.close());

  // The room (a fresh client) and D1 agree with them, and nothing anyone did is missing.
  let lost = 0;
  let mismatchedRooms = 0;
  let mismatchedD1 = 0;
  for (const worldId of worldIds) {
    const mine = clients.filter((c) => c.worldId === worldId);
    const fresh = await new NodeRoomClient(`${server.url}/api/worlds/${worldId}/room`, { cookie }).ready();
    const expected = content(mine[0].client.doc);
    await until(() => content(fresh.doc) === expected, 15_000, `the room of ${worldId}`).catch(() => (mismatchedRooms += 1));
    const text = JSON.stringify(elementsOf(fresh.doc).toJSON());
    for (const c of mine) {
      for (const id of c.added) if (!elementsOf(fresh.doc).has(id)) lost += 1;
      for (const word of c.typed) if (!text.includes(word)) lost += 1;
    }
    fresh.close();
    // D1 follows the room within its projection delay.
    let matched = false;
    for (let attempt = 0; attempt < 40 && !matched; attempt += 1) {
      const graph = await (await fetch(`${server.url}/api/worlds/${worldId}`, { headers: { cookie } })).json();
      const d1 = JSON.stringify(graph.elements.map((e) => [e.id, e.name, e.description]).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
      matched = d1 === expected;
      if (!matched) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (!matched) mismatchedD1 += 1;
  }
  const typed = clients.reduce((n, c) => n + c.typed.length, 0);
  const added = clients.reduce((n, c) => n + c.added.length, 0);
  const result = { clients: CLIENTS, rooms: ROOMS, seconds: SECONDS, editsSent: sent, editsPerSecond: Math.round(sent / elapsed), elementsAdded: added, wordsTyped: typed, lost, convergedMs, roomsDisagreeing: mismatchedRooms, d1Disagreeing: mismatchedD1 };
  console.table([result]);
  const ok = lost === 0 && mismatchedRooms === 0 && mismatchedD1 === 0;
  console.log(ok ? "Every client, every room and D1 ended identical; 0 updates lost." : "FAILED: see the table above.");
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/load-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, import.meta.url), JSON.stringify(result, null, 2));
  exitCode = ok ? 0 : 1;
} finally {
  await server.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
process.exit(exitCode);
