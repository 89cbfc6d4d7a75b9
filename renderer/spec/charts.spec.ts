import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricsPoints } from '../../server-core/contract/metrics.js';
import { byteUnit, compact, errorRate, latencyText, perSecond, stackedStatus } from '../src/charts/series.js';

describe('chart series math', () => {
  it('turns counts per step into rates', () => {
    assert.deepEqual(perSecond([0, 10, 25], 10), [0, 1, 2.5]);
  });

  it('stacks status classes so the top layer is the total', () => {
    const points: MetricsPoints = {
      t: [0, 60],
      requests: [10, 6],
      bytesIn: [0, 0],
      bytesOut: [0, 0],
      status: [
        [0, 0],
        [6, 3],
        [1, 0],
        [2, 1],
        [1, 2],
      ],
      p50: [null, null],
      p95: [null, null],
      p99: [null, null],
    };
    const s = stackedStatus(points, 60);
    assert.equal(s.length, 5);
    assert.deepEqual(
      s.map((row) => row.map((v) => v * 60)),
      [
        [0, 0],
        [6, 3],
        [7, 3],
        [9, 4],
        [10, 6],
      ],
    );
  });

  it('picks units and short forms', () => {
    assert.deepEqual(byteUnit(512), { unit: 'B', div: 1 });
    assert.deepEqual(byteUnit(3 * 1024 * 1024), { unit: 'MiB', div: 1024 * 1024 });
    assert.equal(compact(5), '5');
    assert.equal(compact(0.375), '0.38');
    assert.equal(compact(3.14), '3.1');
    assert.equal(compact(12_345), '12k');
    assert.equal(latencyText(null), '–');
    assert.equal(latencyText(0.084), '0.08 ms');
    assert.equal(latencyText(4.24), '4.2 ms');
    assert.equal(latencyText(2500), '2.5 s');
    assert.equal(errorRate(0, 0), null);
    assert.equal(errorRate(200, 5), 0.025);
  });
});
