import { useCallback, useEffect, useRef, useState } from "react";
import { z } from "zod";
import type { JobEvent } from "../../durable-objects/world-room/protocol";
import { RateResult } from "../components/rate-result";
import { api } from "../editor/api";
import type { WorldElement } from "./story-api";
import { NeedsConnectionButton } from "../components/needs-connection";

/**
 * A scene's picture, clip and narration (issue 18, points 1–3): what it has now, and *Illustrate*,
 * *Narrate* and *Clip* for this scene, its chapter or the whole story, with the jobs' progress as
 * the story's room relays it. What the offline provider made says so. Below, the voices: the
 * narrator's, one per character, and the person's own default, each with a short preview.
 */

const MediaItemSchema = z.object({ url: z.string(), mimeType: z.string(), provider: z.string(), offline: z.boolean(), durationMs: z.number().optional() });
const MediaAnswerSchema = z.object({ media: z.record(z.string(), z.object({ image: MediaItemSchema.optional(), clip: MediaItemSchema.optional(), narration: MediaItemSchema.optional() })) });
type MediaSet = z.infer<typeof MediaAnswerSchema>["media"][string];
const JobAnswerSchema = z.object({ job: z.object({ id: z.string(), kind: z.string(), status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]), stage: z.string().nullable(), progress: z.number() }) });

const MEDIA_KINDS = new Set(["scene_illustrate", "narrate", "scene_clip"]);
const RUNNING = new Set<JobEvent["status"]>(["queued", "running"]);
const ACTIONS = [
  { action: "illustrate", kind: "scene_illustrate", label: "Illustrate", doing: "Illustrating" },
  { action: "narrate", kind: "narrate", label: "Narrate", doing: "Narrating" },
  { action: "clip", kind: "scene_clip", label: "Clip", doing: "Making a clip" },
] as const;
type Scope = "scene" | "chapter" | "story";

/** The asset key a media URL names (`/api/assets/<key>`): what a rating of the file refers to. */
const keyOf = (url: string) => (url.startsWith("/api/assets/") ? url.slice("/api/assets/".length).split("?")[0]! : null);

function RateMedia({ worldId, url, targetKind, what }: { worldId: string; url: string; targetKind: "image" | "clip" | "narration"; what: string }) {
  const key = keyOf(url);
  return key ? <RateResult worldId={worldId} targetKind={targetKind} targetId={key} what={what} /> : null;
}

