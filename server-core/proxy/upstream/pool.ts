// Keep-alive connections to one upstream server (nginx `keepalive N` in an upstream block).
// Idle sockets wait here, most recent first; a socket comes back only after a complete exchange
// (request fully written, response fully read, framing allowing reuse). An idle socket that the
// server closes, that sends anything, or that stays idle past the timeout is dropped.
//
// Hot-path costs (PERFORMANCE.md): each socket gets its watchers once, when it connects, and the
// idle timeout is one shared sweep, so a request adds and removes no listeners and arms no timer
// here. nginx closes the least recently used idle connection as soon as more than N are idle; a
// burst of responses landing in one event-loop turn then closes connections the next requests
// reopen at once (measured: 8 % of requests reconnecting at 50 clients, keepalive 32). Berth lets
// the idle set overshoot N up to 2N and trims it back to N at the next sweep (at most 1 s later).
import { connect, type Socket } from 'node:net';
import type { UpstreamAddress } from './address.js';
import { UpstreamError } from './upstream-error.js';

/** nginx `keepalive_timeout` inside `upstream`: 60 s. */
const IDLE_TIMEOUT_MS = 60_000;
/** nginx `keepalive_requests` inside `upstream`: 1000 (since 1.19.10). */
export const MAX_REQUESTS_PER_CONNECTION = 1000;
/** How often idle sockets are checked for the idle timeout and the keepalive cap. */
const SWEEP_MS = 1000;
/** Idle sockets beyond `keepalive` tolerated until the next sweep, as a multiple of it. */
const BURST_FACTOR = 2;

export interface PooledSocket {
  readonly socket: Socket;
  /** True when the socket served an earlier request (a stale keep-alive race is possible). */
  readonly reused: boolean;
  /** Requests sent on this socket, this one included. */
  readonly requests: number;
}

/** Who gets a pooled socket's events while it is in use (an exchange). */
export interface SocketOwner {
  /**
   * Bytes read. With a pool made `sharedReadBuffer`, `chunk` is a view on a buffer the next read
   * overwrites: valid during the call only, copy what must outlive it.
   */
  onSocketData(chunk: Buffer): void;
  onSocketEnd(): void;
  onSocketError(e: NodeJS.ErrnoException): void;
  onSocketClose(): void;
}

/** Per-socket bookkeeping, created once when the socket connects. */
interface Conn {
  requests: number;
  /** ms since the epoch the socket went idle; 0 while in use. */
  idleSince: number;
  owner: SocketOwner | null;
}

/**
 * Routes a pooled socket's events to `owner` (null: nobody; the pool watches it again once it is
 * released). One set of listeners per socket for its whole life: an exchange adds and removes
 * none. Returns false for a socket the pool did not open; the caller then listens itself.
 */
export function routeSocket(socket: Socket, owner: SocketOwner | null): boolean {
  const conn = conns.get(socket);
  if (!conn) return false;
  conn.owner = owner;
  return true;
}

const conns = new WeakMap<Socket, Conn>();

/**
 * One read buffer for every shared-buffer pool socket of the process: reads land here (libuv
 * reads into it, Node calls back with the length) instead of in a fresh 64 KiB allocation turned
 * into a new ArrayBuffer and pushed through a Readable — for a proxied response, one of the two
 * reads per request. Safe to share: callbacks run one at a time, and owners copy what they keep.
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export interface PoolOptions {
  /** nginx `keepalive_timeout` of the upstream block. */
  idleTimeoutMs?: number;
  /** Read into the process's shared buffer (see SHARED_READ_BUFFER): owners must copy what they keep. */
  sharedReadBuffer?: boolean;
}

export class ConnectionPool {
  private readonly idle: Socket[] = [];
  private closed = false;
  private readonly idleTimeoutMs: number;
  private readonly sharedReadBuffer: boolean;

