import { useEffect, useRef, useState } from "react";
import { isRouteErrorResponse } from "react-router";
import { WorldGraphSvg } from "../components/world-graph-svg";
import { ELEMENT_LOOK } from "../lib/element-types";
import { PROSE } from "../lib/prose";
import { loadPublicWorld, originOf } from "../lib/public-world.server";
import type { Route } from "./+types/embed";

// The embed (catalogue F3) is framed by other sites and must stay within SPEC §7's 120 KB of
// gzipped JavaScript: this module imports nothing but React, the SVG picture and the type chips.
// Markdown is rendered to sanitised HTML on the server (public-world.server.ts).

export async function loader({ request, params, context }: Route.LoaderArgs) {
  // Embeds are anonymous by design: membership does not change what a framed page shows.
  const { world, picture, elements } = await loadPublicWorld(context.cloudflare.env, params.id, null);
  return {
    world: { id: world.id, title: world.title, ownerName: world.ownerName },
    picture,
    elements: elements.map(({ id, type, name, descriptionHtml, image }) => ({ id, type, name, descriptionHtml, image })),
    origin: originOf(request),
  };
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `${data.world.title} — Loreloom` : "Not available — Loreloom" }];

type Camera = { k: number; x: number; y: number };
const MIN_ZOOM = 0.2;
const MAX_ZOOM = 8;
const CLICK_SLOP_PX = 4;

/** A client point in the outer SVG's view-box coordinates (the camera's own space). */
function toViewBox(svg: SVGSVGElement, clientX: number, clientY: number) {
  const matrix = svg.getScreenCTM();
  if (!matrix) return { x: 0, y: 0 };
  const point = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
  return { x: point.x, y: point.y };
}

function zoomAbout(camera: Camera, factor: number, at: { x: number; y: number }): Camera {
  const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, camera.k * factor));
  const f = k / camera.k;
  return { k, x: at.x - (at.x - camera.x) * f, y: at.y - (at.y - camera.y) * f };
}

