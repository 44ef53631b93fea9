import { useEffect, useRef, useState } from "react";
import type { ChatMessage } from "../../durable-objects/world-room/protocol";
import { MAX_CHAT_LENGTH } from "../../durable-objects/world-room/protocol";
import { timeAgo } from "./api";
import { renderMarkdown } from "./markdown";
import { PROSE } from "../lib/prose";
import { usePullToClose } from "../lib/pull-to-close";

/** The room's chat: the last 200 messages on join, new ones live; Markdown rendered safely. */
export function ChatPanel({ messages, onSend, onClose, online }: { messages: ChatMessage[]; onSend: (text: string) => void; onClose: () => void; online: boolean }) {
  const [text, setText] = useState("");
  const list = useRef<HTMLOListElement>(null);
  const pull = usePullToClose(onClose);
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [messages.length]);
  return (
    <aside aria-label="Chat" className="fixed inset-x-0 bottom-0 z-20 flex max-h-[62dvh] flex-col rounded-t-2xl border-t border-stone-200 bg-white shadow-2xl lg:absolute lg:top-[3.3rem] lg:bottom-0 lg:left-auto lg:right-0 lg:max-h-none lg:w-[22rem] lg:rounded-none lg:border-t-0 lg:border-l">
      {/* On a phone a bottom sheet: a finger pulling its head down closes it. */}
      <div className="touch-none border-b border-stone-100 px-4 py-2 lg:touch-auto" {...pull}>
        <span className="mx-auto mb-1 block h-1.5 w-10 rounded-full bg-stone-300 lg:hidden" aria-hidden="true" data-testid="sheet-grabber" />
        <div className="flex items-center justify-between">
          <h2 className="font-semibold">Chat</h2>
          <button type="button" onClick={onClose} className="min-h-11 min-w-11 rounded-md px-2 py-1 text-stone-500 hover:bg-stone-100 lg:min-h-0 lg:min-w-0" aria-label="Close chat">
            ✕
          </button>
        </div>
      </div>
      <ol ref={list} className="min-h-24 flex-1 space-y-2 overflow-y-auto px-4 py-2 text-sm" data-testid="chat-messages">
        {messages.length === 0 ? <li className="text-stone-500">No messages yet. Say hello.</li> : null}
        {messages.map((m) => (
          <li key={m.id}>
            <span className="font-semibold" style={{ color: m.user.color }}>
              {m.user.name}
            </span>{" "}
            <span className="text-xs text-stone-400">{timeAgo(m.at)}</span>
            <div className={`${PROSE} [&>:first-child]:mt-0.5 [&>:last-child]:mb-0`} dangerouslySetInnerHTML={{ __html: renderMarkdown(m.text) }} />
          </li>
        ))}
      </ol>
      <form
        className="flex gap-2 border-t border-stone-100 p-2"
        onSubmit={(event) => {
          event.preventDefault();
          const message = text.trim();
          if (!message) return;
          onSend(message);
          setText("");
        }}
      >
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={MAX_CHAT_LENGTH}
          placeholder={online ? "Message everyone here" : "Offline: chat returns when you reconnect"}
          disabled={!online}
          aria-label="Chat message"
          className="min-w-0 flex-1 rounded-lg border border-stone-300 px-3 py-1.5 text-sm"
        />
        <button type="submit" disabled={!online} className="rounded-lg bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
          Send
        </button>
      </form>
    </aside>
  );
}
