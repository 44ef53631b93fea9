// Whether the server can be reached from this page (issue 19, point 3): the browser's own word
// (navigator.onLine and its online / offline events), corrected by what the app saw — a fetch that
// failed with a TypeError means the network did not answer even when the browser thinks it is
// online. Actions that need the server show "Needs a connection" while it is false
// (app/components/needs-connection.tsx) instead of failing.
import { useSyncExternalStore } from "react";

/** How long to wait before asking the server again after a failed fetch; doubles up to the last. */
export const PROBE_DELAYS_MS = [3_000, 6_000, 12_000, 30_000] as const;

let unreachable = false;
let probes = 0;
let probeTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

function notify() {
  for (const listener of listeners) listener();
}

/** A network failure: fetch rejects with a TypeError (an abort is a DOMException, a server error is an answer). */
export function isNetworkFailure(error: unknown): boolean {
  return error instanceof TypeError;
}

export function isOnline(): boolean {
  if (typeof navigator === "undefined") return true;
  return navigator.onLine !== false && !unreachable;
}

/** The delay before probe number `attempt` (0-based): the table's, then its last. */
export function probeDelay(attempt: number): number {
  const index = Math.min(Math.max(0, Math.floor(attempt)), PROBE_DELAYS_MS.length - 1);
  return PROBE_DELAYS_MS[index]!;
}

function scheduleProbe() {
  if (probeTimer !== undefined || typeof window === "undefined") return;
  probeTimer = setTimeout(() => {
    probeTimer = undefined;
    fetch("/api/health", { cache: "no-store", credentials: "same-origin" }).then(
      () => reportReachable(),
      () => {
        probes += 1;
        if (unreachable) scheduleProbe();
      },
    );
  }, probeDelay(probes));
}

/** Call when a request to the server failed without an answer (`isNetworkFailure`). */
export function reportNetworkFailure() {
  if (!unreachable) {
    unreachable = true;
    notify();
  }
  scheduleProbe();
}

/** Call when the server answered (any status): it can be reached again. */
export function reportReachable() {
  probes = 0;
  if (probeTimer !== undefined) clearTimeout(probeTimer);
  probeTimer = undefined;
  if (unreachable) {
    unreachable = false;
    notify();
  }
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  const onOnline = () => reportReachable();
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("online", onOnline);
    window.removeEventListener("offline", listener);
  };
}

/** True while the server can be reached; re-renders when that changes. The server render says online. */
export function useOnline(): boolean {
  return useSyncExternalStore(subscribe, isOnline, () => true);
}
