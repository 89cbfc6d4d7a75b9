// The `/api/v1/ws` WebSocket: the same guard as the REST API runs before the upgrade is accepted,
// then each client gets a `hello` and every live message from the backend.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WsClientMessage } from '../contract/metrics.js';
import type { AdminBackend } from './backend.js';
import { checkApiRequest } from './guard.js';

export const WS_PATH = '/api/v1/ws';

/** Largest message a client may send; clients only send tiny subscribe messages, so this is small. */
const MAX_CLIENT_PAYLOAD = 4096;
/** Topics a client may subscribe to (everything else goes to all clients). */
const CLIENT_TOPICS = ['logs'] as const;
/** Log lines are skipped for a client with more than this much unsent data. */
const MAX_LOG_BACKLOG_BYTES = 4 * 1024 * 1024;

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
    const topics = new Set<string>();
    /** Log lines shed for this client since it last got some: told with the next ones it gets. */
    let shed = 0;
    const unsubscribe = this.backend.subscribe((message) => {
      if (ws.readyState !== ws.OPEN) return;
      if (message.type === 'log-lines') {
        // Log lines only to subscribers, and shed them (not status) when a client cannot keep up.
        if (!topics.has('logs')) return;
        if (ws.bufferedAmount > MAX_LOG_BACKLOG_BYTES) {
          shed += message.lines.length + (message.skipped ?? 0);
          return;
        }
        if (shed > 0) {
          ws.send(JSON.stringify({ ...message, skipped: (message.skipped ?? 0) + shed }));
          shed = 0;
          return;
        }
      }
      ws.send(JSON.stringify(message));
    });
    ws.on('message', (data, isBinary) => {
      const m = isBinary ? null : parseClientMessage(String(data));
      if (m === null) {
        ws.close(1003, 'unsupported message');
        return;
      }
      for (const t of m.topics) {
        if (m.type === 'subscribe') topics.add(t);
        else topics.delete(t);
      }
    });
    this.unsubscribes.set(ws, unsubscribe);
    ws.on('close', () => {
      unsubscribe();
      this.unsubscribes.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  }
}

/** `{ type: 'subscribe' | 'unsubscribe', topics: ['logs'] }`, else null. */
export function parseClientMessage(text: string): WsClientMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const { type, topics } = m as { type?: unknown; topics?: unknown };
  if (type !== 'subscribe' && type !== 'unsubscribe') return null;
  if (!Array.isArray(topics) || topics.length > CLIENT_TOPICS.length || !topics.every((t) => (CLIENT_TOPICS as readonly unknown[]).includes(t))) return null;
  return { type, topics: topics as WsClientMessage['topics'] };
}

function rejectUpgrade(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
