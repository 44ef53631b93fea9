import { describe, expect, it } from "vitest";
import { readBodyWithin } from "./body-limit";

/** A streamed body of `chunks` × `size` bytes that counts how much of it was read. */
function streamed(chunks: number, size: number) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) return controller.close();
      pulled += 1;
      controller.enqueue(new Uint8Array(size).fill(120));
    },
  });
  return { body, pulled: () => pulled };
}

describe("readBodyWithin", () => {
  it("keeps a streamed body within the limit, byte for byte", async () => {
    const { body } = streamed(4, 1000);
    const read = await readBodyWithin(new Request("http://x/", { method: "POST", body }), 4000);
    expect(read.ok).toBe(true);
    if (read.ok) expect((await read.request.arrayBuffer()).byteLength).toBe(4000);
  });

  it("refuses a streamed body over the limit only after reading all of it, so the sender is never cut off", async () => {
    const { body, pulled } = streamed(50, 1000);
    const read = await readBodyWithin(new Request("http://x/", { method: "POST", body }), 4000);
    expect(read).toEqual({ ok: false, reason: "too_large", maxSize: 4000 });
    expect(pulled()).toBe(50);
  });

  it("refuses a declared Content-Length over the limit, reading the body to its end", async () => {
    const read = await readBodyWithin(new Request("http://x/", { method: "POST", body: "x".repeat(5000), headers: { "content-length": "5000" } }), 4000);
    expect(read).toEqual({ ok: false, reason: "too_large", maxSize: 4000 });
  });
});
