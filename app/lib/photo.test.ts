import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_DECODE_BYTES, MAX_PHOTO_SIDE, checkChosenPhoto, fitWithin, percentOf, renamed, worthShrinking } from "./photo";
import { PROBE_DELAYS_MS, isNetworkFailure, probeDelay } from "./online";

describe("checking a chosen photo before it is decoded", () => {
  it("says what is wrong with an empty file, a non-picture or an enormous one", () => {
    expect(checkChosenPhoto({ type: "image/jpeg", size: 0 })).toBe("none");
    expect(checkChosenPhoto({ type: "application/pdf", size: 10 })).toBe("not-image");
    expect(checkChosenPhoto({ type: "image/jpeg", size: MAX_DECODE_BYTES + 1 })).toBe("too-large");
    expect(checkChosenPhoto({ type: "image/jpeg", size: 12 * 1024 * 1024 })).toBeNull();
    // No declared type (some file pickers): the server sniffs the bytes.
    expect(checkChosenPhoto({ type: "", size: 10 })).toBeNull();
  });
});

describe("shrinking a photo", () => {
  it("caps the longest side, keeps proportions and never enlarges", () => {
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(3000, 4000)).toEqual({ width: 1200, height: 1600 });
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 });
    expect(fitWithin(0, 600)).toEqual({ width: 0, height: 0 });
    expect(fitWithin(Number.NaN, 600)).toEqual({ width: 0, height: 0 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50_000 }), fc.integer({ min: 1, max: 50_000 }), (width, height) => {
        const size = fitWithin(width, height);
        expect(Math.max(size.width, size.height)).toBeLessThanOrEqual(MAX_PHOTO_SIDE);
        expect(size.width).toBeGreaterThanOrEqual(1);
        expect(size.height).toBeGreaterThanOrEqual(1);
        expect(size.width).toBeLessThanOrEqual(width);
        expect(size.height).toBeLessThanOrEqual(height);
        // Proportions within a pixel's rounding.
        if (Math.min(size.width, size.height) >= 10) expect(Math.abs(size.width / size.height - width / height)).toBeLessThan((width / height) * 0.2);
      }),
    );
  });

  it("leaves GIFs (maybe animated) and small pictures as they are", () => {
    expect(worthShrinking({ type: "image/gif", size: 5_000_000 }, 4000, 3000)).toBe(false);
    expect(worthShrinking({ type: "image/png", size: 40_000 }, 320, 240)).toBe(false);
    expect(worthShrinking({ type: "image/png", size: 40_000 }, 4000, 3000)).toBe(true);
    expect(worthShrinking({ type: "image/jpeg", size: 3_000_000 }, 1200, 900)).toBe(true);
  });

  it("names the smaller file after the original with the new type's extension", () => {
    expect(renamed("IMG_2041.HEIC", "image/jpeg")).toBe("IMG_2041.jpg");
    expect(renamed("sketch.png", "image/webp")).toBe("sketch.webp");
    expect(renamed("", "image/webp")).toBe("photo.webp");
    expect(renamed(".png", "image/webp")).toBe("photo.webp");
    expect(renamed("no-extension", "image/jpeg")).toBe("no-extension.jpg");
  });
});

describe("upload progress", () => {
  it("is a whole percentage from 0 to 100, whatever the browser reports", () => {
    expect(percentOf(0, 100)).toBe(0);
    expect(percentOf(50, 200)).toBe(25);
    expect(percentOf(200, 200)).toBe(100);
    expect(percentOf(10, 0)).toBe(0);
    fc.assert(
      fc.property(fc.double(), fc.double(), (loaded, total) => {
        const percent = percentOf(loaded, total);
        expect(Number.isInteger(percent)).toBe(true);
        expect(percent).toBeGreaterThanOrEqual(0);
        expect(percent).toBeLessThanOrEqual(100);
      }),
    );
  });
});

describe("knowing when the server cannot be reached", () => {
  it("counts only a fetch's TypeError as a network failure", () => {
    expect(isNetworkFailure(new TypeError("Failed to fetch"))).toBe(true);
    expect(isNetworkFailure(new DOMException("aborted", "AbortError"))).toBe(false);
    expect(isNetworkFailure(new Error("500"))).toBe(false);
  });

  it("asks the server again after growing pauses, then at the longest", () => {
    expect([0, 1, 2, 3, 4, 10].map(probeDelay)).toEqual([3000, 6000, 12000, 30000, 30000, 30000]);
    fc.assert(
      fc.property(fc.integer(), (attempt) => {
        expect(PROBE_DELAYS_MS).toContain(probeDelay(attempt));
      }),
    );
  });
});