function useStoryMedia(worldId: string, storyId: string, jobs: Map<string, JobEvent>) {
  const [media, setMedia] = useState<Record<string, MediaSet>>({});
  const finished = [...jobs.values()].filter((job) => job.kind && MEDIA_KINDS.has(job.kind) && job.status === "succeeded").length;
  useEffect(() => {
    let live = true;
    api<unknown>("GET", `/api/worlds/${worldId}/stories/${storyId}/media`).then(
      (answer) => {
        const parsed = MediaAnswerSchema.safeParse(answer);
        if (live && parsed.success) setMedia(parsed.data.media);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [worldId, storyId, finished]);
  return media;
}

export function SceneMediaPanel({
  worldId,
  storyId,
  sceneId,
  chapterId,
  elements,
  canEdit,
  jobs,
  onStarted,
}: {
  worldId: string;
  storyId: string;
  sceneId: string;
  chapterId: string;
  elements: WorldElement[];
  canEdit: boolean;
  jobs: Map<string, JobEvent>;
  onStarted: (job: JobEvent) => void;
}) {
  const media = useStoryMedia(worldId, storyId, jobs)[sceneId] ?? {};
  const [scope, setScope] = useState<Scope>("scene");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const running = [...jobs.values()].filter((job) => job.kind && MEDIA_KINDS.has(job.kind) && RUNNING.has(job.status));
  const failed = [...jobs.values()].filter((job) => job.kind && MEDIA_KINDS.has(job.kind) && job.status === "failed").at(-1);

  const start = async (action: (typeof ACTIONS)[number]["action"]) => {
    setBusy(true);
    setError(null);
    const base = `/api/worlds/${worldId}/stories/${storyId}`;
    const path = scope === "scene" ? `${base}/scenes/${sceneId}/${action}` : scope === "chapter" ? `${base}/chapters/${chapterId}/${action}` : `${base}/${action}`;
    try {
      const { job } = JobAnswerSchema.parse(await api<unknown>("POST", path, {}));
      onStarted({ jobId: job.id, kind: job.kind, status: job.status, stage: job.stage ?? "queued", progress: job.progress });
    } catch (e) {
      setError(e instanceof Error ? e.message : "That could not start.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label="Pictures, clip and narration" className="rounded-xl border border-amber-200 bg-amber-50/50 p-2 text-sm" data-testid="scene-media">
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="mr-auto font-medium text-stone-800">Picture, clip and narration</h3>
        {canEdit ? (
          <>
            <label className="flex items-center gap-1 text-xs text-stone-700">
              For
              <select value={scope} onChange={(e) => setScope(e.target.value === "chapter" ? "chapter" : e.target.value === "story" ? "story" : "scene")} className="max-sm:min-h-11 rounded-lg border border-stone-300 bg-white px-1.5 py-1 text-xs">
                <option value="scene">this scene</option>
                <option value="chapter">every scene of the chapter</option>
                <option value="story">every scene of the story</option>
              </select>
            </label>
            <div className="flex flex-wrap gap-1.5">
              {ACTIONS.map(({ action, label }) => (
                <NeedsConnectionButton key={action} type="button" disabled={busy} onClick={() => void start(action)} className="max-sm:min-h-11 rounded-lg bg-amber-700 px-2.5 py-1 text-xs font-medium text-white hover:bg-amber-800 disabled:opacity-50">
                  {label}
                </NeedsConnectionButton>
              ))}
            </div>
          </>
        ) : null}
      </div>
      {running.map((job) => (
        <div key={job.jobId} role="status" className="mt-2 flex items-center gap-2 text-amber-950" data-testid="media-job">
          <span className="shrink-0">{ACTIONS.find((a) => a.kind === job.kind)?.doing ?? "Working"}…</span>
          <progress max={100} value={job.progress} className="h-2 min-w-0 flex-1 accent-amber-700" aria-label="Progress" />
        </div>
      ))}
      {error ? <p role="alert" className="mt-2 text-red-800">{error}</p> : null}
      {!error && failed?.error && running.length === 0 ? <p role="status" className="mt-2 text-red-800">It stopped: {failed.error}</p> : null}
      <div className="mt-2 grid gap-2 sm:grid-cols-2">
        {media.image ? (
          <figure className="min-w-0">
            <img src={media.image.url} alt="The scene's illustration" className="aspect-square w-full rounded-lg border border-stone-200 object-cover" />
            <Caption offline={media.image.offline} provider={media.image.provider} />
            <RateMedia worldId={worldId} url={media.image.url} targetKind="image" what="the picture" />
          </figure>
        ) : null}
        {media.clip ? (
          <figure className="min-w-0">
            {media.clip.mimeType.startsWith("video/") ? (
              <video src={media.clip.url} controls playsInline className="w-full rounded-lg border border-stone-200" />
            ) : (
              <img src={media.clip.url} alt="The scene's clip (animated)" className="aspect-square w-full rounded-lg border border-stone-200 object-cover" />
            )}
            <Caption offline={media.clip.offline} provider={media.clip.provider} label="clip" />
            <RateMedia worldId={worldId} url={media.clip.url} targetKind="clip" what="the clip" />
          </figure>
        ) : null}
      </div>
      {media.narration ? (
        <figure className="mt-2">
          <audio src={media.narration.url} controls preload="none" className="w-full" aria-label="The scene's narration" />
          <Caption offline={media.narration.offline} provider={media.narration.provider} label="narration" />
          <RateMedia worldId={worldId} url={media.narration.url} targetKind="narration" what="the narration" />
        </figure>
      ) : null}
      {!media.image && !media.clip && !media.narration ? <p className="mt-2 text-xs text-stone-600">No picture, clip or narration for this scene yet.</p> : null}
      <VoicePicker worldId={worldId} storyId={storyId} elements={elements} canEdit={canEdit} />
    </section>
  );
}

function Caption({ offline, provider, label }: { offline: boolean; provider: string; label?: string }) {
  return (
    <figcaption className="mt-0.5 text-xs text-stone-600">
      {label ? `${label} · ` : ""}
      {offline ? <span className="rounded bg-stone-200 px-1 text-stone-800">offline rendering</span> : `made with ${provider}`}
    </figcaption>
  );
}

const VoiceSchema = z.object({ id: z.string(), name: z.string(), language: z.string(), gender: z.string() });
const VoicesAnswerSchema = z.object({ active: z.string(), providers: z.array(z.object({ provider: z.string(), offline: z.boolean(), defaultVoice: z.string(), voices: z.array(VoiceSchema) })) });
const StoryVoicesSchema = z.object({ story: z.object({ narratorVoice: z.string().nullable().catch(null), characterVoices: z.record(z.string(), z.string()).catch({}) }) });
const MeSchema = z.object({ user: z.object({ preferences: z.object({ defaultVoice: z.string().optional() }).nullable().catch(null) }) });

/** The narrator's voice, a voice per character, and the person's own default; each with a preview. */
function VoicePicker({ worldId, storyId, elements, canEdit }: { worldId: string; storyId: string; elements: WorldElement[]; canEdit: boolean }) {
  const [catalogue, setCatalogue] = useState<z.infer<typeof VoicesAnswerSchema>["providers"][number] | null>(null);
  const [narrator, setNarrator] = useState<string | null>(null);
  const [characters, setCharacters] = useState<Record<string, string>>({});
  const [mine, setMine] = useState<string>("");
  const [note, setNote] = useState<string | null>(null);
  const player = useRef<HTMLAudioElement | null>(null);

  useEffect(() => {
    let live = true;
    void Promise.all([api<unknown>("GET", "/api/voices"), api<unknown>("GET", `/api/worlds/${worldId}/stories/${storyId}`), api<unknown>("GET", "/api/me").catch(() => null)]).then(
      ([voices, story, me]) => {
        if (!live) return;
        const list = VoicesAnswerSchema.safeParse(voices);
        if (list.success) setCatalogue(list.data.providers.find((p) => p.provider === list.data.active) ?? list.data.providers[0] ?? null);
        const current = StoryVoicesSchema.safeParse(story);
        if (current.success) {
          setNarrator(current.data.story.narratorVoice);
          setCharacters(current.data.story.characterVoices);
        }
        const person = MeSchema.safeParse(me);
        if (person.success) setMine(person.data.user.preferences?.defaultVoice ?? "");
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [worldId, storyId]);

  const save = useCallback(
    async (patch: { narratorVoice?: string | null; characterVoices?: Record<string, string> }) => {
      setNote(null);
      try {
        await api("PATCH", `/api/worlds/${worldId}/stories/${storyId}`, patch);
        setNote("Voices saved.");
      } catch (e) {
        setNote(e instanceof Error ? e.message : "The voices could not be saved.");
      }
    },
    [worldId, storyId],
  );
  const preview = (voice: string) => {
    if (!catalogue || !voice) return;
    player.current?.pause();
    player.current = new Audio(`/api/voices/${catalogue.provider}/${voice}/preview`);
    void player.current.play().catch(() => setNote("The preview could not play."));
  };
  if (!catalogue || catalogue.voices.length === 0) return null;
  const speakers = elements.filter((e) => e.type === "character" || e.type === "creature");
  const options = (
    <>
      <option value="">— default —</option>
      {catalogue.voices.map((v) => (
        <option key={v.id} value={v.id}>
          {v.name} ({v.language}, {v.gender})
        </option>
      ))}
    </>
  );
  const row = (label: string, value: string, onChange: (voice: string) => void, disabled: boolean, testId?: string) => (
    <div className="flex min-w-0 items-center gap-1.5">
      <label className="flex min-w-0 flex-1 items-center gap-1.5 text-xs text-stone-700">
        <span className="w-24 shrink-0 truncate">{label}</span>
        <select value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} className="max-sm:min-h-11 min-w-0 flex-1 rounded-lg border border-stone-300 bg-white px-1.5 py-1 text-xs" data-testid={testId}>
          {options}
        </select>
      </label>
      <button type="button" disabled={!value} onClick={() => preview(value)} aria-label={`Preview ${label}'s voice`} className="max-sm:min-h-11 shrink-0 rounded-lg border border-stone-300 bg-white px-2 py-0.5 text-xs hover:bg-stone-100 disabled:opacity-40">
        ▶
      </button>
    </div>
  );
  return (
    <details className="mt-2 rounded-lg border border-stone-200 bg-white p-2">
      <summary className="cursor-pointer text-xs font-medium text-stone-800">
        Voices{catalogue.offline ? <span className="ml-1 rounded bg-stone-200 px-1 font-normal">offline voices</span> : null}
      </summary>
      <div className="mt-2 grid gap-1.5">
        {row(
          "Narrator",
          narrator ?? "",
          (voice) => {
            setNarrator(voice || null);
            void save({ narratorVoice: voice || null });
          },
          !canEdit,
          "narrator-voice",
        )}
        {speakers.map((element) =>
          row(
            element.name,
            characters[element.id] ?? "",
            (voice) => {
              const next = { ...characters };
              if (voice) next[element.id] = voice;
              else delete next[element.id];
              setCharacters(next);
              void save({ characterVoices: next });
            },
            !canEdit,
          ),
        )}
        {row(
          "My default",
          mine,
          (voice) => {
            setMine(voice);
            void api("PATCH", "/api/me", { preferences: { defaultVoice: voice || undefined } }).then(
              () => setNote("Your default voice is saved."),
              (e: unknown) => setNote(e instanceof Error ? e.message : "Your default voice could not be saved."),
            );
          },
          false,
        )}
      </div>
      <p className="mt-1 text-xs text-stone-600">When no voice is chosen: the story's narrator, then your default, then the world's, then the provider's.</p>
      {note ? <p role="status" className="mt-1 text-xs text-stone-700">{note}</p> : null}
    </details>
  );
}
