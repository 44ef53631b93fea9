import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_SHARED_BYTES, SHARE_PROBLEMS, isShareTargetPost, pickSharedPhoto, shareProblemOf, shareRedirect, sharedHint } from "./share-target";

const origin = "https://loreloom.example";
const image = (size = 1000, type = "image/jpeg") => ({ type, size, name: "photo.jpg" });

describe("what the share target takes", () => {
  it("handles only a same-origin POST to /share-target", () => {
    expect(isShareTargetPost({ method: "POST", url: `${origin}/share-target`, origin })).toBe(true);
    expect(isShareTargetPost({ method: "GET", url: `${origin}/share-target`, origin })).toBe(false);
    expect(isShareTargetPost({ method: "POST", url: `${origin}/share-target/x`, origin })).toBe(false);
    expect(isShareTargetPost({ method: "POST", url: `https://elsewhere.example/share-target`, origin })).toBe(false);
  });

  it("keeps the first image of a size it keeps, and names the problem when none fits", () => {
    expect(pickSharedPhoto([image()])).toEqual({ ok: true, index: 0 });
    expect(pickSharedPhoto(["a text under the files' name", { type: "application/pdf", size: 10, name: "a.pdf" }, image(5, "image/png")])).toEqual({ ok: true, index: 2 });
    expect(pickSharedPhoto([])).toEqual({ ok: false, problem: "no-file" });
    expect(pickSharedPhoto([image(0)])).toEqual({ ok: false, problem: "no-file" });
    expect(pickSharedPhoto([{ type: "text/plain", size: 10, name: "notes.txt" }])).toEqual({ ok: false, problem: "not-image" });
    expect(pickSharedPhoto([{ type: "", size: 10, name: "mystery" }])).toEqual({ ok: false, problem: "not-image" });
    expect(pickSharedPhoto([image(MAX_SHARED_BYTES + 1)])).toEqual({ ok: false, problem: "too-large" });
    expect(pickSharedPhoto([image(MAX_SHARED_BYTES)])).toEqual({ ok: true, index: 0 });
  });

  it("never picks anything but an image within the limit, whatever is shared", () => {
    const entry = fc.oneof(
      fc.string(),
      fc.record({ type: fc.oneof(fc.constantFrom("image/png", "image/jpeg", "image/heic", "video/mp4", "", "image/"), fc.string()), size: fc.integer({ min: 0, max: MAX_SHARED_BYTES * 2 }), name: fc.string() }),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (entries) => {
        const picked = pickSharedPhoto(entries);
        if (picked.ok) {
          const chosen = entries[picked.index];
          expect(typeof chosen).toBe("object");
          if (typeof chosen !== "object") return;
          expect(chosen.type).toMatch(/^image\/[\w.+-]+$/i);
          expect(chosen.size).toBeGreaterThan(0);
          expect(chosen.size).toBeLessThanOrEqual(MAX_SHARED_BYTES);
          // It is the first such entry.
          for (const earlier of entries.slice(0, picked.index)) {
            if (typeof earlier === "object") expect(earlier.size > 0 && earlier.size <= MAX_SHARED_BYTES && /^image\/[\w.+-]+$/i.test(earlier.type)).toBe(false);
          }
        } else {
          expect(SHARE_PROBLEMS).toContain(picked.problem);
        }
      }),
    );
  });
});

describe("where a share sends the person", () => {
  it("goes to /share, naming the problem, and reads back only problems it knows", () => {
    expect(shareRedirect(null)).toBe("/share");
    for (const problem of SHARE_PROBLEMS) expect(shareProblemOf(new URL(shareRedirect(problem), origin).searchParams.get("problem"))).toBe(problem);
    expect(shareProblemOf(null)).toBeNull();
    expect(shareProblemOf("<script>")).toBeNull();
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect([null, ...SHARE_PROBLEMS]).toContain(shareProblemOf(value));
      }),
    );
  });

  it("turns the shared title, text and link into one hint within the prompt's length", () => {
    expect(sharedHint(["Lighthouse", "  Lighthouse ", null, "https://example.com/p"])).toBe("Lighthouse — https://example.com/p");
    expect(sharedHint([null, undefined, "", "  "])).toBe("");
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 3000 }), fc.constant(null)), { maxLength: 4 }), (values) => {
        const hint = sharedHint(values);
        expect([...hint].length).toBeLessThanOrEqual(2000);
        expect(hint).toBe(hint.trim());
        // Never splits a character made of two UTF-16 units.
        expect(hint).not.toMatch(/[\uD800-\uDBFF]$/);
      }),
    );
  });
});
