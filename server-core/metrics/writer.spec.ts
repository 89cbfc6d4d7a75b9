import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LiveMetricsSecond, MetricsPublish, MetricsSample } from '../contract/metrics.js';
import { openStore, type Store } from '../store/database.js';
import { MetricsAggregator } from './aggregator.js';
import { decodeBlob, newHistogram, percentile, record, toSparse } from './histogram.js';
import { queryMetrics } from './query.js';
import { SeriesAccum } from './series.js';
import { MetricsWriter } from './writer.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'berth-metrics-'));
  dirs.push(dir);
  return openStore(dir);
}

/** A settable clock in ms. */
function clock(startSec: number) {
  let ms = startSec * 1000;
  return { now: () => ms, set: (sec: number) => (ms = sec * 1000 + 300) };
}

function sample(key: string, requests: number, status: number, latencies: number[], kind: 'site' | 'upstream' = 'site'): MetricsSample {
  const h = newHistogram();
  for (const l of latencies) record(h, l);
  const st: MetricsSample['status'] = [0, 0, 0, 0, 0];
  st[Math.floor(status / 100) - 1] = requests;
  return { kind, key, requests, bytesIn: requests * 100, bytesOut: requests * 1000, status: st, latencyMsSum: latencies.reduce((a, b) => a + b, 0), hist: toSparse(h) };
}

function publish(second: number, ...samples: MetricsSample[]): MetricsPublish {
  return { v: 1, second, samples };
}

interface Row {
  ts: number;
  key: string;
  requests: number;
  bytes_in: number;
  bytes_out: number;
  s2xx: number;
  s5xx: number;
  latency_ms_sum: number;
  hist: Buffer;
}

function rows(store: Store, table: string): Row[] {
  return store.db.prepare(`SELECT * FROM ${table} ORDER BY kind, key, ts`).all() as Row[];
}

