import { type RouteConfig, index, route } from "@react-router/dev/routes";

export default [
  index("routes/home.tsx"),
  route("worlds", "routes/worlds.tsx"),
  route("worlds/:id", "routes/world.tsx"),
  route("invite/:token", "routes/invite.tsx"),
  route("sign-out", "routes/sign-out.tsx"),
] satisfies RouteConfig;
