import type { Context } from "hono";
import { IDENTITY_HEADER, SHARE_LINK_HEADER, colorFor, type RoomUser } from "../../durable-objects/world-room/protocol";
import type { WorldAccess } from "../domain/worlds";
import { HttpError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { AppEnv } from "./context";

/** A WebSocket join from another site is refused (a page elsewhere cannot ride the person's cookie into a room). */
export function refuseCrossOrigin(c: Context<AppEnv>) {
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin) {
    throw new HttpError(403, "cross_origin", "This request came from another site and was refused.");
  }
}

/**
 * The request a room is joined with: the session and role were checked by the caller (access),
 * and the room trusts only the identity attached here (a client cannot send its own).
 */
export function roomJoinRequest(c: Context<AppEnv>, access: WorldAccess): Request {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new HttpError(426, "upgrade_required", "Connect to the room with a WebSocket.");
  }
  const me = c.get("user");
  const guestId = `guest-${newId(10)}`;
  const identity: RoomUser = me
    ? { id: me.id, name: me.name, role: access.role ?? "viewer", color: colorFor(me.id) }
    : { id: guestId, name: "Guest", role: "viewer", color: colorFor(guestId) };
  const headers = new Headers(c.req.raw.headers);
  headers.set(IDENTITY_HEADER, JSON.stringify(identity));
  headers.set(SHARE_LINK_HEADER, access.shareLinkId ?? "");
  return new Request(c.req.raw.url, { method: "GET", headers });
}
