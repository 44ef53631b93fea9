import { useEffect } from "react";
import Collaboration from "@tiptap/extension-collaboration";
import CollaborationCaret from "@tiptap/extension-collaboration-caret";
import { EditorContent, useEditor, useEditorState, type Editor } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import type YProvider from "y-partyserver/provider";
import type * as Y from "yjs";
import { AiMark, readProvenance } from "./ai-mark";
import { RateResult } from "../components/rate-result";
import { IssueHighlights, issueRange, plainRange, setIssuesMeta, type IssueSpan } from "./issue-highlights";
import { sceneField } from "./outline-model";
import { safeColor, translucent } from "./colors";

/** How many of a scene's AI passages (the newest) offer a rating. */
const MAX_RATED_PASSAGES = 5;


/** Another person's caret: a coloured bar with their name (text node, never HTML). */
function renderCaret(user: Record<string, unknown>): HTMLElement {
  const color = safeColor(user.color);
  const caret = document.createElement("span");
  caret.className = "story-caret";
  caret.style.borderColor = color;
  const label = document.createElement("span");
  label.className = "story-caret-label";
  label.style.backgroundColor = color;
  label.textContent = typeof user.name === "string" ? user.name.slice(0, 40) : "Someone";
  caret.appendChild(label);
  return caret;
}

const renderSelection = (user: Record<string, unknown>) => ({ nodeName: "span", class: "story-selection", style: `background-color: ${translucent(safeColor(user.color))}` });

/**
 * The scene's text, bound to its root fragment in the story's document (y-tiptap): edits merge
 * character by character, others' carets and selections show, and undo takes back only this
 * person's edits. The schema is cut down to what the story room accepts (the contract's nodes and
 * marks); anything else would be refused by the room.
 */
export function SceneTextEditor({
  doc,
  provider,
  sceneId,
  editable,
  user,
  issues,
  focus,
  onSelection,
  rating,
}: {
  doc: Y.Doc;
  provider: YProvider;
  sceneId: string;
  editable: boolean;
  user: { name: string; color: string };
  /** Open continuity issues, underlined in the text. */
  issues: IssueSpan[];
  /** An issue to select and scroll to (`n` changes on every request, so the same one can be asked again). */
  focus: { id: string; n: number } | null;
  /** Hears the selection as offsets into the scene's plain text (null: nothing selected), for *Refine*. */
  onSelection?: (range: { start: number; end: number } | null) => void;
  /** Where the AI's passages are rated (their world), and the jobs still writing theirs (not rated yet); absent: no ratings. */
  rating?: { worldId: string; writing: ReadonlySet<string> };
}) {
  const editor = useEditor(
    {
      immediatelyRender: false,
      editable,
      extensions: [
        StarterKit.configure({
          heading: { levels: [1, 2, 3] },
          // Undo is Collaboration's (per person); these nodes and marks are not in a scene's text.
          undoRedo: false,
          bulletList: false,
          orderedList: false,
          listItem: false,
          listKeymap: false,
          code: false,
          codeBlock: false,
          strike: false,
          underline: false,
          link: false,
        }),
        AiMark,
        IssueHighlights,
        Collaboration.configure({ document: doc, field: sceneField(sceneId) }),
        CollaborationCaret.configure({ provider, user, render: renderCaret, selectionRender: renderSelection }),
      ],
      editorProps: {
        attributes: {
          class: "prose prose-stone max-w-none min-h-[16rem] px-3 py-3 font-serif text-base leading-relaxed focus:outline-none sm:px-5",
          "aria-label": "Scene text",
          "data-testid": "scene-text",
        },
      },
    },
    [doc, provider, sceneId],
  );
  if (editor && editor.isEditable !== editable) editor.setEditable(editable);
  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.view.dispatch(editor.state.tr.setMeta(setIssuesMeta, issues));
  }, [editor, issues]);
  useEffect(() => {
    if (!editor || !onSelection) return;
    const report = () => {
      const { from, to } = editor.state.selection;
      onSelection(plainRange(editor.state.doc, from, to));
    };
    editor.on("selectionUpdate", report);
    return () => {
      editor.off("selectionUpdate", report);
    };
  }, [editor, onSelection]);
  useEffect(() => {
    const issue = focus && issues.find((i) => i.id === focus.id);
    if (!editor || !issue) return;
    const range = issueRange(editor.state.doc, issue);
    if (range) editor.chain().focus().setTextSelection(range).scrollIntoView().run();
  }, [editor, focus, issues]);
  return (
    <div className="flex min-h-0 flex-col rounded-xl border border-stone-200 bg-white">
      {editor && editable ? <TextTools editor={editor} /> : null}
      <EditorContent editor={editor} className="min-h-0 flex-1 overflow-y-auto" />
      {editor ? <AiLegend editor={editor} rating={rating} /> : null}
    </div>
  );
}

