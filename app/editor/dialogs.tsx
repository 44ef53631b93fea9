import { useEffect, useRef, useState, type ReactNode } from "react";
import { RELATIONSHIP_KINDS, type RelationshipKind } from "../../drizzle/schema/constants";
import { RELATIONSHIP_LABEL } from "../lib/element-types";

/** A modal dialog on the native <dialog> element (focus trap, Esc to close). */
export function Dialog({ title, open, onClose, children, wide }: { title: string; open: boolean; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-label={title}
      className={`m-auto w-[calc(100vw-2rem)] ${wide ? "max-w-2xl" : "max-w-md"} rounded-2xl border border-stone-200 p-0 shadow-xl backdrop:bg-stone-900/40`}
    >
      {open ? (
        <div className="max-h-[85dvh] overflow-y-auto p-5">
          <div className="flex items-start justify-between gap-4">
            <h2 className="font-display text-xl font-semibold">{title}</h2>
            <button type="button" onClick={onClose} className="rounded-md px-2 py-1 text-stone-500 hover:bg-stone-100" aria-label="Close">
              ✕
            </button>
          </div>
          <div className="mt-4">{children}</div>
        </div>
      ) : null}
    </dialog>
  );
}

export function ConfirmDialog({
  open,
  title,
  message,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  message: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog title={title} open={open} onClose={onCancel}>
      <p className="text-stone-700">{message}</p>
      <div className="mt-5 flex justify-end gap-2">
        <button type="button" onClick={onCancel} className="rounded-lg border border-stone-300 px-4 py-2 hover:bg-stone-50">
          Cancel
        </button>
        <button type="button" onClick={onConfirm} className="rounded-lg bg-red-700 px-4 py-2 font-medium text-white hover:bg-red-800" autoFocus>
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

/** Picks the kind (and an optional label) of a new relationship. */
export function KindDialog({
  open,
  fromName,
  toName,
  onPick,
  onCancel,
}: {
  open: boolean;
  fromName: string;
  toName: string;
  onPick: (kind: RelationshipKind, label: string) => void;
  onCancel: () => void;
}) {
  const [kind, setKind] = useState<RelationshipKind>("related_to");
  const [label, setLabel] = useState("");
  return (
    <Dialog title="Connect" open={open} onClose={onCancel}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onPick(kind, label.trim());
          setLabel("");
        }}
        className="space-y-4"
      >
        <p className="text-stone-700">
          <strong>{fromName}</strong> … <strong>{toName}</strong>
        </p>
        <label className="block text-sm font-medium text-stone-700">
          Kind
          <select
            value={kind}
            onChange={(e) => setKind(e.target.value as RelationshipKind)}
            className="mt-1 block w-full rounded-lg border border-stone-300 bg-white px-3 py-2"
            name="kind"
          >
            {RELATIONSHIP_KINDS.map((k) => (
              <option key={k} value={k}>
                {RELATIONSHIP_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
        <label className="block text-sm font-medium text-stone-700">
          Label <span className="font-normal text-stone-500">(optional)</span>
          <input value={label} onChange={(e) => setLabel(e.target.value)} maxLength={120} className="mt-1 block w-full rounded-lg border border-stone-300 px-3 py-2" name="label" />
        </label>
        <div className="flex justify-end gap-2">
          <button type="button" onClick={onCancel} className="rounded-lg border border-stone-300 px-4 py-2 hover:bg-stone-50">
            Cancel
          </button>
          <button type="submit" className="rounded-lg bg-indigo-700 px-4 py-2 font-medium text-white hover:bg-indigo-800">
            Connect
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export const SHORTCUTS: Array<[string, string]> = [
  ["N", "new element at the centre"],
  ["Double-click", "new element at that spot"],
  ["Drag from a node’s dot onto another node", "connect them"],
  ["Shift-drag / Ctrl-click", "select several"],
  ["Delete", "delete the selection (asks first)"],
  ["Ctrl/⌘ Z · Ctrl/⌘ Shift Z", "undo · redo your own changes"],
  ["/", "search this world"],
  ["L", "auto-layout"],
  ["F", "fit the whole world in view"],
  ["Esc", "close the panel"],
  ["?", "this list"],
];

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" open={open} onClose={onClose}>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
        {SHORTCUTS.map(([keys, what]) => (
          <div key={keys} className="contents">
            <dt>
              <kbd className="rounded border border-stone-300 bg-stone-50 px-1.5 py-0.5 font-mono text-xs">{keys}</kbd>
            </dt>
            <dd className="text-stone-700">{what}</dd>
          </div>
        ))}
      </dl>
      <p className="mt-4 text-sm text-stone-500">On a phone: drag to pan, pinch to zoom, tap a node to open it, press and hold a node to read its whole name.</p>
    </Dialog>
  );
}
