import { api } from "./api/app";
import { runCleanup } from "./jobs/cleanup";
import { handleQueue } from "./jobs/consumer";
import { readBodyWithin } from "./lib/body-limit";
import { isCrossSiteWrite } from "./lib/origin";

/** Pages take small form posts only (sign-out, invitations, creating a world). */
const DEFAULT_MAX_PAGE_BODY_BYTES = 256 * 1024;

export type PageContext = { cloudflare: { env: Env; ctx: ExecutionContext }; nonce: string };
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

/** The one Worker: pages through `renderPage`, `/api/*` through Hono, the queue and the cron. */
export function createWorker(renderPage: PageHandler, options: { strictCsp: boolean }) {
  return {
    async fetch(request, env, ctx) {
      const url = new URL(request.url);
      if (url.pathname === "/api" || url.pathname.startsWith("/api/")) {
        return api.fetch(request, env, ctx);
      }
      if (isCrossSiteWrite(request)) {
        return new Response("This request came from another site and was refused.", {
          status: 403,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      const body = await readBodyWithin(request, Number(env.MAX_BODY_BYTES) || DEFAULT_MAX_PAGE_BODY_BYTES);
      if (!body.ok) {
        return new Response(body.reason === "too_large" ? "The request body is too large." : "The request body could not be read.", {
          status: body.reason === "too_large" ? 413 : 400,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      const nonce = newNonce();
      const response = await renderPage(body.request, { cloudflare: { env, ctx }, nonce });
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
