import { Extension } from "@tiptap/core";
import type { Node as PmNode } from "@tiptap/pm/model";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";

/** An issue to underline: its span in the scene's plain text and the words found there when it was checked. */
export type IssueSpan = { id: string; start: number; end: number; quote: string; severity: "error" | "warning" };

/**
 * Where each text block of the document starts in the scene's plain text, as the story room
 * writes it (story-doc.ts `plainText`): blocks joined by a blank line, a hard break one newline,
 * a scene break "* * *". Within a text block one character is one document position.
 */
function blocksOf(doc: PmNode): Array<{ plain: number; pos: number; text: string }> {
  const blocks: Array<{ plain: number; pos: number; text: string }> = [];
  let plain = 0;
  doc.descendants((node, pos) => {
    if (node.type.name === "horizontalRule" || node.isTextblock) {
      if (blocks.length > 0) plain += 2;
      const text = node.isTextblock ? node.textBetween(0, node.content.size, undefined, "\n") : "* * *";
      blocks.push({ plain, pos: pos + 1, text });
      plain += text.length;
      return false;
    }
    return true;
  });
  return blocks;
}

/**
 * A document range as offsets into the scene's plain text (the inverse of issueRange): what the
 * API's *Refine* takes for a selection. Null for an empty range or one outside any text.
 */
export function plainRange(doc: PmNode, from: number, to: number): { start: number; end: number } | null {
  if (to <= from) return null;
  const blocks = blocksOf(doc);
  const first = blocks.find((block) => from <= block.pos + block.text.length);
  const last = [...blocks].reverse().find((block) => to >= block.pos);
  if (!first || !last) return null;
  const start = first.plain + Math.max(0, from - first.pos);
  const end = last.plain + Math.min(last.text.length, Math.max(0, to - last.pos));
  return end > start ? { start, end } : null;
}

/**
 * The document range of an issue, if its words are still where the check found them; an issue
 * whose text has since changed is left out (the list still shows it, the text is not underlined).
 */
export function issueRange(doc: PmNode, issue: IssueSpan): { from: number; to: number } | null {
  for (const block of blocksOf(doc)) {
    const offset = issue.start - block.plain;
    if (offset < 0 || offset > block.text.length) continue;
    if (block.text.slice(offset, offset + issue.quote.length) !== issue.quote) return null;
    return { from: block.pos + offset, to: block.pos + offset + issue.quote.length };
  }
  return null;
}

const key = new PluginKey<DecorationSet>("continuity-issues");

function decorate(doc: PmNode, issues: IssueSpan[]): DecorationSet {
  if (issues.length === 0) return DecorationSet.empty;
  const decorations = issues.flatMap((issue) => {
    const range = issueRange(doc, issue);
    if (!range || range.from === range.to) return [];
    return [
      Decoration.inline(range.from, range.to, {
        class: `continuity-issue continuity-${issue.severity}`,
        "data-issue": issue.id,
      }),
    ];
  });
  return DecorationSet.create(doc, decorations);
}

/** Underlines a scene's open continuity issues; `setIssues` (a transaction meta) replaces the list. */
export const IssueHighlights = Extension.create({
  name: "continuityIssues",
  addProseMirrorPlugins() {
    let issues: IssueSpan[] = [];
    return [
      new Plugin<DecorationSet>({
        key,
        state: {
          init: (_config, state) => decorate(state.doc, issues),
          apply(tr, old, _oldState, state) {
            const next = tr.getMeta(key) as IssueSpan[] | undefined;
            if (next) issues = next;
            return next || tr.docChanged ? decorate(state.doc, issues) : old;
          },
        },
        props: { decorations: (state) => key.getState(state) },
      }),
    ];
  },
});

export const setIssuesMeta = key;
