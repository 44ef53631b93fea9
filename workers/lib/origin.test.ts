import { describe, expect, it } from "vitest";
import { isCrossSiteWrite } from "./origin";

describe("isCrossSiteWrite", () => {
  const at = (method: string, headers: Record<string, string>) =>
    isCrossSiteWrite(new Request("https://loreloom.app/api/worlds", { method, headers }));
  it("flags writes from other origins only", () => {
    expect(at("POST", { origin: "https://evil.example" })).toBe(true);
    expect(at("POST", { "sec-fetch-site": "cross-site" })).toBe(true);
    expect(at("POST", { origin: "https://loreloom.app" })).toBe(false);
    expect(at("POST", {})).toBe(false);
    expect(at("GET", { origin: "https://evil.example" })).toBe(false);
  });
});
