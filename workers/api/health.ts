import { Hono } from "hono";
import type { AppEnv } from "./context";

export const healthRoutes = new Hono<AppEnv>().get("/", async (c) => {
  try {
    await c.env.DB.prepare("select 1").first();
    return c.json({ ok: true, db: "ok" });
  } catch {
    return c.json({ ok: false, db: "unreachable" }, 503);
  }
});
