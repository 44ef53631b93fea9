import { TYPE_COLOR } from "../lib/element-types";
import { PICTURE_NODE, type GraphPicture } from "../lib/graph-picture";

type Props = {
  picture: GraphPicture;
  title: string;
  /** Pan and zoom applied inside the view box (the embed's camera). */
  transform?: string;
  selectedId?: string | null;
  /** Makes nodes buttons that select an element. */
  onSelect?: (id: string) => void;
  /** Makes nodes links (the public page links each to its card), when there is no onSelect. */
  hrefFor?: (id: string) => string | null;
  className?: string;
  svgRef?: React.Ref<SVGSVGElement>;
  /** Pointer handlers for the embed's pan and pinch. */
  svgProps?: Pick<React.SVGProps<SVGSVGElement>, "onPointerDown" | "onPointerMove" | "onPointerUp" | "onPointerCancel">;
};

/**
 * A world's graph as plain SVG: relationships as lines, elements as the editor's cards. Drawn on
 * the server for the public page; the embed adds a camera and selection. No React Flow.
 */
export function WorldGraphSvg({ picture, title, transform, selectedId, onSelect, className, svgRef, svgProps, hrefFor }: Props) {
  const { viewBox: box, labels } = picture;
  return (
    <svg
      ref={svgRef}
      viewBox={`${box.x} ${box.y} ${box.width} ${box.height}`}
      preserveAspectRatio="xMidYMid meet"
      role="img"
      aria-label={`Graph of ${title}: ${picture.nodes.length} elements, ${picture.edges.length} relationships`}
      className={className}
      {...svgProps}
    >
      <g transform={transform}>
        <g stroke="#a8a29e" strokeWidth={2} strokeOpacity={0.8}>
          {picture.edges.map((edge) => (
            <line key={edge.id} x1={edge.x1} y1={edge.y1} x2={edge.x2} y2={edge.y2} />
          ))}
        </g>
        {picture.nodes.map((node) => {
          const color = TYPE_COLOR[node.type];
          const selected = node.id === selectedId;
          const interactive = onSelect
            ? {
                role: "button",
                tabIndex: 0,
                "aria-label": `${node.name} (${node.type})`,
                "aria-pressed": selected,
                onClick: () => onSelect(node.id),
                onKeyDown: (event: React.KeyboardEvent) => {
                  if (event.key === "Enter" || event.key === " ") {
                    event.preventDefault();
                    onSelect(node.id);
                  }
                },
                style: { cursor: "pointer" },
              }
            : {};
          if (!labels) {
            return (
              <circle key={node.id} cx={node.x + PICTURE_NODE.width / 2} cy={node.y + PICTURE_NODE.height / 2} r={24} fill={color} {...interactive}>
                <title>{node.name}</title>
              </circle>
            );
          }
          const card = (
            <g key={node.id} transform={`translate(${node.x} ${node.y})`} data-node-id={node.id} {...interactive}>
              <rect
                width={PICTURE_NODE.width}
                height={PICTURE_NODE.height}
                rx={12}
                fill="#ffffff"
                stroke={selected ? "#4338ca" : color}
                strokeWidth={selected ? 4 : 2}
              />
              {node.image ? (
                <>
                  <clipPath id={`clip-${node.id}`}>
                    <rect x={8} y={10} width={44} height={44} rx={8} />
                  </clipPath>
                  <image href={node.image} x={8} y={10} width={44} height={44} preserveAspectRatio="xMidYMid slice" clipPath={`url(#clip-${node.id})`} />
                </>
              ) : (
                <>
                  <circle cx={30} cy={32} r={18} fill={color} fillOpacity={0.15} />
                  <circle cx={30} cy={32} r={7} fill={color} />
                </>
              )}
              <text x={60} y={29} fontSize={15} fontWeight={600} fill="#1c1917">
                {node.label}
              </text>
              <text x={60} y={48} fontSize={12} fill={color} style={{ textTransform: "capitalize" }}>
                {node.type}
              </text>
              {node.label !== node.name ? <title>{node.name}</title> : null}
            </g>
          );
          const href = !onSelect && hrefFor ? hrefFor(node.id) : null;
          return href ? (
            <a key={node.id} href={href} aria-label={`${node.name} (${node.type})`}>
              {card}
            </a>
          ) : (
            card
          );
        })}
      </g>
    </svg>
  );
}
