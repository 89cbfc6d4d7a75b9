// The supervisor's side of the shared limit_req state: every proxy worker's lookups land here, so
// N workers give a client the configured rate, not N× it — as nginx's `limit_req_zone` lives in
// shared memory that all its workers lock. One process answers the takes in arrival order, so the
// counts are exact like nginx's (its zone is exact too: a mutex around each lookup).
// Runs in the supervisor process (stack.ts wires it to the `rate-limit.take` child request); the
// params come from our own workers but are still checked here, at the process boundary.
import type { RateLimitTakeParams, RateLimitTakeResult } from '../../contract/ipc.js';
import { BerthError } from '../../errors.js';
import { DEFAULT_MAX_CLIENTS, RateLimiters } from './rate-limit.js';

/** Takes in one batch: a worker flushes each event-loop turn, far below this under any real load. */
export const MAX_TAKES_PER_BATCH = 10_000;
/** Sites with buckets; the config's sites are kept by retain(), this only stops a runaway worker. */
export const MAX_ZONE_SITES = 10_000;
/** An IPv6 address with a zone id is under 64 characters (RFC 4007 §11). */
const MAX_CLIENT_LENGTH = 80;
const MAX_SITE_ID_LENGTH = 200;

export class RateLimitZone {
  private readonly limiters: RateLimiters;

  constructor(now: () => number = Date.now, maxClientsPerSite = DEFAULT_MAX_CLIENTS) {
    this.limiters = new RateLimiters(now, maxClientsPerSite);
  }

  /** Answers one batch, in order. Throws BERTH_ERR_BAD_REQUEST on a malformed batch (nothing counted). */
  take(params: unknown): RateLimitTakeResult {
    const takes = checkParams(params);
    const decisions = new Array<number>(takes.length);
    for (let i = 0; i < takes.length; i++) {
      const [siteId, perSecond, burst, nodelay, client] = takes[i] as RateLimitTakeParams['takes'][number];
      if (this.limiters.sites >= MAX_ZONE_SITES) this.limiters.dropOldest();
      const d = this.limiters.take(siteId, { perSecond, burst, nodelay }, client);
      decisions[i] = d.kind === 'reject' ? -1 : d.delayMs;
    }
    return { decisions };
  }

  /** Forget the buckets of sites that are gone (called after every config apply). */
  retain(siteIds: ReadonlySet<string>): void {
    this.limiters.retain(siteIds);
  }
}

function checkParams(params: unknown): RateLimitTakeParams['takes'] {
  const takes = (params as { takes?: unknown } | null)?.takes;
  if (!Array.isArray(takes) || takes.length > MAX_TAKES_PER_BATCH) throw bad('takes must be an array of at most 10000 entries');
  for (const t of takes) {
    if (
      !Array.isArray(t) ||
      t.length !== 5 ||
      typeof t[0] !== 'string' ||
      t[0].length === 0 ||
      t[0].length > MAX_SITE_ID_LENGTH ||
      typeof t[1] !== 'number' ||
      !(t[1] > 0 && t[1] <= 1_000_000) ||
      !Number.isInteger(t[2]) ||
      (t[2] as number) < 0 ||
      typeof t[3] !== 'boolean' ||
      typeof t[4] !== 'string' ||
      t[4].length > MAX_CLIENT_LENGTH
    ) {
      throw bad('each take is [siteId, perSecond > 0, burst ≥ 0 (integer), nodelay, client address]');
    }
  }
  return takes as RateLimitTakeParams['takes'];
}

function bad(message: string): BerthError {
  return new BerthError('BERTH_ERR_BAD_REQUEST', `rate-limit.take: ${message}`);
}
