import {
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useLocation,
  useRouteLoaderData,
} from "react-router";
import type { Route } from "./+types/root";
import "./app.css";
import { getUser } from "./lib/session.server";
import { SiteHeader } from "./components/site-header";
import { AppUpdateNotice } from "./components/app-install";

export const meta: Route.MetaFunction = () => [
  { title: "Loreloom — build living worlds together" },
  { name: "description", content: "A collaborative, AI-assisted world-building and storytelling studio." },
];

export async function loader({ request, context }: Route.LoaderArgs) {
  const user = await getUser(request, context.cloudflare.env);
  return { nonce: context.nonce, user };
}

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  // Embeds live inside other sites' frames: no site header around them.
  const framed = useLocation().pathname.startsWith("/embed/");
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="theme-color" content="#312e81" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        {/* Installable (ADR 22): the web app manifest, and the icon iOS puts on the home screen. */}
        <link rel="manifest" href="/manifest.webmanifest" />
        <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png" />
        <meta name="mobile-web-app-capable" content="yes" />
        <meta name="apple-mobile-web-app-title" content="Loreloom" />
        <Meta />
        <Links />
      </head>
      <body className="min-h-screen bg-stone-50 font-sans text-stone-900 antialiased">
        {framed ? null : <SiteHeader user={data?.user ?? null} />}
        {children}
        {/* Embeds run inside other sites' frames: no service worker and no update notice there. */}
        {framed ? null : <AppUpdateNotice />}
        {/* Scroll restoration keeps positions in sessionStorage, which framed pages may not touch. */}
        {framed ? null : <ScrollRestoration nonce={data?.nonce} />}
        <Scripts nonce={data?.nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

/** The one error boundary: a person sees what went wrong, never a stack trace. */
export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  let title = "Something went wrong";
  let detail = "An unexpected error happened. Please try again in a moment.";
  if (isRouteErrorResponse(error)) {
    title = error.status === 404 ? "Not found" : error.status === 410 ? "This link no longer works" : `Error ${error.status}`;
    detail =
      error.status === 404
        ? "There is nothing here — the page or world may have been removed, or you may not have access."
        : typeof error.data === "string" && error.data
          ? error.data
          : error.statusText || detail;
  }
  return (
    <main className="mx-auto max-w-xl px-4 py-16 text-center">
      <h1 className="font-display text-3xl font-semibold">{title}</h1>
      <p className="mt-3 text-stone-600">{detail}</p>
      <a href="/" className="mt-6 inline-block rounded-lg bg-indigo-700 px-4 py-2 text-white hover:bg-indigo-800">
        Back to Loreloom
      </a>
    </main>
  );
}
