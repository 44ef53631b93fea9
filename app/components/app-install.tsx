import { useEffect, useState, useSyncExternalStore } from "react";
import { activateWaitingWorker, registerServiceWorker, type WorkerLike } from "../lib/service-worker";

/** Chromium's install offer (not in the DOM types): `prompt()` shows the browser's own dialog. */
type InstallPromptEvent = Event & { prompt: () => Promise<void>; userChoice: Promise<{ outcome: "accepted" | "dismissed" }> };

const noSubscription = () => () => undefined;

/** iOS Safari has no install offer: a person adds the app with Share → Add to Home Screen. */
function isIosBrowserTab() {
  const iOS = /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  const standalone = (navigator as Navigator & { standalone?: boolean }).standalone === true;
  return iOS && !standalone;
}

/**
 * "Install app" in the site header: the browser's own dialog where it offers one
 * (`beforeinstallprompt`), a short how-to on iOS Safari, and nothing elsewhere or once installed.
 */
export function InstallAppButton() {
  const [offer, setOffer] = useState<InstallPromptEvent | null>(null);
  const [howToOpen, setHowToOpen] = useState(false);
  const ios = useSyncExternalStore(noSubscription, isIosBrowserTab, () => false);
  useEffect(() => {
    const offered = (event: Event) => {
      event.preventDefault();
      setOffer(event as InstallPromptEvent);
    };
    const installed = () => setOffer(null);
    window.addEventListener("beforeinstallprompt", offered);
    window.addEventListener("appinstalled", installed);
    return () => {
      window.removeEventListener("beforeinstallprompt", offered);
      window.removeEventListener("appinstalled", installed);
    };
  }, []);

  const button = "rounded-md border border-indigo-200 px-2.5 py-1.5 text-sm text-indigo-800 hover:bg-indigo-50";
  if (offer) {
    return (
      <button
        type="button"
        className={button}
        aria-label="Install app"
        onClick={async () => {
          await offer.prompt();
          await offer.userChoice;
          setOffer(null);
        }}
      >
        Install
      </button>
    );
  }
  if (!ios) return null;
  return (
    <div className="relative">
      <button type="button" className={button} aria-label="Install app" aria-expanded={howToOpen} onClick={() => setHowToOpen((open) => !open)}>
        Install
      </button>
      {howToOpen ? (
        <p
          role="note"
          className="absolute right-0 z-20 mt-2 w-64 rounded-lg border border-stone-200 bg-white p-3 text-sm text-stone-700 shadow-lg"
        >
          In Safari, tap <strong>Share</strong> (the square with an arrow), then <strong>Add to Home Screen</strong>. Loreloom then
          opens like an app, and worlds you opened work offline.
        </p>
      ) : null}
    </div>
  );
}

/**
 * Registers the service worker (production builds) and, when a new version has installed and
 * waits, says so with "Reload": the new version takes over only when the person chooses it.
 */
export function AppUpdateNotice() {
  const [waiting, setWaiting] = useState<WorkerLike | null>(null);
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    registerServiceWorker((worker) => setWaiting(worker))
      .then((cleanup) => {
        if (cancelled) cleanup?.();
        else stop = cleanup;
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
      stop?.();
    };
  }, []);
  if (!waiting) return null;
  return (
    <div
      role="status"
      className="fixed inset-x-3 bottom-3 z-50 mx-auto flex max-w-md items-center justify-between gap-3 rounded-xl bg-indigo-950 px-4 py-3 text-sm text-white shadow-lg"
    >
      <span>A new version is ready.</span>
      <button
        type="button"
        className="rounded-md bg-white px-3 py-1.5 font-medium text-indigo-900 hover:bg-indigo-50"
        onClick={() => activateWaitingWorker(waiting, navigator.serviceWorker, () => window.location.reload())}
      >
        Reload
      </button>
    </div>
  );
}
