import { z } from "zod";
import type { Role } from "../../drizzle/schema";

/**
 * The JSON side of the room protocol (SPEC §3). Text frames are plain JSON objects, no prefix;
 * binary frames are the standard Yjs sync (0) and awareness (1) messages. Shared by the room and
 * every client, so the two can never disagree about a message's shape.
 */

export const MAX_TEXT_FRAME_BYTES = 16 * 1024;
export const MAX_CHAT_LENGTH = 2000;
export const CHAT_HISTORY_ON_JOIN = 200;
/** A lock is a lease: the holder renews it by sending `lock` again before it runs out. */
export const LOCK_LEASE_MS = 30_000;

/** The identity the Worker attaches to a room upgrade after checking session and role. */
export const IDENTITY_HEADER = "x-loreloom-identity";
/** Set by the Worker beside the identity: the share link a person joined through, if any. */
export const SHARE_LINK_HEADER = "x-loreloom-share-link";
/** The close code of sockets whose access changed (removed, new role, link revoked): rejoin to learn it. */
export const ACCESS_CHANGED_CLOSE = 4003;

export type RoomUser = { id: string; name: string; role: Role; color: string };

const elementId = z.string().regex(/^[a-z0-9]{1,64}$/);
const point = z.strictObject({ x: z.number().finite(), y: z.number().finite() });

export const ClientMessageSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("chat"), text: z.string().trim().min(1, "say something").max(MAX_CHAT_LENGTH, `at most ${MAX_CHAT_LENGTH} characters`) }),
  z.strictObject({ type: z.literal("presence"), cursor: point.nullable(), activeElement: elementId.nullable() }),
  z.strictObject({ type: z.literal("lock"), elementId }),
  z.strictObject({ type: z.literal("unlock"), elementId }),
  z.strictObject({ type: z.literal("conflictChoice"), conflictId: z.string().min(1).max(64), choice: z.enum(["merged", "a", "b"]) }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export type ChatMessage = { id: string; user: Pick<RoomUser, "id" | "name" | "color">; text: string; at: string };

export type ServerMessage =
  | { type: "joined"; user: RoomUser }
  | { type: "left"; userId: string }
  | { type: "welcome"; you: RoomUser; users: RoomUser[]; locks: Array<{ elementId: string; by: RoomUser; until: string }> }
  | ({ type: "chat" } & ChatMessage)
  | { type: "presence"; user: RoomUser; cursor: { x: number; y: number } | null; activeElement: string | null }
  | { type: "locked"; elementId: string; by: RoomUser; until: string }
  | { type: "unlocked"; elementId: string }
  | { type: "conflict"; conflictId: string; elementId: string; options: { merged: string; a: string; b: string } }
  | { type: "conflictResolved"; conflictId: string; choice: "merged" | "a" | "b" }
  | ({ type: "job" } & JobEvent)
  | { type: "error"; code: string; message: string; resync?: boolean };

/** Progress of a generation job, as the room relays it (`job` messages). */
export type JobEvent = {
  jobId: string;
  stage: string;
  progress: number;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  kind?: string;
  elementId?: string | null;
  error?: string | null;
};

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; code: string; message: string };

/** Reads one text frame; anything that is not a valid client message says why. */
export function parseClientMessage(text: string): ParsedClientMessage {
  if (new TextEncoder().encode(text).byteLength > MAX_TEXT_FRAME_BYTES) {
    return { ok: false, code: "message_too_large", message: `Text messages are limited to ${MAX_TEXT_FRAME_BYTES} bytes.` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: "invalid_json", message: "That message is not valid JSON." };
  }
  const result = ClientMessageSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join(".")})` : "";
    const tooLong = issue?.code === "too_big" && issue.path[0] === "text";
    return {
      ok: false,
      code: tooLong ? "message_too_long" : "invalid_message",
      message: `That message is not valid${where}: ${issue?.message ?? "unknown problem"}.`,
    };
  }
  return { ok: true, message: result.data };
}

/** A stable colour per person, for avatars and cursors. */
export function colorFor(userId: string): string {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 65% 45%)`;
}
