import type { ElementType } from "../../drizzle/schema/worlds";
import { ELEMENT_LOOK } from "../lib/element-types";

export function ElementTypeChip({ type }: { type: ElementType }) {
  const look = ELEMENT_LOOK[type];
  return (
    <span className={`inline-flex shrink-0 items-center gap-1 rounded-md px-1.5 py-0.5 text-xs font-medium ${look.chip}`}>
      <svg viewBox="0 0 24 24" width="12" height="12" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d={look.icon} />
      </svg>
      {look.label}
    </span>
  );
}
