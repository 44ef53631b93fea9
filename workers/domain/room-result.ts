/**
 * Typed RPC answers: the room never throws for a refused request, it says why. Its own module so
 * that graph.ts (which turns a refusal into an HttpError) and room-types.ts (which takes the API's
 * input types from graph.ts) do not import each other.
 */
export type RoomResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: 400 | 403 | 404 | 409 | 410; code: string; message: string };
