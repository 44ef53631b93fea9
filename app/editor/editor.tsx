import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  ViewportPortal,
  applyNodeChanges,
  useReactFlow,
  useStore,
  type Connection,
  type NodeChange,
} from "@xyflow/react";
import { Suspense, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { Link, useRevalidator, useSearchParams } from "react-router";
import { ELEMENT_TYPES, type ElementType, type Visibility } from "../../drizzle/schema/constants";
import { ELEMENT_LOOK, RELATIONSHIP_LABEL, TYPE_COLOR } from "../lib/element-types";
import { ConfirmDialog, KindDialog, ShortcutsDialog } from "./dialogs";
import { ElementNodeComponent, NodeMenuContext, type ElementNode } from "./element-node";
import { JobsTray } from "./generation";
import { CanvasMiniMap } from "./canvas-minimap";
import { NODE_HEIGHT, NODE_WIDTH, autoLayout, connect, createElement, deleteElements, moveElements, search, undoRedo, visibleIds } from "./graph-model";
import { placeInFreeSpace, type Point, type Rect } from "../../workers/domain/placement";
import { LABEL_MIN_ZOOM, layoutEdges } from "./edge-labels";
import { RelationshipEdgeComponent, type RelationshipEdge } from "./relationship-edge";
import { elementsOf } from "../../durable-objects/world-room/graph-doc";
import { setShareToken } from "./api";
import type { EditorWorld } from "./world-settings";
import { useGraph, useRoom } from "./use-room";
import { NEEDS_CONNECTION, NeedsConnectionButton } from "../components/needs-connection";
import { useOnline } from "../lib/online";
import { clearSharedPhotoRequest, sharedPhotoRequested } from "../lib/shared-photo";
import { Menu, MenuButton, type MenuItem } from "../components/menu";
import { PartLoading, lazyPart } from "../components/lazy-part";

const nodeTypes = { element: ElementNodeComponent };
const edgeTypes = { relationship: RelationshipEdgeComponent };
// Downloaded when first needed (issue 19: the editor on a phone within 300 KB of gzipped
// JavaScript): the canvas comes first; the element panel (CodeMirror, Markdown), chat and the
// dialogs follow when a person opens them. The service worker keeps them all for offline use.
const ElementPanel = lazyPart(() => import("./element-panel").then((m) => m.ElementPanel));
const ChatPanel = lazyPart(() => import("./chat-panel").then((m) => m.ChatPanel));
const WorldSettingsDialog = lazyPart(() => import("./world-settings").then((m) => m.WorldSettingsDialog));
const HistoryDrawer = lazyPart(() => import("./world-settings").then((m) => m.HistoryDrawer));
const GenerateDialog = lazyPart(() => import("./generation-dialogs").then((m) => m.GenerateDialog));
const ShareDialog = lazyPart(() => import("./share-dialog").then((m) => m.ShareDialog));
const EmbedSnippet = lazyPart(() => import("../components/embed-snippet").then((m) => m.EmbedSnippet));
const ConflictDialog = lazyPart(() => import("./generation-dialogs").then((m) => m.ConflictDialog));
const ExportDialog = lazyPart(() => import("./export-dialog").then((m) => m.ExportDialog));
/** A toolbar button; on a phone the few shown are a finger's size (44 px). */
const TOOL = "rounded-lg border border-stone-300 px-2 py-1 text-xs hover:bg-stone-50 sm:px-3 sm:py-1.5 sm:text-sm";
const SMALL_TOOL = "rounded-lg border border-stone-300 px-2 py-1 text-xs hover:bg-stone-50 sm:py-1.5 sm:text-sm";
const MAIN_TOOL = "min-h-11 rounded-lg px-3 text-sm sm:min-h-0 sm:py-1.5";
/**
 * The least zoom the world opens at on a phone or touch screen: a node drawn smaller than 44 px
 * tall is too small for a finger (pinch out to see more).
 */
const TOUCH_MIN_ZOOM = Math.ceil((44 / NODE_HEIGHT) * 100) / 100;
const touchSized = () => window.matchMedia("(max-width: 639px), (pointer: coarse)").matches;
/** Above this many elements the editor opens on the centre instead of fitting everything. */
const LARGE_WORLD = 300;

type Props = { world: EditorWorld; userId: string | null; shareToken?: string | null; member?: boolean };

const OFFLINE_ITEM = { disabled: true, hint: NEEDS_CONNECTION };
export function Editor(props: Props) {
  // Set before the editor's children mount: their first API calls already carry the token.
  setShareToken(props.shareToken ?? null);
  return (
    <ReactFlowProvider>
      <EditorInner {...props} />
    </ReactFlowProvider>
  );
}

function EditorInner({ world: initialWorld, userId, shareToken = null, member = false }: Props) {
  const [world, setWorldHere] = useState(initialWorld);
  // The page around the editor shows the world's title and visibility from the route's loader:
  // after a change saved here (Settings, Share), reload it so the header does not go stale.
  const { revalidate } = useRevalidator();
  const setWorld = useCallback(
    (next: EditorWorld) => {
      setWorldHere(next);
      void revalidate();
    },
    [revalidate],
  );
  const room = useRoom(world.id, { signedIn: userId !== null, shareToken });
  const { doc, undo } = room;
  const graph = useGraph(doc);
  const flow = useReactFlow();
  const canEdit = world.role === "owner" || world.role === "editor";

  const [nodes, setNodes] = useState<ElementNode[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const [hiddenTypes, setHiddenTypes] = useState<Set<ElementType>>(new Set());
  const [pendingLink, setPendingLink] = useState<Connection | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string[] | null>(null);
  const [undoToast, setUndoToast] = useState<string | null>(null);
  const [dialog, setDialog] = useState<"help" | "settings" | "history" | "filter" | "share" | "export" | null>(null);
  // Opened from /share: From photo opens at once, holding the picture another app shared.
  const [sharedPhoto, setSharedPhoto] = useState(() => canEdit && sharedPhotoRequested());
  const [generate, setGenerate] = useState<"prompt" | "photo" | null>(sharedPhoto ? "photo" : null);
  useEffect(() => clearSharedPhotoRequest(), []);
  const [chatOpen, setChatOpen] = useState(false);
  const [nodeMenu, setNodeMenu] = useState<{ id: string; box: DOMRect } | null>(null);
  const openNodeMenu = useCallback((id: string, box: DOMRect) => setNodeMenu({ id, box }), []);
  const [readChat, setReadChat] = useState(0);
  const dragging = useRef(new Set<string>());
  const [framed, setFramed] = useState(false);
  const searchInput = useRef<HTMLInputElement>(null);
  const fitted = useRef(false);

  const names = useMemo(() => new Map(graph.elements.map((e) => [e.id, e.name])), [graph.elements]);
  const matches = useMemo(() => new Set(search(graph.elements, query).map((e) => e.id)), [graph.elements, query]);
  const shown = useMemo(() => visibleIds(graph.elements, hiddenTypes), [graph.elements, hiddenTypes]);

  // Who (else) has which element open, from their presence.
  const openBy = useMemo(() => {
    const map = new Map<string, Array<{ name: string; color: string }>>();
    for (const p of room.presence.values()) {
      if (!p.activeElement || p.user.id === room.me?.id) continue;
      map.set(p.activeElement, [...(map.get(p.activeElement) ?? []), { name: p.user.name, color: p.user.color }]);
    }
    return map;
  }, [room.presence, room.me]);

  // Nodes follow the document; selection and in-progress drags stay local.
  useEffect(() => {
    setNodes((previous) => {
      const before = new Map(previous.map((n) => [n.id, n]));
      return graph.elements
        .filter((e) => shown.has(e.id))
        .map((e) => {
          const old = before.get(e.id);
          const lock = room.locks.get(e.id);
          return {
            id: e.id,
            type: "element" as const,
            position: dragging.current.has(e.id) && old ? old.position : { x: e.x, y: e.y },
            selected: old?.selected ?? false,
            // Keep what the canvas measured: a node without it is hidden and measured again, and
            // presence alone (someone moving a cursor) re-makes every node many times a second.
            measured: old?.measured,
            // Every node has the same fixed size, so a new one can show before it is measured.
            initialWidth: NODE_WIDTH,
            initialHeight: NODE_HEIGHT,
            draggable: canEdit,
            connectable: canEdit,
            data: {
              name: e.name,
              type: e.type,
              image: e.assets.image,
              highlighted: matches.has(e.id),
              lockedBy: lock && lock.by.id !== room.me?.id ? { name: lock.by.name, color: lock.by.color } : undefined,
              viewers: openBy.get(e.id),
              editable: canEdit,
            },
          };
        });
    });
  }, [graph.elements, shown, matches, canEdit, room.locks, room.me, openBy]);

  // In a big world only the edges of elements in view are drawn, and labels only up close.
  const large = graph.elements.length > LARGE_WORLD;
  const [vx, vy, zoom] = useStore((s) => s.transform);
  const viewWidth = useStore((s) => s.width);
  const viewHeight = useStore((s) => s.height);
  const view = useDeferredValue({ vx, vy, zoom, viewWidth, viewHeight });
  // When the canvas changes size (the job tray opens or closes under it, a phone turns), what was
  // in its middle stays there, instead of the bottom or right of the view being cut off.
  const lastSize = useRef({ width: 0, height: 0 });
  useEffect(() => {
    const before = lastSize.current;
    lastSize.current = { width: viewWidth, height: viewHeight };
    if (!before.width || !before.height || !viewWidth || !viewHeight) return;
    if (before.width === viewWidth && before.height === viewHeight) return;
    const now = flow.getViewport();
    void flow.setViewport({ x: now.x + (viewWidth - before.width) / 2, y: now.y + (viewHeight - before.height) / 2, zoom: now.zoom });
  }, [viewWidth, viewHeight, flow]);
  const inView = useMemo(() => {
    if (!large) return null;
    const left = -view.vx / view.zoom - NODE_WIDTH;
    const top = -view.vy / view.zoom - NODE_HEIGHT;
    const right = left + view.viewWidth / view.zoom + 2 * NODE_WIDTH;
    const bottom = top + view.viewHeight / view.zoom + 2 * NODE_HEIGHT;
    return new Set(graph.elements.filter((e) => e.x >= left && e.x <= right && e.y >= top && e.y <= bottom).map((e) => e.id));
  }, [large, graph.elements, view]);
  // Labels only where they can be read: none zoomed out (a big world waits until closer still).
  const showLabels = view.zoom >= (large ? 0.8 : LABEL_MIN_ZOOM);
  // React Flow itself only ever holds the nodes in view (and any selected), whatever the world's size.
  // (Elements at the far end of a visible edge come too, so the edge has somewhere to go.)
  const flowNodes = useMemo(() => {
    if (!inView) return nodes;
    const keep = new Set(inView);
    for (const r of graph.relationships) {
      if (inView.has(r.from)) keep.add(r.to);
      else if (inView.has(r.to)) keep.add(r.from);
    }
    return nodes.filter((n) => keep.has(n.id) || n.selected || n.dragging);
  }, [nodes, inView, graph.relationships]);

  const edges: RelationshipEdge[] = useMemo(() => {
    const drawn = graph.relationships
      .filter((r) => shown.has(r.from) && shown.has(r.to) && (!inView || inView.has(r.from) || inView.has(r.to)))
      .map((r) => ({
        id: r.id,
        source: r.from,
        target: r.to,
        label: relationshipLabel(r.kind, r.label),
        priority: r.from === selectedId || r.to === selectedId,
      }));
    // Where the nodes are drawn right now (a node being dragged included).
    const positions = new Map<string, Point>(flowNodes.map((n) => [n.id, n.position]));
    const layout = layoutEdges(drawn, positions, showLabels);
    return drawn.map((r) => ({
      id: r.id,
      source: r.source,
      target: r.target,
      type: "relationship" as const,
      data: { label: r.label, ...(layout.get(r.id) ?? { bend: 0, normal: { x: 0, y: -1 }, labelAt: null }) },
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
      style: { strokeWidth: 1.5 },
    }));
  }, [graph.relationships, shown, inView, showLabels, selectedId, flowNodes]);

  // Ready once the room has synced, or earlier from this browser's own copy of the world.
  const ready = Boolean(doc) && room.loaded;

  // Frame the world once it has arrived. A big world is not fitted whole (that would draw every
  // node at once): it opens at a readable zoom on its centre, and only what is visible renders.
  useEffect(() => {
    if (fitted.current || !ready || nodes.length === 0) return;
    fitted.current = true;
    requestAnimationFrame(() => {
      const minZoom = touchSized() ? TOUCH_MIN_ZOOM : undefined;
      if (nodes.length <= LARGE_WORLD) {
        flow.fitView({ padding: 0.15, maxZoom: 1.2, minZoom });
      } else {
        const xs = nodes.map((n) => n.position.x);
        const ys = nodes.map((n) => n.position.y);
        const centre = { x: (Math.min(...xs) + Math.max(...xs)) / 2, y: (Math.min(...ys) + Math.max(...ys)) / 2 };
        flow.setCenter(centre.x, centre.y, { zoom: Math.max(0.6, minZoom ?? 0) });
      }
      requestAnimationFrame(() => {
        performance.mark("loreloom:framed");
        setFramed(true);
      });
    });
  }, [ready, nodes, flow]);

  // Opened on one element (`?element=<id>`, e.g. from a story's mentions): once the world is
  // framed, that element is selected, its panel open, and the canvas centred on it.
  const [params] = useSearchParams();
  const openOn = params.get("element");
  const opened = useRef<string | null>(null);
  useEffect(() => {
    if (!framed || !openOn || opened.current === openOn) return;
    const element = graph.elements.find((e) => e.id === openOn);
    if (!element) return;
    const frame = requestAnimationFrame(() => {
      opened.current = openOn;
      setSelectedId(element.id);
      void flow.setCenter(element.x + NODE_WIDTH / 2, element.y + NODE_HEIGHT / 2, { zoom: 1.1, duration: 300 });
    });
    return () => cancelAnimationFrame(frame);
  }, [framed, openOn, graph.elements, flow]);

  const onNodesChange = useCallback((changes: NodeChange<ElementNode>[]) => {
    setNodes((current) => applyNodeChanges(changes, current));
    for (const change of changes) {
      if (change.type === "select" && change.selected) setSelectedId(change.id);
    }
  }, []);

  const selectedIds = nodes.filter((n) => n.selected).map((n) => n.id);
  const openConflict = [...room.conflicts.values()].find((c) => c.choice === null);
  const selected = graph.elements.find((e) => e.id === selectedId) ?? null;

  useEffect(() => {
    room.send({ type: "presence", cursor: null, activeElement: selectedId });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedId, room.send]);

  /**
   * Adds an element in free space: nearest `near` (a point on the screen; the middle of what can be
   * seen when not given), inside the part of the canvas the element panel that opens for it will
   * not cover, clear of every element already there.
   */
  const addNear = useCallback(
    (near?: Point, type: ElementType = "character") => {
      if (!doc || !canEdit) return;
      const box = document.querySelector(".react-flow")?.getBoundingClientRect();
      let position: Point = { x: 0, y: 0 };
      if (box) {
        const open = openArea(box);
        const topLeft = flow.screenToFlowPosition({ x: open.x, y: open.y });
        const bottomRight = flow.screenToFlowPosition({ x: open.x + open.width, y: open.y + open.height });
        const view: Rect = { x: topLeft.x, y: topLeft.y, width: bottomRight.x - topLeft.x, height: bottomRight.y - topLeft.y };
        const centre = flow.screenToFlowPosition(near ?? { x: open.x + open.width / 2, y: open.y + open.height / 2 });
        const taken = graph.elements.map((e) => ({ x: e.x, y: e.y, width: NODE_WIDTH, height: NODE_HEIGHT }));
        position = placeInFreeSpace({ taken, view, centre });
        const inside = position.x >= view.x && position.y >= view.y && position.x + NODE_WIDTH <= view.x + view.width && position.y + NODE_HEIGHT <= view.y + view.height;
        // No room where the person is looking: the view moves to where it went.
        if (!inside) flow.setCenter(position.x + NODE_WIDTH / 2, position.y + NODE_HEIGHT / 2, { zoom: flow.getZoom(), duration: 300 });
      }
      const id = createElement(doc, { type, name: `New ${ELEMENT_LOOK[type].label.toLowerCase()}`, x: position.x, y: position.y, userId });
      setNodes((current) => current.map((n) => ({ ...n, selected: false })));
      setSelectedId(id);
    },
    [doc, canEdit, userId, flow, graph.elements],
  );
  const addAtCentre = useCallback(() => addNear(), [addNear]);

  const layout = useCallback(() => {
    if (!doc || !canEdit) return;
    const visible = graph.elements.filter((e) => shown.has(e.id));
    void autoLayout(visible, graph.relationships).then((positions) => {
      moveElements(doc, positions);
      if (positions.length === 0) return;
      // Fit the new positions themselves: the canvas re-reads the graph a frame later, and fitting
      // what it still shows then left the nodes outside the view (an empty canvas).
      const xs = positions.map((p) => p.x);
      const ys = positions.map((p) => p.y);
      const x = Math.min(...xs);
      const y = Math.min(...ys);
      flow.fitBounds({ x, y, width: Math.max(...xs) - x + NODE_WIDTH, height: Math.max(...ys) - y + NODE_HEIGHT }, { padding: 0.15, duration: 300 });
    });
  }, [doc, canEdit, graph, shown, flow]);

  const doDelete = useCallback(
    (ids: string[]) => {
      if (!doc) return;
      undo?.stopCapturing();
      const removed = deleteElements(doc, ids);
      undo?.stopCapturing();
      setSelectedId(null);
      setConfirmDelete(null);
      setUndoToast(
        `Deleted ${removed.elements === 1 ? "1 element" : `${removed.elements} elements`}${removed.relationships ? ` and ${removed.relationships} relationship${removed.relationships === 1 ? "" : "s"}` : ""}.`,
      );
    },
    [doc, undo],
  );

  // Keyboard shortcuts (not while typing in a field).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
      const mod = event.metaKey || event.ctrlKey;
      if (mod && event.key.toLowerCase() === "z" && !typing) {
        event.preventDefault();
        if (undo) undoRedo(undo, event.shiftKey ? "redo" : "undo");
        return;
      }
      if (mod && event.key.toLowerCase() === "y" && !typing) {
        event.preventDefault();
        if (undo) undoRedo(undo, "redo");
        return;
      }
      if (typing || mod || event.altKey) return;
      if (event.key === "Escape") setSelectedId(null);
      else if (event.key === "?") setDialog("help");
      else if (event.key === "/") {
        event.preventDefault();
        searchInput.current?.focus();
      } else if (event.key === "f" || event.key === "F") flow.fitView({ padding: 0.15, duration: 300 });
      else if (canEdit && (event.key === "n" || event.key === "N")) addAtCentre();
      else if (canEdit && (event.key === "l" || event.key === "L")) layout();
      else if (canEdit && (event.key === "Delete" || event.key === "Backspace") && selectedIds.length > 0) setConfirmDelete(selectedIds);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo, flow, canEdit, addAtCentre, layout, selectedIds]);

  const focusFirstMatch = () => {
    const first = graph.elements.find((e) => matches.has(e.id) && shown.has(e.id));
    if (!first) return;
    setSelectedId(first.id);
    flow.setCenter(first.x + 100, first.y + 32, { zoom: 1.1, duration: 300 });
  };

  // `data-ready` means the world is on screen: synced, and (if it has elements) drawn and framed.
  // The canvas re-reads the document a frame after it changes: until it has caught up with what
  // the sync brought, the world is not on screen yet (an empty canvas is not a ready one).
  const caughtUp = doc !== null && graph.elements.length === elementsOf(doc).size;
  const shownOnScreen = ready && caughtUp && (graph.elements.length === 0 || framed);
  const statusText =
    room.connection === "online"
      ? ready
        ? "Live"
        : "Loading…"
      : `${room.connection === "connecting" ? "Reconnecting…" : "Offline"}${room.pending ? ` — ${room.pending} change${room.pending === 1 ? "" : "s"} pending` : ""}`;

  const typesLabel = `Types${hiddenTypes.size ? ` (${ELEMENT_TYPES.length - hiddenTypes.size})` : ""}`;
  const chatLabel = `Chat${!chatOpen && room.chat.length > readChat ? ` (${room.chat.length - readChat})` : ""}`;
  const toggleChat = () => {
    setChatOpen((open) => !open);
    setSelectedId(null);
    setReadChat(room.chat.length);
  };
  const storiesUrl = `/worlds/${world.id}/stories${shareToken ? `?share=${encodeURIComponent(shareToken)}` : ""}`;
  const online = useOnline();
  // What the phone's toolbar keeps behind “More tools”: the same actions as the wide toolbar's.
  const moreTools: MenuItem[] = [
    ...(canEdit
      ? [
          { label: "Auto-layout", onSelect: layout },
          { label: `Delete${selectedIds.length > 1 ? ` (${selectedIds.length})` : ""}`, onSelect: () => setConfirmDelete(selectedIds), disabled: selectedIds.length === 0, danger: true },
          { label: "Undo", onSelect: () => undo && undoRedo(undo, "undo") },
          { label: "Redo", onSelect: () => undo && undoRedo(undo, "redo") },
        ]
      : []),
    { label: typesLabel, onSelect: () => setDialog("filter") },
    { label: chatLabel, onSelect: toggleChat },
    { label: "Stories", to: storiesUrl },
    { label: "History", onSelect: () => setDialog("history") },
    // Offline, what needs the server stays in the menu, dimmed, saying so.
    ...(member ? [{ label: "Share", onSelect: () => setDialog("share"), ...(online ? {} : OFFLINE_ITEM) }] : []),
    { label: "Export", onSelect: () => setDialog("export"), ...(online ? {} : OFFLINE_ITEM) },
    { label: "Settings", onSelect: () => setDialog("settings") },
  ];

  return (
    <div className="relative flex h-[calc(100dvh-7.5rem)] min-h-[26rem] flex-col overflow-hidden rounded-xl border border-stone-200 bg-stone-50">
      {/* On a phone only the main actions show; the rest are in the “More tools” menu. */}
      <div className="flex flex-wrap items-center gap-1.5 border-b border-stone-200 bg-white px-2 py-1.5 sm:gap-2 sm:py-2" role="toolbar" aria-label="Editor tools">
        {canEdit ? (
          <>
            <button type="button" onClick={addAtCentre} className={`${MAIN_TOOL} bg-indigo-700 font-medium text-white hover:bg-indigo-800`}>
              + Element
            </button>
            <NeedsConnectionButton type="button" onClick={() => setGenerate("prompt")} className={`${MAIN_TOOL} border border-indigo-300 bg-indigo-50 font-medium text-indigo-900 hover:bg-indigo-100`}>
              ✦ Generate
            </NeedsConnectionButton>
            <NeedsConnectionButton type="button" onClick={() => setGenerate("photo")} className={`${MAIN_TOOL} border border-stone-300 hover:bg-stone-50`}>
              From photo
            </NeedsConnectionButton>
            <span className="hidden sm:contents">
              <button type="button" onClick={layout} className={TOOL} title="Auto-layout (L)">
                Auto-layout
              </button>
              <button type="button" onClick={() => setConfirmDelete(selectedIds)} disabled={selectedIds.length === 0} className="rounded-lg border border-stone-300 px-2 py-1 text-xs hover:bg-red-50 disabled:opacity-40 sm:px-3 sm:py-1.5 sm:text-sm">
                Delete{selectedIds.length > 1 ? ` (${selectedIds.length})` : ""}
              </button>
              <button type="button" onClick={() => undo && undoRedo(undo, "undo")} className={SMALL_TOOL} aria-label="Undo" title="Undo (Ctrl/⌘ Z)">
                ↶
              </button>
              <button type="button" onClick={() => undo && undoRedo(undo, "redo")} className={SMALL_TOOL} aria-label="Redo" title="Redo (Ctrl/⌘ Shift Z)">
                ↷
              </button>
            </span>
          </>
        ) : (
          <span className="rounded-lg bg-stone-100 px-2 py-1 text-sm text-stone-700">View only</span>
        )}
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            focusFirstMatch();
          }}
          className="order-last min-w-0 flex-1 basis-40 sm:order-none"
        >
          <input
            ref={searchInput}
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Search this world (/)"
            aria-label="Search this world"
            className="h-11 w-full rounded-lg border border-stone-300 px-3 text-base sm:h-auto sm:py-1.5 sm:text-sm"
          />
        </form>
        {query ? <span className="order-last text-xs text-stone-600 sm:order-none" role="status">{matches.size} found</span> : null}
        <span className="hidden sm:contents">
          <button type="button" onClick={() => setDialog(dialog === "filter" ? null : "filter")} className={TOOL} aria-expanded={dialog === "filter"}>
            {typesLabel}
          </button>
          <button type="button" onClick={toggleChat} className={TOOL} aria-expanded={chatOpen}>
            {chatLabel}
          </button>
          <Link to={storiesUrl} className={TOOL}>
            Stories
          </Link>
          <button type="button" onClick={() => setDialog("history")} className={TOOL}>
            History
          </button>
          {member ? (
            <NeedsConnectionButton type="button" onClick={() => setDialog("share")} className="rounded-lg border border-indigo-300 bg-white px-2 py-1 text-xs font-medium text-indigo-900 hover:bg-indigo-50 sm:px-3 sm:py-1.5 sm:text-sm">
              Share
            </NeedsConnectionButton>
          ) : null}
          <NeedsConnectionButton type="button" onClick={() => setDialog("export")} className={TOOL}>
            Export
          </NeedsConnectionButton>
          <button type="button" onClick={() => setDialog("settings")} className={TOOL}>
            Settings
          </button>
          <button type="button" onClick={() => setDialog("help")} className="rounded-lg border border-stone-300 px-2 py-1 text-xs hover:bg-stone-50 sm:px-2.5 sm:py-1.5 sm:text-sm" aria-label="Keyboard shortcuts">
            ?
          </button>
        </span>
        <span className="order-last flex items-center gap-1.5 text-xs text-stone-600 sm:order-none" role="status" data-testid="connection">
          <span className={`h-2 w-2 rounded-full ${room.connection === "online" ? "bg-emerald-500" : room.connection === "connecting" ? "bg-amber-400" : "bg-stone-400"}`} />
          {statusText}
        </span>
        <span className="order-last flex -space-x-1 sm:order-none" aria-label="People here">
          {room.users.map((u) => (
            <span key={u.id} title={`${u.name}${u.id === room.me?.id ? " (you)" : ""} · ${u.role}`} className="flex h-6 w-6 items-center justify-center rounded-full border-2 border-white text-[10px] font-bold text-white" style={{ backgroundColor: u.color }}>
              {u.name.slice(0, 1).toUpperCase()}
            </span>
          ))}
        </span>
        <span className="order-last sm:hidden">
          <MenuButton label="More tools" items={moreTools} className="flex h-11 w-11 items-center justify-center rounded-lg border border-stone-300 text-lg leading-none hover:bg-stone-50">
            ⋯
          </MenuButton>
        </span>
      </div>

      {dialog === "filter" ? (
        <fieldset className="absolute top-28 right-2 z-30 sm:top-14 rounded-xl border border-stone-200 bg-white p-3 shadow-lg">
          <legend className="sr-only">Show types</legend>
          {ELEMENT_TYPES.map((type) => (
            <label key={type} className="flex items-center gap-2 py-0.5 text-sm">
              <input
                type="checkbox"
                checked={!hiddenTypes.has(type)}
                onChange={() =>
                  setHiddenTypes((set) => {
                    const next = new Set(set);
                    if (next.has(type)) next.delete(type);
                    else next.add(type);
                    return next;
                  })
                }
              />
              <span className="h-2.5 w-2.5 rounded-full" style={{ backgroundColor: TYPE_COLOR[type] }} />
              {ELEMENT_LOOK[type].label}
            </label>
          ))}
        </fieldset>
      ) : null}

      <div
        className="relative min-h-0 flex-1"
        data-ready={shownOnScreen ? "true" : "false"}
        data-node-count={shownOnScreen ? graph.elements.length : 0}
        data-testid="canvas"
        onDoubleClick={(event) => {
          if (!(event.target as HTMLElement).classList.contains("react-flow__pane")) return;
          addNear({ x: event.clientX, y: event.clientY });
        }}
        onMouseMove={(event) => {
          const now = performance.now();
          const last = (window as { __lastPresence?: number }).__lastPresence ?? 0;
          if (now - last < 80) return;
          (window as { __lastPresence?: number }).__lastPresence = now;
          room.send({ type: "presence", cursor: flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }), activeElement: selectedId });
        }}
      >
        <NodeMenuContext value={openNodeMenu}>
          <ReactFlow<ElementNode, RelationshipEdge>
            nodes={flowNodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            onNodesChange={onNodesChange}
            onNodeDragStart={(_e, _node, dragged) => dragged.forEach((n) => dragging.current.add(n.id))}
            onNodeDragStop={(_e, _node, dragged) => {
              if (doc) moveElements(doc, dragged.map((n) => ({ id: n.id, x: n.position.x, y: n.position.y })));
              dragging.current.clear();
            }}
            onNodeClick={(_e, node) => setSelectedId(node.id)}
            onNodeContextMenu={(event, node) => {
              event.preventDefault();
              const box = (event.target as HTMLElement).closest(".react-flow__node")?.getBoundingClientRect();
              if (box) openNodeMenu(node.id, box);
            }}
            onPaneClick={() => {
              setSelectedId(null);
              if (dialog === "filter") setDialog(null);
            }}
            onConnect={(connection) => canEdit && setPendingLink(connection)}
            connectionRadius={32}
            nodesDraggable={canEdit}
            nodesConnectable={canEdit}
            deleteKeyCode={null}
            zoomOnDoubleClick={false}
            onlyRenderVisibleElements
            minZoom={0.05}
            maxZoom={2}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={24} />
            <Controls showInteractive={false} />
            {large ? null : <MiniMap pannable zoomable nodeColor={(n) => TYPE_COLOR[(n.data as { type: ElementType }).type]} className="!hidden sm:!block" />}
            <ViewportPortal>
              {[...room.presence.values()]
                .filter((p) => p.cursor && p.user.id !== room.me?.id)
                .map((p) => (
                  <div key={p.user.id} className="pointer-events-none absolute" style={{ transform: `translate(${p.cursor!.x}px, ${p.cursor!.y}px)` }} data-testid="remote-cursor">
                    <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
                      <path d="M1 1 L7 17 L9.5 9.5 L17 7 Z" fill={p.user.color} stroke="white" strokeWidth="1.5" />
                    </svg>
                    <span className="ml-3 rounded px-1.5 py-0.5 text-[11px] font-medium text-white" style={{ backgroundColor: p.user.color }}>
                      {p.user.name}
                    </span>
                  </div>
                ))}
            </ViewportPortal>
          </ReactFlow>
        </NodeMenuContext>
        {large ? <CanvasMiniMap elements={graph.elements} /> : null}
        {!ready ? (
          <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-stone-600">{statusText}</div>
        ) : graph.elements.length === 0 ? (
          <div className="pointer-events-none absolute inset-0 flex items-center justify-center p-6 text-center text-stone-600">
            {canEdit ? "An empty world. Press “+ Element” or double-click anywhere to add the first element." : "This world has no elements yet."}
          </div>
        ) : null}
      </div>

      {nodeMenu && graph.elements.some((e) => e.id === nodeMenu.id) ? (
        <NodeMenu
          at={nodeMenu.box}
          name={names.get(nodeMenu.id) || "Untitled"}
          items={[
            { label: "Open", onSelect: () => setSelectedId(nodeMenu.id) },
            {
              label: "Zoom to",
              onSelect: () => {
                const target = graph.elements.find((e) => e.id === nodeMenu.id);
                if (target) void flow.setCenter(target.x + NODE_WIDTH / 2, target.y + NODE_HEIGHT / 2, { zoom: Math.max(flow.getZoom(), 1.1), duration: 300 });
              },
            },
            ...(canEdit ? [{ label: "Delete…", onSelect: () => setConfirmDelete([nodeMenu.id]), danger: true }] : []),
          ]}
          onClose={() => setNodeMenu(null)}
        />
      ) : null}

      {/* Docked under the canvas, so progress never covers an element or takes its clicks. */}
      <JobsTray
        worldId={world.id}
        jobs={room.jobs}
        canEdit={canEdit}
        signedIn={userId !== null}
        names={names}
        onOpen={(id) => {
          setSelectedId(id);
          const target = graph.elements.find((e) => e.id === id);
          if (target) flow.setCenter(target.x + 100, target.y + 32, { zoom: Math.max(flow.getZoom(), 0.9), duration: 300 });
        }}
      />

      <Suspense fallback={<PartLoading what={selected ? "the element" : "the chat"} />}>
        {chatOpen && !selected ? (
          <ChatPanel
            messages={room.chat}
            online={room.connection === "online"}
            onSend={(text) => room.send({ type: "chat", text })}
            onClose={() => {
              setChatOpen(false);
              setReadChat(room.chat.length);
            }}
          />
        ) : null}
        {selected && doc ? (
          <ElementPanel
            key={selected.id}
            worldId={world.id}
            doc={doc}
            awareness={room.awareness}
            element={selected}
            names={names}
            relationships={graph.relationships}
            canEdit={canEdit}
            lock={room.locks.get(selected.id)}
            myId={room.me?.id ?? null}
            saveState={room.connection === "online" || room.saveState === "saved" ? room.saveState : "offline"}
            onLock={(lock) => room.send({ type: lock ? "lock" : "unlock", elementId: selected.id })}
            onSelect={(id) => {
              setSelectedId(id);
              const target = graph.elements.find((e) => e.id === id);
              if (target) flow.setCenter(target.x + 100, target.y + 32, { zoom: flow.getZoom(), duration: 300 });
            }}
            onClose={() => setSelectedId(null)}
            onDelete={() => setConfirmDelete([selected.id])}
            job={[...room.jobs.values()].filter((j) => j.elementId === selected.id).sort((a, b) => b.seenAt - a.seenAt)[0]}
            onJobStarted={(job) => room.trackJob(job)}
            onConflict={(conflict) => room.showConflict({ conflictId: conflict.id, elementId: conflict.elementId, options: conflict.options })}
          />
        ) : null}
      </Suspense>

      <Suspense fallback={null}>
        {openConflict && canEdit ? (
          <ConflictDialog
            key={openConflict.conflictId}
            conflict={openConflict}
            elementName={names.get(openConflict.elementId)}
            onChoose={(choice) => room.send({ type: "conflictChoice", conflictId: openConflict.conflictId, choice })}
          />
        ) : null}
        {generate ? (
          <GenerateDialog
            key={generate}
            mode={generate}
            worldId={world.id}
            shared={sharedPhoto && generate === "photo"}
            onClose={() => {
              setGenerate(null);
              setSharedPhoto(false);
            }}
            onStarted={(job) => room.trackJob(job)}
          />
        ) : null}
      </Suspense>

      {undoToast ? (
        <div className="absolute bottom-4 left-1/2 z-30 flex -translate-x-1/2 items-center gap-3 rounded-xl bg-stone-900 px-4 py-2 text-sm text-white shadow-lg" role="status">
          {undoToast}
          <button
            type="button"
            className="font-semibold text-amber-300 hover:underline"
            onClick={() => {
              if (undo) undoRedo(undo, "undo");
              setUndoToast(null);
            }}
          >
            Undo
          </button>
          <button type="button" onClick={() => setUndoToast(null)} aria-label="Dismiss" className="text-stone-400">
            ✕
          </button>
        </div>
      ) : room.notice ? (
        <Notice key={room.notice.id} text={room.notice.text} tone={room.notice.tone} />
      ) : null}

      <ConfirmDialog
        open={confirmDelete !== null}
        title="Delete?"
        message={
          confirmDelete?.length === 1
            ? `Delete “${names.get(confirmDelete[0]!) ?? "this element"}” and its relationships?`
            : `Delete ${confirmDelete?.length ?? 0} elements and their relationships?`
        }
        confirmLabel="Delete"
        onConfirm={() => confirmDelete && doDelete(confirmDelete)}
        onCancel={() => setConfirmDelete(null)}
      />
      <KindDialog
        open={pendingLink !== null}
        fromName={names.get(pendingLink?.source ?? "") ?? ""}
        toName={names.get(pendingLink?.target ?? "") ?? ""}
        onPick={(kind, label) => {
          if (doc && pendingLink?.source && pendingLink.target) connect(doc, { from: pendingLink.source, to: pendingLink.target, kind, label });
          setPendingLink(null);
        }}
        onCancel={() => setPendingLink(null)}
      />
      <ShortcutsDialog open={dialog === "help"} onClose={() => setDialog(null)} />
      <Suspense fallback={null}>
        {dialog === "settings" ? <WorldSettingsDialog open world={world} elements={graph.elements} onSaved={setWorld} onClose={() => setDialog(null)} /> : null}
        {dialog === "history" ? <HistoryDrawer open worldId={world.id} onClose={() => setDialog(null)} /> : null}
        {dialog === "share" && userId ? (
          <ShareDialog open world={world} userId={userId} onWorldChange={setWorld} onClose={() => setDialog(null)}>
            <section aria-labelledby="share-embed">
              <h3 id="share-embed" className="font-semibold text-stone-900">
                Embed
              </h3>
              <EmbedSnippet worldId={world.id} title={world.title} origin={window.location.origin} visibility={world.visibility as Visibility} />
            </section>
          </ShareDialog>
        ) : null}
      </Suspense>
      {dialog === "export" ? (
        <Suspense fallback={null}>
          <ExportDialog open worldId={world.id} role={world.role} onClose={() => setDialog(null)} />
        </Suspense>
      ) : null}
    </div>
  );
}

