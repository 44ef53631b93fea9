// Request bodies within a size, read once for the API and the pages.
//
// A body over the limit is read to its end (and dropped) before it is refused. A client still
// sending when the answer comes would otherwise see its connection closed under it instead of
// the answer: `npm start`'s front server (`vite preview`, which streams each request into workerd)
// then failed the request and showed an HTML 500 with a stack trace (issue 14). Reading costs
// waiting, not CPU, and the platform caps how large a request body can be.

export type BodyWithin = { ok: true; request: Request } | { ok: false; reason: "too_large" | "unreadable"; maxSize: number };

/** Reads and discards what is left of a body; a client that gives up mid-way ends it too. */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>) {
  try {
    for (;;) {
      const { done } = await reader.read();
      if (done) return;
    }
  } catch {
    // The client went away: there is nothing left to read.
  }
}

/**
 * `request` with its body read, if it holds at most `maxSize` bytes (a declared Content-Length is
 * believed, as workerd holds the body to it); otherwise the whole body is read and dropped.
 */
export async function readBodyWithin(request: Request, maxSize: number): Promise<BodyWithin> {
  if (!request.body) return { ok: true, request };
  const chunked = request.headers.has("transfer-encoding");
  const declared = chunked ? null : request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared)) {
    if (Number(declared) <= maxSize) return { ok: true, request };
    await discard(request.body.getReader());
    return { ok: false, reason: "too_large", maxSize };
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxSize) {
        await discard(reader);
        return { ok: false, reason: "too_large", maxSize };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, reason: "unreadable", maxSize };
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, request: new Request(request, { body }) };
}