// On a phone each tool is a finger's size (44 px).
const toolClass = "min-h-11 min-w-11 rounded-md px-2 py-1 text-sm sm:min-h-0 sm:min-w-0 hover:bg-stone-100 aria-pressed:bg-indigo-100 aria-pressed:text-indigo-900 disabled:opacity-40";

function TextTools({ editor }: { editor: Editor }) {
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive("bold"),
      italic: e.isActive("italic"),
      heading: e.isActive("heading", { level: 2 }),
      quote: e.isActive("blockquote"),
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  });
  const run = (action: (chain: ReturnType<Editor["chain"]>) => ReturnType<Editor["chain"]>) => () => void action(editor.chain().focus()).run();
  return (
    <div role="toolbar" aria-label="Text tools" className="flex flex-wrap items-center gap-0.5 border-b border-stone-200 px-1.5 py-1">
      <button type="button" className={`${toolClass} font-bold`} aria-pressed={state.bold} aria-label="Bold" onClick={run((c) => c.toggleBold())}>
        B
      </button>
      <button type="button" className={`${toolClass} italic`} aria-pressed={state.italic} aria-label="Italic" onClick={run((c) => c.toggleItalic())}>
        I
      </button>
      <button type="button" className={toolClass} aria-pressed={state.heading} aria-label="Heading" onClick={run((c) => c.toggleHeading({ level: 2 }))}>
        H
      </button>
      <button type="button" className={toolClass} aria-pressed={state.quote} aria-label="Quote" onClick={run((c) => c.toggleBlockquote())}>
        ❝
      </button>
      <button type="button" className={toolClass} aria-label="Scene break" onClick={run((c) => c.setHorizontalRule())}>
        ⁂
      </button>
      <span className="mx-1 h-5 w-px bg-stone-200" aria-hidden="true" />
      <button type="button" className={toolClass} aria-label="Undo my last change" title="Undo (Ctrl/⌘ Z) — only your own changes" disabled={!state.canUndo} onClick={run((c) => c.undo())}>
        ↶
      </button>
      <button type="button" className={toolClass} aria-label="Redo" title="Redo (Ctrl/⌘ Shift Z)" disabled={!state.canRedo} onClick={run((c) => c.redo())}>
        ↷
      </button>
    </div>
  );
}

/** Says what the tint means, once the scene holds words the AI wrote (and which of them are offline renderings). */
function AiLegend({ editor, rating }: { editor: Editor; rating?: { worldId: string; writing: ReadonlySet<string> } }) {
  const found = useEditorState({
    editor,
    selector: ({ editor: e }) => {
      let model = false;
      let offline = false;
      const jobs: string[] = [];
      e.state.doc.descendants((node) => {
        for (const mark of node.marks) {
          if (mark.type.name !== "ai") continue;
          const provenance = readProvenance(mark.attrs);
          if (provenance.offline || provenance.provider === "local") offline = true;
          else model = true;
          if (provenance.job && !jobs.includes(provenance.job)) jobs.push(provenance.job);
        }
      });
      return { model, offline, jobs };
    },
  });
  // Each passage the AI wrote in this scene (the `ai` mark's job) can be rated once it is written; the last few only.
  const rated = rating ? found.jobs.filter((job) => !rating.writing.has(job)).slice(-MAX_RATED_PASSAGES) : [];
  if (!found.model && !found.offline) return null;
  return (
    <div className="flex flex-wrap gap-x-3 border-t border-stone-100 px-3 py-1.5 text-xs text-stone-600" data-testid="ai-legend">
      {found.model ? (
        <span>
          <span className="rounded-sm bg-violet-100 px-1 text-violet-950">Tinted</span> words were written by the AI
        </span>
      ) : null}
      {found.offline ? (
        <span>
          <span className="rounded-sm bg-violet-100 px-1 text-violet-950 underline decoration-violet-400 decoration-dashed underline-offset-4">Dashed</span> words are an offline rendering by
          Loreloom&rsquo;s local writer, not an AI model
        </span>
      ) : null}
      {rating && rated.length > 0 ? (
        <div className="basis-full">
          {rated.map((job, index) => (
            <RateResult key={job} worldId={rating.worldId} targetKind="passage" targetId={job} what={rated.length > 1 ? `the AI's passage ${index + 1}` : "the AI's passage"} />
          ))}
        </div>
      ) : null}
    </div>
  );
}
