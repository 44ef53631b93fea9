import { DndContext, KeyboardSensor, PointerSensor, TouchSensor, closestCenter, useSensor, useSensors, type DragEndEvent } from "@dnd-kit/core";
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { useState, type ReactNode } from "react";
import type * as Y from "yjs";
import {
  MAX_TITLE,
  addChapter,
  addScene,
  deleteChapter,
  deleteScene,
  moveChapter,
  moveScene,
  setChapterField,
  stepChapter,
  stepScene,
  type ChapterState,
} from "./outline-model";

/** Sortable ids: chapters and scenes share one drag context, so a scene can be dropped into another chapter. */
const chapterKey = (id: string) => `c:${id}`;
const sceneKey = (id: string) => `s:${id}`;

/**
 * The story's chapters and their scenes. Reordering is by drag (a handle, so a finger can still
 * scroll the list; the keyboard works too) and by the ↑ ↓ buttons, which is how it is done on a
 * phone or without a mouse.
 */
export function Outline({ doc, outline, selectedScene, onSelect, canEdit }: { doc: Y.Doc; outline: ChapterState[]; selectedScene: string | null; onSelect: (sceneId: string) => void; canEdit: boolean }) {
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 200, tolerance: 6 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const [kind, id] = String(active.id).split(":") as [string, string];
    const [overKind, overId] = String(over.id).split(":") as [string, string];
    if (kind === "c") {
      const target = overKind === "c" ? overId : outline.find((c) => c.scenes.some((s) => s.id === overId))?.id;
      const index = outline.findIndex((c) => c.id === target);
      if (index >= 0) moveChapter(doc, id, index);
      return;
    }
    if (overKind === "c") {
      // Dropped on a chapter's heading: the scene goes to the end of that chapter.
      const chapter = outline.find((c) => c.id === overId);
      if (chapter) moveScene(doc, id, chapter.id, chapter.scenes.filter((s) => s.id !== id).length);
      return;
    }
    const chapter = outline.find((c) => c.scenes.some((s) => s.id === overId));
    if (chapter) moveScene(doc, id, chapter.id, chapter.scenes.findIndex((s) => s.id === overId));
  };

  const newScene = (chapter: ChapterState) => onSelect(addScene(doc, chapter.id, `Scene ${chapter.scenes.length + 1}`));

  return (
    <nav aria-label="Story outline" className="flex flex-col gap-2">
      <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
        <SortableContext items={outline.map((c) => chapterKey(c.id))} strategy={verticalListSortingStrategy}>
          <ol className="flex flex-col gap-2">
            {outline.map((chapter, c) => (
              <Sortable key={chapter.id} id={chapterKey(chapter.id)} disabled={!canEdit} label={`Drag chapter ${chapter.title}`}>
                {(handle) => (
                  <section aria-label={`Chapter: ${chapter.title}`} className="rounded-xl border border-stone-200 bg-white">
                    <div className="flex items-center gap-1 border-b border-stone-100 px-1.5 py-1">
                      {handle}
                      <ChapterTitle doc={doc} chapter={chapter} canEdit={canEdit} />
                      {canEdit ? (
                        <ItemTools
                          what={`chapter ${chapter.title}`}
                          first={c === 0}
                          last={c === outline.length - 1}
                          onStep={(d) => stepChapter(doc, chapter.id, d)}
                          onDelete={() => {
                            if (window.confirm(`Delete “${chapter.title}” and its ${chapter.scenes.length} scene(s), with their text?`)) deleteChapter(doc, chapter.id);
                          }}
                        />
                      ) : null}
                    </div>
                    <SortableContext items={chapter.scenes.map((s) => sceneKey(s.id))} strategy={verticalListSortingStrategy}>
                      <ol className="flex flex-col p-1">
                        {chapter.scenes.map((scene, s) => (
                          <Sortable key={scene.id} id={sceneKey(scene.id)} disabled={!canEdit} label={`Drag scene ${scene.title}`}>
                            {(handle) => (
                              <div className={`flex items-center gap-1 rounded-lg px-0.5 ${scene.id === selectedScene ? "bg-indigo-50" : ""}`}>
                                {handle}
                                <button
                                  type="button"
                                  onClick={() => onSelect(scene.id)}
                                  aria-current={scene.id === selectedScene ? "true" : undefined}
                                  className="min-w-0 flex-1 truncate rounded px-1 py-1.5 text-left text-sm text-stone-800 max-sm:min-h-11 hover:text-indigo-800 aria-[current]:font-medium aria-[current]:text-indigo-900"
                                >
                                  {scene.title || "Untitled scene"}
                                </button>
                                {canEdit ? (
                                  <ItemTools
                                    what={`scene ${scene.title}`}
                                    first={c === 0 && s === 0}
                                    last={c === outline.length - 1 && s === chapter.scenes.length - 1}
                                    onStep={(d) => stepScene(doc, scene.id, d)}
                                    onDelete={() => {
                                      if (window.confirm(`Delete the scene “${scene.title}” and its text?`)) deleteScene(doc, scene.id);
                                    }}
                                  />
                                ) : null}
                              </div>
                            )}
                          </Sortable>
                        ))}
                      </ol>
                    </SortableContext>
                    {canEdit ? (
                      <button type="button" onClick={() => newScene(chapter)} className="mx-2 mb-2 rounded-lg px-2 py-1 text-sm text-indigo-800 hover:bg-indigo-50 max-sm:min-h-11">
                        + Scene
                      </button>
                    ) : null}
                  </section>
                )}
              </Sortable>
            ))}
          </ol>
        </SortableContext>
      </DndContext>
      {canEdit ? (
        <button type="button" onClick={() => addChapter(doc, `Chapter ${outline.length + 1}`)} className="rounded-lg border border-dashed border-indigo-300 px-3 py-2 text-sm font-medium text-indigo-900 hover:bg-indigo-50">
          + Chapter
        </button>
      ) : null}
      {outline.length === 0 ? <p className="px-1 text-sm text-stone-600">{canEdit ? "No chapters yet: add the first one." : "No chapters yet."}</p> : null}
    </nav>
  );
}

