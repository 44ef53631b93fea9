import type { PlayerPlace } from "./story-player";

/**
 * Keeps a signed-in reader's place in a story on the server (`PUT …/progress`), so the player resumes
 * there on any device. Best effort: a place that fails to save is simply saved again next time.
 */
export function placeSaver(worldId: string, storyId: string, shareToken: string | null = null) {
  return (place: PlayerPlace) => {
    void fetch(`/api/worlds/${encodeURIComponent(worldId)}/stories/${encodeURIComponent(storyId)}/progress`, {
      method: "PUT",
      keepalive: true,
      credentials: "same-origin",
      headers: { "content-type": "application/json", ...(shareToken ? { "x-share-token": shareToken } : {}) },
      body: JSON.stringify(place),
    }).catch(() => {});
  };
}

/** The story's media URLs carrying the page's share token (<img> and <audio> cannot send headers). */
export function withShareToken<S extends { chapters: Array<{ scenes: Array<Record<"image" | "clip" | "narration", { url: string } | null>> }> }>(story: S, shareToken: string | null): S {
  if (!shareToken) return story;
  const add = <M extends { url: string } | null>(media: M): M => (media ? { ...media, url: `${media.url}?share=${encodeURIComponent(shareToken)}` } : media);
  return {
    ...story,
    chapters: story.chapters.map((chapter) => ({
      ...chapter,
      scenes: chapter.scenes.map((scene) => ({ ...scene, image: add(scene.image), clip: add(scene.clip), narration: add(scene.narration) })),
    })),
  };
}
