import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUCKETS,
  MIN_MS,
  OVERFLOW,
  SUB_BUCKETS,
  addSparse,
  bucketIndex,
  bucketLower,
  bucketUpper,
  decodeBlob,
  encodeBlob,
  mergeInto,
  newHistogram,
  percentile,
  record,
  toSparse,
  total,
} from './histogram.js';

/** mulberry32: a small seeded PRNG, so every run draws the same "random" latencies. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal-ish latencies from 0.01 ms to minutes, like real traffic with a long tail. */
function latencies(rand: () => number, n: number): number[] {
  return Array.from({ length: n }, () => {
    const r = rand();
    if (r < 0.01) return rand() * MIN_MS; // underflow bucket
    if (r > 0.999) return 60_000 + rand() * 120_000; // overflow bucket
    return Math.exp(Math.log(0.05) + rand() * Math.log(60_000 / 0.05));
  });
}

/** Nearest-rank percentile of a sorted array (the reference). */
function reference(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}

describe('histogram layout', () => {
  it('covers 0.05 ms … 60 s with eight buckets per doubling, plus under- and overflow', () => {
    assert.equal(bucketIndex(0), 0);
    assert.equal(bucketIndex(0.049), 0);
    assert.equal(bucketIndex(MIN_MS), 1);
    assert.equal(bucketIndex(Number.NaN), 0);
    assert.equal(bucketIndex(-3), 0);
    assert.equal(bucketIndex(0.1), 1 + SUB_BUCKETS);
    assert.ok(bucketUpper(OVERFLOW - 1) >= 60_000, 'the last log bucket reaches 60 s');
    assert.ok(bucketLower(OVERFLOW - 1) < 60_000);
    assert.equal(bucketIndex(1e9), OVERFLOW);
    assert.equal(BUCKETS, OVERFLOW + 1);
    for (let k = 1; k < OVERFLOW; k++) {
      const width = bucketUpper(k) / bucketLower(k) - 1;
      assert.ok(width < 0.0906, `bucket ${k} is ${width} wide`);
      // Every value inside a bucket maps back to it.
      const mid = Math.sqrt(bucketLower(k) * bucketUpper(k));
      assert.equal(bucketIndex(mid), k);
    }
  });
});

describe('percentiles from histograms', () => {
  it('match a sorted-array reference within one bucket width, on seeded random data', () => {
    for (const seed of [1, 7, 42, 2024]) {
      const rand = seeded(seed);
      const values = latencies(rand, 20_000);
      const h = newHistogram();
      for (const v of values) record(h, v);
      const sorted = [...values].sort((a, b) => a - b);
      assert.equal(total(h), values.length);
      for (const q of [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999]) {
        const want = reference(sorted, q);
        const got = percentile(h, q) as number;
        const k = bucketIndex(want);
        if (k === OVERFLOW) assert.equal(got, bucketLower(OVERFLOW), `seed ${seed} q ${q}`);
        else assert.ok(got >= bucketLower(k) && got <= bucketUpper(k), `seed ${seed} q ${q}: ${got} outside [${bucketLower(k)}, ${bucketUpper(k)}] of ${want}`);
        if (want >= MIN_MS && k !== OVERFLOW) assert.ok(Math.abs(got - want) / want < 0.0906, `seed ${seed} q ${q}: ${got} vs ${want}`);
      }
    }
  });

  it('of merged histograms equal those of all the data, never an average of percentiles', () => {
    const rand = seeded(99);
    // Two very different workers: one fast, one slow.
    const fast = Array.from({ length: 9000 }, () => 0.2 + rand() * 0.8);
    const slow = Array.from({ length: 1000 }, () => 200 + rand() * 800);
    const hf = newHistogram();
    const hs = newHistogram();
    for (const v of fast) record(hf, v);
    for (const v of slow) record(hs, v);
    const merged = mergeInto(newHistogram(), hf);
    mergeInto(merged, hs);
    const whole = newHistogram();
    for (const v of [...fast, ...slow]) record(whole, v);
    assert.deepEqual([...merged], [...whole]);

    const sorted = [...fast, ...slow].sort((a, b) => a - b);
    const p95 = percentile(merged, 0.95) as number;
    const want = reference(sorted, 0.95);
    assert.ok(Math.abs(p95 - want) / want < 0.0906, `merged p95 ${p95} vs ${want}`);
    // Averaging the two workers' medians would be off by orders of magnitude.
    const median = percentile(merged, 0.5) as number;
    assert.ok(Math.abs(median - reference(sorted, 0.5)) / reference(sorted, 0.5) < 0.0906);
    const averaged = ((percentile(hf, 0.5) as number) + (percentile(hs, 0.5) as number)) / 2;
    assert.ok(averaged / median > 100, `averaged median ${averaged} vs merged ${median}`);
  });

  it('is null for an empty histogram', () => {
    assert.equal(percentile(newHistogram(), 0.5), null);
  });
});

describe('histogram encodings', () => {
  it('round-trip through the sparse list and the BLOB, large counts included', () => {
    const h = newHistogram();
    h[0] = 3;
    h[17] = 1;
    h[OVERFLOW] = 2 ** 40 + 5;
    h[100] = 127;
    h[101] = 128;
    const sparse = toSparse(h);
    assert.deepEqual(sparse, [0, 3, 17, 1, 100, 127, 101, 128, OVERFLOW, 2 ** 40 + 5]);
    const back = newHistogram();
    assert.equal(addSparse(back, sparse), true);
    assert.deepEqual([...back], [...h]);
    const blob = encodeBlob(h);
    assert.ok(blob.length < 20, `blob is ${blob.length} bytes`);
    assert.deepEqual([...decodeBlob(blob)], [...h]);
    assert.deepEqual([...decodeBlob(encodeBlob(newHistogram()))], [...newHistogram()]);
  });

  it('refuses malformed sparse lists without adding anything', () => {
    const h = newHistogram();
    for (const bad of [[1], [BUCKETS, 1], [-1, 1], [2, -1], [2, 1.5], 'x', [2, 1, 3]]) assert.equal(addSparse(h, bad), false);
    assert.equal(total(h), 0);
  });

  it('throws on a corrupt BLOB', () => {
    assert.throws(() => decodeBlob(Buffer.from([9, 1, 1])), /version/);
    assert.throws(() => decodeBlob(Buffer.from([1, 3, 0x80])), /truncated/);
    assert.throws(() => decodeBlob(Buffer.from([1, 250, 1])), /out of range/);
  });
});
