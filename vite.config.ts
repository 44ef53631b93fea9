import { cloudflare } from "@cloudflare/vite-plugin";
import { reactRouter } from "@react-router/dev/vite";
import tailwindcss from "@tailwindcss/vite";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { defineConfig, type Connect, type Plugin } from "vite";
import { keepLoopbackConnectionsOpen } from "./scripts/lib/loopback-keep-alive.mjs";

// Before Miniflare starts (`npm start`, `npm run dev`): a queue job longer than 5 s otherwise
// stops the local queue for good (scripts/lib/loopback-keep-alive.mjs, issue 14).
keepLoopbackConnectionsOpen();

/**
 * mespeak's eSpeak build (the local provider's narration) is Latin-1, not UTF-8; its only
 * non-ASCII bytes are in comments. Rolldown reads sources as UTF-8, so hand it the file decoded.
 */
function latin1Sources(pattern: RegExp): Plugin {
  return {
    name: "loreloom:latin1-sources",
    enforce: "pre",
    load(id) {
      if (pattern.test(id)) return readFileSync(id.split("?")[0]!, "latin1");
    },
  };
}

/**
 * `vite dev` pre-bundles the Worker's CommonJS dependencies with Rolldown, outside the plugin
 * pipeline above: give that step the same Latin-1 reading (dev only; builds use the plugin).
 */
function latin1PrebundledSources(pattern: RegExp): Plugin {
  return {
    name: "loreloom:latin1-prebundled-sources",
    apply: "serve",
    configEnvironment(name) {
      if (name !== "ssr") return;
      return { optimizeDeps: { rolldownOptions: { plugins: [latin1Sources(pattern) as never] } } };
    },
  };
}

/**
 * `vite preview` (how `npm start` serves) hands WebSocket upgrades to the Cloudflare plugin, which
 * destroys the socket when the Worker answers without upgrading: a stranger refused a private
 * world's room saw the connection drop instead of the 404 the Worker gave. Here such a refused
 * upgrade is asked again as a plain request and the Worker's own answer is written back, as
 * Cloudflare does in production. (The room route checks access before it asks for an upgrade.)
 */
function refusedUpgradesAnswered(): Plugin {
  const HOP_BY_HOP = /^(connection|upgrade|sec-websocket-.*|host|content-length|transfer-encoding)$/i;
  async function answer(request: IncomingMessage, socket: Duplex, origin: string) {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || HOP_BY_HOP.test(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    let head = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n";
    let body = Buffer.from("The room could not be reached.");
    try {
      const response = await fetch(new URL(request.url ?? "/", origin), { headers, redirect: "manual" });
      body = Buffer.from(await response.arrayBuffer());
      head = `HTTP/1.1 ${response.status} ${response.statusText}\r\nContent-Type: ${response.headers.get("content-type") ?? "text/plain"}\r\n`;
    } catch {
      // the server is going away; the 502 above says so
    }
    if (socket.destroyed || !socket.writable) return;
    socket.write(`${head}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    socket.write(body);
  }
  return {
    name: "loreloom:refused-upgrades",
    apply: "serve",
    configurePreviewServer(server) {
      const http = server.httpServer;
      http.prependListener("upgrade", (request: IncomingMessage, socket: Duplex) => {
        let upgraded = false;
        const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
        const destroy = socket.destroy.bind(socket);
        socket.write = ((...args: unknown[]) => {
          upgraded = true;
          return write(...args);
        }) as typeof socket.write;
        socket.destroy = ((error?: Error) => {
          if (upgraded || error || socket.destroyed) return destroy(error);
          upgraded = true;
          const address = http.address();
          const origin = typeof address === "object" && address ? `http://localhost:${address.port}` : "http://localhost";
          void answer(request, socket, origin).finally(() => socket.end(() => destroy()));
          return socket;
        }) as typeof socket.destroy;
      });
    },
  };
}

/**
 * `npm start` serves through `vite preview`, which streams each request into workerd. When that
 * fails (the client went away, workerd restarted), connect's last handler would answer an HTML
 * page with the error's stack and local paths. Answer in the API's error shape instead (plain text
 * for pages), with no stack; the server's console gets the message.
 */
function frontServerErrors(): Plugin {
  return {
    name: "loreloom:front-server-errors",
    configurePreviewServer(server) {
      const handle: Connect.ErrorHandleFunction = (error: unknown, req: IncomingMessage, res: ServerResponse) => {
        server.config.logger.error(`front server: ${req.method} ${req.url?.split("?")[0]} failed: ${error instanceof Error ? error.message : String(error)}`);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const api = req.url === "/api" || req.url?.startsWith("/api/");
        const message = "The local server could not pass this request to the app. Please try again.";
        res.writeHead(502, { "content-type": api ? "application/json" : "text/plain; charset=utf-8", connection: "close" });
        res.end(api ? JSON.stringify({ error: { code: "bad_gateway", message } }) : message);
      };
      // After the Cloudflare plugin's handler, which passes workerd's failures on with `next(error)`.
      return () => server.middlewares.use(handle);
    },
  };
}

// Tests and the bench run their own servers on their own local state (LORELOOM_STATE_DIR), so
// they never touch the data `npm start` keeps in .wrangler/state.
const stateDir = process.env.LORELOOM_STATE_DIR;

export default defineConfig({
  plugins: [
    latin1Sources(/node_modules\/mespeak\/src\/ESpeak\.js$/),
    latin1PrebundledSources(/node_modules\/mespeak\/src\/ESpeak\.js$/),
    cloudflare({
      viteEnvironment: { name: "ssr" },
      persistState: stateDir ? { path: stateDir } : true,
      inspectorPort: false,
      // The rooms Worker (WorldRoom Durable Objects, ADR 9), built and served beside the app.
      auxiliaryWorkers: [{ configPath: "./durable-objects/wrangler.jsonc" }],
    }),
    refusedUpgradesAnswered(),
    tailwindcss(),
    reactRouter(),
    frontServerErrors(),
  ],
  resolve: { tsconfigPaths: true },
  // The rooms Worker's bundle goes beside the app's (build/server) rather than to dist/.
  environments: { loreloom_rooms: { build: { outDir: "build/rooms", minify: true } } },
});
