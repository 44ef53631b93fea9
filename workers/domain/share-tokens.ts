import { and, eq } from "drizzle-orm";
import { shareLinks, type GrantedRole } from "../../drizzle/schema";
import type { Database } from "../lib/db";
import { sha256Hex } from "../lib/hash";

/** Tokens are 32 random bytes in base64url: 43 characters, 256 bits. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function looksLikeToken(raw: string | null | undefined): raw is string {
  return typeof raw === "string" && TOKEN_PATTERN.test(raw);
}

/** Only this hash is stored: a leaked database does not hand out working links. */
export const hashToken = sha256Hex;

export type ShareGrant =
  | { ok: true; linkId: string; role: GrantedRole }
  | { ok: false; reason: "expired" | "revoked" };

/**
 * What a share token says about one world: its role while the link is live, why not once it has
 * been revoked or has expired, and null for a token that is not a link to this world.
 */
export async function findShareGrant(db: Database, worldId: string, token: string | null | undefined, now = Date.now()): Promise<ShareGrant | null> {
  if (!looksLikeToken(token)) return null;
  const [link] = await db
    .select({ id: shareLinks.id, role: shareLinks.role, expiresAt: shareLinks.expiresAt, revokedAt: shareLinks.revokedAt })
    .from(shareLinks)
    .where(and(eq(shareLinks.tokenHash, await hashToken(token)), eq(shareLinks.worldId, worldId)))
    .limit(1);
  if (!link) return null;
  if (link.revokedAt) return { ok: false, reason: "revoked" };
  if (link.expiresAt.getTime() <= now) return { ok: false, reason: "expired" };
  return { ok: true, linkId: link.id, role: link.role };
}
