import { Handle, Position, useConnection, type Node, type NodeProps } from "@xyflow/react";
import { createContext, memo, useContext, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import { createPortal } from "react-dom";
import type { ElementType } from "../../drizzle/schema/worlds";
import { ELEMENT_LOOK, TYPE_COLOR } from "../lib/element-types";
import { assetUrl } from "./api";

export type ElementNodeData = {
  name: string;
  type: ElementType;
  image?: string;
  highlighted: boolean;
  lockedBy?: { name: string; color: string };
  /** Other people with this element open. */
  viewers?: Array<{ name: string; color: string }>;
  editable: boolean;
};
export type ElementNode = Node<ElementNodeData, "element">;

/** How long a touch must rest on a node before its menu opens. */
const LONG_PRESS_MS = 450;

/** Opens a node's menu (the editor draws it), beside the node's box on the screen. */
export const NodeMenuContext = createContext<(id: string, box: DOMRect) => void>(() => {});
/** How long the full name stays up after a tap or a long press. */
const TOOLTIP_MS = 4000;

type TooltipSpot = { left: number; top: number; below: boolean };

/**
 * Touch screens have no hover and no right click: a long press on a node opens its menu (and does
 * not open the node), and a tap on a node whose name is cut shows the full name (and opens it as
 * well), drawn over everything beside the node until the next touch or a few seconds pass.
 */
function useTouch(boxRef: React.RefObject<HTMLElement | null>, nameRef: React.RefObject<HTMLElement | null>, onLongPress: () => void) {
  const [spot, setSpot] = useState<TooltipSpot | null>(null);
  const press = useRef<{ timer: ReturnType<typeof setTimeout>; x: number; y: number } | null>(null);
  const longPressed = useRef(false);
  useEffect(() => {
    if (!spot) return;
    const close = () => setSpot(null);
    const timer = setTimeout(close, TOOLTIP_MS);
    // The next touch, click or zoom closes it (capture: the canvas keeps some events to itself).
    window.addEventListener("pointerdown", close, { capture: true, once: true });
    window.addEventListener("wheel", close, { capture: true, once: true });
    return () => {
      clearTimeout(timer);
      window.removeEventListener("pointerdown", close, { capture: true });
      window.removeEventListener("wheel", close, { capture: true });
    };
  }, [spot]);
  const show = () => {
    const box = boxRef.current?.getBoundingClientRect();
    if (!box) return;
    const below = box.top < 56;
    setSpot({ left: Math.min(Math.max(box.left + box.width / 2, 136), window.innerWidth - 136), top: below ? box.bottom + 8 : box.top - 8, below });
  };
  const cut = () => {
    const el = nameRef.current;
    return Boolean(el && el.scrollHeight > el.clientHeight + 1);
  };
  const cancel = () => {
    if (press.current) clearTimeout(press.current.timer);
    press.current = null;
  };
  return {
    spot,
    handlers: {
      onPointerDown(event: ReactPointerEvent) {
        longPressed.current = false;
        if (event.pointerType !== "touch") return;
        cancel();
        press.current = {
          x: event.clientX,
          y: event.clientY,
          timer: setTimeout(() => {
            longPressed.current = true;
            press.current = null;
            onLongPress();
          }, LONG_PRESS_MS),
        };
      },
      onPointerMove(event: ReactPointerEvent) {
        if (press.current && Math.hypot(event.clientX - press.current.x, event.clientY - press.current.y) > 8) cancel();
      },
      onPointerUp(event: ReactPointerEvent) {
        const tapped = press.current !== null;
        cancel();
        // After this event: the window listener that closes the tooltip comes with it.
        if (event.pointerType === "touch" && tapped && cut()) setTimeout(show, 0);
      },
      onPointerCancel: cancel,
      onClick(event: React.MouseEvent) {
        // A long press only opens the menu: it does not select the node and open its panel.
        if (longPressed.current) event.stopPropagation();
        longPressed.current = false;
      },
      onContextMenu(event: React.MouseEvent) {
        // A long press on a phone opens the browser's menu otherwise (the canvas opens the node's).
        if (press.current || longPressed.current) event.preventDefault();
      },
    },
  };
}

function ElementNodeView({ id, data, selected }: NodeProps<ElementNode>) {
  const look = ELEMENT_LOOK[data.type];
  const color = TYPE_COLOR[data.type];
  const name = data.name || "Untitled";
  const boxRef = useRef<HTMLDivElement>(null);
  const nameRef = useRef<HTMLSpanElement>(null);
  const openMenu = useContext(NodeMenuContext);
  const tooltip = useTouch(boxRef, nameRef, () => {
    const box = boxRef.current?.getBoundingClientRect();
    if (box) openMenu(id, box);
  });
  // While a connection is being dragged from another node, this whole node is a drop target.
  const dropTarget = useConnection((connection) => connection.inProgress && connection.fromNode.id !== id);
  return (
    <div
      className={`relative flex h-16 w-[200px] items-center gap-2 rounded-xl border-2 bg-white px-2 shadow-sm ${
        selected ? "ring-4 ring-indigo-300" : ""
      } ${data.highlighted ? "ring-4 ring-amber-300" : ""}`}
      style={{ borderColor: data.lockedBy ? data.lockedBy.color : color }}
      data-testid="element-node"
      data-name={data.name}
      ref={boxRef}
      {...tooltip.handlers}
    >
      {/* The visible dot comes first: edges attach to a node's first target handle. */}
      <Handle type="target" position={Position.Left} isConnectable={data.editable} className="!h-3 !w-3 !bg-stone-400" />
      {data.image ? (
        <img src={assetUrl(data.image)} alt="" className="h-11 w-11 shrink-0 rounded-lg object-cover" loading="lazy" />
      ) : (
        <span className="flex h-11 w-11 shrink-0 items-center justify-center rounded-lg" style={{ backgroundColor: `${color}1a`, color }}>
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
            <path d={look.icon} />
          </svg>
        </span>
      )}
      <span className="min-w-0">
        <span ref={nameRef} className="line-clamp-2 text-sm leading-tight font-semibold break-words text-stone-900" title={name} data-testid="element-name">
          {name}
        </span>
        <span className="block truncate text-xs leading-4" style={{ color }}>
          {data.lockedBy ? `editing: ${data.lockedBy.name}` : look.label}
        </span>
      </span>
      {tooltip.spot
        ? createPortal(
            <span
              role="tooltip"
              className={`pointer-events-none fixed z-[100] w-max max-w-[260px] -translate-x-1/2 rounded-lg bg-stone-900 px-2.5 py-1.5 text-center text-xs font-medium break-words text-white shadow-lg ${tooltip.spot.below ? "" : "-translate-y-full"}`}
              style={{ left: tooltip.spot.left, top: tooltip.spot.top }}
            >
              {name}
            </span>,
            document.body,
          )
        : null}
      {data.viewers?.length ? (
        <span className="absolute -top-2 right-2 flex -space-x-1" aria-label={`Open for ${data.viewers.map((v) => v.name).join(", ")}`}>
          {data.viewers.map((v) => (
            <span key={v.name} title={v.name} className="flex h-4 w-4 items-center justify-center rounded-full border border-white text-[9px] font-bold text-white" style={{ backgroundColor: v.color }}>
              {v.name.slice(0, 1).toUpperCase()}
            </span>
          ))}
        </span>
      ) : null}
      <Handle type="source" position={Position.Right} isConnectable={data.editable} className="loreloom-source-handle !h-3 !w-3 !bg-indigo-500" />
      {/* Dropping a connection anywhere on the node connects to it, not only on the small dot. */}
      <Handle
        type="target"
        id="drop"
        position={Position.Left}
        isConnectable={data.editable}
        isConnectableStart={false}
        className="loreloom-drop-target"
        style={{ left: 0, top: 0, width: "100%", height: "100%", transform: "none", border: 0, borderRadius: 12, background: "transparent", pointerEvents: dropTarget ? "all" : "none" }}
      />
    </div>
  );
}

export const ElementNodeComponent = memo(ElementNodeView);
