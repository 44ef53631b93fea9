import { useEffect, useState } from "react";
import { z } from "zod";
import * as Y from "yjs";
import type { Awareness } from "y-protocols/awareness";
import { ELEMENT_TYPES, type ElementType } from "../../drizzle/schema/constants";
import { ELEMENT_LOOK, RELATIONSHIP_LABEL } from "../lib/element-types";
import { api, type ApiError } from "./api";
import { deleteRelationships, updateElement, type ElementState, type RelationshipState } from "./graph-model";
import { renderMarkdown } from "./markdown";
import { PROSE } from "../lib/prose";
import { RateResult } from "../components/rate-result";
import { DescriptionEditor } from "./description-editor";
import { elementMap } from "../../durable-objects/world-room/graph-doc";
import { Media, Provenance, RefineBox, type ConflictView, type JobView } from "./generation";
import { VersionHistory } from "./version-history";
import type { JobState, LockInfo } from "./use-room";
import { SaveNote, useDraftSaver, type SaveState } from "./save-state";
import { usePullToClose } from "../lib/pull-to-close";

type Props = {
  worldId: string;
  doc: Y.Doc;
  /** The room's awareness, for other people's carets in the description (null: none shown). */
  awareness: Awareness | null;
  element: ElementState;
  names: Map<string, string>;
  relationships: RelationshipState[];
  canEdit: boolean;
  lock: LockInfo | undefined;
  myId: string | null;
  /** Whether this browser's edits of the live document have reached the room. */
  saveState: SaveState;
  onLock: (locked: boolean) => void;
  onSelect: (id: string) => void;
  onClose: () => void;
  onDelete: () => void;
  /** The newest generation job on this element, as the room reports it. */
  job: JobState | undefined;
  onJobStarted: (job: JobView) => void;
  onConflict: (conflict: ConflictView) => void;
};

