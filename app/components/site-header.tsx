import { Form, Link } from "react-router";
import { InstallAppButton } from "./app-install";

type HeaderUser = { name: string; email: string } | null;

export function SiteHeader({ user }: { user: HeaderUser }) {
  return (
    <header className="border-b border-stone-200 bg-white/80 backdrop-blur">
      <div className="mx-auto flex max-w-6xl items-center justify-between gap-3 px-4 py-3">
        <Link to={user ? "/worlds" : "/"} className="flex shrink-0 items-center gap-2 font-display text-xl font-semibold text-indigo-900">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          {/* Signed in, a phone's header needs the room (Install app, Gallery, Playlists, Sign out):
              the mark alone, its name still read out. */}
          <span className={user ? "sr-only sm:not-sr-only" : undefined}>Loreloom</span>
        </Link>
        {user ? (
          <nav className="flex min-w-0 items-center gap-3 text-sm">
            <InstallAppButton />
            <Link to="/gallery" className="text-stone-700 hover:text-indigo-800">
              Gallery
            </Link>
            <Link to="/worlds" className="hidden text-stone-700 hover:text-indigo-800 sm:inline">
              My worlds
            </Link>
            <Link to="/playlists" className="text-stone-700 hover:text-indigo-800">
              Playlists
            </Link>
            <span className="hidden max-w-40 truncate text-stone-500 md:inline" title={user.email}>
              {user.name}
            </span>
            <Form method="post" action="/sign-out">
              <button
                type="submit"
                className="rounded-md border border-stone-300 px-3 py-1.5 whitespace-nowrap text-stone-700 hover:bg-stone-100"
              >
                Sign out
              </button>
            </Form>
          </nav>
        ) : (
          <nav className="flex items-center gap-4 text-sm">
            <InstallAppButton />
            <Link to="/gallery" className="text-stone-700 hover:text-indigo-800">
              Gallery
            </Link>
            <Link to="/#sign-in" className="text-indigo-800 hover:underline">
              Sign in
            </Link>
          </nav>
        )}
      </div>
    </header>
  );
}
