import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientKey } from './access-phase.js';
import { RateLimiter, RateLimiters } from './rate-limit.js';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('leaky bucket (nginx limit_req)', () => {
  it('without burst: one request per 1/rate, the next one too early is rejected', () => {
    const c = clock();
    const rl = new RateLimiter({ perSecond: 2, burst: 0, nodelay: true }, c.now);
    assert.deepEqual(rl.take('a'), { kind: 'pass', delayMs: 0 });
    c.t += 499;
    assert.deepEqual(rl.take('a'), { kind: 'reject' });
    c.t += 1; // 500 ms after the accepted one
    assert.deepEqual(rl.take('a'), { kind: 'pass', delayMs: 0 });
    assert.deepEqual(rl.take('b'), { kind: 'pass', delayMs: 0 }, 'another client has its own bucket');
  });

  it('burst with nodelay: burst+1 pass at once, then the bucket drains at the rate', () => {
    const c = clock();
    const rl = new RateLimiter({ perSecond: 10, burst: 5, nodelay: true }, c.now);
    const first = Array.from({ length: 8 }, () => rl.take('a').kind);
    assert.deepEqual(first, ['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'reject', 'reject']);
    c.t += 100; // one slot leaks out every 100 ms
    assert.equal(rl.take('a').kind, 'pass');
    assert.equal(rl.take('a').kind, 'reject');
    c.t += 10_000;
    assert.equal(Array.from({ length: 6 }, () => rl.take('a').kind).every((k) => k === 'pass'), true);
  });

  it('burst without nodelay: excess requests are delayed to the rate', () => {
    const c = clock();
    const rl = new RateLimiter({ perSecond: 4, burst: 2, nodelay: false }, c.now);
    assert.deepEqual(rl.take('a'), { kind: 'pass', delayMs: 0 });
    assert.deepEqual(rl.take('a'), { kind: 'pass', delayMs: 250 });
    assert.deepEqual(rl.take('a'), { kind: 'pass', delayMs: 500 });
    assert.deepEqual(rl.take('a'), { kind: 'reject' });
  });

  it('fractional rates (30 r/m) and a clock that steps back', () => {
    const c = clock();
    const rl = new RateLimiter({ perSecond: 0.5, burst: 0, nodelay: true }, c.now);
    assert.equal(rl.take('a').kind, 'pass');
    c.t += 1999;
    assert.equal(rl.take('a').kind, 'reject');
    c.t += 1;
    assert.equal(rl.take('a').kind, 'pass');
    c.t -= 10; // small step back counts as no time passed
    assert.equal(rl.take('a').kind, 'reject');
  });

  it('keeps at most maxClients buckets, dropping the least recently seen', () => {
    const c = clock();
    const rl = new RateLimiter({ perSecond: 1, burst: 0, nodelay: true }, c.now, 3);
    for (const ip of ['1', '2', '3']) rl.take(ip);
    assert.equal(rl.take('1').kind, 'reject'); // touches 1: now 2 is the oldest
    rl.take('4');
    assert.equal(rl.size, 3);
    assert.equal(rl.take('2').kind, 'pass', 'evicted, starts a fresh bucket');
    assert.equal(rl.take('1').kind, 'reject', '1 was seen recently: still tracked (3 went instead)');
    assert.equal(rl.take('3').kind, 'pass', '3 was evicted when 2 came back');
    for (let i = 0; i < 10_000; i++) rl.take(`10.0.${i >> 8}.${i & 255}`);
    assert.equal(rl.size, 3);
  });

  it('limiters survive a config swap; new settings apply to the buckets already there (nginx keeps the zone)', () => {
    const c = clock();
    const all = new RateLimiters(c.now);
    const s = { perSecond: 1, burst: 0, nodelay: true };
    const a = all.for('site', s);
    a.take('x');
    assert.equal(all.for('site', { ...s }), a);
    assert.equal(all.take('site', { ...s }, 'x').kind, 'reject');
    // burst 3 now: x's bucket (1 request in it) has room for more, and the limiter is the same one.
    assert.equal(all.for('site', { ...s, burst: 3 }), a);
    assert.deepEqual(a.settings, { perSecond: 1, burst: 3, nodelay: true });
    assert.equal(all.take('site', { ...s, burst: 3 }, 'x').kind, 'pass');
    // Back to burst 0: the bucket is full, x waits again.
    assert.equal(all.take('site', s, 'x').kind, 'reject');
    all.retain(new Set(['other']));
    assert.equal(all.sites, 0);
    assert.equal(all.take('site', s, 'x').kind, 'pass', 'a site that was removed starts with empty buckets');
  });

  it('a slower rate applies to what is already in the bucket', () => {
    const c = clock();
    const rl = new RateLimiter({ perSecond: 10, burst: 1, nodelay: true }, c.now);
    rl.take('a');
    rl.take('a'); // excess 1000: the bucket is full
    rl.reconfigure({ perSecond: 1, burst: 1, nodelay: true });
    c.t += 500; // 10 r/s would have drained it; 1 r/s leaks only half a request
    assert.equal(rl.take('a').kind, 'reject');
    c.t += 500;
    assert.equal(rl.take('a').kind, 'pass');
  });

  it('counts an IPv4-mapped client and its IPv4 form as one client', () => {
    assert.equal(clientKey('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(clientKey('::1'), '::1');
    assert.equal(clientKey('10.0.0.1'), '10.0.0.1');
  });
});
