import { useEffect, useState } from "react";
import { Link } from "react-router";
import * as Y from "yjs";
import { sceneField } from "./outline-model";
import type { WorldElement } from "./story-api";

/** The words of a scene's text (every text node of its fragment), for finding names in it. */
function textOf(fragment: Y.XmlFragment): string {
  const parts: string[] = [];
  const walk = (node: Y.XmlElement | Y.XmlFragment) => {
    for (const child of node.toArray()) {
      if (child instanceof Y.XmlText) for (const op of child.toDelta() as Array<{ insert?: unknown }>) parts.push(typeof op.insert === "string" ? op.insert : " ");
      else if (child instanceof Y.XmlElement) walk(child);
      parts.push(" ");
    }
  };
  walk(fragment);
  return parts.join("");
}

const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}]/u.test(char);

/** The world's elements named in `text` (whole words, any case) by their name or one they are also known as, in the order of the world's list. */
export function mentionedIn(text: string, elements: Array<Pick<WorldElement, "id" | "name" | "type"> & { aliases?: string[] }>): WorldElement[] {
  const haystack = text.toLowerCase();
  const named = (raw: string) => {
    const name = raw.trim().toLowerCase();
    if (name.length < 3) return false;
    for (let at = haystack.indexOf(name); at >= 0; at = haystack.indexOf(name, at + 1)) {
      if (!isWordChar(haystack[at - 1]) && !isWordChar(haystack[at + name.length])) return true;
    }
    return false;
  };
  return elements.filter((element) => [element.name, ...(element.aliases ?? [])].some(named)).map((element) => ({ ...element, aliases: element.aliases ?? [] }));
}

/**
 * The elements the scene mentions, as chips that open each on the world's canvas. Read again a
 * moment after the text changes (not per keystroke: a world may hold thousands of names).
 */
export function SceneMentions({ doc, sceneId, worldId, elements, shareToken }: { doc: Y.Doc; sceneId: string; worldId: string; elements: WorldElement[]; shareToken: string | null }) {
  const [mentions, setMentions] = useState<WorldElement[]>([]);
  useEffect(() => {
    const fragment = doc.getXmlFragment(sceneField(sceneId));
    let timer: ReturnType<typeof setTimeout> | null = null;
    const read = () => {
      timer = null;
      setMentions(mentionedIn(textOf(fragment), elements));
    };
    const later = () => {
      timer ??= setTimeout(read, 500);
    };
    // The first reading at once (in a moment, not during the effect), then a moment after changes.
    timer = setTimeout(read, 0);
    fragment.observeDeep(later);
    return () => {
      fragment.unobserveDeep(later);
      if (timer) clearTimeout(timer);
    };
  }, [doc, sceneId, elements]);
  if (mentions.length === 0) return null;
  return (
    <div className="flex flex-wrap items-center gap-1.5 px-1" aria-label="Elements this scene mentions" data-testid="scene-mentions">
      <span className="text-xs text-stone-500">Mentions</span>
      {mentions.map((element) => (
        <Link
          key={element.id}
          to={`/worlds/${worldId}?${new URLSearchParams({ element: element.id, ...(shareToken ? { share: shareToken } : {}) })}`}
          title={`Open ${element.name} on the canvas`}
          className="rounded-full border border-stone-200 bg-white px-2 py-0.5 text-xs text-stone-800 hover:border-indigo-300 hover:text-indigo-900"
        >
          {element.name} <span className="text-stone-400">· {element.type}</span>
        </Link>
      ))}
    </div>
  );
}
