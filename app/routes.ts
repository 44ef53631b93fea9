import { type RouteConfig, index, route } from "@react-router/dev/routes";

export default [
  index("routes/home.tsx"),
  route("worlds", "routes/worlds.tsx"),
  route("worlds/:id", "routes/world.tsx"),
  route("gallery", "routes/gallery.tsx"),
  route("invite/:token", "routes/invite.tsx"),
  route("sign-out", "routes/sign-out.tsx"),
  route("w/:id", "routes/public-world.tsx"),
  route("embed/:id", "routes/embed.tsx"),
] satisfies RouteConfig;
