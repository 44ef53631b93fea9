import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { NeedsConnectionButton } from "../components/needs-connection";
import { Alert } from "../components/ui";
import { appendToField, VoiceInput } from "../components/voice-input";
import { setShareToken, timeAgo } from "../editor/api";
import {
  AUDIENCES,
  POINTS_OF_VIEW,
  STORY_LENGTHS,
  STORY_TEMPLATES,
  TEMPLATE_LABEL,
  createStory,
  createStoryFromPicture,
  listStories,
  templateLabel,
  type NewStory,
  type StorySummary,
  type StoryTemplate,
} from "./story-api";

const card = "rounded-xl border border-stone-200 bg-white shadow-sm";
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The world's stories (from the API) beside the *New story* form. */
export function StoryList({ worldId, canEdit, shareToken }: { worldId: string; canEdit: boolean; shareToken: string | null }) {
  const [stories, setStories] = useState<StorySummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setShareToken(shareToken);
    let live = true;
    listStories(worldId).then(
      (list) => live && setStories(list.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))),
      (e: unknown) => live && setError(e instanceof Error ? e.message : "The stories could not be loaded."),
    );
    return () => {
      live = false;
    };
  }, [worldId, shareToken]);
  const query = shareToken ? `?share=${encodeURIComponent(shareToken)}` : "";

  return (
    <div className="mt-6 grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
      <section aria-label="Stories in this world">
        {error ? <Alert>{error}</Alert> : null}
        {stories === null && !error ? <p className="text-stone-600">Loading the stories…</p> : null}
        {stories?.length === 0 ? (
          <p className={`p-5 text-stone-600 ${card}`}>{canEdit ? "No stories yet. Start the first one with New story." : "No stories in this world yet."}</p>
        ) : null}
        <ul className="grid gap-3">
          {stories?.map((story) => (
            <li key={story.id} className={`transition hover:border-indigo-300 hover:shadow ${card}`}>
              <Link to={`/worlds/${worldId}/stories/${story.id}${query}`} className="block rounded-xl p-4">
                <div className="flex flex-wrap items-start justify-between gap-2">
                  <h2 className="min-w-0 break-words font-semibold text-stone-900">{story.title}</h2>
                  <span className="flex shrink-0 gap-1 text-xs">
                    <span className="rounded-full bg-indigo-50 px-2 py-0.5 text-indigo-800">{templateLabel(story.template)}</span>
                    <span className={`rounded-full px-2 py-0.5 ${story.status === "published" ? "bg-emerald-50 text-emerald-800" : "bg-stone-100 text-stone-700"}`}>{story.status}</span>
                  </span>
                </div>
                {story.premise ? <p className="mt-1 line-clamp-2 text-sm text-stone-600">{story.premise}</p> : null}
                <p className="mt-2 text-xs text-stone-500">
                  {plural(story.chapterCount, "chapter")} · {plural(story.sceneCount, "scene")} · {plural(story.wordCount, "word")} · updated {timeAgo(story.updatedAt)}
                </p>
              </Link>
            </li>
          ))}
        </ul>
      </section>
      {canEdit ? <NewStoryForm worldId={worldId} /> : null}
    </div>
  );
}

const inputClass = "mt-1 block w-full rounded-lg border border-stone-300 bg-white px-3 py-2 text-base shadow-sm focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-200";
const labelClass = "block text-sm font-medium text-stone-700";

