// Local secrets live in .dev.vars (never committed). Make one with a fresh random secret if absent,
// so `npm start`, `npm run dev` and `wrangler types` work on a fresh clone.
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

export function ensureDevVars(path = ".dev.vars") {
  if (existsSync(path)) return false;
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(
    path,
    [
      "# Local-only settings, made by scripts/ensure-dev-vars.mjs. Not committed.",
      `BETTER_AUTH_SECRET=${secret}`,
      "DEMO_ACCOUNT_HINT=1",
      "",
    ].join("\n"),
  );
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (ensureDevVars()) console.log("Created .dev.vars with a new local BETTER_AUTH_SECRET.");
}
