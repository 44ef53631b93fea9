// The rooms Worker (durable-objects/wrangler.jsonc): every world's WorldRoom runs here, in an
// isolate of its own, and the app Worker reaches the rooms through its WORLD_ROOM binding
// (`script_name: "loreloom-rooms"`). Kept apart so that a room's garbage collections walk the
// room's heap and not the whole app's (ADR 9).
export { WorldRoom } from "./world-room/world-room";
export { StoryRoom } from "./story-room/story-room";

export default {
  fetch: () => new Response("Rooms are joined through the app: GET /api/worlds/:id/room.", { status: 404 }),
} satisfies ExportedHandler;
