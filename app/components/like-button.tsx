import { useState } from "react";
import { useLocation } from "react-router";
import { api, ApiError } from "../editor/api";

type LikeState = { likes: number; liked: boolean };

function Heart({ filled }: { filled: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" className={filled ? "fill-rose-600 stroke-rose-600" : "fill-none stroke-current"} strokeWidth="2">
      <path d="M12 20.5s-7.5-4.6-9.3-9.2C1.5 8.2 3.4 4.5 7 4.5c2 0 3.4 1.1 5 3 1.6-1.9 3-3 5-3 3.6 0 5.5 3.7 4.3 6.8-1.8 4.6-9.3 9.2-9.3 9.2z" strokeLinejoin="round" />
    </svg>
  );
}

/**
 * A world's likes (catalogue F1). Signed-in people toggle their like at once and the server's
 * count replaces the guess when it answers; everyone else gets a link to sign in.
 */
export function LikeButton({ worldId, likes, liked, signedIn }: { worldId: string; likes: number; liked: boolean; signedIn: boolean }) {
  const location = useLocation();
  const [state, setState] = useState<LikeState>({ likes, liked });
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const label = `${state.likes} ${state.likes === 1 ? "like" : "likes"}`;
  const base = "inline-flex items-center gap-1.5 rounded-full border px-2.5 py-1 text-sm tabular-nums transition";

  if (!signedIn) {
    const next = encodeURIComponent(location.pathname + location.search);
    return (
      <a href={`/?next=${next}#sign-in`} className={`${base} border-stone-200 text-stone-600 hover:border-rose-300 hover:text-rose-700`} title="Sign in to like this world" aria-label={`${label}. Sign in to like this world`}>
        <Heart filled={false} />
        {state.likes}
      </a>
    );
  }

  async function toggle() {
    const before = state;
    const want = !before.liked;
    setState({ liked: want, likes: Math.max(0, before.likes + (want ? 1 : -1)) });
    setPending(true);
    setFailed(null);
    try {
      const body = await api<LikeState>(want ? "POST" : "DELETE", `/api/worlds/${encodeURIComponent(worldId)}/like`);
      setState({ likes: body.likes, liked: body.liked });
    } catch (error) {
      setState(before);
      setFailed(error instanceof ApiError ? `${error.message} Try again.` : "That did not work. Try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <button
      type="button"
      onClick={toggle}
      disabled={pending}
      aria-pressed={state.liked}
      aria-label={`${state.liked ? "Unlike" : "Like"} this world (${label})`}
      title={failed ?? (state.liked ? "Unlike" : "Like")}
      className={`${base} ${
        state.liked ? "border-rose-300 bg-rose-50 text-rose-700" : "border-stone-200 bg-white text-stone-600 hover:border-rose-300 hover:text-rose-700"
      } ${failed ? "ring-2 ring-red-300" : ""} disabled:cursor-wait`}
    >
      <Heart filled={state.liked} />
      {state.likes}
    </button>
  );
}