/** The selected element: every field, its links, and its version history. */
export function ElementPanel({ worldId, doc, awareness, element, names, relationships, canEdit, lock, myId, saveState, onLock, onSelect, onClose, onDelete, job, onJobStarted, onConflict }: Props) {
  // The room sends `unlocked` when a lease runs out, so a lock in the map is current.
  const lockedByOther = Boolean(lock && lock.by.id !== myId);
  const lockedByJob = Boolean(lock?.by.id.startsWith("job:"));
  const editable = canEdit && !lockedByOther;
  // The panel is keyed by element, so this state starts fresh for each one.
  const [tab, setTab] = useState<"write" | "preview">("write");
  const [tagDraft, setTagDraft] = useState<string | null>(null);
  const [aliasDraft, setAliasDraft] = useState<string | null>(null);
  // The name as typed while the field has focus. One that is not a name yet (empty or only spaces)
  // stays here, not in the shared document: the room refuses an element without a name.
  const [nameDraft, setNameDraft] = useState<string | null>(null);
  const pull = usePullToClose(onClose);

  // The description is the shared Y.Text itself (DescriptionEditor), never replaced as a string.
  const description = elementMap(doc, element.id)?.get("description");
  const descriptionText = description instanceof Y.Text ? description : null;

  const links = relationships.filter((r) => r.from === element.id || r.to === element.id);
  const set = (patch: Parameters<typeof updateElement>[2]) => updateElement(doc, element.id, patch);

  return (
    <aside
      aria-label={`Element: ${element.name}`}
      className="fixed inset-x-0 bottom-0 z-20 max-h-[62dvh] overflow-y-auto overscroll-contain rounded-t-2xl border-t border-stone-200 bg-white px-4 pb-4 shadow-2xl lg:absolute lg:top-[3.3rem] lg:bottom-0 lg:right-0 lg:left-auto lg:max-h-none lg:w-[26rem] lg:rounded-none lg:border-t-0 lg:border-l lg:pt-4"
    >
      {/* Below the wide layout a bottom sheet: its head stays in reach while it scrolls, and a
          finger pulling the head down closes it. */}
      <div
        className="sticky top-0 z-10 -mx-4 flex touch-none flex-col bg-white px-4 pt-2 pb-1 lg:static lg:mx-0 lg:touch-auto lg:p-0"
        {...pull}
      >
        <span className="mx-auto mb-1 h-1.5 w-10 rounded-full bg-stone-300 lg:hidden" aria-hidden="true" data-testid="sheet-grabber" />
        <div className="flex items-center justify-between gap-2">
          <span className="flex flex-wrap items-baseline gap-x-2">
            <span className="text-xs font-medium uppercase tracking-wide text-stone-500">
              {ELEMENT_LOOK[element.type].label} · version {element.version || 1}
            </span>
            {canEdit ? <SaveNote state={saveState} testId="save-state" /> : null}
          </span>
          <div className="flex items-center gap-1">
            {canEdit ? (
              <button
                type="button"
                onClick={() => onLock(!(lock && lock.by.id === myId))}
                disabled={lockedByOther}
                className="min-h-11 rounded-md border border-stone-300 px-2 py-1 text-xs whitespace-nowrap hover:bg-stone-50 disabled:opacity-50 lg:min-h-0"
                title="While locked, only you can change this element"
              >
                {lock && lock.by.id === myId ? "Unlock" : "Lock while I edit"}
              </button>
            ) : null}
            <button type="button" onClick={onClose} className="min-h-11 min-w-11 rounded-md px-2 py-1 text-stone-500 hover:bg-stone-100 lg:min-h-0 lg:min-w-0" aria-label="Close panel">
              ✕
            </button>
          </div>
        </div>
      </div>
      {lockedByOther ? (
        <p className="mt-2 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900" role="status">
          {lockedByJob ? "The AI is working on this element; it is read-only until the job finishes." : `${lock!.by.name} is editing this element; it is read-only for you until they finish.`}
        </p>
      ) : null}

      <label className="mt-3 block text-sm font-medium text-stone-700">
        Name
        <input
          value={nameDraft ?? element.name}
          readOnly={!editable}
          maxLength={120}
          required
          aria-invalid={nameDraft !== null && !nameDraft.trim()}
          onFocus={() => setNameDraft(element.name)}
          onChange={(e) => {
            // While typing, the field shows what was typed (the canvas re-reads the document a
            // frame later; showing that would drop keystrokes). Each keystroke is written live.
            const name = e.target.value;
            setNameDraft(name);
            if (name.trim()) set({ name });
          }}
          onBlur={() => setNameDraft(null)}
          className="mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 text-base read-only:bg-stone-50"
          name="name"
        />
      </label>
      <label className="mt-3 block text-sm font-medium text-stone-700">
        Also known as <span className="font-normal text-stone-500">(comma-separated; stories find the element by these too)</span>
        <input
          value={aliasDraft ?? element.aliases.join(", ")}
          readOnly={!editable}
          onFocus={() => setAliasDraft(element.aliases.join(", "))}
          onChange={(e) => {
            setAliasDraft(e.target.value);
            const aliases = parseAliases(e.target.value);
            if (aliases.join("\u0000") !== element.aliases.join("\u0000")) set({ aliases });
          }}
          onBlur={() => setAliasDraft(null)}
          className="mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 read-only:bg-stone-50"
          name="aliases"
        />
      </label>
      <label className="mt-3 block text-sm font-medium text-stone-700">
        Type
        <select
          value={element.type}
          disabled={!editable}
          onChange={(e) => set({ type: e.target.value as ElementType })}
          className="mt-1 block w-full rounded-lg border border-stone-300 bg-white px-3 py-2 disabled:bg-stone-50"
          name="type"
        >
          {ELEMENT_TYPES.map((t) => (
            <option key={t} value={t}>
              {ELEMENT_LOOK[t].label}
            </option>
          ))}
        </select>
      </label>

      <div className="mt-3">
        <div className="flex items-center justify-between">
          <span className="text-sm font-medium text-stone-700">Description</span>
          {editable ? (
            <div role="tablist" className="flex gap-1 text-xs">
              {(["write", "preview"] as const).map((t) => (
                <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)} className={`rounded px-2 py-0.5 capitalize ${tab === t ? "bg-indigo-100 text-indigo-900" : "text-stone-600 hover:bg-stone-100"}`}>
                  {t}
                </button>
              ))}
            </div>
          ) : null}
        </div>
        {tab === "write" && editable ? (
          descriptionText ? (
            <DescriptionEditor text={descriptionText} awareness={awareness} label="Description (Markdown)" placeholder="Markdown: **bold**, _italic_, lists, links…" />
          ) : null
        ) : (
          <div
            className={`${PROSE} mt-1 min-h-12 rounded-lg border border-stone-200 bg-stone-50 px-3 py-2`}
            data-testid="description-preview"
            // markdown-it with html:false escapes everything people type; see markdown.ts.
            dangerouslySetInnerHTML={{ __html: element.description ? renderMarkdown(element.description) : '<p class="text-stone-500">No description yet.</p>' }}
          />
        )}
        {element.metadata.provenance?.text || element.metadata.provider ? <RateResult worldId={worldId} targetKind="element_text" targetId={element.id} what="the AI's text" /> : null}
      </div>

      <label className="mt-3 block text-sm font-medium text-stone-700">
        Tags <span className="font-normal text-stone-500">(comma-separated)</span>
        <input
          value={tagDraft ?? element.tags.join(", ")}
          readOnly={!editable}
          onFocus={() => setTagDraft(element.tags.join(", "))}
          onChange={(e) => {
            // Saved as typed (the words so far are the tags); the text itself stays as typed.
            setTagDraft(e.target.value);
            const tags = parseTags(e.target.value);
            if (tags.join("\u0000") !== element.tags.join("\u0000")) set({ tags });
          }}
          onBlur={() => setTagDraft(null)}
          className="mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 read-only:bg-stone-50"
          name="tags"
        />
      </label>

      {canEdit ? <SecretField worldId={worldId} elementId={element.id} version={element.version} editable={editable} /> : null}
      <Assets worldId={worldId} element={element} />
      {canEdit ? <RefineBox worldId={worldId} elementId={element.id} version={element.version} job={job} onStarted={onJobStarted} onConflict={onConflict} /> : null}

      <section className="mt-4" aria-label="Relationships">
        <h3 className="text-sm font-semibold text-stone-700">Relationships ({links.length})</h3>
        {links.length === 0 ? <p className="mt-1 text-sm text-stone-500">None yet. Drag from a node’s right dot to another node.</p> : null}
        <ul className="mt-1 divide-y divide-stone-100 text-sm">
          {links.map((r) => {
            const outgoing = r.from === element.id;
            const other = outgoing ? r.to : r.from;
            return (
              <li key={r.id} className="flex items-center justify-between gap-2 py-1.5">
                <span className="min-w-0">
                  {outgoing ? (
                    <>
                      {RELATIONSHIP_LABEL[r.kind]}{" "}
                      <button type="button" className="font-medium text-indigo-800 hover:underline" onClick={() => onSelect(other)}>
                        {names.get(other) ?? "?"}
                      </button>
                    </>
                  ) : (
                    <>
                      <button type="button" className="font-medium text-indigo-800 hover:underline" onClick={() => onSelect(other)}>
                        {names.get(other) ?? "?"}
                      </button>{" "}
                      {RELATIONSHIP_LABEL[r.kind]} this
                    </>
                  )}
                  {r.label ? <span className="text-stone-500"> — {r.label}</span> : null}
                </span>
                {editable ? (
                  <button type="button" onClick={() => deleteRelationships(doc, [r.id])} className="shrink-0 rounded px-1.5 text-stone-500 hover:bg-red-50 hover:text-red-700" aria-label={`Remove the link to ${names.get(other) ?? "?"}`}>
                    ✕
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
      </section>

      <VersionHistory worldId={worldId} element={element} canEdit={editable} />

      {editable ? (
        <button type="button" onClick={onDelete} className="mt-4 w-full rounded-lg border border-red-200 px-3 py-2 text-sm text-red-800 hover:bg-red-50">
          Delete this element
        </button>
      ) : null}
    </aside>
  );
}

/** Other names as typed: comma-separated, trimmed, none twice (whatever the case), at most 12 of at most 120 characters. */
export function parseAliases(text: string): string[] {
  const seen = new Set<string>();
  const aliases: string[] = [];
  for (const alias of text.split(",").map((a) => a.trim().slice(0, 120))) {
    if (!alias || seen.has(alias.toLowerCase())) continue;
    seen.add(alias.toLowerCase());
    aliases.push(alias);
  }
  return aliases.slice(0, 12);
}

/** Tags as typed: comma-separated, trimmed, without repeats, at most 20 of at most 32 characters. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(",").map((t) => t.trim().slice(0, 32)).filter(Boolean))].slice(0, 20);
}

const SECRET_DRAFT = z.string().max(20000);

/**
 * Secrets never enter the shared document: they are read and saved through the API, as they are
 * typed (save-state.ts keeps what was typed until the server has it, across a reload).
 */
function SecretField({ worldId, elementId, version, editable }: { worldId: string; elementId: string; version: number; editable: boolean }) {
  const [secret, setSecret] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const { saver, status } = useDraftSaver<string>(`loreloom:draft:${worldId}:${elementId}:secret`, SECRET_DRAFT, async (value, { keepalive }) => {
    await api("PATCH", `/api/worlds/${worldId}/elements/${elementId}`, { secret: value }, { keepalive });
  });
  useEffect(() => {
    let cancelled = false;
    // What was typed here and never reached the server (a reload mid-typing) comes back first.
    const restored = saver.restore();
    const fromServer = (saved: string) => {
      if (cancelled) return;
      if (restored !== null && restored !== saved && !saver.unsaved) {
        setSecret(restored);
        saver.set(restored);
      } else if (!saver.unsaved) setSecret(saved);
    };
    // An element the room has not yet projected (version 0) is brand new and has no secret.
    if (version === 0) fromServer("");
    else {
      api<{ element: { secret?: string } }>("GET", `/api/worlds/${worldId}/elements/${elementId}`)
        .then((r) => fromServer(r.element.secret ?? ""))
        .catch((error: ApiError) => {
          if (cancelled) return;
          if (error.status === 404) fromServer(""); // not projected yet: brand new, no secret
          else setLoadError(error.message);
        });
    }
    return () => {
      cancelled = true;
    };
    // Re-read after each new version (a restore can change the secret), unless typing is under way.
  }, [worldId, elementId, version, saver]);
  return (
    <label className="mt-3 block text-sm font-medium text-stone-700">
      Secret <span className="font-normal text-stone-500">(only owners and editors ever see it)</span>
      <textarea
        value={secret ?? ""}
        readOnly={!editable || secret === null}
        onChange={(e) => {
          setSecret(e.target.value);
          saver.set(e.target.value);
        }}
        onBlur={() => void saver.flush(false)}
        rows={3}
        maxLength={20000}
        name="secret"
        className="mt-1 block w-full rounded-lg border border-amber-300 bg-amber-50/50 px-3 py-2 text-sm"
        placeholder={secret === null ? "Loading…" : "Hidden truths, twists, GM notes…"}
      />
      {loadError ? (
        <span className="text-xs text-red-700" role="alert">
          {loadError}
        </span>
      ) : secret !== null ? (
        <SaveNote state={status.state} message={status.message} testId="secret-save-state" />
      ) : null}
    </label>
  );
}

function Assets({ worldId, element }: { worldId: string; element: ElementState }) {
  const { image, audio, video } = element.assets;
  const provenance = element.metadata.provenance;
  // Only what the AI made is rated; a person's own upload has no provenance of its kind.
  const rate = (key: string, made: unknown, targetKind: "image" | "clip" | "narration", what: string) =>
    made ? <RateResult worldId={worldId} targetKind={targetKind} targetId={key} what={what} /> : null;
  return (
    <section className="mt-4 space-y-2" aria-label="Media">
      {image ? <Media assetKey={image} name={element.name} kind="image" offline={Boolean(provenance?.image?.offline)} /> : null}
      {image ? rate(image, provenance?.image, "image", "the picture") : null}
      {video ? <Media assetKey={video} name={element.name} kind="video" offline={Boolean(provenance?.video?.offline)} /> : null}
      {video ? rate(video, provenance?.video, "clip", "the clip") : null}
      {audio ? <Media assetKey={audio} name={element.name} kind="audio" offline={Boolean(provenance?.audio?.offline)} /> : null}
      {audio ? rate(audio, provenance?.audio, "narration", "the narration") : null}
      <Provenance provenance={provenance} />
    </section>
  );
}