describe('MetricsWriter', () => {
  it('merges several workers\u2019 seconds and writes the 1 s, 1 min and 1 h rows in one tick', () => {
    const store = tempStore();
    const c = clock(1_700_000_000);
    const lives: LiveMetricsSecond[] = [];
    const w = new MetricsWriter(store.db, { nowMs: c.now, onSecond: (l) => lives.push(l) });
    const s = 1_700_000_000;
    assert.equal(w.ingest('proxy-1', publish(s, sample('a', 3, 200, [1, 2, 3]))), true);
    assert.equal(w.ingest('proxy-2', publish(s, sample('a', 2, 500, [100, 200]), sample('b', 1, 200, [5]))), true);
    c.set(s + 1);
    w.tick();

    const one = rows(store, 'metrics_1s');
    assert.equal(one.length, 2);
    const a = one.find((r) => r.key === 'a') as Row;
    assert.equal(a.ts, s);
    assert.equal(a.requests, 5);
    assert.equal(a.s2xx, 3);
    assert.equal(a.s5xx, 2);
    assert.equal(a.bytes_out, 5000);
    assert.equal(a.latency_ms_sum, 306);
    const h = decodeBlob(a.hist);
    const want = newHistogram();
    for (const l of [1, 2, 3, 100, 200]) record(want, l);
    assert.deepEqual([...h], [...want]);

    assert.equal(rows(store, 'metrics_1m').find((r) => r.key === 'a')?.ts, s - (s % 60));
    assert.equal(rows(store, 'metrics_1h').find((r) => r.key === 'a')?.ts, s - (s % 3600));

    // The live view got the merged second, with percentiles from the merged histogram.
    assert.equal(lives.length, 1);
    const live = lives[0] as LiveMetricsSecond;
    assert.equal(live.second, s);
    const la = live.sites.find((x) => x.key === 'a');
    assert.equal(la?.requests, 5);
    assert.deepEqual(la?.status, [0, 3, 0, 0, 2]);
    assert.equal(la?.p50, percentile(want, 0.5));
    store.close();
  });

  it('reports late seconds live too: a delayed tick and a worker message after its second was reported', () => {
    const store = tempStore();
    const s = 1_700_000_100;
    const c = clock(s);
    const lives: LiveMetricsSecond[] = [];
    const w = new MetricsWriter(store.db, { nowMs: c.now, onSecond: (l) => lives.push(l) });
    w.ingest('proxy-1', publish(s, sample('a', 3, 200, [1, 2, 3])));
    w.ingest('proxy-1', publish(s + 1, sample('a', 4, 200, [1, 2, 3, 4])));
    // The tick ran two seconds late: both finished seconds are reported, oldest first.
    c.set(s + 2);
    w.tick();
    assert.deepEqual(lives.map((l) => [l.second, l.sites.find((x) => x.key === 'a')?.requests]), [[s, 3], [s + 1, 4]]);

    // A second worker's part of `s + 1` arrives after it was reported: reported again, merged.
    w.ingest('proxy-2', publish(s + 1, sample('a', 2, 404, [9, 9])));
    c.set(s + 3);
    w.tick();
    const late = lives.filter((l) => l.second === s + 1).at(-1);
    assert.equal(late?.sites.find((x) => x.key === 'a')?.requests, 6);
    assert.deepEqual(late?.sites.find((x) => x.key === 'a')?.status, [0, 4, 0, 2, 0]);
    // …and the quiet newest second keeps the live view moving.
    assert.deepEqual(lives.at(-1), { second: s + 2, sites: [], upstreams: [] });
    const total = (store.db.prepare("SELECT sum(requests) AS n FROM metrics_1s WHERE key = 'a'").get() as { n: number }).n;
    assert.equal(total, 9, 'SQLite has every request once');
    store.close();
  });

  it('rolls seconds up: a minute row is the sum and histogram merge of its second rows', () => {
    const store = tempStore();
    const start = 1_700_000_080; // 40 s into a minute: seconds spill into the next minute
    const c = clock(start);
    const w = new MetricsWriter(store.db, { nowMs: c.now });
    const all = newHistogram();
    for (let i = 0; i < 30; i++) {
      const lat = [i + 0.5, (i + 1) * 3];
      for (const l of lat) record(all, l);
      w.ingest('proxy-1', publish(start + i, sample('site', 2, i % 3 === 0 ? 404 : 200, lat)));
      c.set(start + i + 1);
      w.tick();
    }
    const secs = rows(store, 'metrics_1s');
    const mins = rows(store, 'metrics_1m');
    const hours = rows(store, 'metrics_1h');
    assert.equal(secs.length, 30);
    assert.equal(mins.length, 2);
    for (const m of mins) {
      const inMinute = secs.filter((r) => r.ts >= m.ts && r.ts < m.ts + 60);
      assert.equal(m.requests, inMinute.reduce((a, r) => a + r.requests, 0));
      assert.equal(m.s2xx, inMinute.reduce((a, r) => a + r.s2xx, 0));
      const merged = newHistogram();
      for (const r of inMinute) {
        const h = decodeBlob(r.hist);
        for (let k = 0; k < merged.length; k++) merged[k] = (merged[k] ?? 0) + (h[k] ?? 0);
      }
      assert.deepEqual([...decodeBlob(m.hist)], [...merged]);
    }
    const hourTotal = hours.reduce((a, r) => a + r.requests, 0);
    assert.equal(hourTotal, 60);
    const hourHist = newHistogram();
    for (const r of hours) {
      const h = decodeBlob(r.hist);
      for (let k = 0; k < hourHist.length; k++) hourHist[k] = (hourHist[k] ?? 0) + (h[k] ?? 0);
    }
    assert.deepEqual([...hourHist], [...all]);
    store.close();
  });

  it('merges a worker message that arrives after its second was written', () => {
    const store = tempStore();
    const s = 1_700_000_100;
    const c = clock(s);
    const w = new MetricsWriter(store.db, { nowMs: c.now });
    w.ingest('proxy-1', publish(s, sample('a', 1, 200, [1])));
    c.set(s + 1);
    w.tick();
    w.ingest('proxy-2', publish(s, sample('a', 4, 200, [2, 2, 2, 2])));
    c.set(s + 2);
    w.tick();
    const r = rows(store, 'metrics_1s');
    assert.equal(r.length, 1);
    assert.equal(r[0]?.requests, 5);
    assert.equal(rows(store, 'metrics_1m')[0]?.requests, 5);
    store.close();
  });

  it('prunes past retention in bounded steps, each roll-up on its own schedule', () => {
    const store = tempStore();
    const now = 1_700_100_000;
    const c = clock(now);
    const w = new MetricsWriter(store.db, { nowMs: c.now, retention: { '1s': 600, '1m': 3 * 3600, '1h': 2 * 86_400 } });
    // Four days of one request every 10 s, written directly.
    const batch: number[] = [];
    for (let t = now - 4 * 86_400; t < now; t += 10) batch.push(t);
    // (Older than a live worker may publish, so written directly, the way the bench fills a database.)
    const agg = new MetricsAggregator(() => 0);
    agg.recordSite('s', 200, 1, 10, 10);
    const one = new SeriesAccum('site', 's');
    one.addSample((agg.drain() as MetricsPublish).samples[0] as MetricsSample);
    w.writeSeconds(batch.map((second) => ({ second, series: [one] })));
    const count = (table: string) => (store.db.prepare(`SELECT count(*) AS n, min(ts) AS m FROM ${table}`).get() as { n: number; m: number });
    assert.equal(count('metrics_1s').n, batch.length);

    let ticks = 0;
    while (w.pruneOnce(now)) {
      ticks++;
      assert.ok(ticks < 5000, 'pruning never finished');
    }
    assert.ok(ticks > 1, 'pruning was not spread over several ticks');
    assert.ok(count('metrics_1s').m >= now - 600);
    assert.equal(count('metrics_1s').n, 60);
    assert.ok(count('metrics_1m').m >= now - 3 * 3600);
    assert.ok(count('metrics_1h').m >= now - 2 * 86_400);
    // Older data survives in the coarser roll-ups: 2 days of hours.
    assert.ok(count('metrics_1h').n >= 48 && count('metrics_1h').n <= 49);
    store.close();
  });

  it('drops malformed payloads, reporting each child once', () => {
    const store = tempStore();
    const c = clock(1_700_000_000);
    const bad: string[] = [];
    const w = new MetricsWriter(store.db, { nowMs: c.now, onBadPayload: (id) => bad.push(id) });
    const good = sample('a', 1, 200, [1]);
    for (const p of [
      null,
      { v: 2, second: 1_700_000_000, samples: [] },
      { v: 1, second: 1, samples: [] },
      publish(1_700_000_000, { ...good, requests: -1 }),
      publish(1_700_000_000, { ...good, kind: 'other' as 'site' }),
      publish(1_700_000_000, { ...good, hist: [999, 1] }),
      publish(1_700_000_000, { ...good, status: [1, 2] as unknown as MetricsSample['status'] }),
    ]) {
      assert.equal(w.ingest('proxy-1', p), false);
    }
    assert.deepEqual(bad, ['proxy-1']);
    c.set(1_700_000_001);
    w.tick();
    assert.equal(rows(store, 'metrics_1s').length, 0);
    store.close();
  });

  it('reports a 5xx burst once per site per minute', () => {
    const store = tempStore();
    const s = 1_700_000_000;
    const c = clock(s);
    const bursts: string[] = [];
    const w = new MetricsWriter(store.db, { nowMs: c.now, onBurst: (site, errors, requests) => bursts.push(`${site} ${errors}/${requests}`) });
    for (let i = 0; i < 3; i++) {
      w.ingest('proxy-1', publish(s + i, sample('bad', 10, 502, [1]), sample('fine', 100, 200, [1])));
      c.set(s + i + 1);
      w.tick();
    }
    assert.deepEqual(bursts, ['bad 10/10']);
    store.close();
  });

  it('answers range queries from the right roll-up, zero-filled, with merged percentiles', () => {
    const store = tempStore();
    const s = 1_700_000_000;
    const c = clock(s);
    const w = new MetricsWriter(store.db, { nowMs: c.now });
    const lat = [1, 2, 3, 4, 50];
    w.ingest('proxy-1', publish(s - 120, sample('a', 5, 200, lat), sample('b', 1, 404, [9])));
    w.ingest('proxy-1', publish(s - 2, sample('a', 2, 500, [7, 8])));
    c.set(s);
    w.tick();

    const q5 = queryMetrics(store.db, { range: '5m', kind: 'site', key: 'a' }, c.now());
    assert.equal(q5.resolution, '1s');
    assert.equal(q5.points.t.length, 300);
    assert.equal(q5.points.requests.reduce((x, y) => x + y, 0), 7);
    const i = q5.points.t.indexOf(s - 120);
    assert.equal(q5.points.requests[i], 5);
    assert.equal(q5.points.requests[i + 1], 0);
    assert.equal(q5.points.p50[i + 1], null);
    const h = newHistogram();
    for (const l of lat) record(h, l);
    assert.equal(q5.points.p99[i], percentile(h, 0.99));
    assert.deepEqual(q5.summary.status, [0, 5, 0, 0, 2]);
    for (const l of [7, 8]) record(h, l);
    assert.equal(q5.summary.p95, percentile(h, 0.95));

    const all = queryMetrics(store.db, { range: '5m', kind: 'site', key: null }, c.now());
    assert.equal(all.summary.requests, 8);

    const q24 = queryMetrics(store.db, { range: '24h', kind: 'site', key: 'a' }, c.now());
    assert.equal(q24.resolution, '1m');
    assert.equal(q24.step, 60);
    assert.equal(q24.points.t.length, 1440);
    assert.equal(q24.summary.requests, 7);
    const q7 = queryMetrics(store.db, { range: '7d', kind: 'site', key: 'a' }, c.now());
    assert.equal(q7.resolution, '1h');
    assert.equal(q7.points.t.length, 168);
    assert.equal(q7.summary.requests, 7);
    // The last point holds the newest finished second.
    assert.ok((q7.points.t.at(-1) as number) <= s - 1 && s - 1 < q7.to);
    store.close();
  });
});
