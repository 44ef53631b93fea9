import { useEffect, useRef } from "react";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, placeholder as placeholderText } from "@codemirror/view";
import { defaultKeymap } from "@codemirror/commands";
import { markdown } from "@codemirror/lang-markdown";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import * as Y from "yjs";
import type { Awareness } from "y-protocols/awareness";

type Props = {
  text: Y.Text;
  awareness: Awareness | null;
  label: string;
  placeholder?: string;
};

const theme = EditorView.theme({
  "&": { fontSize: "0.875rem", border: "1px solid rgb(214 211 209)", borderRadius: "0.5rem", backgroundColor: "white" },
  "&.cm-focused": { outline: "2px solid rgb(129 140 248)", outlineOffset: "0" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", minHeight: "9rem", padding: "0.5rem 0.75rem" },
  ".cm-scroller": { maxHeight: "22rem", overflow: "auto" },
  ".cm-ySelectionInfo": { fontFamily: "ui-sans-serif, system-ui, sans-serif", fontSize: "0.7rem", opacity: "1", padding: "1px 4px", borderRadius: "4px" },
});

/**
 * An element's description, edited as the shared `Y.Text` itself: CodeMirror 6 with
 * y-codemirror.next applies each keystroke as a delta to the text and each remote change as a
 * delta to the editor, so two people typing in one paragraph merge character by character and
 * each caret stays where its owner left it (relative positions). Remote carets and selections show
 * in the person's colour with their name, through the room's awareness. Undo here is this person's
 * own text changes (the binding's undo manager, scoped to this text).
 */
export function DescriptionEditor({ text, awareness, label, placeholder }: Props) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const undoManager = new Y.UndoManager(text);
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: text.toString(),
        extensions: [
          keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
          markdown(),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true", "data-testid": "description-editor" }),
          placeholder ? placeholderText(placeholder) : [],
          theme,
          yCollab(text, awareness, { undoManager }),
        ],
      }),
    });
    return () => {
      view.destroy();
      undoManager.destroy();
    };
  }, [text, awareness, label, placeholder]);
  return <div ref={host} className="mt-1" />;
}
