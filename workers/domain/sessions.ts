/**
 * An editing session ends after this long without a change by its person: their next change
 * starts a new version of an element (durable-objects/world-room/edit-sessions.ts) and a new
 * entry in the world's history for its settings (worlds.ts). ADR 15.
 */
export const SESSION_QUIET_MS = 5 * 60_000;
