import { describe, expect, it } from "vitest";
import { parseServerMessage } from "./protocol";

describe("room messages on the client", () => {
  it("accepts what the room sends and refuses anything else", () => {
    const user = { id: "u1", name: "Ada", role: "editor", color: "hsl(1 65% 45%)" };
    expect(parseServerMessage(JSON.stringify({ type: "joined", user }))).toEqual({ type: "joined", user });
    expect(parseServerMessage(JSON.stringify({ type: "unlocked", elementId: "e1", extra: 1 }))).toMatchObject({ type: "unlocked", elementId: "e1" });
    expect(parseServerMessage("not json")).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: "joined", user: { ...user, role: "admin" } }))).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: "locked", elementId: "e1" }))).toBeNull();
    expect(parseServerMessage(JSON.stringify({ type: "mystery" }))).toBeNull();
  });
});
