import { useEffect, useState, type ButtonHTMLAttributes } from "react";
import { useOnline } from "../lib/online";

export const NEEDS_CONNECTION = "Needs a connection";
const EXPLANATION = "You are offline. This needs the server; what you edit meanwhile is kept on this device and sent when you are back online.";

/**
 * A button for an action that needs the server (generate, from photo, share, export, publish, a
 * story's continue / illustrate / narrate). Offline it stays visible but says it needs a
 * connection: dimmed, `aria-disabled`, named "… (needs a connection)", and a tap explains why
 * instead of failing. Online it is the plain button it wraps.
 */
export function NeedsConnectionButton({ children, onClick, className = "", title, ...rest }: ButtonHTMLAttributes<HTMLButtonElement>) {
  const online = useOnline();
  const [explained, setExplained] = useState(false);
  useEffect(() => {
    if (online || !explained) return;
    const timer = setTimeout(() => setExplained(false), 5000);
    return () => clearTimeout(timer);
  }, [online, explained]);
  if (online) {
    return (
      <button {...rest} title={title} onClick={onClick} className={className}>
        {children}
      </button>
    );
  }
  return (
    <>
      <button
        {...rest}
        aria-disabled="true"
        data-needs-connection="true"
        title={`${NEEDS_CONNECTION}: you are offline`}
        className={`${className} cursor-not-allowed opacity-50`}
        onClick={(event) => {
          event.preventDefault();
          setExplained(true);
        }}
      >
        <OfflineIcon />
        {children}
        <span className="sr-only"> ({NEEDS_CONNECTION.toLowerCase()})</span>
      </button>
      {explained ? (
        <span
          role="status"
          className="fixed bottom-4 left-1/2 z-50 w-[min(22rem,calc(100vw-2rem))] -translate-x-1/2 rounded-xl bg-stone-900 px-4 py-2 text-sm text-white shadow-lg"
        >
          <strong className="font-semibold">{NEEDS_CONNECTION}.</strong> {EXPLANATION}
        </span>
      ) : null}
    </>
  );
}

/** A cloud with a stroke through it, beside the label of an action that is waiting for a connection. */
function OfflineIcon() {
  return (
    <svg viewBox="0 0 16 16" aria-hidden="true" className="mr-1 inline-block h-3.5 w-3.5 align-[-2px]" fill="none" stroke="currentColor" strokeWidth="1.5">
      <path d="M4.5 12.5h7a3 3 0 0 0 .4-6A4.5 4.5 0 0 0 3.6 7.6 2.5 2.5 0 0 0 4.5 12.5z" />
      <path d="M2 2l12 12" />
    </svg>
  );
}
