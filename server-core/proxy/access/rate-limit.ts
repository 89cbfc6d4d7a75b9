// nginx `limit_req` (ngx_http_limit_req_module): one leaky bucket per client address, in integer
// thousandths of a request like ngx_http_limit_req_lookup:
//   excess = max(0, excess - rate·elapsed_ms/1000 + 1000); excess > burst·1000 → rejected (503,
//   nginx's limit_req_status default) and the bucket is left as it was; else accepted, and without
//   `nodelay` delayed by excess/rate so requests leave at the configured rate.
// Memory is bounded: the least recently seen buckets are dropped past `maxClients` (nginx's zone
// evicts its oldest entries the same way when it fills).

export interface RateLimitSettings {
  perSecond: number;
  burst: number;
  nodelay: boolean;
}

export type RateDecision = { kind: 'pass'; delayMs: number } | { kind: 'reject' };

/**
 * Where the buckets live: this process (RateLimiters) or the supervisor, shared by every proxy
 * worker like nginx's `limit_req_zone` (shared-rate-limits.ts). Synchronous when local.
 */
export interface RateLimitBackend {
  take(siteId: string, settings: RateLimitSettings, client: string): RateDecision | Promise<RateDecision>;
  /** Drops the buckets of sites no longer configured. */
  retain(siteIds: ReadonlySet<string>): void;
}

interface Bucket {
  /** Thousandths of a request waiting in the bucket. */
  excess: number;
  /** ms timestamp of the last accepted request. */
  last: number;
}

/** nginx sizes zones in bytes (~160k addresses in 10m); this is a count. */
export const DEFAULT_MAX_CLIENTS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Requests per 1000 s, like nginx's `rate` field (r/s × 1000). */
  private rate = 1;
  private burst = 0;
  private current: RateLimitSettings = { perSecond: 1, burst: 0, nodelay: true };

  constructor(
    settings: RateLimitSettings,
    private readonly now: () => number = Date.now,
    private readonly maxClients = DEFAULT_MAX_CLIENTS,
  ) {
    this.reconfigure(settings);
  }

  get settings(): RateLimitSettings {
    return this.current;
  }

  /**
   * New rate/burst/nodelay for the buckets already there: nginx keeps a zone's state across a
   * reload and applies the new `rate` to it (ngx_http_limit_req_init_zone reuses the old shm).
   */
  reconfigure(settings: RateLimitSettings): void {
    this.current = { perSecond: settings.perSecond, burst: settings.burst, nodelay: settings.nodelay };
    this.rate = Math.max(1, Math.round(settings.perSecond * 1000));
    this.burst = settings.burst * 1000;
  }

  sameSettings(s: RateLimitSettings): boolean {
    const c = this.current;
    return c.perSecond === s.perSecond && c.burst === s.burst && c.nodelay === s.nodelay;
  }

  get size(): number {
    return this.buckets.size;
  }

  take(client: string): RateDecision {
    const now = this.now();
    const bucket = this.buckets.get(client);
    if (!bucket) {
      this.buckets.set(client, { excess: 0, last: now });
      if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value as string);
      return { kind: 'pass', delayMs: 0 };
    }
    let ms = now - bucket.last;
    // A clock that went back: nginx treats a small step as no time passed, a large one as 1 ms.
    if (ms < -60_000) ms = 1;
    else if (ms < 0) ms = 0;
    let excess = bucket.excess - Math.trunc((this.rate * ms) / 1000) + 1000;
    if (excess < 0) excess = 0;
    // Most recently seen last: re-insert.
    this.buckets.delete(client);
    this.buckets.set(client, bucket);
    if (excess > this.burst) return { kind: 'reject' };
    bucket.excess = excess;
    bucket.last = now;
    if (this.current.nodelay || excess === 0) return { kind: 'pass', delayMs: 0 };
    return { kind: 'pass', delayMs: Math.ceil((excess * 1000) / this.rate) };
  }
}

/** One limiter per site; a site keeps its buckets across config swaps, new settings apply to them. */
export class RateLimiters implements RateLimitBackend {
  private readonly bySite = new Map<string, RateLimiter>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxClients = DEFAULT_MAX_CLIENTS,
  ) {}

  get sites(): number {
    return this.bySite.size;
  }

  for(siteId: string, settings: RateLimitSettings): RateLimiter {
    const known = this.bySite.get(siteId);
    if (known) {
      if (!known.sameSettings(settings)) known.reconfigure(settings);
      return known;
    }
    const limiter = new RateLimiter(settings, this.now, this.maxClients);
    this.bySite.set(siteId, limiter);
    return limiter;
  }

  take(siteId: string, settings: RateLimitSettings, client: string): RateDecision {
    return this.for(siteId, settings).take(client);
  }

  /** Drops limiters of sites no longer configured. */
  retain(siteIds: ReadonlySet<string>): void {
    for (const id of this.bySite.keys()) if (!siteIds.has(id)) this.bySite.delete(id);
  }

  /** Drops the limiter created first: a hard bound on the number of sites kept. */
  dropOldest(): void {
    const first = this.bySite.keys().next();
    if (!first.done) this.bySite.delete(first.value);
  }
}
