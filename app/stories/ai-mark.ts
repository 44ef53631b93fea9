import { Mark, mergeAttributes } from "@tiptap/core";

/** Who wrote a passage, as the story room's `ai` mark records it. */
export type AiProvenance = { job: string | null; provider: string | null; model: string | null; offline: boolean | null };

/** What a reader is told about AI-written words; the offline writer's are labelled as an offline rendering. */
export function describeAi({ provider, model, offline }: Pick<AiProvenance, "provider" | "model" | "offline">): string {
  if (offline || provider === "local") return "Offline rendering by Loreloom's local writer (no AI model was used)";
  return `Written by the AI${provider ? ` (${[provider, model].filter(Boolean).join(", ")})` : ""}`;
}

/** The mark's attributes as they came from the document (any shape), read field by field. */
export function readProvenance(attrs: Record<string, unknown>): AiProvenance {
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  return { job: text(attrs.job), provider: text(attrs.provider), model: text(attrs.model), offline: typeof attrs.offline === "boolean" ? attrs.offline : null };
}

/**
 * The AI's words (the `ai` format of the scene text: `{ job, provider, model, offline }` or `true`).
 * Its attributes are exactly the room's fields, so text a person edits next to it is written back
 * unchanged. Only the room's writer sets it: nothing pasted becomes the AI's (no parse rule), and
 * text typed next to it is the person's own (not inclusive).
 */
export const AiMark = Mark.create({
  name: "ai",
  inclusive: false,
  addAttributes() {
    return {
      job: { default: null, rendered: false },
      provider: { default: null, rendered: false },
      model: { default: null, rendered: false },
      offline: { default: null, rendered: false },
    };
  },
  renderHTML({ mark, HTMLAttributes }) {
    const provenance = readProvenance(mark.attrs);
    const offline = Boolean(provenance.offline || provenance.provider === "local");
    return [
      "span",
      mergeAttributes(HTMLAttributes, {
        "data-ai": offline ? "offline" : "model",
        title: describeAi(provenance),
        class: `rounded-sm bg-violet-100 text-violet-950 ${offline ? "underline decoration-violet-400 decoration-dashed underline-offset-4" : ""}`,
      }),
      0,
    ];
  },
});
