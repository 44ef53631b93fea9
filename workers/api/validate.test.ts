import { describe, expect, it } from "vitest";
import { z } from "zod";
import { HttpError } from "../lib/errors";
import { parseWith } from "./validate";

describe("parseWith", () => {
  it("returns parsed data or throws a 400 naming the field", () => {
    const schema = z.strictObject({ title: z.string().min(1) });
    expect(parseWith(schema, { title: "ok" })).toEqual({ title: "ok" });
    try {
      parseWith(schema, { title: "" }, "request body");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      const http = error as HttpError;
      expect(http.status).toBe(400);
      expect(http.code).toBe("validation_failed");
      expect(http.message).toContain("(title)");
    }
  });
});
