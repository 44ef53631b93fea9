import { lazy, type ComponentType, type LazyExoticComponent } from "react";

/** Over the page, above its bottom edge, whatever the part would have been (a panel, a dialog). */
const FLOATING = "fixed bottom-4 left-1/2 z-50 w-max max-w-[calc(100vw-2rem)] -translate-x-1/2 rounded-lg border p-3 text-sm shadow-lg";

/** Shown while a part downloads (a moment; longer on a slow phone connection). */
export function PartLoading({ what }: { what: string }) {
  return (
    <div role="status" className={`${FLOATING} border-stone-200 bg-white text-stone-600`}>
      Opening {what}…
    </div>
  );
}

/**
 * Said where a part could not be downloaded. The browser remembers a module it failed to fetch
 * for as long as the page lives (Chromium answers the same failure to every later `import()`), so
 * asking again means loading the page again; what was typed is kept locally across a reload.
 */
function NotLoaded() {
  return (
    <div role="alert" className={`${FLOATING} border-amber-300 bg-amber-50 text-amber-900`} data-testid="part-not-loaded">
      This part of the page could not be downloaded (the connection may have dropped).{" "}
      <button type="button" onClick={() => window.location.reload()} className="min-h-11 font-semibold underline sm:min-h-0">
        Reload the page
      </button>
    </div>
  );
}

/**
 * A component downloaded when it is first drawn (code splitting), for the parts of a page most
 * visits never open: the editor's element panel, chat and dialogs. `React.lazy` alone hands a
 * failed download (offline before the service worker had the file, or a file gone after a
 * deploy) to the route's error page; here it says so in place, and the rest of the page goes on.
 * Render it inside a `<Suspense>` (with a `<PartLoading>` where a person waits for it).
 */
export function lazyPart<P extends object>(load: () => Promise<ComponentType<P>>): LazyExoticComponent<ComponentType<P>> {
  return lazy(() =>
    load().then(
      (component) => ({ default: component }),
      (error: unknown) => {
        console.warn("a part of the page could not be downloaded", error);
        return { default: NotLoaded as ComponentType<P> };
      },
    ),
  );
}
