// Miniflare (under `vite dev`/`vite preview` and the vitest pool) runs a loopback HTTP server in
// the Node process, and its queue broker logs every delivered batch through it after the consumer
// returns and before it marks the delivery finished. Node closes an idle keep-alive connection
// after 5 s (`server.keepAliveTimeout`): when a queue job ran longer than that (a 5,000-element
// export on a slower machine), workerd wrote that log line to a socket Node had closed ("Broken
// pipe"), the delivery threw past the broker's bookkeeping, and the local queue never delivered
// another message — every later export, import and generation stayed queued (issue 14, finding
// 10). Called before Miniflare starts, this makes the process's HTTP servers keep idle connections
// open; workerd closes them when it exits. LOOPBACK_KEEP_ALIVE_MS=300 brings the failure back.
import http from "node:http";

let installed = false;

export function keepLoopbackConnectionsOpen() {
  if (installed) return;
  installed = true;
  const keepAliveMs = Number(process.env.LOOPBACK_KEEP_ALIVE_MS ?? 0);
  const createServer = http.createServer;
  http.createServer = (...args) => {
    const server = createServer(...args);
    server.keepAliveTimeout = keepAliveMs;
    return server;
  };
}
