import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsAggregator, statusClassIndex } from './aggregator.js';
import { bucketIndex } from './histogram.js';

describe('MetricsAggregator', () => {
  it('counts per site and per upstream server, labels the second and resets on drain', () => {
    let now = 1_700_000_000_500;
    const agg = new MetricsAggregator(() => now);
    agg.recordSite('a', 200, 1.5, 100, 1000);
    agg.recordSite('a', 404, 0.01, 50, 10);
    agg.recordSite('b', 502, 30, 70, 0);
    agg.recordUpstream('app/127.0.0.1:9000', 200, 3, 80, 900);
    now += 1000;
    const first = agg.drain();
    assert.ok(first);
    assert.equal(first.second, 1_700_000_000);
    const a = first.samples.find((s) => s.kind === 'site' && s.key === 'a');
    assert.deepEqual(a, {
      kind: 'site',
      key: 'a',
      requests: 2,
      bytesIn: 150,
      bytesOut: 1010,
      status: [0, 1, 0, 1, 0],
      latencyMsSum: 1.51,
      hist: [0, 1, bucketIndex(1.5), 1],
    });
    assert.equal(first.samples.find((s) => s.kind === 'upstream')?.key, 'app/127.0.0.1:9000');
    // Nothing since: nothing to publish.
    now += 1000;
    assert.equal(agg.drain(), null);
    agg.recordSite('a', 200, 1, 1, 1);
    const third = agg.drain();
    assert.equal(third?.second, 1_700_000_002);
    assert.equal(third?.samples.length, 1);
  });

  it('puts odd status codes in the nearest class', () => {
    assert.equal(statusClassIndex(0), 0);
    assert.equal(statusClassIndex(101), 0);
    assert.equal(statusClassIndex(299), 1);
    assert.equal(statusClassIndex(499), 3);
    assert.equal(statusClassIndex(999), 4);
  });
});
