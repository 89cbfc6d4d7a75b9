// The live link: WebSocket `/api/v1/ws` on the dashboard's own host. Parses `WsServerMessage`
// frames and reconnects with capped exponential backoff when the link drops.
import type { WsServerMessage } from '../../../server-core/contract/api.js';
import type { WsClientMessage } from '../../../server-core/contract/metrics.js';
import { API_BASE } from './http.js';

export type LinkState = 'connecting' | 'open' | 'waiting';

export interface LiveSocketHandlers {
  onMessage(msg: WsServerMessage): void;
  onState(state: LinkState, retryAt: number | null): void;
  /**
   * Runs before every (re)connect attempt. Returning false stops the socket for good
   * (the caller found out the dashboard lost its token, say). A throw counts as a failed attempt.
   */
  beforeConnect?(): Promise<boolean>;
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 10_000 };

/** Delay before attempt `n` (0-based): base·2ⁿ capped at max, with up to 25% jitter off so tabs spread out. */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(exp * (1 - 0.25 * random()));
}

export function liveSocketUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${API_BASE}/ws`;
}

function parseMessage(data: unknown): WsServerMessage | null {
  if (typeof data !== 'string') return null;
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const type = (msg as { type?: unknown }).type;
  return type === 'hello' || type === 'status' || type === 'event' || type === 'metrics' || type === 'log-lines' ? (msg as WsServerMessage) : null;
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private stopped = true;
  /** Bumped by start/stop so an attempt still awaiting `beforeConnect` knows it is stale. */
  private generation = 0;

  constructor(
    private readonly handlers: LiveSocketHandlers,
    private readonly url: string = liveSocketUrl(),
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.generation += 1;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.generation += 1;
    this.clearTimer();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close(1000, 'dashboard closed');
    }
  }

  /** Sends a client message (a log subscription) if the link is open; false otherwise. */
  send(message: WsClientMessage): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  /** Skip the wait and try now (the banner's retry button). */
  retryNow(): void {
    if (this.stopped || this.timer === null) return;
    this.clearTimer();
    void this.connect();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async connect(): Promise<void> {
    const generation = this.generation;
    this.handlers.onState('connecting', null);
    if (this.handlers.beforeConnect) {
      let proceed: boolean;
      try {
        proceed = await this.handlers.beforeConnect();
      } catch {
        if (generation === this.generation) this.scheduleRetry();
        return;
      }
      if (generation !== this.generation) return;
      if (!proceed) {
        this.stop();
        return;
      }
    }
    if (this.stopped) return;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.handlers.onState('open', null);
    };
    ws.onmessage = (ev: MessageEvent) => {
      const msg = parseMessage(ev.data);
      if (msg) this.handlers.onMessage(msg);
    };
    // A failed handshake fires error then close; handle the drop once, on close.
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.stopped) this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt += 1;
    this.handlers.onState('waiting', Date.now() + delay);
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }
}
