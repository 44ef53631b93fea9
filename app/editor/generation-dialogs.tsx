// The dialogs of AI generation (catalogue C2, C4, D4): asking for a new element from a prompt or a
// photo, and choosing between two people's requests for one element. Loaded only when one opens,
// to keep the editor's first download small.
import { useState } from "react";
import { appendSpoken, VoiceInput } from "../components/voice-input";
import { ELEMENT_TYPES, type ElementType } from "../../drizzle/schema/constants";
import { ELEMENT_LOOK } from "../lib/element-types";
import { shareHeaders } from "./api";
import { Dialog } from "./dialogs";
import { ModalityChoice, OfflineBadge, startJob, type JobView, type Modality } from "./generation";
import type { ConflictState } from "./use-room";

const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** What the API turns into elements (it checks the bytes too). */
const PHOTO_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** "Generate" (a new element from a prompt) and "From photo" (a new element from a picture). */
export function GenerateDialog({ mode, worldId, onClose, onStarted }: { mode: "prompt" | "photo"; worldId: string; onClose: () => void; onStarted: (job: JobView) => void }) {
  const [prompt, setPrompt] = useState("");
  const [type, setType] = useState<ElementType | "">("");
  const [modalities, setModalities] = useState<Set<Modality>>(new Set(["image", "video", "audio"]));
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const sendPhoto = async (photo: File) => {
    const form = new FormData();
    form.set("file", photo);
    if (prompt.trim()) form.set("prompt", prompt.trim());
    const response = await fetch(`/api/worlds/${worldId}/photo`, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { ...shareHeaders(), "idempotency-key": crypto.randomUUID() },
    }).catch(() => null);
    if (!response) return { error: "You seem to be offline. Try again when you are connected." };
    const json = (await response.json().catch(() => null)) as { job?: JobView; error?: { message?: string } } | null;
    if (!response.ok || !json?.job) return { error: json?.error?.message ?? `The photo could not be sent (the server answered ${response.status}).` };
    return { job: json.job };
  };

  const submit = async () => {
    setError(null);
    if (mode === "photo") {
      if (!file) return setError("Choose or take a photo first.");
      if (file.size > MAX_PHOTO_BYTES) return setError("Photos are limited to 10 MB.");
      if (file.type && !PHOTO_TYPES.has(file.type)) return setError("Use a PNG, JPEG, GIF or WebP picture.");
    }
    setBusy(true);
    try {
      const started =
        mode === "photo" && file
          ? await sendPhoto(file)
          : await startJob(`/api/worlds/${worldId}/generate`, { prompt, ...(type ? { type } : {}), modalities: ["text", ...modalities] });
      if (started.error || !started.job) return setError(started.error ?? "The request failed.");
      onStarted(started.job);
      onClose();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={mode === "photo" ? "An element from a photo or sketch" : "Generate an element"} open onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {mode === "photo" ? (
          <label className="block text-sm font-medium text-stone-700">
            Photo or sketch <span className="font-normal text-stone-500">(PNG, JPEG, GIF or WebP, up to 10 MB)</span>
            <input
              type="file"
              accept="image/*"
              capture="environment"
              onChange={(e) => {
                setError(null);
                setFile(e.target.files?.[0] ?? null);
              }}
              className="mt-1 block w-full min-w-0 text-sm file:mr-2 file:rounded-lg file:border file:border-stone-300 file:bg-white file:px-3 file:py-1.5 file:text-sm"
              name="file"
            />
          </label>
        ) : null}
        <label className="mt-3 block text-sm font-medium text-stone-700">
          {mode === "photo" ? "What is it? (optional)" : "Describe it"}
          <textarea
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            rows={3}
            maxLength={2000}
            required={mode === "prompt"}
            name="prompt"
            placeholder={mode === "photo" ? "A compass my grandfather carried" : "A lighthouse keeper who talks to clockwork gulls"}
            className="mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2 text-base sm:text-sm"
          />
        </label>
        <VoiceInput onText={(text) => setPrompt((current) => appendSpoken(current, text).slice(0, 2000))} className="mt-2" />
        {mode === "prompt" ? (
          <>
            <label className="mt-3 block text-sm font-medium text-stone-700">
              Type
              <select value={type} onChange={(e) => setType(e.target.value as ElementType | "")} className="mt-1 block w-full rounded-lg border border-stone-300 bg-white px-3 py-2 text-sm" name="type">
                <option value="">Let the AI decide</option>
                {ELEMENT_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {ELEMENT_LOOK[t].label}
                  </option>
                ))}
              </select>
            </label>
            <ModalityChoice value={modalities} onChange={setModalities} />
          </>
        ) : null}
        {error ? (
          <p className="mt-3 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">
            {error}
          </p>
        ) : null}
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" onClick={onClose} className="rounded-lg border border-stone-300 px-3 py-1.5 text-sm">
            Cancel
          </button>
          <button type="submit" disabled={busy} className="rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
            {busy ? "Sending…" : "Generate"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * The open conflict, for everyone who may choose; the room closes it for all once someone has.
 * Which request was whose cannot be told reliably, so they are "A" and "B" with their texts.
 */
export function ConflictDialog({ conflict, elementName, onChoose }: { conflict: ConflictState; elementName: string | undefined; onChoose: (choice: "merged" | "a" | "b") => boolean }) {
  const [sent, setSent] = useState(false);
  const [offline, setOffline] = useState(false);
  const [hidden, setHidden] = useState(false);
  if (hidden) return null;
  const options: Array<["merged" | "a" | "b", string, string]> = [
    ["merged", "Merged (recommended)", conflict.options.merged],
    ["a", "Request A", conflict.options.a],
    ["b", "Request B", conflict.options.b],
  ];
  return (
    // Closing it only hides it here: the other person can still choose, and until someone does the
    // first request goes on.
    <Dialog title="Two requests for the same element" open onClose={() => setHidden(true)} wide>
      <p className="text-sm text-stone-700">
        Two people asked the AI to change <strong>{elementName ?? "this element"}</strong> at the same time. Pick the one request to run; the first choice made by either
        of you wins, and the others are cancelled. Until someone chooses, request A goes on: if it finishes first, it is the one that ran.
      </p>
      <ul className="mt-4 space-y-2">
        {options.map(([choice, label, text]) => (
          <li key={choice} className={`rounded-xl border p-3 ${choice === "merged" ? "border-indigo-200 bg-indigo-50/40" : "border-stone-200"}`}>
            <p className="text-xs font-semibold tracking-wide text-stone-500 uppercase">
              {label}
              {choice === "merged" && conflict.options.mergedOffline ? <OfflineBadge className="ml-2 normal-case" /> : null}
            </p>
            <p className="mt-1 text-sm break-words whitespace-pre-wrap">{text}</p>
            <button
              type="button"
              disabled={sent}
              onClick={() => {
                const delivered = onChoose(choice);
                setSent(delivered);
                setOffline(!delivered);
              }}
              className="mt-2 rounded-lg bg-indigo-700 px-3 py-1 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50"
            >
              Use {choice === "merged" ? "the merged request" : `request ${choice.toUpperCase()}`}
            </button>
          </li>
        ))}
      </ul>
      {sent ? (
        <p className="mt-3 text-sm text-stone-600" role="status">
          Sent; waiting for the room…
        </p>
      ) : offline ? (
        <p className="mt-3 text-sm text-red-800" role="alert">
          You are not connected to the room; try again in a moment.
        </p>
      ) : null}
    </Dialog>
  );
}
