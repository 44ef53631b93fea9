// Process-level: clients co-edit a world through the real server, the server process is stopped
// and started again on the same state, and nothing any client saw echoed is lost — in the room,
// in a fresh client, and in the D1 projection.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { startServer } from "../../scripts/lib/server.mjs";
import { NodeRoomClient, addElement, elementsOf, setField, signInCookie, until } from "./room-client.mjs";

const WORLD = "demoworld0000001";

/** What people wrote, in a stable order (the room's own bookkeeping in `meta` may move on). */
function content(doc) {
  const elements = doc.getMap("elements").toJSON();
  return JSON.stringify(
    Object.keys(elements)
      .sort()
      .map((id) => [id, elements[id].type, elements[id].name, elements[id].description, elements[id].pos, elements[id].tags]),
  );
}

describe("a room through a server restart", () => {
  let stateDir;
  let server;
  const port = Number(process.env.E2E_PORT || 8797) + 10;
  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "loreloom-restart-"));
    server = await startServer({ port, stateDir, build: process.env.E2E_SKIP_BUILD !== "1", seed: true, quiet: true });
  });
  after(async () => {
    await server?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("converges two clients, and keeps every echoed update across a restart", async () => {
    const cookie = await signInCookie(server.url, "demo@loreloom.local", "demo-password-1");
    const roomUrl = `${server.url}/api/worlds/${WORLD}/room`;
    const a = await new NodeRoomClient(roomUrl, { cookie }).ready();
    const b = await new NodeRoomClient(roomUrl, { cookie }).ready();
    await until(() => elementsOf(a.doc).size === 12 && elementsOf(b.doc).size === 12, 10_000, "the seeded world");

    // Both write at once: new elements, and edits to the same description.
    for (let i = 0; i < 20; i += 1) {
      addElement(a.doc, `restarta${String(i).padStart(7, "0")}`, `From A ${i}`);
      addElement(b.doc, `restartb${String(i).padStart(7, "0")}`, `From B ${i}`);
    }
    a.doc.transact(() => elementsOf(a.doc).get("demoe01000000000").get("description").insert(0, "A wrote this. "));
    setField(b.doc, "demoe02000000000", "name", "Renamed by B");
    await until(
      () => elementsOf(a.doc).size === 52 && content(a.doc) === content(b.doc) && elementsOf(a.doc).get("demoe02000000000").get("name") === "Renamed by B",
      10_000,
      "both clients to converge",
    );
    const seen = content(a.doc);
    a.close();
    b.close();

    // Stop the server process and start it again on the same state.
    await server.stop();
    server = await startServer({ port, stateDir, build: false, seed: true, quiet: true });
    const cookieAfter = await signInCookie(server.url, "demo@loreloom.local", "demo-password-1");
    const c = await new NodeRoomClient(`${server.url}/api/worlds/${WORLD}/room`, { cookie: cookieAfter }).ready();
    await until(() => elementsOf(c.doc).size === 52, 10_000, "the restarted room's state");
    assert.equal(content(c.doc), seen);
    c.close();

    // The D1 projection followed.
    let graph;
    for (let i = 0; i < 40; i += 1) {
      graph = await (await fetch(`${server.url}/api/worlds/${WORLD}`, { headers: { cookie: cookieAfter } })).json();
      if (graph.elements.length === 52) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(graph.elements.length, 52);
    assert.equal(graph.elements.find((e) => e.id === "demoe02000000000").name, "Renamed by B");
    assert.match(graph.elements.find((e) => e.id === "demoe01000000000").description, /^A wrote this\. A fortress grown/);
  });

  it("answers a refused room connection with the Worker's 404, as the README documents", async () => {
    // A stranger (no session) to a private world, and to a world that does not exist: the upgrade
    // is refused with a real HTTP answer, not a dropped connection.
    const cookie = await signInCookie(server.url, "demo@loreloom.local", "demo-password-1");
    const created = await fetch(`${server.url}/api/worlds`, {
      method: "POST",
      headers: { cookie, origin: server.url, "content-type": "application/json" },
      body: JSON.stringify({ title: "A private world" }),
    });
    assert.equal(created.status, 201);
    const { world: secret } = await created.json();
    for (const world of [secret.id, "nosuchworld00001"]) {
      const refused = await new Promise((resolve, reject) => {
        const socket = new WebSocket(`${server.url.replace(/^http/, "ws")}/api/worlds/${world}/room`);
        socket.once("open", () => reject(new Error(`a stranger joined ${world}'s room`)));
        socket.once("error", (error) => reject(new Error(`no answer for ${world}: ${error.message}`)));
        socket.once("unexpected-response", (_request, response) => {
          let body = "";
          response.on("data", (chunk) => (body += chunk));
          response.on("end", () => resolve({ status: response.statusCode, type: response.headers["content-type"], body }));
        });
      });
      assert.equal(refused.status, 404, world);
      assert.match(refused.type, /application\/json/);
      assert.equal(JSON.parse(refused.body).error.code, "not_found");
    }
  });

  it("refuses each wrongly shaped live update of issue 14 with an error naming the field, and the world keeps working", async () => {
    const cookie = await signInCookie(server.url, "demo@loreloom.local", "demo-password-1");
    const roomUrl = `${server.url}/api/worlds/${WORLD}/room`;
    const attacks = [
      ["elements.evil000000000001", (els) => els.set("evil000000000001", "just a string")],
      ["elements.demoe01000000000.type", (els) => els.get("demoe01000000000").delete("type")],
      ["elements.demoe01000000000.type", (els) => els.get("demoe01000000000").set("type", "spaceship")],
      ["elements.demoe01000000000.pos.x", (els) => els.get("demoe01000000000").set("pos", { x: "left", y: 1 })],
      ["elements.demoe01000000000.tags", (els) => els.get("demoe01000000000").set("tags", "not-a-list")],
      ["elements.demoe01000000000.name", (els) => els.get("demoe01000000000").set("name", 42)],
      ["elements.demoe01000000000.name", (els) => els.get("demoe01000000000").set("name", "x".repeat(1_200_000))],
    ];
    for (const [field, attack] of attacks) {
      // A fresh connection each time (this client does not resync after a refusal).
      const client = await new NodeRoomClient(roomUrl, { cookie }).ready();
      const before = client.messages.length;
      client.doc.transact(() => attack(elementsOf(client.doc)));
      await until(() => client.messages.slice(before).some((m) => m.type === "error"), 10_000, `an error for ${field}`);
      const error = client.messages.slice(before).find((m) => m.type === "error");
      assert.equal(error.code, "invalid_element");
      assert.equal(error.field, field);
      client.close();
    }
    // Everyone else still gets the world: the editor's state, the public page, REST writes.
    const fresh = await new NodeRoomClient(roomUrl, { cookie }).ready();
    assert.equal(elementsOf(fresh.doc).has("evil000000000001"), false);
    assert.equal(elementsOf(fresh.doc).get("demoe01000000000").get("type"), "location");
    fresh.close();
    assert.equal((await fetch(`${server.url}/w/${WORLD}`)).status, 200);
    const created = await fetch(`${server.url}/api/worlds/${WORLD}/elements`, {
      method: "POST",
      headers: { cookie, origin: server.url, "content-type": "application/json" },
      body: JSON.stringify({ type: "item", name: "Proof of life" }),
    });
    assert.equal(created.status, 201);
  });
});
