import { Mark, mergeAttributes } from "@tiptap/core";

/**
 * The AI's words while it writes (the `ai` format of the scene text: `{ job }` or `true`). Only
 * the room's writer sets it; nothing a person pastes becomes the AI's (no parse rule), and text
 * typed next to it is the person's own (not inclusive).
 */
export const AiMark = Mark.create({
  name: "ai",
  inclusive: false,
  addAttributes() {
    return { job: { default: null, rendered: false } };
  },
  renderHTML({ HTMLAttributes }) {
    return ["span", mergeAttributes(HTMLAttributes, { "data-ai": "", title: "Written by the AI", class: "rounded-sm bg-violet-100 text-violet-950 decoration-violet-300" }), 0];
  },
});
