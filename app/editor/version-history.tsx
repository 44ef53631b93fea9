// The element panel's version history: one entry per editing session (the room gathers a person's
// edits into one version until they pause for minutes, someone else edits, or they press *Save
// version*), what each changed in words people use, a diff against now, and restore.
import { useEffect, useState } from "react";
import { elementFieldLabel, elementFieldsInWords } from "../../workers/domain/field-labels";
import { api, timeAgo, type VersionEntry } from "./api";
import type { ElementState } from "./graph-model";
import { versionChanges } from "./text-diff";
import { DiffParts } from "./diff-parts";

const COMPARED = ["name", "type", "description", "tags", "secret"] as const;
const MEDIA = ["image", "video", "audio"] as const;

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The fields a version changed from the one before it (null: it is the first). */
function fieldsChanged(version: VersionEntry, older: VersionEntry | undefined): string[] | null {
  if (!older) return null;
  const text = (value: unknown) => JSON.stringify(value ?? "");
  const fields: string[] = COMPARED.filter((field) => text(version.element[field]) !== text(older.element[field]));
  for (const kind of MEDIA) if ((version.element.assets?.[kind] ?? null) !== (older.element.assets?.[kind] ?? null)) fields.push(kind);
  return fields;
}

/** "Ana changed the description and tags", "the AI refined the description for Ben", … */
export function describeVersion(version: VersionEntry, older: VersionEntry | undefined): string {
  const who = version.userName ?? "Someone";
  const fields = fieldsChanged(version, older);
  const what = fields?.length ? ` the ${elementFieldsInWords(fields)}` : "";
  switch (version.action) {
    case "created":
      return `${who} created it`;
    case "edited":
      return `${who} changed${what || " it"}`;
    case "refined":
      return `The AI refined${what || " it"} for ${who}`;
    case "generated":
      return `The AI made it for ${who}`;
    case "restored":
      return older ? `${who} restored an earlier version` : `${who} brought it back`;
    case "forked":
      return "Copied from the original world";
    case "imported":
      return "Imported";
    default:
      return `${who}: ${version.action}`;
  }
}

export function VersionHistory({ worldId, element, canEdit }: { worldId: string; element: ElementState; canEdit: boolean }) {
  const [open, setOpen] = useState(false);
  const [versions, setVersions] = useState<VersionEntry[] | null>(null);
  const [picked, setPicked] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** What Save version answered, shown until the element's version moves on. */
  const [saved, setSaved] = useState<{ text: string; version: number } | null>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    // The projection into D1 follows an edit by about half a second; an open session's version
    // keeps its number while it changes, so its time of change (updatedAt) refreshes the list too.
    const timer = setTimeout(() => {
      api<{ versions: VersionEntry[] }>("GET", `/api/worlds/${worldId}/elements/${element.id}/versions`)
        .then((r) => !cancelled && (setVersions(r.versions), setError(null)))
        .catch((e: Error) => !cancelled && setError(e.message));
    }, 700);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [open, worldId, element.id, element.version, element.updatedAt, reload]);
  const chosen = versions?.find((v) => v.version === picked) ?? null;
  const changes = chosen ? versionChanges(chosen.element, { ...element }, ["name", "type", "description", "tags"]) : [];

  const restore = async (version: number) => {
    setBusy(true);
    try {
      await api("POST", `/api/worlds/${worldId}/elements/${element.id}/versions/${version}/restore`);
      setPicked(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const save = async () => {
    setBusy(true);
    setSaved(null);
    try {
      const result = await api<{ version: number; alreadySaved: boolean }>("POST", `/api/worlds/${worldId}/elements/${element.id}/versions`);
      setSaved({
        version: result.version,
        text: result.alreadySaved
          ? `Version ${result.version} is saved; your next change starts a new one.`
          : `Saved as version ${result.version}; your next change starts version ${result.version + 1}.`,
      });
      setReload((n) => n + 1);
    } catch (e) {
      setSaved({ version: element.version, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="mt-4" aria-label="Versions">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <button type="button" onClick={() => setOpen((o) => !o)} className="text-sm font-semibold text-stone-700 hover:text-indigo-800" aria-expanded={open}>
          {open ? "▾" : "▸"} Version history
        </button>
        {canEdit ? (
          <button
            type="button"
            onClick={save}
            disabled={busy}
            className="rounded-md border border-stone-300 px-2 py-1 text-xs hover:bg-stone-50 disabled:opacity-50"
            title="Keep what this element is now as a version; your next change starts a new one"
          >
            Save version
          </button>
        ) : null}
      </div>
      {saved && saved.version >= element.version ? (
        <p className="mt-1 text-xs text-stone-600" role="status">
          {saved.text}
        </p>
      ) : null}
      {open ? (
        <div className="mt-2">
          <p className="text-xs text-stone-500">Each person’s edits are one version until they pause for a few minutes, someone else edits, or they save it.</p>
          {error ? (
            <p className="text-sm text-red-700" role="alert">
              {error}
            </p>
          ) : null}
          {!versions && !error ? <p className="text-sm text-stone-500">Loading…</p> : null}
          <ol className="mt-1 space-y-1 text-sm">
            {versions?.map((v, index) => (
              <li key={v.version}>
                <button
                  type="button"
                  onClick={() => setPicked(v.version === picked ? null : v.version)}
                  className={`w-full rounded-lg px-2 py-1 text-left break-words hover:bg-stone-100 ${v.version === picked ? "bg-indigo-50" : ""}`}
                  data-testid="version"
                >
                  <span className="font-medium">v{v.version}</span>
                  {v.version === element.version ? <span className="ml-1 rounded bg-emerald-100 px-1 text-xs text-emerald-900">current</span> : null} ·{" "}
                  {describeVersion(v, versions[index + 1])} · {timeAgo(v.createdAt)}
                </button>
              </li>
            ))}
          </ol>
          {chosen ? (
            <div className="mt-2 rounded-lg border border-stone-200 p-2 text-sm" data-testid="version-diff">
              <p className="text-xs text-stone-500">
                Changes from version {chosen.version} to now (<del className="bg-red-100 text-red-900">removed</del>,{" "}
                <ins className="bg-emerald-100 text-emerald-900 no-underline">added</ins>):
              </p>
              {changes.map((change) => (
                <p key={change.field} className="mt-1 break-words whitespace-pre-wrap">
                  <span className="font-medium">{capitalised(elementFieldLabel(change.field))}: </span>
                  <DiffParts parts={change.parts} />
                </p>
              ))}
              {changes.length === 0 ? <p className="mt-1 text-stone-500">Same as now.</p> : null}
              {canEdit && chosen.version !== element.version ? (
                <button type="button" disabled={busy} onClick={() => restore(chosen.version)} className="mt-2 rounded-lg bg-indigo-700 px-3 py-1.5 text-white hover:bg-indigo-800 disabled:opacity-60">
                  Restore version {chosen.version}
                </button>
              ) : null}
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
