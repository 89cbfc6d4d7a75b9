// A proxy worker's limit_req lookups, answered by the supervisor's zone (rate-limit-zone.ts) so
// that all workers share one set of buckets, like nginx's `limit_req_zone` in shared memory.
//
// Why the supervisor and not shared memory: Node workers are separate processes with no shared
// heap, and a SharedArrayBuffer cannot cross child_process or Electron's utilityProcess; the IPC
// channel to the supervisor exists in both. Only requests to a site WITH a rate limit come here
// (access-phase.ts answers the others synchronously).
//
// Cost: lookups made in the same event-loop turn travel as one `rate-limit.take` request and come
// back as one response (flushed by setImmediate), which keeps the zone exact — it sees every take,
// in order — while a flood costs one IPC round trip per turn, not per request. No caching: a
// cached "reject" would be wrong as soon as the bucket leaks, and nginx's zone is exact.
//
// Failure: if the supervisor does not answer within `timeoutMs` (its event loop is blocked, or it
// is going away), the take falls back to this worker's own buckets — fail-soft rather than open or
// closed. Failing open would drop the limit exactly when something is wrong; failing closed would
// answer 503 to every client of the site because of our own hiccup. Per-worker buckets still limit
// a client to at most N× the rate with N workers (the old behaviour), and the next answered batch
// switches back. A warning marks each switch.
import type { RateLimitTakeParams, RateLimitTakeResult } from '../../contract/ipc.js';
import { errorMessage } from '../../errors.js';
import { RateLimiters, type RateDecision, type RateLimitBackend, type RateLimitSettings } from './rate-limit.js';
import { MAX_TAKES_PER_BATCH } from './rate-limit-zone.js';

export const RATE_LIMIT_TAKE = 'rate-limit.take';
/** Proxy worker argument (supervisor/proxy-workers.ts): ask the supervisor for limit_req decisions. */
export const SHARED_RATE_LIMIT_ARG = '--shared-rate-limit';
/** Far above an IPC round trip (~0.1 ms); below what a client would notice as a stall. */
export const DEFAULT_TAKE_TIMEOUT_MS = 500;

export interface SharedRateLimitsOptions {
  /** Sends a request to the supervisor (supervisor/parent-rpc.ts ParentRpc.call). */
  call: (method: string, params: unknown, timeoutMs: number) => Promise<unknown>;
  timeoutMs?: number;
  /** The worker's own buckets, used while the supervisor does not answer. */
  fallback?: RateLimiters;
  warn?: (message: string) => void;
}

interface Waiting {
  siteId: string;
  settings: RateLimitSettings;
  client: string;
  resolve: (decision: RateDecision) => void;
}

export class SharedRateLimits implements RateLimitBackend {
  private batch: Waiting[] = [];
  private degraded = false;
  private readonly timeoutMs: number;
  private readonly fallback: RateLimiters;

  constructor(private readonly options: SharedRateLimitsOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TAKE_TIMEOUT_MS;
    this.fallback = options.fallback ?? new RateLimiters();
  }

  /** True while the supervisor does not answer and the worker's own buckets decide. */
  get usingFallback(): boolean {
    return this.degraded;
  }

  take(siteId: string, settings: RateLimitSettings, client: string): Promise<RateDecision> {
    return new Promise((resolve) => {
      this.batch.push({ siteId, settings, client, resolve });
      if (this.batch.length === 1) setImmediate(this.flush);
      else if (this.batch.length >= MAX_TAKES_PER_BATCH) this.flush();
    });
  }

  retain(siteIds: ReadonlySet<string>): void {
    this.fallback.retain(siteIds);
  }

  private readonly flush = (): void => {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    const params: RateLimitTakeParams = { takes: batch.map((w) => [w.siteId, w.settings.perSecond, w.settings.burst, w.settings.nodelay, w.client]) };
    const sentAt = performance.now();
    this.options
      .call(RATE_LIMIT_TAKE, params, this.timeoutMs)
      .then((result) => {
        const decisions = (result as Partial<RateLimitTakeResult> | null)?.decisions;
        if (!Array.isArray(decisions) || decisions.length !== batch.length) throw new Error(`malformed answer (${JSON.stringify(result)?.slice(0, 80)})`);
        if (this.degraded) {
          this.degraded = false;
          this.options.warn?.('limit_req: the supervisor answers again; rate limits are shared by all workers again');
        }
        // The zone computed each delay when it counted the take; the round trip already waited part of it.
        const waited = performance.now() - sentAt;
        for (let i = 0; i < batch.length; i++) {
          const d = decisions[i] as number;
          (batch[i] as Waiting).resolve(d < 0 ? { kind: 'reject' } : { kind: 'pass', delayMs: d > 0 ? Math.max(0, Math.ceil(d - waited)) : 0 });
        }
      })
      .catch((e: unknown) => {
        if (!this.degraded) {
          this.degraded = true;
          this.options.warn?.(`limit_req: ${errorMessage(e)}; using this worker's own buckets until it answers (a client may get up to one rate per worker meanwhile)`);
        }
        for (const w of batch) w.resolve(this.fallback.take(w.siteId, w.settings, w.client));
      });
  };
}
