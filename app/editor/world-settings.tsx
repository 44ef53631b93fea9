import { useEffect, useState } from "react";
import { VISIBILITIES, WORLD_STYLES, type Role } from "../../drizzle/schema/constants";
import { api, timeAgo, type HistoryEntry } from "./api";
import { Dialog } from "./dialogs";
import type { ElementState } from "./graph-model";

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
  const canEdit = world.role === "owner" || world.role === "editor";
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const images = elements.filter((e) => e.assets.image);
  const submit = async (form: FormData) => {
    setSaving(true);
    setError(null);
    const body: Record<string, unknown> = {
      title: String(form.get("title") ?? ""),
      description: String(form.get("description") ?? ""),
      style: String(form.get("style") ?? ""),
      tags: [...new Set(String(form.get("tags") ?? "").split(",").map((t) => t.trim()).filter(Boolean))],
    };
    if (world.role === "owner") body.visibility = String(form.get("visibility"));
    const aiImages = form.get("aiImages") === "on";
    if (aiImages !== (world.settings?.aiImages !== false)) body.settings = { aiImages };
    const cover = String(form.get("cover") ?? "");
    if (cover !== (world.coverAssetKey ?? "")) body.coverAssetKey = cover || null;
    try {
      const { world: saved } = await api<{ world: EditorWorld }>("PATCH", `/api/worlds/${world.id}`, body);
      onSaved({ ...world, ...saved });
      onClose();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  const input = "mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 disabled:bg-stone-50";
  return (
    <Dialog
      title="World settings"
      open={open}
      onClose={() => {
        setError(null);
        onClose();
      }}
    >
      <form
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          void submit(new FormData(event.currentTarget));
        }}
      >
        <fieldset disabled={!canEdit || saving} className="space-y-3">
          <label className="block text-sm font-medium text-stone-700">
            Title
            <input name="title" defaultValue={world.title} required maxLength={120} className={input} />
          </label>
          <div>
            <label className="block text-sm font-medium text-stone-700">
              Description
              <textarea name="description" defaultValue={world.description} rows={3} maxLength={5000} aria-describedby="world-description-help" className={input} />
            </label>
            <p id="world-description-help" className="mt-1 text-xs text-stone-500">
              What the world is about: shown on its card, its public page and in the gallery. A world made from a prompt starts with that prompt.
            </p>
          </div>
          <label className="block text-sm font-medium text-stone-700">
            Style
            <select name="style" defaultValue={world.style} className={`${input} bg-white`}>
              {WORLD_STYLES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label className="block text-sm font-medium text-stone-700">
            Tags <span className="font-normal text-stone-500">(comma-separated)</span>
            <input name="tags" defaultValue={world.tags.join(", ")} className={input} />
          </label>
          <label className="block text-sm font-medium text-stone-700">
            Visibility
            <select name="visibility" defaultValue={world.visibility} disabled={world.role !== "owner"} className={`${input} bg-white`}>
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
              <select name="cover" defaultValue={world.coverAssetKey ?? ""} className={`${input} bg-white`}>
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
            <input type="checkbox" name="aiImages" defaultChecked={world.settings?.aiImages !== false} className="mt-1" />
            <span>
              AI images
              <span className="block text-xs font-normal text-stone-500">When off, generation writes text and narration only: no illustrations or clips.</span>
            </span>
          </label>
        </fieldset>
        {error ? (
          <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        ) : null}
        {canEdit ? (
          <div className="flex justify-end gap-2">
            <button type="button" onClick={onClose} className="rounded-lg border border-stone-300 px-4 py-2 hover:bg-stone-50">
              Cancel
            </button>
            <button type="submit" disabled={saving} className="rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white hover:bg-indigo-800 disabled:opacity-60">
              {saving ? "Saving…" : "Save"}
            </button>
          </div>
        ) : null}
      </form>
    </Dialog>
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
