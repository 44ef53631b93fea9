import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { VISIBILITIES, WORLD_STYLES, type Role } from "../../drizzle/schema/constants";
import { api, timeAgo, type HistoryEntry } from "./api";
import { Dialog } from "./dialogs";
import type { ElementState } from "./graph-model";
import { SaveNote, useDraftSaver } from "./save-state";

export type EditorWorld = {
  id: string;
  title: string;
  description: string;
  style: string;
  tags: string[];
  visibility: string;
  coverAssetKey: string | null;
  settings?: { aiImages?: boolean; defaultVoice?: string };
  role: Role | null;
  ownerName: string | null;
};

const VISIBILITY_HELP: Record<string, string> = {
  private: "only members",
  unlisted: "anyone with the link",
  public: "everyone; listed in the gallery",
};

/** The changes made in the dialog, as kept in a draft until the server has them. */
const SettingsPatchSchema = z.strictObject({
  title: z.string().max(120).optional(),
  description: z.string().max(5000).optional(),
  style: z.string().optional(),
  tags: z.array(z.string()).optional(),
  visibility: z.string().optional(),
  settings: z.strictObject({ aiImages: z.boolean().optional(), defaultVoice: z.string().optional() }).optional(),
  coverAssetKey: z.string().nullable().optional(),
});
type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

const parseTags = (text: string) => [
  ...new Set(
    text
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean),
  ),
];

/**
 * A world's settings, saved as they are changed: a choice at once, typing after a short pause
 * (save-state.ts keeps what was typed until the server has it, across a reload). There is no Save
 * button to forget.
 */
export function WorldSettingsDialog({
  open,
  world,
  elements,
  onSaved,
  onClose,
}: {
  open: boolean;
  world: EditorWorld;
  elements: ElementState[];
  onSaved: (world: EditorWorld) => void;
  onClose: () => void;
}) {
  return (
    <Dialog title="World settings" open={open} onClose={onClose}>
      <SettingsForm world={world} elements={elements} onSaved={onSaved} onClose={onClose} />
    </Dialog>
  );
}

