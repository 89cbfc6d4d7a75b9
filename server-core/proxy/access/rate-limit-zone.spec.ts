import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../errors.js';
import { MAX_ZONE_SITES, RateLimitZone } from './rate-limit-zone.js';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('shared limit_req zone (supervisor side)', () => {
  it('answers a batch in order: -1 for a rejection, the delay in ms otherwise', () => {
    const c = clock();
    const zone = new RateLimitZone(c.now);
    const take = (client: string, nodelay = false) => ['s', 4, 2, nodelay, client] as [string, number, number, boolean, string];
    const r = zone.take({ takes: [take('a'), take('a'), take('b'), take('a'), take('a')] });
    assert.deepEqual(r.decisions, [0, 250, 0, 500, -1]);
    c.t += 250;
    assert.deepEqual(zone.take({ takes: [take('a', true)] }).decisions, [0], 'nodelay: passes without a delay once a slot leaked');
  });

  it('is one bucket for takes arriving from different workers in separate batches', () => {
    const c = clock();
    const zone = new RateLimitZone(c.now);
    const t: [string, number, number, boolean, string] = ['site', 0.5, 3, true, '127.0.0.1'];
    // Two workers alternating, one take each per batch: the nginx sequence for burst 3.
    const seq = Array.from({ length: 7 }, () => zone.take({ takes: [t] }).decisions[0]);
    assert.deepEqual(seq, [0, 0, 0, 0, -1, -1, -1]);
  });

  it('refuses malformed batches at the boundary and counts nothing from them', () => {
    const zone = new RateLimitZone(clock().now);
    const bad: unknown[] = [
      null,
      {},
      { takes: 'x' },
      { takes: [['s', 1, 0, true]] },
      { takes: [['', 1, 0, true, 'a']] },
      { takes: [['s', 0, 0, true, 'a']] },
      { takes: [['s', 1, 1.5, true, 'a']] },
      { takes: [['s', 1, -1, true, 'a']] },
      { takes: [['s', 1, 0, 'yes', 'a']] },
      { takes: [['s', 1, 0, true, 'x'.repeat(200)]] },
      { takes: [['s', 1, 0, true, 'a'], 'oops'] },
      { takes: new Array(10_001).fill(['s', 1, 0, true, 'a']) },
    ];
    for (const params of bad) {
      assert.throws(() => zone.take(params), (e: unknown) => isBerthError(e, 'BERTH_ERR_BAD_REQUEST'), JSON.stringify(params)?.slice(0, 60));
    }
    // The half-valid batch above counted nothing: 'a' still has an empty bucket.
    assert.deepEqual(zone.take({ takes: [['s', 1, 0, true, 'a']] }).decisions, [0]);
  });

  it('keeps bounded memory: retain() drops removed sites, and the number of sites is capped', () => {
    const c = clock();
    const zone = new RateLimitZone(c.now, 2);
    zone.take({ takes: [['gone', 1, 0, true, 'a']] });
    zone.retain(new Set(['kept']));
    assert.deepEqual(zone.take({ takes: [['gone', 1, 0, true, 'a']] }).decisions, [0], 'a removed site starts fresh');
    const many = Array.from({ length: MAX_ZONE_SITES + 50 }, (_, i) => [`site-${i}`, 1, 0, true, 'a'] as [string, number, number, boolean, string]);
    for (let i = 0; i < many.length; i += 5000) zone.take({ takes: many.slice(i, i + 5000) });
    // The first sites were dropped to make room: their client starts fresh; the newest is remembered.
    assert.deepEqual(zone.take({ takes: [['site-0', 1, 0, true, 'a']] }).decisions, [0]);
    assert.deepEqual(zone.take({ takes: [[`site-${MAX_ZONE_SITES + 49}`, 1, 0, true, 'a']] }).decisions, [-1]);
  });
});
