import { z } from "zod";
import { ROLES } from "../../drizzle/schema/constants";
import { parseJsonWith } from "../../workers/lib/json";

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


const elementId = z.string().regex(/^[a-z0-9]{1,64}$/);
const point = z.strictObject({ x: z.number().finite(), y: z.number().finite() });
const choice = z.enum(["merged", "a", "b"]);

export const ClientMessageSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("chat"), text: z.string().trim().min(1, "say something").max(MAX_CHAT_LENGTH, `at most ${MAX_CHAT_LENGTH} characters`) }),
  z.strictObject({ type: z.literal("presence"), cursor: point.nullable(), activeElement: elementId.nullable() }),
  z.strictObject({ type: z.literal("lock"), elementId }),
  z.strictObject({ type: z.literal("unlock"), elementId }),
  z.strictObject({ type: z.literal("conflictChoice"), conflictId: z.string().min(1).max(64), choice }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export const RoomUserSchema = z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES), color: z.string() });
export type RoomUser = z.infer<typeof RoomUserSchema>;

export const ChatMessageSchema = z.object({ id: z.string(), user: RoomUserSchema.pick({ id: true, name: true, color: true }), text: z.string(), at: z.string() });
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/**
 * The three texts a refine conflict offers (D4): the AI's merge and both sides. `mergedOffline`
 * says the merge was written by the offline `local` provider, which the dialog labels as such.
 */
export const ConflictOptionsSchema = z.object({ merged: z.string(), a: z.string(), b: z.string(), mergedOffline: z.boolean().optional() });

/** Progress of a generation job, as the room relays it (`job` messages). */
const jobEvent = z.object({
  jobId: z.string(),
  stage: z.string(),
  progress: z.number(),
  status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
  kind: z.string().optional(),
  elementId: z.string().nullable().optional(),
  error: z.string().nullable().optional(),
});
export type JobEvent = z.infer<typeof jobEvent>;


/** What the room sends. Clients validate every frame against it (fields added later are kept). */
export const ServerMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("joined"), user: RoomUserSchema }),
  z.object({ type: z.literal("left"), userId: z.string() }),
  z.object({
    type: z.literal("welcome"),
    you: RoomUserSchema,
    users: z.array(RoomUserSchema),
    locks: z.array(z.object({ elementId: z.string(), by: RoomUserSchema, until: z.string() })),
  }),
  ChatMessageSchema.extend({ type: z.literal("chat") }),
  z.object({ type: z.literal("presence"), user: RoomUserSchema, cursor: z.object({ x: z.number(), y: z.number() }).nullable(), activeElement: z.string().nullable() }),
  z.object({ type: z.literal("locked"), elementId: z.string(), by: RoomUserSchema, until: z.string() }),
  z.object({ type: z.literal("unlocked"), elementId: z.string() }),
  z.object({ type: z.literal("conflict"), conflictId: z.string(), elementId: z.string(), options: ConflictOptionsSchema }),
  /**
   * A conflict is settled, for everyone: `choice` is the one request that runs. `reason` says how:
   * someone chose it, or request A's result reached the element before anyone chose (`ran_first`).
   */
  z.object({ type: z.literal("conflictResolved"), conflictId: z.string(), choice, reason: z.enum(["chosen", "ran_first"]).optional() }),
  jobEvent.extend({ type: z.literal("job") }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string(), field: z.string().optional(), resync: z.boolean().optional() }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/** Reads one text frame from the room; null for anything that is not a valid room message. */
export function parseServerMessage(text: string): ServerMessage | null {
  return parseJsonWith(ServerMessageSchema, text);
}

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
