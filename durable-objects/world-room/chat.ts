import { CHAT_HISTORY_ON_JOIN, type ChatMessage, type RoomUser, type ServerMessage } from "./protocol";
import type { RoomStorage } from "./room-storage";

/** What the chat needs of the room. */
export type ChatPorts = {
  store: () => RoomStorage;
  db: () => D1Database;
  worldId: () => string;
  broadcast: (message: ServerMessage) => void;
  newId: () => string;
};

/**
 * The room's chat: a message goes to everyone here at once, into the room's SQLite (the last 500,
 * shown to people who join) and into D1's `chat_messages` (guests unattributed there).
 */
export class RoomChat {
  constructor(private readonly ports: ChatPorts) {}

  async post(user: RoomUser, text: string): Promise<void> {
    const chat: ChatMessage = {
      id: this.ports.newId(),
      user: { id: user.id, name: user.name, color: user.color },
      text,
      at: new Date().toISOString(),
    };
    this.ports.store().addChat(chat);
    this.ports.broadcast({ type: "chat", ...chat });
    await this.ports
      .db()
      .prepare("insert into chat_messages (id, world_id, user_id, user_name, text, created_at) values (?, ?, ?, ?, ?, ?)")
      .bind(chat.id, this.ports.worldId(), user.id.startsWith("guest-") ? null : user.id, user.name, chat.text, Date.parse(chat.at))
      .run();
  }

  /** The recent messages a joining client is shown, oldest first. */
  recent(): ServerMessage[] {
    return this.ports.store().chatHistory(CHAT_HISTORY_ON_JOIN).map((message) => ({ type: "chat", ...message }));
  }
}
