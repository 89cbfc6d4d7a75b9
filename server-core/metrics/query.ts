// Reads metrics for the dashboard: the range picks the roll-up, rows are summed into fixed steps
// (empty steps are zeros), and percentiles come from each step's MERGED histogram.
import type { MetricsPoints, MetricsQueryResponse, MetricsRange, MetricsSeriesResponse, SeriesKind, StatusClasses } from '../contract/metrics.js';
import type { SqliteDatabase } from '../store/sqlite.js';
import { addBlob, newHistogram, percentile, type Histogram } from './histogram.js';
import { ROLLUP_TABLES, type Resolution } from './schema.js';

interface RangePlan {
  resolution: Resolution;
  /** Seconds covered. */
  span: number;
  /** Seconds per point. */
  step: number;
}

export const METRICS_RANGES: readonly MetricsRange[] = ['5m', '1h', '24h', '7d'];

/** 300, 360, 1440 and 168 points. The 1 s table keeps 65 min, so 1 h is served from it whole. */
export const RANGE_PLANS: Record<MetricsRange, RangePlan> = {
  '5m': { resolution: '1s', span: 300, step: 1 },
  '1h': { resolution: '1s', span: 3600, step: 10 },
  '24h': { resolution: '1m', span: 86_400, step: 60 },
  '7d': { resolution: '1h', span: 7 * 86_400, step: 3600 },
};

interface Row {
  ts: number;
  requests: number;
  bytes_in: number;
  bytes_out: number;
  s1xx: number;
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
  hist: Buffer;
}

const COLUMNS = 'ts, requests, bytes_in, bytes_out, s1xx, s2xx, s3xx, s4xx, s5xx, hist';

export interface MetricsQuery {
  range: MetricsRange;
  kind: SeriesKind;
  /** null: every series of the kind, summed. */
  key: string | null;
}

export function queryMetrics(db: SqliteDatabase, q: MetricsQuery, nowMs: number): MetricsQueryResponse {
  const plan = RANGE_PLANS[q.range];
  const table = ROLLUP_TABLES[plan.resolution];
  // The last finished second is in; the step holding it is the last point.
  const last = Math.floor(nowMs / 1000) - 1;
  const to = Math.floor(last / plan.step) * plan.step + plan.step;
  const from = to - plan.span;
  const n = plan.span / plan.step;

  const rows = (
    q.key === null
      ? // `+kind`: range-scan the ts index instead of every row of the kind in the primary key.
        db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE +kind = ? AND ts >= ? AND ts < ?`).all(q.kind, from, to)
      : db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE kind = ? AND key = ? AND ts >= ? AND ts < ?`).all(q.kind, q.key, from, to)
  ) as Row[];

  const points: MetricsPoints = {
    t: Array.from({ length: n }, (_, i) => from + i * plan.step),
    requests: new Array<number>(n).fill(0),
    bytesIn: new Array<number>(n).fill(0),
    bytesOut: new Array<number>(n).fill(0),
    status: [0, 1, 2, 3, 4].map(() => new Array<number>(n).fill(0)) as MetricsPoints['status'],
    p50: new Array<number | null>(n).fill(null),
    p95: new Array<number | null>(n).fill(null),
    p99: new Array<number | null>(n).fill(null),
  };
  const hists: Array<Histogram | undefined> = new Array(n);
  const all = newHistogram();
  const summary = { requests: 0, bytesIn: 0, bytesOut: 0, status: [0, 0, 0, 0, 0] as StatusClasses };

  for (const r of rows) {
    const i = Math.floor((r.ts - from) / plan.step);
    if (i < 0 || i >= n) continue;
    points.requests[i] = (points.requests[i] ?? 0) + r.requests;
    points.bytesIn[i] = (points.bytesIn[i] ?? 0) + r.bytes_in;
    points.bytesOut[i] = (points.bytesOut[i] ?? 0) + r.bytes_out;
    const classes = [r.s1xx, r.s2xx, r.s3xx, r.s4xx, r.s5xx];
    for (let c = 0; c < 5; c++) {
      const col = points.status[c] as number[];
      col[i] = (col[i] ?? 0) + (classes[c] ?? 0);
      summary.status[c] = (summary.status[c] ?? 0) + (classes[c] ?? 0);
    }
    summary.requests += r.requests;
    summary.bytesIn += r.bytes_in;
    summary.bytesOut += r.bytes_out;
    const h = (hists[i] ??= newHistogram());
    addBlob(h, r.hist);
    addBlob(all, r.hist);
  }
  for (let i = 0; i < n; i++) {
    const h = hists[i];
    if (h === undefined) continue;
    points.p50[i] = percentile(h, 0.5);
    points.p95[i] = percentile(h, 0.95);
    points.p99[i] = percentile(h, 0.99);
  }

  return {
    range: q.range,
    kind: q.kind,
    key: q.key,
    resolution: plan.resolution,
    step: plan.step,
    from,
    to,
    points,
    summary: { ...summary, p50: percentile(all, 0.5), p95: percentile(all, 0.95), p99: percentile(all, 0.99) },
  };
}

/** Series seen in the last 7 days (from the small 1 h roll-up). */
export function listSeries(db: SqliteDatabase, nowMs: number): MetricsSeriesResponse {
  const since = Math.floor(nowMs / 1000) - 7 * 86_400 - 3600;
  const keys = (kind: SeriesKind): string[] =>
    (db.prepare(`SELECT DISTINCT key FROM ${ROLLUP_TABLES['1h']} WHERE kind = ? AND ts >= ? ORDER BY key`).all(kind, since) as { key: string }[]).map((r) => r.key);
  return { sites: keys('site'), upstreams: keys('upstream') };
}
