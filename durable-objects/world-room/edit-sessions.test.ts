import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  SESSION_QUIET_MS,
  changedFields,
  decideVersion,
  extendHistorySession,
  historySummary,
  type VersionSession,
} from "./edit-sessions";
import { CONTENT_KEY_LAYOUT } from "./graph-doc";
import { worldFieldsInWords } from "../../workers/domain/field-labels";

const edited = (userId: string) => ({ cause: { action: "edited", userId }, editors: [userId] });

describe("decideVersion", () => {
  it("keeps one person's edits in their open session, and starts a new version for anyone else", () => {
    const session: VersionSession = { userId: "ana", version: 4, action: "edited", lastAt: 1_000 };
    expect(decideVersion({ ...edited("ana"), projectedBefore: true, lastVersion: 4, session, now: 2_000 })).toMatchObject({ version: 4, extends: true, userId: "ana" });
    const bens = decideVersion({ ...edited("ben"), projectedBefore: true, lastVersion: 4, session, now: 2_000 });
    expect(bens).toMatchObject({ version: 5, extends: false, userId: "ben", session: { userId: "ben", version: 5 } });
    // Both typing in one batch: Ana's session goes on (she is still at it).
    expect(decideVersion({ cause: null, editors: ["ben", "ana"], projectedBefore: true, lastVersion: 4, session, now: 2_000 })).toMatchObject({ version: 4, extends: true });
  });

  it("ends a session after minutes of quiet, and never extends what the AI or a restore wrote", () => {
    const session: VersionSession = { userId: "ana", version: 4, action: "edited", lastAt: 0 };
    expect(decideVersion({ ...edited("ana"), projectedBefore: true, lastVersion: 4, session, now: SESSION_QUIET_MS })).toMatchObject({ version: 5, extends: false });
    for (const action of ["refined", "generated", "restored"]) {
      const decision = decideVersion({ cause: { action, userId: "ana" }, editors: [], projectedBefore: true, lastVersion: 4, session, now: 1 });
      expect(decision).toMatchObject({ version: 5, action, extends: false, session: null });
    }
  });

  it("makes an element's first version its creation, which opens the creator's session", () => {
    const first = decideVersion({ ...edited("ana"), projectedBefore: false, lastVersion: 0, session: null, now: 5 });
    expect(first).toEqual({ version: 1, action: "created", userId: "ana", extends: false, session: { userId: "ana", version: 1, action: "created", lastAt: 5 } });
  });

  it("property: numbers only move on by one, a version is only extended by its own person, and quiet always ends it", () => {
    const step = fc.record({ who: fc.constantFrom("ana", "ben", "cy"), gap: fc.integer({ min: 0, max: SESSION_QUIET_MS * 2 }), kind: fc.constantFrom("edited", "edited", "edited", "refined", "restored") });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        let session: VersionSession | null = null;
        let lastVersion = 1;
        let now = 0;
        for (const { who, gap, kind } of steps) {
          now += gap;
          const before: VersionSession | null = session;
          const decision = decideVersion({ cause: { action: kind, userId: who }, editors: kind === "edited" ? [who] : [], projectedBefore: true, lastVersion, session, now });
          if (decision.extends) {
            expect(before).not.toBeNull();
            expect(decision.version).toBe(lastVersion);
            expect(before!.userId).toBe(who);
            expect(now - before!.lastAt).toBeLessThan(SESSION_QUIET_MS);
          } else {
            expect(decision.version).toBe(lastVersion + 1);
          }
          if (before && before.userId === who && kind === "edited" && now - before.lastAt < SESSION_QUIET_MS) expect(decision.extends).toBe(true);
          lastVersion = decision.version;
          session = decision.session;
        }
      }),
    );
  });
});

describe("history sessions", () => {
  it("gathers a person's edits into one entry that names fields as people know them", () => {
    let session = extendHistorySession(null, [{ id: "e1", kind: "edited", fields: ["description"] }], 0, () => "h1");
    session = extendHistorySession(session, [{ id: "e1", kind: "edited", fields: ["secret", "image"] }, { id: "e2", kind: "moved", fields: [] }], 1_000, () => "h2");
    expect(session.id).toBe("h1");
    const names: Record<string, string> = { e1: "Mira", e2: "Old mill" };
    expect(historySummary(session, (id) => names[id] ?? null)).toBe("Edited “Mira” (description, secret notes and image); moved “Old mill”");
    const later = extendHistorySession(session, [{ id: "e2", kind: "edited", fields: ["name"] }], 1_000 + SESSION_QUIET_MS, () => "h3");
    expect(later.id).toBe("h3");
  });

  it("names the fields a content change touched", () => {
    const before = ["item", "Key", [], "Old.", ["a"], { image: "worlds/w/1.svg" }, {}, ""];
    const after = ["item", "Key", [], "Old.", ["a"], { image: "worlds/w/2.svg", audio: "worlds/w/2.wav" }, { provider: "local" }, "hidden"];
    expect(changedFields(before, after, CONTENT_KEY_LAYOUT)).toEqual(["image", "audio", "secret"]);
    expect(worldFieldsInWords(["coverAssetKey", "settings"], ["defaultVoice"])).toBe("cover image and default voice");
  });
});
