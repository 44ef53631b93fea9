import type { Context } from "hono";

/**
 * The share token a request carries, if any: the `x-share-token` header (API calls from the
 * editor) or the `share` query parameter (the room's WebSocket URL, asset URLs in <img>).
 * Whether it is any good is for getWorldAccess to decide.
 */
export function shareTokenOf(c: Context): string | null {
  return c.req.header("x-share-token") || c.req.query("share") || null;
}
