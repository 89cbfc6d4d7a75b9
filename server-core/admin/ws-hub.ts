// The `/api/v1/ws` WebSocket: the same guard as the REST API runs before the upgrade is accepted,
// then each client gets a `hello` and every live message from the backend.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AdminBackend } from './backend.js';
import { checkApiRequest } from './guard.js';

export const WS_PATH = '/api/v1/ws';

/** Largest message a client may send; clients only listen, so this is small. */
const MAX_CLIENT_PAYLOAD = 4096;

export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_PAYLOAD });
  private readonly unsubscribes = new Map<WebSocket, () => void>();

  constructor(
    private readonly backend: AdminBackend,
    private readonly port: () => number,
    private readonly token: string,
  ) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) {
      rejectUpgrade(socket, 404, 'Not Found', 'BERTH_ERR_NOT_FOUND', 'no WebSocket here; use /api/v1/ws');
      return;
    }
    const guard = checkApiRequest(req.headers, this.port(), this.token);
    if (!guard.ok) {
      rejectUpgrade(socket, guard.status, guard.status === 401 ? 'Unauthorized' : 'Forbidden', guard.code, guard.message);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  get clientCount(): number {
    return this.unsubscribes.size;
  }

  close(): void {
    for (const [ws, unsubscribe] of this.unsubscribes) {
      unsubscribe();
      ws.terminate();
    }
    this.unsubscribes.clear();
    this.wss.close();
  }

  private onConnection(ws: WebSocket): void {
    ws.send(JSON.stringify({ type: 'hello', status: this.backend.status(), events: this.backend.events(50) }));
    const unsubscribe = this.backend.subscribe((message) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    });
    this.unsubscribes.set(ws, unsubscribe);
    ws.on('close', () => {
      unsubscribe();
      this.unsubscribes.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  }
}

function rejectUpgrade(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
