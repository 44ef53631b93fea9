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

export default {
  async fetch(request: Request, env: { BROADCAST: DurableObjectNamespace<Broadcast> }) {
    return env.BROADCAST.getByName("bench").fetch(request);
  },
};