/** The form, mounted while the dialog is open; what is left to send goes when it closes. */
function SettingsForm({ world, elements, onSaved, onClose }: { world: EditorWorld; elements: ElementState[]; onSaved: (world: EditorWorld) => void; onClose: () => void }) {
  const canEdit = world.role === "owner" || world.role === "editor";
  const images = elements.filter((e) => e.assets.image);
  const worldRef = useRef(world);
  useEffect(() => {
    worldRef.current = world;
  });
  const { saver, status } = useDraftSaver<SettingsPatch>(`loreloom:draft:world:${world.id}:settings`, SettingsPatchSchema, async (patch, { keepalive }) => {
    const { world: saved } = await api<{ world: EditorWorld }>("PATCH", `/api/worlds/${world.id}`, patch, { keepalive });
    if (!keepalive) onSaved({ ...worldRef.current, ...saved });
  });
  // What was typed in an earlier visit and never arrived comes back, and is sent again.
  const [restored] = useState(() => saver.restore());
  // The fields as shown; the changes made since the dialog opened, as one patch.
  const [changes, setChanges] = useState<SettingsPatch>(restored ?? {});
  const [fields, setFields] = useState(() => {
    const current = { ...world, ...restored };
    return {
      title: current.title,
      description: current.description,
      tags: (current.tags ?? []).join(", "),
    };
  });
  const [titleMissing, setTitleMissing] = useState(false);
  useEffect(() => {
    if (restored) saver.set(restored);
  }, [restored, saver]);
  const change = (patch: SettingsPatch, now = false) => {
    const next = { ...changes, ...patch };
    setChanges(next);
    saver.set(next);
    if (now) void saver.flush(false);
  };

  const input = "mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 disabled:bg-stone-50";
  const shown = { ...world, ...changes };
  return (
    <form className="space-y-3" onSubmit={(event) => event.preventDefault()}>
      <fieldset disabled={!canEdit} className="space-y-3">
        <label className="block text-sm font-medium text-stone-700">
          Title
          <input
            name="title"
            value={fields.title}
            required
            maxLength={120}
            aria-invalid={titleMissing}
            onChange={(e) => {
              const title = e.target.value;
              setFields((f) => ({ ...f, title }));
              // A world needs a title: an empty one is not sent, and says so.
              setTitleMissing(!title.trim());
              if (title.trim()) change({ title });
            }}
            className={input}
          />
          {titleMissing ? <span className="text-xs font-normal text-red-700">A world needs a title; the last one stays until you type one.</span> : null}
        </label>
        <div>
          <label className="block text-sm font-medium text-stone-700">
            Description
            <textarea
              name="description"
              value={fields.description}
              onChange={(e) => {
                const description = e.target.value;
                setFields((f) => ({ ...f, description }));
                change({ description });
              }}
              rows={3}
              maxLength={5000}
              aria-describedby="world-description-help"
              className={input}
            />
          </label>
          <p id="world-description-help" className="mt-1 text-xs text-stone-500">
            What the world is about: shown on its card, its public page and in the gallery. A world made from a prompt starts with that prompt.
          </p>
        </div>
        <label className="block text-sm font-medium text-stone-700">
          Style
          <select name="style" value={shown.style} onChange={(e) => change({ style: e.target.value }, true)} className={`${input} bg-white`}>
            {WORLD_STYLES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="block text-sm font-medium text-stone-700">
          Tags <span className="font-normal text-stone-500">(comma-separated)</span>
          <input
            name="tags"
            value={fields.tags}
            onChange={(e) => {
              const tags = e.target.value;
              setFields((f) => ({ ...f, tags }));
              change({ tags: parseTags(tags) });
            }}
            className={input}
          />
        </label>
        <label className="block text-sm font-medium text-stone-700">
          Visibility
          <select name="visibility" value={shown.visibility} disabled={world.role !== "owner"} onChange={(e) => change({ visibility: e.target.value }, true)} className={`${input} bg-white`}>
            {VISIBILITIES.map((v) => (
              <option key={v} value={v}>
                {v} — {VISIBILITY_HELP[v]}
              </option>
            ))}
          </select>
          {world.role !== "owner" ? <span className="text-xs font-normal text-stone-500">Only the owner can change who sees the world.</span> : null}
        </label>
        <label className="block text-sm font-medium text-stone-700">
          Cover
          {images.length === 0 ? (
            <span className="mt-1 block text-sm font-normal text-stone-500">No element has an image yet; generate one and it can become the cover.</span>
          ) : (
            <select name="cover" value={shown.coverAssetKey ?? ""} onChange={(e) => change({ coverAssetKey: e.target.value || null }, true)} className={`${input} bg-white`}>
              <option value="">No cover</option>
              {images.map((e) => (
                <option key={e.id} value={e.assets.image}>
                  {e.name}
                </option>
              ))}
            </select>
          )}
        </label>
        <label className="flex items-start gap-2 text-sm font-medium text-stone-700">
          <input type="checkbox" name="aiImages" checked={(shown.settings?.aiImages ?? true) !== false} onChange={(e) => change({ settings: { ...changes.settings, aiImages: e.target.checked } }, true)} className="mt-1" />
          <span>
            AI images
            <span className="block text-xs font-normal text-stone-500">When off, generation writes text and narration only: no illustrations or clips.</span>
          </span>
        </label>
        <WorldVoice value={shown.settings?.defaultVoice ?? world.settings?.defaultVoice ?? ""} onChange={(voice) => change({ settings: { ...changes.settings, defaultVoice: voice } }, true)} />
      </fieldset>
      <div className="flex items-center justify-between gap-2">
        {canEdit ? <SaveNote state={status.state} message={status.message} testId="settings-save-state" /> : <span />}
        <button type="button" onClick={() => (void saver.flush(false), onClose())} className="rounded-lg border border-stone-300 px-4 py-2 hover:bg-stone-50">
          Done
        </button>
      </div>
    </form>
  );
}

export function HistoryDrawer({ open, worldId, onClose }: { open: boolean; worldId: string; onClose: () => void }) {
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const load = async (from: string) => {
    setLoading(true);
    try {
      const page = await api<{ entries: HistoryEntry[]; nextCursor: string | null }>(
        "GET",
        `/api/worlds/${worldId}/history?limit=30${from ? `&cursor=${encodeURIComponent(from)}` : ""}`,
      );
      setEntries((list) => [...list, ...page.entries]);
      setCursor(page.nextCursor);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    api<{ entries: HistoryEntry[]; nextCursor: string | null }>("GET", `/api/worlds/${worldId}/history?limit=30`)
      .then((page) => {
        if (cancelled) return;
        setEntries(page.entries);
        setCursor(page.nextCursor);
        setError(null);
      })
      .catch((e: Error) => !cancelled && setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [open, worldId]);
  return (
    <Dialog title="History" open={open} onClose={onClose} wide>
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      <ol className="divide-y divide-stone-100 text-sm">
        {entries.map((entry) => (
          <li key={entry.id} className="py-2">
            <span className="font-medium">{entry.userName ?? "Someone"}</span> <span className="text-stone-700">{entry.summary}</span>
            <span className="block text-xs text-stone-500">
              {entry.action} · {timeAgo(entry.createdAt)}
              {entry.prompt ? ` · prompt: “${entry.prompt}”` : ""}
            </span>
          </li>
        ))}
      </ol>
      {cursor ? (
        <button type="button" disabled={loading} onClick={() => load(cursor)} className="mt-3 rounded-lg border border-stone-300 px-3 py-1.5 text-sm hover:bg-stone-50">
          {loading ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </Dialog>
  );
}

const VoicesSchema = z.object({ active: z.string(), providers: z.array(z.object({ provider: z.string(), voices: z.array(z.object({ id: z.string(), name: z.string(), language: z.string() })) })) });

/** The world's narrator voice (issue 18): read when neither the story nor the person chose one. */
function WorldVoice({ value, onChange }: { value: string; onChange: (voice: string) => void }) {
  const [voices, setVoices] = useState<Array<{ id: string; name: string; language: string }>>([]);
  useEffect(() => {
    let live = true;
    api<unknown>("GET", "/api/voices").then(
      (answer) => {
        const parsed = VoicesSchema.safeParse(answer);
        if (live && parsed.success) setVoices(parsed.data.providers.find((p) => p.provider === parsed.data.active)?.voices ?? []);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  if (voices.length === 0) return null;
  return (
    <label className="block text-sm font-medium text-stone-700">
      Default narrator voice
      <select name="defaultVoice" value={value} onChange={(e) => e.target.value && onChange(e.target.value)} className="mt-1 block w-full rounded-lg border border-stone-300 bg-white px-3 py-2">
        <option value="">The provider's own</option>
        {voices.map((voice) => (
          <option key={voice.id} value={voice.id}>
            {voice.name} ({voice.language})
          </option>
        ))}
      </select>
      <span className="block text-xs font-normal text-stone-500">Stories are read in it when neither the story nor the reader chose a voice.</span>
    </label>
  );
}
