import { BaseEdge, EdgeLabelRenderer, type Edge, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import { LABEL_FONT_PX, LABEL_MAX_WIDTH, edgeCurve, type EdgeLayout } from "./edge-labels";

export type RelationshipEdgeData = EdgeLayout & { label: string };
export type RelationshipEdge = Edge<RelationshipEdgeData, "relationship">;

/**
 * A relationship on the canvas: a curve from one element's right-hand dot to the other's left,
 * bent apart from its parallels, with its label where edge-labels.ts found room for it.
 */
function RelationshipEdgeView({ id, sourceX, sourceY, targetX, targetY, markerEnd, style, data }: EdgeProps<RelationshipEdge>) {
  const curve = edgeCurve(sourceX, sourceY, targetX, targetY, data?.bend ?? 0, data?.normal);
  const at = data && data.labelAt !== null ? curve.at(data.labelAt) : null;
  return (
    <>
      <BaseEdge id={id} path={curve.path} markerEnd={markerEnd} style={style} />
      {at && data?.label ? (
        <EdgeLabelRenderer>
          <div
            className="nodrag nopan pointer-events-auto absolute truncate rounded bg-white/95 px-1 leading-[18px] text-stone-700 shadow-[0_0_0_1px_rgb(231_229_228)]"
            style={{ transform: `translate(-50%, -50%) translate(${at.x}px, ${at.y}px)`, fontSize: LABEL_FONT_PX, maxWidth: LABEL_MAX_WIDTH }}
            title={data.label}
            data-testid="edge-label"
          >
            {data.label}
          </div>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}

export const RelationshipEdgeComponent = memo(RelationshipEdgeView);
