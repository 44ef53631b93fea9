// The pure parts of publishing: asset keys of a fork and thumbnail sizes read from image headers.
import { describe, expect, it } from "vitest";
import { forkedAssetKey, imageDimensions } from "./publishing";

describe("forkedAssetKey", () => {
  it("moves a key under the new world, keeping its path", () => {
    expect(forkedAssetKey("worlds/src123/jobs/j1/0-image.svg", "new456")).toBe("worlds/new456/jobs/j1/0-image.svg");
    expect(forkedAssetKey("elsewhere/x.png", "new456")).toBeNull();
  });
});

describe("imageDimensions", () => {
  it("reads PNG, GIF, JPEG and SVG headers, and gives up on anything else", () => {
    const png = new Uint8Array(32);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 4, 0, 0, 0, 3, 0]);
    expect(imageDimensions(png)).toEqual({ width: 1024, height: 768 });
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x40, 0x01, 0xf0, 0x00, 0, 0]);
    expect(imageDimensions(gif)).toEqual({ width: 320, height: 240 });
    // SOI, an APP0 segment of 16 bytes, then SOF0 with height 600 and width 800.
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...new Array(14).fill(0), 0xff, 0xc0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03, 0, 0]);
    expect(imageDimensions(jpeg)).toEqual({ width: 800, height: 600 });
    const svg = (tag: string) => new TextEncoder().encode(`<?xml version="1.0"?>${tag}<rect/></svg>`);
    expect(imageDimensions(svg(`<svg xmlns="http://www.w3.org/2000/svg" width="512" height="256px">`))).toEqual({ width: 512, height: 256 });
    expect(imageDimensions(svg(`<svg viewBox="0 0 1024 1024">`))).toEqual({ width: 1024, height: 1024 });
    expect(imageDimensions(svg(`<svg width="100%">`))).toBeNull();
    expect(imageDimensions(new TextEncoder().encode("just text"))).toBeNull();
  });
});
