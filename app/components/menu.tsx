import { useEffect, useId, useLayoutEffect, useRef, useState, type CSSProperties, type ReactNode } from "react";
import { Link } from "react-router";

export type MenuItem =
  | {
      label: string;
      onSelect: () => void;
      disabled?: boolean;
      danger?: boolean;
      hint?: string;
    }
  | { label: string; to: string; hint?: string };

const ITEM = "flex min-h-11 w-full items-center justify-between gap-3 rounded-lg px-3 text-left text-sm hover:bg-stone-100 focus:bg-stone-100 focus:outline-none disabled:opacity-40";

/**
 * A list of actions (ARIA `menu`): it takes focus on its first item, arrows move between items,
 * Escape, Tab, a touch or click outside, a scroll of the canvas or choosing an item closes it.
 * Every item is at least 44 px tall, a finger's width.
 */
export function Menu({
  id,
  label,
  items,
  onClose,
  style,
  className = "",
  heading,
  anchor,
}: {
  id?: string;
  label: string;
  items: MenuItem[];
  onClose: (refocus: boolean) => void;
  style?: CSSProperties;
  className?: string;
  heading?: ReactNode;
  /** The button that opened the menu: a press on it is not “outside” (it toggles the menu). */
  anchor?: React.RefObject<HTMLElement | null>;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  useLayoutEffect(() => {
    close.current = onClose;
  });
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('[role="menuitem"]:not([disabled])')?.focus();
    const outside = (event: Event) => {
      const target = event.target as Node;
      if (ref.current?.contains(target) || anchor?.current?.contains(target)) return;
      close.current(false);
    };
    const away = () => close.current(false);
    const keep = (event: FocusEvent) => {
      const target = event.target as Node;
      if (ref.current?.contains(target) || anchor?.current?.contains(target)) return;
      ref.current?.querySelector<HTMLElement>('[role="menuitem"]:not([disabled])')?.focus();
    };
    // Escape closes it wherever the focus went (a touch on the canvas may have taken it).
    const escape = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || ref.current?.contains(event.target as Node)) return;
      close.current(false);
    };
    // Capture: the canvas keeps some pointer events to itself.
    window.addEventListener("pointerdown", outside, { capture: true });
    window.addEventListener("wheel", away, { capture: true });
    window.addEventListener("keydown", escape);
    // A press outside or Tab closes the menu, so focus that goes outside while it is open was sent
    // there by the browser (a finger lifting after a long press focuses what it was on): back.
    document.addEventListener("focusin", keep);
    return () => {
      window.removeEventListener("pointerdown", outside, { capture: true });
      window.removeEventListener("wheel", away, { capture: true });
      window.removeEventListener("keydown", escape);
      document.removeEventListener("focusin", keep);
    };
  }, [anchor]);
  const move = (step: number) => {
    const all = [...(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([disabled])') ?? [])];
    const at = all.indexOf(document.activeElement as HTMLElement);
    all[(at + step + all.length) % all.length]?.focus();
  };
  return (
    <div
      ref={ref}
      id={id}
      role="menu"
      aria-label={label}
      style={style}
      className={`z-40 min-w-52 rounded-xl border border-stone-200 bg-white p-1 shadow-xl ${className}`}
      onKeyDown={(event) => {
        if (event.key === "ArrowDown") move(1);
        else if (event.key === "ArrowUp") move(-1);
        else if (event.key === "Escape") onClose(true);
        else if (event.key === "Tab") onClose(false);
        else return;
        event.preventDefault();
        event.stopPropagation();
      }}
    >
      {heading}
      {items.map((item) =>
        "to" in item ? (
          <Link key={item.label} role="menuitem" to={item.to} className={ITEM} onClick={() => onClose(false)}>
            {item.label}
            {item.hint ? <span className="text-xs text-stone-500">{item.hint}</span> : null}
          </Link>
        ) : (
          <button
            key={item.label}
            type="button"
            role="menuitem"
            disabled={item.disabled}
            className={`${ITEM} ${item.danger ? "text-red-700 hover:bg-red-50 focus:bg-red-50" : "text-stone-800"}`}
            onClick={() => {
              onClose(false);
              item.onSelect();
            }}
          >
            {item.label}
            {item.hint ? <span className="text-xs text-stone-500">{item.hint}</span> : null}
          </button>
        ),
      )}
    </div>
  );
}

/** A button that opens a `Menu` under it (the phone toolbar's “More”). */
export function MenuButton({ label, items, className, children }: { label: string; items: MenuItem[]; className: string; children: ReactNode }) {
  // Where the menu shows: under the button, fixed to the screen (no scrolling box cuts it off).
  const [open, setOpen] = useState<CSSProperties | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();
  const place = (): CSSProperties | null => {
    const box = button.current?.getBoundingClientRect();
    if (!box) return null;
    const width = Math.min(256, window.innerWidth - 16);
    const top = box.bottom + 4;
    return {
      top,
      left: Math.min(Math.max(box.right - width, 8), window.innerWidth - width - 8),
      width,
      maxHeight: window.innerHeight - top - 8,
    };
  };
  return (
    <>
      <button
        ref={button}
        type="button"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open !== null}
        aria-controls={open ? id : undefined}
        className={className}
        onClick={() => setOpen((was) => (was ? null : place()))}
      >
        {children}
      </button>
      {open ? (
        <Menu
          id={id}
          label={label}
          items={items}
          anchor={button}
          className="fixed overflow-y-auto"
          style={open}
          onClose={(refocus) => {
            setOpen(null);
            if (refocus) button.current?.focus();
          }}
        />
      ) : null}
    </>
  );
}
