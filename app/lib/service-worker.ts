// The page's side of the service worker (sw/service-worker.ts, ADR 22): registration in production
// builds, and noticing a new version that waits, so the page can offer "Reload" instead of the
// worker swapping itself under a person's feet.

/** The parts of a ServiceWorkerRegistration this module reads (a fake in the unit test). */
export type RegistrationLike = Pick<ServiceWorkerRegistration, "waiting" | "installing" | "addEventListener">;
export type WorkerLike = Pick<ServiceWorker, "state" | "addEventListener" | "postMessage">;

/**
 * Calls `onWaiting` with a new worker that has installed and waits for this page's go-ahead. The
 * first worker a browser installs (no `controller` yet) is not an update and is not announced.
 */
export function watchForWaitingWorker(
  registration: RegistrationLike,
  hasController: () => boolean,
  onWaiting: (worker: WorkerLike) => void,
) {
  if (registration.waiting && hasController()) onWaiting(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed" && hasController()) onWaiting(worker);
    });
  });
}

/** The person chose the new version: it takes over, then this page reloads into it once. */
export function activateWaitingWorker(worker: WorkerLike, container: Pick<ServiceWorkerContainer, "addEventListener">, reload: () => void) {
  let reloaded = false;
  container.addEventListener("controllerchange", () => {
    if (reloaded) return;
    reloaded = true;
    reload();
  });
  worker.postMessage({ type: "SKIP_WAITING" });
}

/** Registers /sw.js for the whole site. Production builds only: `npm run dev` serves no worker. */
export async function registerServiceWorker(onWaiting: (worker: WorkerLike) => void) {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  const container = navigator.serviceWorker;
  if (!import.meta.env.PROD) {
    // A worker left by `npm start` on the same origin would otherwise keep answering `npm run dev`.
    for (const registration of await container.getRegistrations()) await registration.unregister();
    return;
  }
  const registration = await container.register("/sw.js", { scope: "/", updateViaCache: "none" });
  watchForWaitingWorker(registration, () => container.controller !== null, onWaiting);
  // A long-open tab (an editor left open for days) still hears of new versions.
  const hourly = setInterval(() => void registration.update().catch(() => undefined), 60 * 60 * 1000);
  return () => clearInterval(hourly);
}