  constructor(
    readonly address: UpstreamAddress,
    /** Idle sockets kept; 0 = no keep-alive (every request gets `Connection: close`). */
    public maxIdle: number,
    options: PoolOptions = {},
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    this.sharedReadBuffer = options.sharedReadBuffer ?? false;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** A live idle socket (unless `fresh`), or a new connection within `connectTimeoutMs`. Rejects with UpstreamError. */
  acquire(connectTimeoutMs: number, fresh = false): Promise<PooledSocket> {
    const idle = fresh ? null : this.takeIdle();
    return idle !== null ? Promise.resolve(idle) : this.open(connectTimeoutMs);
  }

  /** The most recently used live idle socket, or null (then `acquire` connects). Synchronous. */
  takeIdle(): PooledSocket | null {
    for (let s = this.idle.pop(); s; s = this.idle.pop()) {
      const conn = conns.get(s);
      // Still flowing, as idle sockets are: the caller routes its events before any I/O can
      // happen (pausing here and resuming a moment later costs a tick and a read stop/start).
      if (!conn || s.destroyed || !s.writable || s.readableEnded) {
        s.destroy();
        continue;
      }
      conn.idleSince = 0;
      conn.owner = null;
      return { socket: s, reused: true, requests: ++conn.requests };
    }
    return null;
  }

  /**
   * Gives a socket back after an exchange. Only `reusable` sockets whose exchange is complete
   * may come back: anything else (an aborted client, a paused read, half a body) is destroyed.
   */
  release(socket: Socket, reusable: boolean): void {
    const conn = conns.get(socket);
    if (!reusable || !conn || this.closed || this.maxIdle === 0 || socket.destroyed || !socket.writable || socket.readableEnded || conn.requests >= MAX_REQUESTS_PER_CONNECTION) {
      socket.destroy();
      return;
    }
    conn.idleSince = Date.now();
    conn.owner = null;
    // A socket paused by back-pressure would never report the server's close: let it flow.
    if (socket.isPaused()) socket.resume();
    this.idle.push(socket);
    while (this.idle.length > this.maxIdle * BURST_FACTOR) this.idle.shift()?.destroy();
    if (this.idle.length === 1) watchPool(this);
  }

  /** Drops every idle socket; sockets in use are destroyed when they come back. */
  close(): void {
    this.closed = true;
    for (const s of this.idle.splice(0)) s.destroy();
  }

  /**
   * The shared sweep: drops sockets idle past the timeout, then trims the idle set back to
   * `keepalive`, least recently used first. Returns false once nothing is idle.
   */
  sweep(now: number): boolean {
    const idle = this.idle;
    // Oldest first: `idle` is in release order.
    while (idle.length > 0 && (idle.length > this.maxIdle || (conns.get(idle[0] as Socket)?.idleSince ?? 0) + this.idleTimeoutMs <= now)) idle.shift()?.destroy();
    return idle.length > 0;
  }

  /** An idle socket closed, errored or sent bytes nobody asked for: it leaves the pool. */
  private dropIdle(socket: Socket): void {
    const i = this.idle.indexOf(socket);
    if (i >= 0) this.idle.splice(i, 1);
    socket.destroy();
  }

  private open(connectTimeoutMs: number): Promise<PooledSocket> {
    const a = this.address;
    return new Promise((resolve, reject) => {
      const conn: Conn = { requests: 1, idleSince: 0, owner: null };
      const onIdleEvent = (): void => {
        if (conn.idleSince !== 0) this.dropIdle(socket);
      };
      const onData = (chunk: Buffer): void => {
        if (conn.owner !== null) conn.owner.onSocketData(chunk);
        else onIdleEvent();
      };
      // With `onread` Node emits no 'data': every read goes to the callback, on the shared buffer.
      const onread = this.sharedReadBuffer
        ? {
          buffer: SHARED_READ_BUFFER,
          callback: (n: number, buf: Uint8Array): boolean => {
            onData((buf as Buffer).subarray(0, n));
            return true;
          },
        }
        : undefined;
      const socket = a.kind === 'unix' ? connect({ path: a.path, onread }) : connect({ host: a.host, port: a.port, onread });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new UpstreamError('timeout', 'connecting to upstream'));
      }, connectTimeoutMs);
      const onError = (e: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        reject(UpstreamError.fromErrno(e, 'connecting to upstream'));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        conns.set(socket, conn);
        // Attached once for the socket's life. In use, events go to the owner (routeSocket). Idle,
        // the socket must never hold data (a response nobody asked for means the framing went
        // wrong), and a server closing it ends the keep-alive.
        if (!onread) socket.on('data', onData);
        socket.on('end', () => {
          if (conn.owner !== null) conn.owner.onSocketEnd();
          else onIdleEvent();
        });
        socket.on('error', (e: NodeJS.ErrnoException) => {
          if (conn.owner !== null) conn.owner.onSocketError(e);
          else onIdleEvent();
        });
        socket.on('close', () => {
          if (conn.owner !== null) conn.owner.onSocketClose();
          else onIdleEvent();
        });
        resolve({ socket, reused: false, requests: 1 });
      });
    });
  }
}

const watched = new Set<ConnectionPool>();
let sweepTimer: NodeJS.Timeout | null = null;

function watchPool(pool: ConnectionPool): void {
  watched.add(pool);
  if (sweepTimer !== null) return;
  sweepTimer = setInterval(() => {
    const now = Date.now();
    for (const p of watched) if (!p.sweep(now)) watched.delete(p);
    if (watched.size === 0 && sweepTimer !== null) {
      clearInterval(sweepTimer);
      sweepTimer = null;
    }
  }, SWEEP_MS);
  // Idle upstream sockets never keep a process alive on their own.
  sweepTimer.unref();
}
