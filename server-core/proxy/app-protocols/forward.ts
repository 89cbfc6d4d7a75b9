// One request to an app or app-protocol upstream: pick a server, run the exchange, and on a
// failure before anything reached the client try the next server (nginx's `*_next_upstream
// error timeout`), then answer 502/504 like nginx. Every failure goes to error.log in nginx's
// words, with the upstream named.
import type { RequestContext } from '../request-context.js';
import { logRequestError, sendErrorPage } from '../respond.js';
import { recordUpstream } from '../metrics.js';
import type { ExchangeOutcome } from '../upstream/exchange.js';
import type { UpstreamGroup } from '../upstream/group.js';
import type { UpstreamPeer } from '../upstream/peer.js';
import type { PooledSocket } from '../upstream/pool.js';
import { UpstreamError } from '../upstream/upstream-error.js';

export interface Timeouts {
  connectMs: number;
  readMs: number;
  sendMs: number;
}

/** What forward() needs from an exchange (P2's UpstreamExchange and FastcgiExchange both fit). */
export interface RunningExchange {
  readonly bodyStarted: boolean;
  readonly responseStarted: boolean;
  start(): Promise<ExchangeOutcome>;
  resume(): void;
  /** Drop the rest of the response (X-Accel-Redirect): see UpstreamExchange.discard. */
  discard(): void;
  abort(): void;
}

/** What a sink may ask of the running exchange: read again after the client drained, or drop the body. */
export interface ExchangeControl {
  resume(): void;
  discard(): void;
}

export type ExchangeFactory = (pooled: PooledSocket, peer: UpstreamPeer, control: ExchangeControl) => RunningExchange;

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function timeoutsOf(h: { connectTimeoutS: number; readTimeoutS: number; sendTimeoutS: number }): Timeouts {
  return { connectMs: h.connectTimeoutS * 1000, readMs: h.readTimeoutS * 1000, sendMs: h.sendTimeoutS * 1000 };
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 60_000, readMs: 60_000, sendMs: 60_000 };

/**
 * `decided`: the answer came from the upstream's head already (an intercepted error page, an
 * X-Accel-Redirect); a failure after it (a malformed body) then answers nothing, as nginx stops
 * reading the upstream at the head.
 */
export async function forward(ctx: RequestContext, group: UpstreamGroup, label: string, timeouts: Timeouts, make: ExchangeFactory, decided: () => boolean = () => false): Promise<void> {
  const tried = new Set<UpstreamPeer>();
  const method = ctx.method || 'GET';
  let lastError: UpstreamError | null = null;
  let clientGone = false;
  let current: RunningExchange | null = null;
  const onClose = (): void => {
    if (ctx.res.writableEnded) return;
    clientGone = true;
    current?.abort();
  };
  ctx.res.once('close', onClose);
  ctx.res.abortOnClientEnd = true;
  try {
    for (;;) {
      const peer = group.pick(tried, ctx.remoteAddress, Date.now());
      if (!peer) {
        if (tried.size === 0) logRequestError(ctx, 'error', `no live upstreams while connecting to upstream, upstream: "${label}"`);
        break;
      }
      tried.add(peer);
      const started = performance.now();
      let pooled: PooledSocket;
      try {
        pooled = await peer.pool.acquire(timeouts.connectMs);
      } catch (e) {
        lastError = e instanceof UpstreamError ? e : new UpstreamError('error', 'connecting to upstream', String(e));
        peer.finished(Date.now(), true);
        recordUpstream(label, peer.address.label, lastError.status, performance.now() - started, 0, 0);
        logRequestError(ctx, 'error', `${lastError.message}, upstream: "${label}" (${peer.address.label})`);
        if (clientGone) return;
        continue;
      }
      if (clientGone) {
        pooled.socket.destroy();
        peer.finished(Date.now(), false);
        return;
      }
      const exchange: RunningExchange = make(pooled, peer, { resume: () => exchange.resume(), discard: () => exchange.discard() });
      current = exchange;
      try {
        const outcome = await exchange.start();
        peer.finished(Date.now(), false);
        recordUpstream(label, peer.address.label, ctx.res.statusCode, performance.now() - started, outcome.bytesIn, outcome.bytesOut);
        if (outcome.kind === 'complete') peer.pool.release(pooled.socket, outcome.reusable);
        else pooled.socket.destroy();
        return;
      } catch (e) {
        current = null;
        pooled.socket.destroy();
        if (clientGone) {
          peer.finished(Date.now(), false);
          return;
        }
        const err = e instanceof UpstreamError ? e : new UpstreamError('invalid', 'reading response header from upstream', (e as Error).message);
        lastError = err;
        // A stale keep-alive connection closing under us is not the server's fault (nginx retries it too).
        const stale = pooled.reused && !exchange.responseStarted && err.kind !== 'timeout';
        peer.finished(Date.now(), !stale);
        recordUpstream(label, peer.address.label, err.status, performance.now() - started, 0, 0);
        logRequestError(ctx, 'error', `${err.message}, upstream: "${label}" (${peer.address.label})`);
        if (stale) tried.delete(peer);
        // Retry only while nothing reached the client and the request can be replayed: nginx does
        // not pass a non-idempotent request that was sent to the next server (except a stale socket).
        const replayable = !exchange.bodyStarted && (IDEMPOTENT.has(method) || stale);
        if (ctx.res.headersSent || exchange.responseStarted || !replayable || err.kind === 'invalid') break;
      }
    }
  } finally {
    ctx.res.off('close', onClose);
  }
  if (decided()) return;
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  sendErrorPage(ctx, lastError?.status ?? 502);
}
