import { env } from "cloudflare:test";
import fc from "fast-check";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import { DraftSaver, RoomSaves, type DraftStorage, type SaveState } from "./save-state";

const runs = (n: number) => n * (Number(env.FUZZ_RUNS) || 1);

describe("RoomSaves: Saved only once the room has every edit", () => {
  type Step = { kind: "edit" } | { kind: "probe" } | { kind: "answer" } | { kind: "stray" } | { kind: "drop" };
  const step = fc.oneof(
    fc.constant<Step>({ kind: "edit" }),
    fc.constant<Step>({ kind: "probe" }),
    fc.constant<Step>({ kind: "answer" }),
    fc.constant<Step>({ kind: "stray" }),
    fc.constant<Step>({ kind: "drop" }),
  );

  it("never says Saved while an edit has not reached the room, and always does once it has", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const saves = new RoomSaves();
        // The model: a socket delivers frames in order, and the room answers each sync request
        // after everything sent before it. An edit is in the room once a request sent after it
        // is answered on the same socket.
        let edits = 0;
        let inRoom = 0;
        let socket: number[] = []; // edit counts at each request in flight on this socket
        for (const s of steps) {
          if (s.kind === "edit") {
            edits += 1;
            saves.edited();
          } else if (s.kind === "probe" && saves.needsProbe()) {
            saves.probeSent();
            socket.push(edits);
          } else if (s.kind === "answer" && socket.length > 0) {
            inRoom = Math.max(inRoom, socket.shift()!);
            saves.answered();
          } else if (s.kind === "stray" && socket.length === 0) {
            // A sync answer nobody here asked for (the first sync of a connection) confirms nothing.
            saves.answered();
          } else if (s.kind === "drop") {
            socket = [];
            saves.disconnected();
          }
          expect(saves.state(true) === "saved").toBe(inRoom >= edits);
          expect(saves.state(false)).toBe(inRoom >= edits ? "saved" : "offline");
        }
        // However it went, one more request and its answer settle it.
        if (saves.needsProbe()) {
          saves.probeSent();
          socket.push(edits);
        }
        while (socket.length) {
          inRoom = Math.max(inRoom, socket.shift()!);
          saves.answered();
        }
        expect(saves.state(true)).toBe("saved");
      }),
      { numRuns: runs(500) },
    );
  });

  it("a refused change the page starts over from is not waited for", () => {
    const saves = new RoomSaves();
    saves.edited();
    saves.probeSent();
    saves.reset();
    expect(saves.state(true)).toBe("saved");
  });
});

class MemoryStorage implements DraftStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

/** A server whose answers the test releases one at a time. */
class Server {
  saved: string | null = null;
  requests: Array<{ value: string; keepalive: boolean; settle: (outcome: "ok" | "offline" | "refused") => void }> = [];
  send = (value: string, { keepalive }: { keepalive: boolean }) =>
    new Promise<void>((resolve, reject) => {
      this.requests.push({
        value,
        keepalive,
        settle: (outcome) => {
          if (outcome === "ok") {
            this.saved = value;
            resolve();
          } else reject(outcome === "offline" ? new ApiError(0, "You seem to be offline.") : new ApiError(400, "Too long."));
        },
      });
    });
  pending() {
    return this.requests.filter((r) => r.settle !== done);
  }
  async answer(outcome: "ok" | "offline" | "refused") {
    const request = this.pending()[0];
    if (!request) return false;
    const settle = request.settle;
    request.settle = done;
    settle(outcome);
    await new Promise((r) => setTimeout(r, 0));
    return true;
  }
}
const done = () => undefined;

function saverWith(storage = new MemoryStorage(), server = new Server(), offline = { now: false }) {
  const states: SaveState[] = [];
  const saver = new DraftSaver<string>("draft:w:e:secret", z.string(), server.send, (state) => states.push(state), 60_000, storage, () => offline.now);
  return { saver, server, storage, states, offline };
}

