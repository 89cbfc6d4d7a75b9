// The raw-socket HTTP/1.1 server side: `handleConnection(socket)` for plain TCP sockets and for TLS
// sockets that negotiated `http/1.1`. No node:http on this path (PERFORMANCE.md: a node:http front
// caps a proxy near 0.5× nginx). One engine per listener, so a listener drains on its own.
import type { Socket } from 'node:net';
import { Http1Connection, type ConnectionHost, type ConnectionLimits, type RejectedRequest } from './connection.js';
import { DEFAULT_HEAD_LIMITS } from './head-parser.js';
import { SlotList } from './slot-list.js';
import type { Http1Request } from './request.js';
import type { Http1Response } from './response.js';

export type { ConnectionLimits, RejectedRequest } from './connection.js';

export interface Http1EngineOptions {
  onRequest(req: Http1Request, res: Http1Response, connection: number): void;
  /** Requests answered by the engine itself (400/408/413/414/431/501/505 before the pipeline). */
  onRejected?(info: RejectedRequest): void;
  /** Read at each connection and each request, so a config swap applies to the next request. */
  limits?(): ConnectionLimits;
  /** Connection numbers (nginx `$connection`); shared by every engine of a worker. */
  nextConnectionId?(): number;
}

/** nginx defaults: client_header_timeout 60 s, client_body_timeout 60 s, keepalive_timeout 75 s, send_timeout 60 s, client_max_body_size 1m. */
export const DEFAULT_LIMITS: ConnectionLimits = {
  headerTimeoutMs: 60_000,
  bodyTimeoutMs: 60_000,
  keepaliveTimeoutMs: 75_000,
  sendTimeoutMs: 60_000,
  maxBodyBytes: 1_048_576,
  head: DEFAULT_HEAD_LIMITS,
};

let sharedConnectionId = 1;

export class Http1Engine implements ConnectionHost {
  draining = false;
  /**
   * Open connections, each knowing its slot (swap-remove): a Set churned once per connection
   * chains its replaced hash tables and keeps closed connections alive until a full GC
   * (timer-wheel.ts explains the measurement).
   */
  private readonly connections = new SlotList<Http1Connection>(
    (c) => c.engineSlot,
    (c, slot) => (c.engineSlot = slot),
  );
  private readonly emptyWaiters: Array<() => void> = [];

  constructor(private readonly options: Http1EngineOptions) {}

  get connectionCount(): number {
    return this.connections.length;
  }

  handleConnection(socket: Socket): void {
    const id = this.options.nextConnectionId?.() ?? sharedConnectionId++;
    if (this.draining) {
      socket.destroy();
      return;
    }
    const conn = new Http1Connection(socket, id, this);
    if (conn.engineSlot !== -1) return; // closed during construction (released already)
    this.connections.add(conn);
  }

  /** Stop keeping connections alive: idle ones close now, busy ones after their response. */
  drain(): void {
    this.draining = true;
    for (const c of [...this.connections.items]) c.drain();
  }

  /** Cut every connection (the grace period is over). */
  destroyAll(): void {
    for (const c of [...this.connections.items]) c.close();
  }

  /** Resolves once no connection is left (after drain()). */
  whenEmpty(): Promise<void> {
    if (this.connections.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  // ── ConnectionHost ────────────────────────────────────────────────────────────────────────────

  limits(): ConnectionLimits {
    return this.options.limits?.() ?? DEFAULT_LIMITS;
  }

  dispatch(req: Http1Request, res: Http1Response, connection: number): void {
    this.options.onRequest(req, res, connection);
  }

  rejected(info: RejectedRequest): void {
    this.options.onRejected?.(info);
  }

  released(conn: Http1Connection): void {
    // -2: released, so a connection released during its construction is never listed.
    if (!this.connections.remove(conn, -2)) conn.engineSlot = -2;
    if (this.connections.length === 0) for (const w of this.emptyWaiters.splice(0)) w();
  }
}
