// The proxy's side of the metrics pipeline: the log phase calls `recordRequest(ctx)` once per
// request, upstream code calls `recordUpstream(…)` once per upstream attempt, and the worker ships
// one `metrics` message per second (`startMetricsPublisher`). No I/O and no allocation per request.
import type { MetricsPublish } from '../contract/metrics.js';
import { MetricsAggregator } from '../metrics/aggregator.js';
import { rawHeader } from './raw-headers.js';
import { requestLineLength, type RequestContext } from './request-context.js';

/** One aggregator per worker process. */
export const proxyMetrics = new MetricsAggregator();

/** Series key for requests that matched no site (no listener route, a bad request before routing). */
export const UNMATCHED_SITE = '_';

/** Log phase: the request is over (response finished or the client went away). */
export function recordRequest(ctx: RequestContext): void {
  const res = ctx.res;
  // nginx's 499: the client closed the connection before a response was sent.
  const status = res.headersSent ? res.statusCode : 499;
  proxyMetrics.recordSite(ctx.site?.id ?? UNMATCHED_SITE, status, performance.now() - ctx.startedMs, requestBytes(ctx), ctx.bodyBytes);
}

/**
 * One upstream attempt finished (for P2's upstream code). `upstream` is the upstream id, `server`
 * its address as configured (`host:port` or a socket path); `status` 502/504 for a failed attempt.
 */
export function recordUpstream(upstream: string, server: string, status: number, latencyMs: number, bytesIn: number, bytesOut: number): void {
  proxyMetrics.recordUpstream(upstreamKey(upstream, server), status, latencyMs, bytesIn, bytesOut);
}

/**
 * `<upstream>/<server>`, built once per pair: a string made per request would be hashed anew on
 * every lookup, while the config's own strings keep their hash. Bounded: pairs come from the config.
 */
const upstreamKeys = new Map<string, Map<string, string>>();
function upstreamKey(upstream: string, server: string): string {
  let byServer = upstreamKeys.get(upstream);
  if (byServer === undefined) {
    if (upstreamKeys.size > 10_000) upstreamKeys.clear();
    byServer = new Map();
    upstreamKeys.set(upstream, byServer);
  }
  let key = byServer.get(server);
  if (key === undefined) {
    key = `${upstream}/${server}`;
    byServer.set(server, key);
  }
  return key;
}

/**
 * Request size like nginx `$request_length` without walking the body: request line, header lines
 * and the declared Content-Length (a chunked body without one counts as its headers only).
 */
function requestBytes(ctx: RequestContext): number {
  const raw = ctx.req.rawHeaders;
  let n = requestLineLength(ctx) + 2 + 2;
  for (let i = 0; i + 1 < raw.length; i += 2) n += (raw[i] as string).length + (raw[i + 1] as string).length + 4;
  const declared = Number(rawHeader(raw, 'content-length'));
  return declared > 0 ? n + declared : n;
}

export interface MetricsPublisher {
  /** Ships what is left (on shutdown) and stops the timer. */
  stop(): void;
}

/** Every wall-clock second (just after it ends), hands the second's counts to `send`, if any. */
export function startMetricsPublisher(send: (data: MetricsPublish) => void, aggregator: MetricsAggregator = proxyMetrics): MetricsPublisher {
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    const data = aggregator.drain();
    if (data) send(data);
  };
  const schedule = (): void => {
    // Aligned to the second boundary (+5 ms) so every message covers one whole second.
    timer = setTimeout(() => {
      flush();
      schedule();
    }, 1005 - (Date.now() % 1000));
    timer.unref();
  };
  schedule();
  return {
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      flush();
    },
  };
}
