// The dialogs of AI generation (catalogue C2, C4, D4): asking for a new element from a prompt or a
// photo, and choosing between two people's requests for one element. Loaded only when one opens,
// to keep the editor's first download small.
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { NeedsConnectionButton } from "../components/needs-connection";
import { appendSpoken, VoiceInput } from "../components/voice-input";
import { ELEMENT_TYPES, type ElementType } from "../../drizzle/schema/constants";
import { ELEMENT_LOOK } from "../lib/element-types";
import { MAX_PHOTO_BYTES, PHOTO_PROBLEM_TEXT, PHOTO_TYPES, checkChosenPhoto, shrinkPhoto, uploadWithProgress } from "../lib/photo";
import { forgetSharedPhoto, readSharedPhoto } from "../lib/shared-photo";
import { shareHeaders } from "./api";
import { Dialog } from "./dialogs";
import { ModalityChoice, OfflineBadge, startJob, type JobView, type Modality } from "./generation";
import type { ConflictState } from "./use-room";

const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
/** What `POST …/photo` answers: the job it started (202), or the one error shape. */
const PhotoAnswerSchema = z.union([
  z.object({
    job: z.object({
      id: z.string(),
      kind: z.string(),
      status: z.enum(JOB_STATUSES),
      stage: z.string().nullable(),
      progress: z.number(),
      error: z.string().nullable(),
      elementId: z.string().nullable(),
      prompt: z.string().nullable(),
      stages: z.array(
        z.object({
          stage: z.string(),
          status: z.string(),
          attempts: z.number(),
          durationMs: z.number().nullable(),
          error: z.string().nullable(),
          provider: z.string().nullable(),
          model: z.string().nullable(),
        }),
      ),
      result: z.object({ elementIds: z.array(z.string()).optional(), names: z.array(z.string()).optional() }).nullable(),
      createdAt: z.string(),
    }) satisfies z.ZodType<JobView>,
  }),
  z.object({ error: z.object({ message: z.string() }) }),
]);

/** Where a photo is on its way: being shrunk in the browser, then sent with its progress. */
type PhotoStep = { step: "shrinking" } | { step: "uploading"; percent: number; bytes: number; originalBytes: number };

/** "Generate" (a new element from a prompt) and "From photo" (a new element from a picture). */
export function GenerateDialog({
  mode,
  worldId,
  shared = false,
  onClose,
  onStarted,
}: {
  mode: "prompt" | "photo";
  worldId: string;
  /** Opened for a picture shared from another app (/share): it is chosen already. */
  shared?: boolean;
  onClose: () => void;
  onStarted: (job: JobView) => void;
}) {
  const [prompt, setPrompt] = useState("");
  const [type, setType] = useState<ElementType | "">("");
  const [modalities, setModalities] = useState<Set<Modality>>(new Set(["image", "video", "audio"]));
  const [file, setFile] = useState<File | null>(null);
  const [fromShare, setFromShare] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [photoStep, setPhotoStep] = useState<PhotoStep | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  // A shared picture waits in Cache Storage: it becomes the chosen file, its words the hint.
  useEffect(() => {
    if (!shared || mode !== "photo") return;
    let live = true;
    void readSharedPhoto().then((photo) => {
      if (!live) return;
      if (!photo) return setError("The shared picture is no longer here (it was used or discarded). Choose or take a photo instead.");
      setFile(photo.file);
      setFromShare(true);
      if (photo.hint) setPrompt((current) => current || photo.hint);
      // Shown in the file input too, as if the person had picked it there.
      if (fileInput.current && typeof DataTransfer === "function") {
        const transfer = new DataTransfer();
        transfer.items.add(photo.file);
        fileInput.current.files = transfer.files;
      }
    });
    return () => {
      live = false;
    };
  }, [shared, mode]);

  const sendPhoto = async (chosen: File): Promise<{ job?: JobView; error?: string }> => {
    const problem = checkChosenPhoto(chosen);
    if (problem) return { error: PHOTO_PROBLEM_TEXT[problem] };
    setPhotoStep({ step: "shrinking" });
    const { file: photo, originalBytes } = await shrinkPhoto(chosen);
    if (photo.size > MAX_PHOTO_BYTES) return { error: PHOTO_PROBLEM_TEXT["too-large"] };
    if (photo.type && !PHOTO_TYPES.some((t) => t === photo.type)) return { error: PHOTO_PROBLEM_TEXT["unsupported-type"] };
    const form = new FormData();
    form.set("file", photo);
    if (prompt.trim()) form.set("prompt", prompt.trim());
    setPhotoStep({ step: "uploading", percent: 0, bytes: photo.size, originalBytes });
    const answer = await uploadWithProgress(`/api/worlds/${worldId}/photo`, form, { ...shareHeaders(), "idempotency-key": crypto.randomUUID() }, (percent) =>
      setPhotoStep({ step: "uploading", percent, bytes: photo.size, originalBytes }),
    );
    if ("offline" in answer) return { error: "The photo could not be sent: this needs a connection. Try again when you are back online." };
    const read = PhotoAnswerSchema.safeParse(answer.body);
    const unexpected = `The photo could not be sent (the server answered ${answer.status}).`;
    if (!read.success) return { error: unexpected };
    if ("error" in read.data) return { error: read.data.error.message };
    if (answer.status < 200 || answer.status > 299) return { error: unexpected };
    if (fromShare) await forgetSharedPhoto();
    return { job: read.data.job };
  };

  const submit = async () => {
    setError(null);
    if (mode === "photo" && !file) return setError(PHOTO_PROBLEM_TEXT.none);
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
      setPhotoStep(null);
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
            Photo or sketch <span className="font-normal text-stone-500">(PNG, JPEG, GIF or WebP; a large photo is made smaller before it is sent)</span>
            <input
              ref={fileInput}
              type="file"
              accept="image/*"
              capture="environment"
              onChange={(e) => {
                setError(null);
                setFromShare(false);
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
        {photoStep ? <PhotoProgress step={photoStep} /> : null}
        {error ? (
          <p className="mt-3 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">
            {error}
          </p>
        ) : null}
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" onClick={onClose} className="rounded-lg border border-stone-300 px-3 py-1.5 text-sm">
            Cancel
          </button>
          <NeedsConnectionButton type="submit" disabled={busy} className="rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
            {busy ? "Sending…" : "Generate"}
          </NeedsConnectionButton>
        </div>
      </form>
    </Dialog>
  );
}

/** The photo's way to the server: "Making it smaller…", then a bar with the percentage sent. */
function PhotoProgress({ step }: { step: PhotoStep }) {
  if (step.step === "shrinking") {
    return (
      <p className="mt-3 text-sm text-stone-700" role="status">
        Making the photo smaller…
      </p>
    );
  }
  const smaller = step.bytes < step.originalBytes;
  return (
    <div className="mt-3" data-testid="photo-upload">
      <div className="flex justify-between gap-2 text-sm text-stone-700">
        <span>
          Uploading {formatBytes(step.bytes)}
          {smaller ? <span className="text-stone-500"> (made smaller from {formatBytes(step.originalBytes)})</span> : null}
        </span>
        <span className="font-medium tabular-nums">{step.percent}%</span>
      </div>
      <div
        role="progressbar"
        aria-label="Uploading the photo"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={step.percent}
        className="mt-1 h-2 overflow-hidden rounded-full bg-stone-200"
      >
        <div className="h-full rounded-full bg-indigo-600 transition-[width]" style={{ width: `${step.percent}%` }} />
      </div>
    </div>
  );
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
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
