import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
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

function ElementNodeView({ data, selected }: NodeProps<ElementNode>) {
  const look = ELEMENT_LOOK[data.type];
  const color = TYPE_COLOR[data.type];
  return (
    <div
      className={`relative flex h-16 w-[200px] items-center gap-2 rounded-xl border-2 bg-white px-2 shadow-sm ${
        selected ? "ring-4 ring-indigo-300" : ""
      } ${data.highlighted ? "ring-4 ring-amber-300" : ""}`}
      style={{ borderColor: data.lockedBy ? data.lockedBy.color : color }}
      data-testid="element-node"
      data-name={data.name}
    >
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
        <span className="block truncate text-sm font-semibold text-stone-900">{data.name || "Untitled"}</span>
        <span className="block truncate text-xs" style={{ color }}>
          {data.lockedBy ? `editing: ${data.lockedBy.name}` : look.label}
        </span>
      </span>
      {data.viewers?.length ? (
        <span className="absolute -top-2 right-2 flex -space-x-1" aria-label={`Open for ${data.viewers.map((v) => v.name).join(", ")}`}>
          {data.viewers.map((v) => (
            <span key={v.name} title={v.name} className="flex h-4 w-4 items-center justify-center rounded-full border border-white text-[9px] font-bold text-white" style={{ backgroundColor: v.color }}>
              {v.name.slice(0, 1).toUpperCase()}
            </span>
          ))}
        </span>
      ) : null}
      <Handle type="source" position={Position.Right} isConnectable={data.editable} className="!h-3 !w-3 !bg-indigo-500" />
    </div>
  );
}

export const ElementNodeComponent = memo(ElementNodeView);
