import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../errors.js';
import { RateLimiters, type RateLimitSettings } from './rate-limit.js';
import { RateLimitZone } from './rate-limit-zone.js';
import { RATE_LIMIT_TAKE, SharedRateLimits } from './shared-rate-limits.js';

const burst3: RateLimitSettings = { perSecond: 0.5, burst: 3, nodelay: true };

/** Two workers whose calls reach one zone, as the supervisor's would (JSON round trip included). */
function workersOnOneZone(now: () => number = Date.now) {
  const zone = new RateLimitZone(now);
  const calls: Array<{ method: string; takes: number }> = [];
  const call = async (method: string, params: unknown): Promise<unknown> => {
    const wire = JSON.parse(JSON.stringify(params)) as { takes: unknown[] };
    calls.push({ method, takes: wire.takes.length });
    return JSON.parse(JSON.stringify(zone.take(wire)));
  };
  return { zone, calls, a: new SharedRateLimits({ call }), b: new SharedRateLimits({ call }) };
}

describe('limit_req shared by the workers (worker side)', () => {
  it('two workers alternating get exactly the one-process sequence: burst + 1 pass, then 503', async () => {
    // A clock that stands still: the bucket must not leak between takes on a slow machine.
    const { a, b } = workersOnOneZone(() => 1_000_000);
    const kinds: string[] = [];
    for (let i = 0; i < 7; i++) kinds.push((await (i % 2 === 0 ? a : b).take('site', burst3, '127.0.0.1')).kind);
    assert.deepEqual(kinds, ['pass', 'pass', 'pass', 'pass', 'reject', 'reject', 'reject']);
    // Per-worker buckets (the old behaviour) would have let 8 through: 4 on each.
    assert.equal((await b.take('site', burst3, '::1')).kind, 'pass', 'another client has its own bucket');
  });

  it('batches the takes of one event-loop turn into one request, answered in order', async () => {
    const { a, calls } = workersOnOneZone();
    const decisions = await Promise.all(Array.from({ length: 6 }, () => a.take('site', burst3, '10.0.0.1')));
    assert.deepEqual(calls, [{ method: RATE_LIMIT_TAKE, takes: 6 }]);
    assert.deepEqual(decisions.map((d) => d.kind), ['pass', 'pass', 'pass', 'pass', 'reject', 'reject']);
    await a.take('site', burst3, '10.0.0.2');
    assert.equal(calls.length, 2, 'the next turn sends a new batch');
  });

  it('keeps the delay (no nodelay), minus the time the round trip took', async () => {
    const zone = new RateLimitZone(() => 1_000_000); // the zone's clock stands still: it says 500 ms
    const slow = new SharedRateLimits({
      call: async (_m, params) => {
        const answer = zone.take(params);
        await new Promise((r) => setTimeout(r, 60));
        return answer;
      },
    });
    const settings = { perSecond: 2, burst: 5, nodelay: false };
    assert.deepEqual(await slow.take('s', settings, 'c'), { kind: 'pass', delayMs: 0 });
    const t0 = performance.now();
    const second = await slow.take('s', settings, 'c');
    const roundTrip = performance.now() - t0;
    // The zone said 500 ms (1/rate) when it counted the take; about 60 ms of it went by on the way
    // back (a 60 ms timer, counted on the loop's millisecond clock: up to a few ms less in real time)
    // — more on a loaded machine, so the lower bound is what this round trip actually took.
    assert.equal(second.kind, 'pass');
    const delay = second.kind === 'pass' ? second.delayMs : -1;
    assert.ok(delay <= 450 && delay >= Math.floor(500 - roundTrip), `delay ${delay} after a round trip of ${roundTrip} ms`);
    if (roundTrip < 400) assert.ok(delay > 0, `delay ${delay}: the rest of the 500 ms was dropped`);
  });

  it('falls back to its own buckets when the supervisor does not answer, warns once, and switches back', async () => {
    const warnings: string[] = [];
    let answering = false;
    const zone = new RateLimitZone();
    // The worker's own buckets on a clock that stands still: three takes, each waiting out the 30 ms
    // timeout, can span more than the 1 s that refills the bucket on a loaded machine.
    const fallback = new RateLimiters(() => 1_000_000);
    const shared = new SharedRateLimits({
      timeoutMs: 30,
      fallback,
      warn: (m) => warnings.push(m),
      call: (_m, params, timeoutMs) =>
        answering ? Promise.resolve(zone.take(params)) : new Promise((_, reject) => setTimeout(() => reject(new BerthError('BERTH_ERR_SUPERVISOR_TIMEOUT', `no answer within ${timeoutMs} ms`)), timeoutMs)),
    });
    const s = { perSecond: 1, burst: 1, nodelay: true };
    // Still limited while degraded (fail-soft): the worker's own bucket rejects the third request.
    const kinds = [];
    for (let i = 0; i < 3; i++) kinds.push((await shared.take('site', s, 'c')).kind);
    assert.deepEqual(kinds, ['pass', 'pass', 'reject']);
    assert.equal(shared.usingFallback, true);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /no answer within 30 ms; using this worker's own buckets/);
    answering = true;
    assert.equal((await shared.take('site', s, 'c')).kind, 'pass', 'the zone has not seen this client yet');
    assert.equal(shared.usingFallback, false);
    assert.equal(warnings.length, 2);
    assert.match(warnings[1] ?? '', /answers again/);
  });

  it('treats a malformed answer like no answer', async () => {
    const warnings: string[] = [];
    const shared = new SharedRateLimits({ call: async () => ({ decisions: [] }), fallback: new RateLimiters(() => 1_000_000), warn: (m) => warnings.push(m) });
    assert.equal((await shared.take('s', { perSecond: 1, burst: 0, nodelay: true }, 'c')).kind, 'pass');
    assert.equal((await shared.take('s', { perSecond: 1, burst: 0, nodelay: true }, 'c')).kind, 'reject');
    assert.match(warnings[0] ?? '', /malformed answer/);
  });
});