describe("DraftSaver: nothing typed is lost", () => {
  it("sends the newest value after a pause, and forgets the draft once the server has it", async () => {
    const { saver, server, storage, states } = saverWith();
    saver.set("a");
    saver.set("ab");
    expect(storage.items.size).toBe(1);
    const flushed = saver.flush(false);
    expect(server.requests.map((r) => r.value)).toEqual(["ab"]);
    await server.answer("ok");
    await flushed;
    expect(server.saved).toBe("ab");
    expect(storage.items.size).toBe(0);
    expect(states.at(-1)).toBe("saved");
  });

  it("keeps what was typed offline across a reload, and sends it when the page opens again", async () => {
    const storage = new MemoryStorage();
    const first = saverWith(storage, new Server(), { now: true });
    first.saver.set("the queen's secret");
    const flushed = first.saver.flush(false);
    await first.server.answer("offline");
    await flushed;
    expect(first.states.at(-1)).toBe("offline");
    // The page is reloaded: a new saver on the same storage finds the draft.
    const again = saverWith(storage);
    expect(again.saver.restore()).toBe("the queen's secret");
    again.saver.set(again.saver.restore()!);
    const sent = again.saver.flush(false);
    await again.server.answer("ok");
    await sent;
    expect(again.server.saved).toBe("the queen's secret");
    expect(again.saver.restore()).toBeNull();
  });

  it("sends again when the browser is back online", async () => {
    const { saver, server, states, offline } = saverWith();
    offline.now = true;
    saver.set("x");
    const flushed = saver.flush(false);
    await server.answer("offline");
    await flushed;
    expect(server.pending()).toHaveLength(0);
    offline.now = false;
    saver.retry();
    await server.answer("ok");
    expect(server.saved).toBe("x");
    expect(states.at(-1)).toBe("saved");
  });

  it("drops a value the server refuses, and says why", async () => {
    const { saver, server, storage, states } = saverWith();
    saver.set("far too long");
    const flushed = saver.flush(false);
    await server.answer("refused");
    await flushed;
    expect(states.at(-1)).toBe("error");
    expect(storage.items.size).toBe(0);
  });

  it("when the page goes, sends the newest value with keepalive even while a request is in flight", async () => {
    const { saver, server } = saverWith();
    saver.set("a");
    void saver.flush(false);
    saver.set("ab");
    await saver.flush(true);
    expect(server.requests.map((r) => [r.value, r.keepalive])).toEqual([
      ["a", false],
      ["ab", true],
    ]);
  });

  it("whatever the order of typing, answers and outages, the server ends with the last value typed", async () => {
    type Op = { kind: "type"; value: string } | { kind: "flush" } | { kind: "ok" } | { kind: "offline" } | { kind: "online" };
    const op = fc.oneof(
      fc.string({ minLength: 1, maxLength: 4 }).map((value): Op => ({ kind: "type", value })),
      fc.constant<Op>({ kind: "flush" }),
      fc.constant<Op>({ kind: "ok" }),
      fc.constant<Op>({ kind: "offline" }),
      fc.constant<Op>({ kind: "online" }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const { saver, server, storage, states, offline } = saverWith();
        let last: string | null = null;
        for (const o of ops) {
          if (o.kind === "type") {
            last = o.value;
            saver.set(o.value);
          } else if (o.kind === "flush") void saver.flush(false);
          else if (o.kind === "ok") await server.answer("ok");
          else if (o.kind === "offline") {
            offline.now = true;
            await server.answer("offline");
          } else {
            offline.now = false;
            saver.retry();
          }
          await new Promise((r) => setTimeout(r, 0));
        }
        // The network comes back and the page settles.
        offline.now = false;
        saver.retry();
        void saver.flush(false);
        for (let i = 0; i < 100 && (await server.answer("ok")); i++) await new Promise((r) => setTimeout(r, 0));
        if (last !== null) {
          expect(server.saved).toBe(last);
          expect(storage.items.size).toBe(0);
          expect(states.at(-1)).toBe("saved");
        }
      }),
      { numRuns: runs(200) },
    );
  });
});
