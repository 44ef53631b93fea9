import { type RouteConfig, index, route } from "@react-router/dev/routes";

export default [
  index("routes/home.tsx"),
  route("worlds", "routes/worlds.tsx"),
  route("worlds/:id", "routes/world.tsx"),
  route("worlds/:id/stories", "routes/stories.tsx"),
  route("worlds/:id/stories/:sid", "routes/story.tsx"),
  route("worlds/:id/stories/:sid/play", "routes/story-play.tsx"),
  route("share", "routes/share.tsx"),
  route("playlists", "routes/playlists.tsx"),
  route("playlists/:pid", "routes/playlist.tsx"),
  route("gallery", "routes/gallery.tsx"),
  route("invite/:token", "routes/invite.tsx"),
  route("sign-out", "routes/sign-out.tsx"),
  route("verified", "routes/verified.tsx"),
  route("forgot-password", "routes/forgot-password.tsx"),
  route("reset-password", "routes/reset-password.tsx"),
  // Local runs only: the emails the outbox mail provider kept (ADR 12).
  route("dev/outbox", "routes/dev/outbox.tsx"),
  route("w/:id", "routes/public-world.tsx"),
  route("w/:id/stories/:sid", "routes/public-story.tsx"),
  route("embed/:id", "routes/embed.tsx"),
  route("embed/:id/stories/:sid", "routes/embed-story.tsx"),
] satisfies RouteConfig;
