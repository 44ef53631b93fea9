import { createWorker } from "../../workers/worker";

// The real entry (workers/app.ts) imports React Router's server build, a virtual module that only
// exists in the Vite build. The pool tests exercise everything else through this entry.
export { WorldRoom } from "../../durable-objects/world-room/world-room";
export { StoryRoom } from "../../durable-objects/story-room/story-room";

export default createWorker(async () => new Response("pages are not part of the pool tests", { status: 404 }), {
  strictCsp: true,
});
