import type * as Y from "yjs";
import { MAX_SUMMARY, MAX_TITLE, setChapterField, setSceneField, type ChapterState, type SceneState } from "./outline-model";
import type { WorldElement } from "./story-api";

const fieldClass = "mt-1 block w-full rounded-lg border border-stone-300 bg-white px-2.5 py-1.5 text-sm disabled:bg-stone-50 disabled:text-stone-700";

/**
 * A scene's title, point of view, location and summary. Title and summary are whole strings in
 * the document (the contract's shape), so they are written when the person leaves the field, not
 * per keystroke; a change someone else makes meanwhile re-keys the field to show it.
 */
export function SceneDetails({ doc, scene, elements, canEdit }: { doc: Y.Doc; scene: SceneState; elements: WorldElement[]; canEdit: boolean }) {
  const characters = elements.filter((e) => e.type === "character");
  const places = elements.filter((e) => e.type === "location");
  return (
    <div className="grid gap-2 sm:grid-cols-2">
      <label className="block text-xs font-medium text-stone-600 sm:col-span-2">
        Scene title
        <input
          key={`${scene.id}:${scene.title}`}
          defaultValue={scene.title}
          maxLength={MAX_TITLE}
          disabled={!canEdit}
          onBlur={(e) => setSceneField(doc, scene.id, "title", e.currentTarget.value.trim() || scene.title)}
          onKeyDown={(e) => {
            if (e.key === "Enter") e.currentTarget.blur();
          }}
          className={`${fieldClass} font-medium`}
        />
      </label>
      <ElementPicker label="Point of view" value={scene.pov} options={characters} disabled={!canEdit} onChange={(id) => setSceneField(doc, scene.id, "pov", id)} />
      <ElementPicker label="Location" value={scene.location} options={places} disabled={!canEdit} onChange={(id) => setSceneField(doc, scene.id, "location", id)} />
      <label className="block text-xs font-medium text-stone-600 sm:col-span-2">
        Summary
        <textarea
          key={`${scene.id}:${scene.summary}`}
          defaultValue={scene.summary}
          maxLength={MAX_SUMMARY}
          rows={2}
          disabled={!canEdit}
          placeholder={canEdit ? "What happens in this scene, in a sentence or two" : ""}
          onBlur={(e) => setSceneField(doc, scene.id, "summary", e.currentTarget.value.trim())}
          className={`${fieldClass} resize-y`}
        />
      </label>
    </div>
  );
}

function ElementPicker({ label, value, options, disabled, onChange }: { label: string; value: string | null; options: WorldElement[]; disabled: boolean; onChange: (id: string | null) => void }) {
  // An element removed from the world since it was picked is still named, as missing.
  const missing = value !== null && !options.some((o) => o.id === value);
  return (
    <label className="block min-w-0 text-xs font-medium text-stone-600">
      {label}
      <select value={value ?? ""} disabled={disabled} onChange={(e) => onChange(e.target.value || null)} className={fieldClass}>
        <option value="">— none —</option>
        {missing ? <option value={value}>(no longer in the world)</option> : null}
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The chapter's summary, above its scene: a chapter's arc in a line or two (written on leaving the field). */
export function ChapterSummary({ doc, chapter, canEdit }: { doc: Y.Doc; chapter: ChapterState; canEdit: boolean }) {
  return (
    <details className="rounded-lg px-1 text-xs text-stone-600" open={chapter.summary !== ""}>
      <summary className="cursor-pointer">
        Chapter: <span className="font-medium text-stone-800">{chapter.title}</span>
      </summary>
      <label className="mt-1 block font-medium">
        Chapter summary
        <textarea
          key={`${chapter.id}:${chapter.summary}`}
          defaultValue={chapter.summary}
          maxLength={MAX_SUMMARY}
          rows={2}
          disabled={!canEdit}
          placeholder={canEdit ? "What this chapter does for the story" : ""}
          onBlur={(e) => setChapterField(doc, chapter.id, "summary", e.currentTarget.value.trim())}
          className={`${fieldClass} resize-y`}
        />
      </label>
    </details>
  );
}
