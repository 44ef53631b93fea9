import { useReactFlow, useStore } from "@xyflow/react";
import { useEffect, useRef } from "react";
import type { ElementState } from "./graph-model";
import { NODE_HEIGHT, NODE_WIDTH } from "./graph-model";
import { TYPE_COLOR } from "../lib/element-types";

const WIDTH = 200;
const HEIGHT = 140;

/**
 * A minimap drawn on one <canvas>: thousands of elements cost a few milliseconds, where one SVG
 * element per node would cost seconds. Click or drag on it to move the view there.
 */
export function CanvasMiniMap({ elements }: { elements: ElementState[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [x, y, zoom] = useStore((s) => s.transform);
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const flow = useReactFlow();

  const bounds = useRef({ minX: 0, minY: 0, scale: 1 });
  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context || elements.length === 0) return;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const e of elements) {
      minX = Math.min(minX, e.x);
      minY = Math.min(minY, e.y);
      maxX = Math.max(maxX, e.x + NODE_WIDTH);
      maxY = Math.max(maxY, e.y + NODE_HEIGHT);
    }
    const scale = Math.min(WIDTH / (maxX - minX || 1), HEIGHT / (maxY - minY || 1));
    bounds.current = { minX, minY, scale };
    context.clearRect(0, 0, WIDTH, HEIGHT);
    context.fillStyle = "#fafaf9";
    context.fillRect(0, 0, WIDTH, HEIGHT);
    for (const e of elements) {
      context.fillStyle = TYPE_COLOR[e.type];
      context.fillRect((e.x - minX) * scale, (e.y - minY) * scale, Math.max(1, NODE_WIDTH * scale), Math.max(1, NODE_HEIGHT * scale));
    }
    // The part of the world in view.
    const viewX = (-x / zoom - minX) * scale;
    const viewY = (-y / zoom - minY) * scale;
    context.strokeStyle = "#4338ca";
    context.lineWidth = 1.5;
    context.strokeRect(viewX, viewY, (width / zoom) * scale, (height / zoom) * scale);
  }, [elements, x, y, zoom, width, height]);

  const moveTo = (event: React.PointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const { minX, minY, scale } = bounds.current;
    flow.setCenter((event.clientX - rect.left) / scale + minX, (event.clientY - rect.top) / scale + minY, { zoom });
  };

  return (
    <canvas
      ref={canvas}
      width={WIDTH}
      height={HEIGHT}
      aria-label="Minimap: click to move the view"
      role="img"
      className="absolute right-3 bottom-3 z-10 hidden cursor-pointer rounded-lg border border-stone-300 shadow-sm sm:block"
      onPointerDown={moveTo}
      onPointerMove={(event) => event.buttons === 1 && moveTo(event)}
    />
  );
}
