import { useEffect, useId, useState } from "react";
import { z } from "zod";
import { RATING_COMMENT_MAX_CHARS, type RatingTargetKind } from "../../drizzle/schema/ratings";
import { api, ApiError } from "../editor/api";

const RatingSchema = z.object({
  targetKind: z.string(),
  targetId: z.string(),
  value: z.enum(["up", "down"]),
  comment: z.string().nullable(),
});
type Rating = z.infer<typeof RatingSchema>;
const RatingListSchema = z.object({ ratings: z.array(RatingSchema) });
const RatedSchema = z.object({ rating: RatingSchema });

/** Loaded: the person's rating (or none); hidden: not signed in, or not an AI result the server knows. */
type Phase = { kind: "loading" } | { kind: "hidden" } | { kind: "ready"; rating: Rating | null };
/** A phase and the result it is about: a phase of another result (the panel moved on) is still loading. */
type Known = { target: string; phase: Phase };

const ratingsPath = (worldId: string) => `/api/worlds/${encodeURIComponent(worldId)}/ratings`;

function Thumb({ down }: { down?: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" className={`fill-none stroke-current ${down ? "rotate-180" : ""}`} strokeWidth="2" strokeLinejoin="round">
      <path d="M7 10v11H3V10h4zm0 0 4-8c1.7 0 3 1.3 3 3v3h5.5a2 2 0 0 1 2 2.3l-1.4 8.5a2 2 0 0 1-2 1.7H7" />
    </svg>
  );
}

/**
 * Thumbs up or down, and an optional comment, on one AI result (issue 19, point 7). The person sees
 * their own rating; pressing the pressed thumb takes it back. Nothing shows for someone signed out
 * or for a result the server does not know as the AI's. Buttons are 44 px for fingers.
 */
export function RateResult({ worldId, targetKind, targetId, what }: { worldId: string; targetKind: RatingTargetKind; targetId: string; what: string }) {
  const target = `${worldId} ${targetKind} ${targetId}`;
  const [known, setKnown] = useState<Known>({ target: "", phase: { kind: "loading" } });
  const phase: Phase = known.target === target ? known.phase : { kind: "loading" };
  const setPhase = (next: Phase) => setKnown({ target, phase: next });
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [commenting, setCommenting] = useState(false);
  const [draft, setDraft] = useState("");
  const commentId = useId();

  useEffect(() => {
    let live = true;
    const query = new URLSearchParams({ targetKind, targetId });
    api<unknown>("GET", `${ratingsPath(worldId)}?${query}`)
      .then((body) => {
        const parsed = RatingListSchema.safeParse(body);
        if (live) setKnown({ target: `${worldId} ${targetKind} ${targetId}`, phase: parsed.success ? { kind: "ready", rating: parsed.data.ratings[0] ?? null } : { kind: "hidden" } });
      })
      .catch(() => {
        if (live) setKnown({ target: `${worldId} ${targetKind} ${targetId}`, phase: { kind: "hidden" } });
      });
    return () => {
      live = false;
    };
  }, [worldId, targetKind, targetId]);

  if (phase.kind === "hidden") return null;
  const rating = phase.kind === "ready" ? phase.rating : null;

  async function save(change: { value: "up" | "down" | null; comment?: string | null }) {
    setBusy(true);
    setMessage(null);
    try {
      if (change.value === null) {
        await api("DELETE", `${ratingsPath(worldId)}/${encodeURIComponent(targetKind)}/${targetId.split("/").map(encodeURIComponent).join("/")}`);
        setPhase({ kind: "ready", rating: null });
        setMessage({ error: false, text: "Rating removed" });
      } else {
        const body = await api<unknown>("PUT", ratingsPath(worldId), { targetKind, targetId, value: change.value, ...(change.comment === undefined ? {} : { comment: change.comment }) });
        const parsed = RatedSchema.safeParse(body);
        if (!parsed.success) throw new ApiError(0, "The server's answer could not be read.");
        setPhase({ kind: "ready", rating: parsed.data.rating });
        setMessage({ error: false, text: "Thanks — saved" });
      }
      return true;
    } catch (error) {
      setMessage({ error: true, text: error instanceof ApiError ? error.message : "That did not work. Try again." });
      return false;
    } finally {
      setBusy(false);
    }
  }

  const press = (value: "up" | "down") => void save({ value: rating?.value === value ? null : value });
  const openComment = () => {
    setDraft(rating?.comment ?? "");
    setCommenting((open) => !open);
  };
  const saveComment = async () => {
    if (!rating) return;
    if (await save({ value: rating.value, comment: draft.trim() || null })) setCommenting(false);
  };

  const button = "inline-flex min-h-11 min-w-11 items-center justify-center rounded-lg border transition disabled:opacity-50";
  const off = "border-stone-200 bg-white text-stone-600 hover:border-stone-400";
  return (
    <div className="relative mt-1 flex flex-wrap items-center gap-1.5 text-xs text-stone-600" role="group" aria-label={`Rate ${what}`} data-testid="rate-result" data-target-kind={targetKind} data-rating={phase.kind === "loading" ? "loading" : (rating?.value ?? "none")}>
      <span className="mr-0.5">Rate {what}:</span>
      <button type="button" disabled={busy || phase.kind === "loading"} aria-pressed={rating?.value === "up"} aria-label="Thumbs up" title="Good" onClick={() => press("up")} className={`${button} ${rating?.value === "up" ? "border-emerald-500 bg-emerald-50 text-emerald-800" : off}`}>
        <Thumb />
      </button>
      <button type="button" disabled={busy || phase.kind === "loading"} aria-pressed={rating?.value === "down"} aria-label="Thumbs down" title="Not good" onClick={() => press("down")} className={`${button} ${rating?.value === "down" ? "border-rose-500 bg-rose-50 text-rose-800" : off}`}>
        <Thumb down />
      </button>
      {rating ? (
        <button type="button" disabled={busy} aria-expanded={commenting} aria-controls={commentId} onClick={openComment} className={`${button} ${off} px-2`}>
          {rating.comment ? "Edit comment" : "Comment"}
        </button>
      ) : null}
      {message ? (
        <span role={message.error ? "alert" : "status"} className={message.error ? "text-red-700" : "text-stone-500"}>
          {message.text}
        </span>
      ) : null}
      {commenting && rating ? (
        <div id={commentId} className="absolute top-full left-0 z-20 mt-1 w-[min(20rem,calc(100vw-2rem))] rounded-xl border border-stone-200 bg-white p-2 shadow-lg">
          <label className="block text-xs font-medium text-stone-700">
            What did you think? (optional)
            <textarea value={draft} onChange={(e) => setDraft(e.target.value)} maxLength={RATING_COMMENT_MAX_CHARS} rows={3} className="mt-1 block w-full rounded-lg border border-stone-300 p-1.5 text-sm font-normal" />
          </label>
          <div className="mt-1 flex items-center justify-end gap-2">
            <span className="mr-auto tabular-nums text-stone-400">{draft.length}/{RATING_COMMENT_MAX_CHARS}</span>
            <button type="button" onClick={() => setCommenting(false)} className={`${button} ${off} px-3`}>
              Cancel
            </button>
            <button type="button" disabled={busy} onClick={() => void saveComment()} className={`${button} border-violet-700 bg-violet-700 px-3 text-white`}>
              Save comment
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
