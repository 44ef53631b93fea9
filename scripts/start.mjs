// `npm start`: the whole app offline in workerd at http://localhost:8787 (PORT overrides), with
// migrations applied and the demo world seeded once.
import { DEMO_USER } from "../drizzle/seed/demo-world.mjs";
import { startServer } from "./lib/server.mjs";

const port = Number(process.env.PORT) || 8787;
const server = await startServer({ port });
console.log(
  [
    "",
    `  Loreloom is running at ${server.url}`,
    `  Demo account: ${DEMO_USER.email} / ${DEMO_USER.password}${server.seeded ? " (just created)" : ""}`,
    "  Press Ctrl-C to stop.",
    "",
  ].join("\n"),
);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
server.child.on("exit", (code) => process.exit(code ?? 0));