export default function Embed({ loaderData }: Route.ComponentProps) {
  const { world, picture, elements, origin } = loaderData;
  const [camera, setCamera] = useState<Camera>({ k: 1, x: 0, y: 0 });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const moved = useRef(0);
  const selected = elements.find((element) => element.id === selectedId) ?? null;

  // React's wheel listeners are passive; zooming must stop the framing page from scrolling.
  useEffect(() => {
    const element = svg.current;
    if (!element) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const at = toViewBox(element, event.clientX, event.clientY);
      setCamera((current) => zoomAbout(current, Math.exp(-event.deltaY * 0.0015), at));
    };
    element.addEventListener("wheel", onWheel, { passive: false });
    return () => element.removeEventListener("wheel", onWheel);
  }, []);

  function onPointerDown(event: React.PointerEvent) {
    pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY });
    moved.current = 0;
  }

  function onPointerMove(event: React.PointerEvent) {
    const element = svg.current;
    const previous = pointers.current.get(event.pointerId);
    if (!element || !previous) return;
    const next = { x: event.clientX, y: event.clientY };
    moved.current += Math.hypot(next.x - previous.x, next.y - previous.y);
    // Capture only once the pointer really drags, so a tap still reaches the node under it.
    if (moved.current > CLICK_SLOP_PX && !element.hasPointerCapture(event.pointerId)) element.setPointerCapture(event.pointerId);
    const others = [...pointers.current.entries()].filter(([id]) => id !== event.pointerId);
    if (others.length === 1) {
      // Pinch: zoom by the change in distance between the two fingers, about their midpoint.
      const other = others[0]![1];
      const before = Math.hypot(previous.x - other.x, previous.y - other.y);
      const after = Math.hypot(next.x - other.x, next.y - other.y);
      const at = toViewBox(element, (next.x + other.x) / 2, (next.y + other.y) / 2);
      if (before > 0) setCamera((current) => zoomAbout(current, after / before, at));
    } else if (others.length === 0) {
      const a = toViewBox(element, previous.x, previous.y);
      const b = toViewBox(element, next.x, next.y);
      setCamera((current) => ({ ...current, x: current.x + b.x - a.x, y: current.y + b.y - a.y }));
    }
    pointers.current.set(event.pointerId, next);
  }

  function onPointerUp(event: React.PointerEvent) {
    pointers.current.delete(event.pointerId);
  }

  function zoomButton(factor: number) {
    const box = picture.viewBox;
    setCamera((current) => zoomAbout(current, factor, { x: box.x + box.width / 2, y: box.y + box.height / 2 }));
  }

  function select(id: string) {
    if (moved.current > CLICK_SLOP_PX) return; // the end of a drag, not a click
    setSelectedId((current) => (current === id ? null : id));
  }

  return (
    <main className="relative h-dvh w-full select-none overflow-hidden bg-stone-50 text-stone-900">
      <WorldGraphSvg
        svgRef={svg}
        picture={picture}
        title={world.title}
        transform={`translate(${camera.x} ${camera.y}) scale(${camera.k})`}
        selectedId={selectedId}
        onSelect={select}
        className="h-full w-full cursor-grab touch-none active:cursor-grabbing"
        svgProps={{ onPointerDown, onPointerMove, onPointerUp, onPointerCancel: onPointerUp }}
      />
      {elements.length === 0 ? (
        <p className="pointer-events-none absolute inset-0 flex items-center justify-center text-stone-500">This world has no elements yet.</p>
      ) : null}

      <div className="pointer-events-none absolute inset-x-2 top-2 flex items-start justify-between gap-2">
        <h1 className="pointer-events-auto min-w-0 truncate rounded-lg bg-white/90 px-3 py-1.5 text-sm font-semibold shadow-sm">
          {world.title} <span className="font-normal text-stone-500">by {world.ownerName}</span>
        </h1>
        <a
          href={`${origin}/w/${world.id}`}
          target="_blank"
          rel="noopener noreferrer"
          className="pointer-events-auto shrink-0 rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-indigo-800"
        >
          Open in Loreloom ↗
        </a>
      </div>

      <div className="absolute bottom-2 right-2 flex flex-col overflow-hidden rounded-lg border border-stone-200 bg-white shadow-sm">
        <button type="button" aria-label="Zoom in" onClick={() => zoomButton(1.25)} className="h-9 w-9 text-lg hover:bg-stone-100">
          +
        </button>
        <button type="button" aria-label="Zoom out" onClick={() => zoomButton(0.8)} className="h-9 w-9 border-t border-stone-200 text-lg hover:bg-stone-100">
          −
        </button>
        <button type="button" aria-label="Fit the whole world" onClick={() => setCamera({ k: 1, x: 0, y: 0 })} className="h-9 w-9 border-t border-stone-200 text-xs hover:bg-stone-100">
          Fit
        </button>
      </div>

      {selected ? (
        <aside
          aria-label={selected.name}
          className="absolute bottom-2 left-2 max-h-[60%] w-[min(22rem,calc(100%-4.5rem))] overflow-y-auto rounded-xl border border-stone-200 bg-white p-3 shadow-lg"
        >
          <div className="flex items-start gap-2">
            {selected.image ? <img src={selected.image} alt="" className="h-14 w-14 shrink-0 rounded-lg object-cover" /> : null}
            <div className="min-w-0 flex-1">
              <h2 className="break-words font-semibold">{selected.name}</h2>
              <span className={`mt-0.5 inline-block rounded-full px-2 py-0.5 text-xs ${ELEMENT_LOOK[selected.type].chip}`}>
                {ELEMENT_LOOK[selected.type].label}
              </span>
            </div>
            <button type="button" aria-label="Close" onClick={() => setSelectedId(null)} className="-mr-1 -mt-1 h-8 w-8 shrink-0 rounded-md text-stone-500 hover:bg-stone-100">
              ×
            </button>
          </div>
          {selected.descriptionHtml ? (
            <div
              className={`${PROSE} mt-2`}
              // Rendered on the server by markdown-it with html:false (workers/lib/markdown.ts).
              dangerouslySetInnerHTML={{ __html: selected.descriptionHtml }}
            />
          ) : null}
        </aside>
      ) : null}
    </main>
  );
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  const missing = isRouteErrorResponse(error) && error.status === 404;
  return (
    <main className="flex h-dvh items-center justify-center bg-stone-50 p-4 text-center text-stone-700">
      <p>{missing ? "This world is not available to embed: it is private or no longer exists." : "This embed could not be shown right now."}</p>
    </main>
  );
}
