import { api } from "./api/app";
import { runCleanup } from "./jobs/cleanup";
import { handleQueue } from "./jobs/consumer";
import { errorBody } from "./lib/errors";
import { readBodyWithin } from "./lib/body-limit";
import { ConfigError, configOf, type Config } from "./lib/config";
import { log } from "./lib/log";
import { isCrossSiteWrite } from "./lib/origin";

/** Where the manifest's share_target posts (sw/share-target.ts, which the service worker builds from). */
const SHARE_TARGET_PATH = "/share-target";

/** What every page loader and action gets: the bindings, the configuration read from them, the CSP nonce. */
export type PageContext = { cloudflare: { env: Env; ctx: ExecutionContext }; config: Config; nonce: string };
export type PageHandler = (request: Request, context: PageContext) => Promise<Response>;

function newNonce() {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/**
 * Headers every page gets (SPEC §6): a nonce-based CSP, and no framing except for embeds. Vite's
 * dev server injects its own inline scripts, so the strict script policy applies to builds only.
 */
function withPageSecurity(response: Response, request: Request, nonce: string, strict: boolean) {
  const headers = new Headers(response.headers);
  const embeddable = new URL(request.url).pathname.startsWith("/embed/");
  const scriptSrc = strict ? `'self' 'nonce-${nonce}'` : `'self' 'unsafe-inline'`;
  headers.set(
    "content-security-policy",
    [
      "default-src 'self'",
      `script-src ${scriptSrc}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "media-src 'self' blob:",
      "connect-src 'self' ws: wss:",
      // The service worker (/sw.js, ADR 22) and the web app manifest.
      "worker-src 'self'",
      "manifest-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      `frame-ancestors ${embeddable ? "*" : "'none'"}`,
    ].join("; "),
  );
  if (!embeddable) headers.set("x-frame-options", "DENY");
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "strict-origin-when-cross-origin");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * A deployment whose vars cannot be read answers every request with what to fix (the var's name,
 * never its value) rather than serving with a guessed setting.
 */
function misconfigured(error: ConfigError, isApi: boolean): Response {
  log.error("config.invalid", { vars: error.vars, error: error.message });
  const message = `Loreloom is misconfigured. ${error.message}`;
  return isApi
    ? Response.json(errorBody("misconfigured", message, { vars: error.vars }), { status: 500 })
    : new Response(message, { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * The manifest's share_target posts a shared picture to /share-target; the service worker takes it
 * (ADR 25). Only a browser without the worker yet (Loreloom never opened since install, or storage
 * cleared) reaches the server: nothing is stored, and /share says to open Loreloom once and share
 * again. It answers whatever the body is, from any site: it changes nothing.
 */
async function answerShareWithoutWorker(request: Request): Promise<Response> {
  await request.body?.cancel().catch(() => undefined);
  const to = request.method === "POST" ? "/share?problem=not-ready" : "/share";
  return new Response(null, { status: 303, headers: { location: to, "cache-control": "no-store" } });
}

/** The one Worker: pages through `renderPage`, `/api/*` through Hono, the queue and the cron. */
export function createWorker(renderPage: PageHandler, options: { strictCsp: boolean }) {
  return {
    async fetch(request, env, ctx) {
      const url = new URL(request.url);
      const isApi = url.pathname === "/api" || url.pathname.startsWith("/api/");
      let config;
      try {
        config = configOf(env);
      } catch (error) {
        if (error instanceof ConfigError) return misconfigured(error, isApi);
        throw error;
      }
      if (isApi) return api.fetch(request, env, ctx);
      if (url.pathname === SHARE_TARGET_PATH) return answerShareWithoutWorker(request);
      if (isCrossSiteWrite(request)) {
        return new Response("This request came from another site and was refused.", {
          status: 403,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      // Pages take small form posts only (sign-out, invitations, creating a world).
      const body = await readBodyWithin(request, config.MAX_BODY_BYTES);
      if (!body.ok) {
        return new Response(body.reason === "too_large" ? "The request body is too large." : "The request body could not be read.", {
          status: body.reason === "too_large" ? 413 : 400,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      const nonce = newNonce();
      const response = await renderPage(body.request, { cloudflare: { env, ctx }, config, nonce });
      return withPageSecurity(response, request, nonce, options.strictCsp);
    },
    async queue(batch, env) {
      await handleQueue(batch, env);
    },
    async scheduled(_controller, env, ctx) {
      ctx.waitUntil(runCleanup(env));
    },
  } satisfies ExportedHandler<Env>;
}