/** What a relationship's edge says: its kind, and the label people gave it. */
function relationshipLabel(kind: string, label: string): string {
  const said = RELATIONSHIP_LABEL[kind as keyof typeof RELATIONSHIP_LABEL] ?? kind.replace(/_/g, " ");
  return label ? `${said}: ${label}` : said;
}

/**
 * The part of the canvas (a screen rectangle) a new element can be seen in once its panel opens:
 * on wide screens the panel is docked over the canvas's right-hand side (26rem, as element-panel.tsx
 * draws it); on narrow ones it is a sheet the person closes to see the canvas again, so all of it.
 */
function openArea(canvas: DOMRect): Rect {
  if (!window.matchMedia("(min-width: 1024px)").matches) return { x: canvas.left, y: canvas.top, width: canvas.width, height: canvas.height };
  const panel = 26 * parseFloat(getComputedStyle(document.documentElement).fontSize);
  return { x: canvas.left, y: canvas.top, width: Math.max(canvas.width - panel, canvas.width / 3), height: canvas.height };
}

/** A node's menu (long press or right click), beside the node, on the screen whatever its size. */
function NodeMenu({ at, name, items, onClose }: { at: DOMRect; name: string; items: MenuItem[]; onClose: () => void }) {
  const width = 240;
  // Under the node when it fits there (a short name's menu), else growing up from its top edge.
  const height = 64 + items.length * 44;
  const left = Math.min(Math.max(at.left + at.width / 2 - width / 2, 8), window.innerWidth - width - 8);
  const below = at.bottom + 8 + height <= window.innerHeight;
  const place = below ? { top: at.bottom + 8, maxHeight: window.innerHeight - at.bottom - 16 } : { bottom: window.innerHeight - Math.max(at.top - 8, height + 8), maxHeight: Math.max(at.top - 16, height) };
  return (
    <Menu
      label={name}
      items={items}
      onClose={onClose}
      className="fixed overflow-y-auto"
      style={{ left, width, ...place }}
      heading={<p className="border-b border-stone-100 px-3 pt-1.5 pb-2 text-sm font-semibold break-words text-stone-900">{name}</p>}
    />
  );
}

function Notice({ text, tone }: { text: string; tone: "info" | "error" }) {
  const [visible, setVisible] = useState(true);
  useEffect(() => {
    const timer = setTimeout(() => setVisible(false), tone === "error" ? 6000 : 3000);
    return () => clearTimeout(timer);
  }, [tone]);
  if (!visible) return null;
  return (
    <div role={tone === "error" ? "alert" : "status"} className={`absolute bottom-4 left-1/2 z-30 -translate-x-1/2 rounded-xl px-4 py-2 text-sm shadow-lg ${tone === "error" ? "bg-red-700 text-white" : "bg-stone-900 text-white"}`}>
      {text}
    </div>
  );
}