/** A list item that can be dragged by its handle (passed to `children`). */
function Sortable({ id, disabled, label, children }: { id: string; disabled: boolean; label: string; children: (handle: ReactNode) => ReactNode }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id, disabled });
  const handle = disabled ? null : (
    <button
      type="button"
      ref={setActivatorNodeRef}
      {...attributes}
      {...listeners}
      aria-label={label}
      className="flex h-8 w-6 max-sm:h-11 max-sm:w-11 shrink-0 cursor-grab touch-none items-center justify-center rounded text-stone-400 hover:bg-stone-100 hover:text-stone-700 active:cursor-grabbing"
    >
      ⠿
    </button>
  );
  return (
    <li ref={setNodeRef} style={{ transform: CSS.Translate.toString(transform), transition }} className={isDragging ? "relative z-10 opacity-80 shadow-lg" : ""}>
      {children(handle)}
    </li>
  );
}

// On a phone each is a finger's size (44 px).
const smallButton = "flex h-8 w-7 max-sm:h-11 max-sm:w-11 shrink-0 items-center justify-center rounded text-sm text-stone-600 hover:bg-stone-100 disabled:opacity-30";

function ItemTools({ what, first, last, onStep, onDelete }: { what: string; first: boolean; last: boolean; onStep: (direction: -1 | 1) => void; onDelete: () => void }) {
  return (
    <span className="flex shrink-0">
      <button type="button" className={smallButton} aria-label={`Move ${what} up`} disabled={first} onClick={() => onStep(-1)}>
        ↑
      </button>
      <button type="button" className={smallButton} aria-label={`Move ${what} down`} disabled={last} onClick={() => onStep(1)}>
        ↓
      </button>
      <button type="button" className={`${smallButton} hover:bg-red-50 hover:text-red-700`} aria-label={`Delete ${what}`} onClick={onDelete}>
        ×
      </button>
    </span>
  );
}

/** A chapter's title: text to read, a field to rename it in (saved on Enter or leaving it). */
function ChapterTitle({ doc, chapter, canEdit }: { doc: Y.Doc; chapter: ChapterState; canEdit: boolean }) {
  const [editing, setEditing] = useState(false);
  if (!editing || !canEdit) {
    return (
      <button
        type="button"
        disabled={!canEdit}
        onClick={() => setEditing(true)}
        title={canEdit ? "Rename" : undefined}
        aria-label={canEdit ? `Rename chapter ${chapter.title}` : undefined}
        className="min-w-0 flex-1 truncate rounded px-1 py-1 text-left text-sm font-semibold text-stone-900 max-sm:min-h-11 enabled:hover:bg-stone-50"
      >
        {chapter.title || "Untitled chapter"}
      </button>
    );
  }
  const commit = (value: string) => {
    setChapterField(doc, chapter.id, "title", value.trim() || chapter.title);
    setEditing(false);
  };
  return (
    <input
      autoFocus
      defaultValue={chapter.title}
      maxLength={MAX_TITLE}
      aria-label="Chapter title"
      onBlur={(e) => commit(e.currentTarget.value)}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit(e.currentTarget.value);
        if (e.key === "Escape") setEditing(false);
      }}
      className="min-w-0 flex-1 rounded border border-indigo-300 px-1.5 py-1 text-sm font-semibold"
    />
  );
}