/** *New story*: made through the API, empty or written by the AI from a prompt (and a picture), then opened in the story editor. */
function NewStoryForm({ worldId }: { worldId: string }) {
  const navigate = useNavigate();
  const [template, setTemplate] = useState<StoryTemplate>("adventure");
  const [withAi, setWithAi] = useState(false);
  const storyPrompt = useRef<HTMLTextAreaElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const read = (name: string) => String(form.get(name) ?? "").trim();
    const optional = (name: string) => (read(name) ? { [name]: read(name) } : {});
    const picture = form.get("picture");
    const file = withAi && picture instanceof File && picture.size > 0 ? picture : null;
    const input: NewStory = {
      template,
      ...optional("title"),
      ...optional("premise"),
      ...optional("audience"),
      ...optional("tone"),
      ...optional("pointOfView"),
      ...(withAi ? { ...optional("prompt"), length: STORY_LENGTHS.find((l) => l === read("length")) ?? "short" } : {}),
    };
    setBusy(true);
    setError(null);
    try {
      const { story, job } = file ? await createStoryFromPicture(worldId, input, file) : await createStory(worldId, input);
      void navigate(`/worlds/${worldId}/stories/${story.id}`, { state: job ? { job } : null });
    } catch (e) {
      setError(e instanceof Error ? e.message : "The story could not be created.");
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-labelledby="new-story-heading" className={`h-fit space-y-3 p-4 ${card}`}>
      <h2 id="new-story-heading" className="font-display text-xl font-semibold">
        New story
      </h2>
      {error ? <Alert>{error}</Alert> : null}
      <label className="flex items-center gap-2 text-sm text-stone-800">
        <input type="checkbox" checked={withAi} onChange={(e) => setWithAi(e.target.checked)} />
        Write it with the AI from a prompt
      </label>
      {withAi ? (
        <>
          <label className={labelClass}>
            Prompt
            <textarea ref={storyPrompt} name="prompt" rows={3} maxLength={4000} required={false} placeholder="e.g. The queen's ranger finds a path that was not there yesterday" className={inputClass} />
          </label>
          <VoiceInput onText={(text) => appendToField(storyPrompt.current, text)} />
          <div className="grid grid-cols-2 gap-3">
            <label className={labelClass}>
              Length
              <select name="length" defaultValue="short" className={inputClass}>
                {STORY_LENGTHS.map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
            <label className={labelClass}>
              Picture (optional)
              <input name="picture" type="file" accept="image/png,image/jpeg,image/gif,image/webp" className="mt-1 block w-full text-sm" />
            </label>
          </div>
        </>
      ) : null}
      <label className={labelClass}>
        Title{withAi ? " (optional: the AI names it)" : ""}
        <input name="title" required={!withAi} maxLength={200} className={inputClass} />
      </label>
      <label className={labelClass}>
        Template
        <select name="template" value={template} onChange={(e) => setTemplate(STORY_TEMPLATES.find((t) => t === e.target.value) ?? "adventure")} className={inputClass}>
          {STORY_TEMPLATES.map((t) => (
            <option key={t} value={t}>
              {TEMPLATE_LABEL[t]}
            </option>
          ))}
        </select>
      </label>
      {template === "bedtime" ? <p className="text-xs text-stone-600">A bedtime story keeps to gentle, child-safe language.</p> : null}
      <label className={labelClass}>
        Premise
        <textarea name="premise" rows={withAi ? 2 : 3} maxLength={4000} placeholder="What the story is about" className={inputClass} />
      </label>
      <details className="text-sm">
        <summary className="cursor-pointer text-stone-700">Audience, tone and point of view</summary>
        <div className="mt-2 space-y-3">
          <label className={labelClass}>
            Audience
            <select name="audience" key={template} defaultValue={template === "bedtime" ? "children" : ""} className={inputClass}>
              <option value="">Default ({template === "bedtime" ? "children" : "adults"})</option>
              {AUDIENCES.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label className={labelClass}>
            Tone
            <input name="tone" maxLength={100} placeholder="e.g. wry, hopeful, eerie" className={inputClass} />
          </label>
          <label className={labelClass}>
            Point of view
            <select name="pointOfView" defaultValue="" className={inputClass}>
              <option value="">Default (third person)</option>
              {POINTS_OF_VIEW.map((p) => (
                <option key={p} value={p}>
                  {p} person
                </option>
              ))}
            </select>
          </label>
        </div>
      </details>
      <NeedsConnectionButton type="submit" disabled={busy} className="w-full rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white shadow-sm hover:bg-indigo-800 disabled:opacity-60">
        {busy ? "Creating…" : withAi ? "Write the story" : "Create story"}
      </NeedsConnectionButton>
    </form>
  );
}
