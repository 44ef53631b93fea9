import { useId, useRef, useState } from "react";
import type { Visibility } from "../../drizzle/schema/constants";
import { EMBED_PRESETS, embedIframeHtml, embedUrl } from "../../workers/domain/embed-html";

type Props = {
  worldId: string;
  title: string;
  /** This site's origin (`https://…`), so the snippet works when pasted anywhere. */
  origin: string;
  visibility: Visibility;
};

/**
 * The iframe snippet that embeds a world on another site (catalogue F3): size presets, a read-only
 * text area, a Copy button and a preview link. Self-contained (no editor imports), so the public
 * page and the editor's Share dialog can both show it.
 */
export function EmbedSnippet({ worldId, title, origin, visibility }: Props) {
  const [presetIndex, setPresetIndex] = useState(1);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const textArea = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  if (visibility === "private") {
    return (
      <p className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
        Make the world public or unlisted to embed it. Private worlds cannot be shown on other sites.
      </p>
    );
  }

  const preset = EMBED_PRESETS[presetIndex] ?? EMBED_PRESETS[1];
  const snippet = embedIframeHtml({ origin, worldId, title, width: preset.width, height: preset.height });

  async function copy() {
    try {
      await navigator.clipboard.writeText(snippet);
      setCopied("yes");
    } catch {
      // No clipboard permission (an insecure origin, say): select it for the person to copy.
      textArea.current?.select();
      setCopied("failed");
    }
  }

  return (
    <div className="space-y-3">
      <fieldset>
        <legend className="text-sm font-medium text-stone-700">Size</legend>
        <div className="mt-1 flex flex-wrap gap-2">
          {EMBED_PRESETS.map((option, index) => (
            <label
              key={option.label}
              className={`cursor-pointer rounded-lg border px-3 py-1.5 text-sm ${
                index === presetIndex ? "border-indigo-600 bg-indigo-50 text-indigo-900" : "border-stone-300 bg-white text-stone-700 hover:bg-stone-50"
              }`}
            >
              <input
                type="radio"
                name={`${id}-size`}
                className="sr-only"
                checked={index === presetIndex}
                onChange={() => {
                  setPresetIndex(index);
                  setCopied(null);
                }}
              />
              {option.label} <span className="text-stone-500">{option.width}×{option.height}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <div>
        <label htmlFor={`${id}-code`} className="block text-sm font-medium text-stone-700">
          Paste this into your page
        </label>
        <textarea
          id={`${id}-code`}
          ref={textArea}
          readOnly
          rows={4}
          value={snippet}
          onFocus={(event) => event.currentTarget.select()}
          className="mt-1 block w-full resize-none rounded-lg border border-stone-300 bg-stone-50 px-3 py-2 font-mono text-xs text-stone-800"
        />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="button"
          onClick={copy}
          className="rounded-lg bg-indigo-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-800"
        >
          {copied === "yes" ? "Copied" : "Copy snippet"}
        </button>
        <a href={embedUrl(origin, worldId)} target="_blank" rel="noopener noreferrer" className="text-sm text-indigo-800 hover:underline">
          Preview the embed ↗
        </a>
        <span role="status" className="text-sm text-stone-600">
          {copied === "failed" ? "Copying is blocked here: the snippet is selected, press Ctrl+C." : ""}
        </span>
      </div>
    </div>
  );
}
