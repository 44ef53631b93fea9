import { DurableObject } from "cloudflare:workers";

/** Every message from one socket goes to all the others: nothing else, for a baseline. */
export class Broadcast extends DurableObject {
  async fetch(): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async webSocketMessage(from: WebSocket, message: string | ArrayBuffer): Promise<void> {
    for (const socket of this.ctx.getWebSockets()) if (socket !== from) socket.send(message);
  }
}

/**
 * The same, but each message is written to the object's SQLite before it goes out: the output gate
 * holds the sends until the write is durable, the guarantee the room gives (nothing anyone receives
 * can be lost, ADR 9). It measures what storing first costs on this machine, apart from the room.
 */
export class StoredBroadcast extends Broadcast {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec("create table if not exists log (seq integer primary key, data blob not null)");
  }

  override async webSocketMessage(from: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.ctx.storage.sql.exec("insert into log (data) values (?)", message);
    return super.webSocketMessage(from, message);
  }
}

type Env = { BROADCAST: DurableObjectNamespace<Broadcast>; STORED: DurableObjectNamespace<StoredBroadcast> };

export default {
  async fetch(request: Request, env: Env) {
    const namespace = new URL(request.url).pathname === "/stored" ? env.STORED : env.BROADCAST;
    return namespace.getByName("bench").fetch(request);
  },
};
