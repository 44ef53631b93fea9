import { useRef, type PointerEvent } from "react";

/** How far (CSS px) a finger pulls a sheet's head down before the sheet closes. */
const PULL_DISTANCE = 60;

/**
 * A bottom sheet's head a finger pulls down to close it (the element panel, the chat). Spread
 * the handlers on the head, and give it `touch-none` where it is a sheet so the browser does not
 * scroll the page instead; a mouse or pen is left alone (they have the ✕).
 */
export function usePullToClose(onClose: () => void) {
  const start = useRef<number | null>(null);
  return {
    onPointerDown(event: PointerEvent<HTMLElement>) {
      if (event.pointerType === "touch") start.current = event.clientY;
    },
    onPointerUp(event: PointerEvent<HTMLElement>) {
      if (start.current !== null && event.clientY - start.current > PULL_DISTANCE) onClose();
      start.current = null;
    },
    onPointerCancel() {
      start.current = null;
    },
  };
}
