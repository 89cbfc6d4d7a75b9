// Metrics and log-tail contract: the proxy worker → supervisor publish payload, the query API
// (`GET /api/v1/metrics`) and the live WebSocket messages. Types only.

/** A series is one site (by site id) or one upstream server (`<upstream id>/<host:port or socket>`). */
export type SeriesKind = 'site' | 'upstream';

/** Requests by status class: 1xx, 2xx, 3xx, 4xx, 5xx. */
export type StatusClasses = [number, number, number, number, number];

/** One series' counters for one second, as a proxy worker publishes them. */
export interface MetricsSample {
  kind: SeriesKind;
  key: string;
  requests: number;
  /** Request bytes (request line + headers + declared body). */
  bytesIn: number;
  /** Response body bytes sent (nginx `$body_bytes_sent`). */
  bytesOut: number;
  status: StatusClasses;
  /** Sum of latencies in ms (Prometheus `_sum`). */
  latencyMsSum: number;
  /** Latency histogram, sparse: `[bucket, count, bucket, count…]` (layout in metrics/histogram.ts). */
  hist: number[];
}

/** Topic `metrics`: what one worker counted during one wall-clock second. */
export interface MetricsPublish {
  v: 1;
  /** Unix time of the second, in whole seconds. */
  second: number;
  samples: MetricsSample[];
}

/** One series' last second, for the live view. Latencies in ms, null when there were no requests. */
export interface LiveSeries {
  key: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  status: StatusClasses;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** The `metrics` WebSocket message's body: one finished second, merged across workers. */
export interface LiveMetricsSecond {
  /** Unix seconds. */
  second: number;
  sites: LiveSeries[];
  upstreams: LiveSeries[];
}

export type MetricsRange = '5m' | '1h' | '24h' | '7d';

/** Column arrays, one entry per step, ready for a chart. Missing steps are zeros (latency: null). */
export interface MetricsPoints {
  /** Step start, unix seconds. */
  t: number[];
  requests: number[];
  bytesIn: number[];
  bytesOut: number[];
  /** Per status class, in order 1xx…5xx. */
  status: [number[], number[], number[], number[], number[]];
  p50: Array<number | null>;
  p95: Array<number | null>;
  p99: Array<number | null>;
}

export interface MetricsQueryResponse {
  range: MetricsRange;
  kind: SeriesKind;
  /** The series, or null for the sum of every series of that kind. */
  key: string | null;
  /** Which roll-up answered. */
  resolution: '1s' | '1m' | '1h';
  /** Seconds per point. */
  step: number;
  from: number;
  to: number;
  points: MetricsPoints;
  /** Totals over the whole range; latencies from the merged histogram of the range. */
  summary: { requests: number; bytesIn: number; bytesOut: number; status: StatusClasses; p50: number | null; p95: number | null; p99: number | null };
}

export interface MetricsSeriesResponse {
  sites: string[];
  upstreams: string[];
}

/** Topic `log-lines` from a child, and the WebSocket message. `source`: `access:<site>`, `error`, `app:<name>`. */
export interface LogLinesBatch {
  source: string;
  lines: string[];
  /**
   * Lines (of any source) left out of the live tail just before this batch because they came faster
   * than it forwards them; the log files have them all. Absent when none were.
   */
  skipped?: number;
}

export interface RecentLogsResponse {
  batches: LogLinesBatch[];
}

/** Messages a dashboard may send on the WebSocket. Log lines go only to clients subscribed to `logs`. */
export type WsClientMessage = { type: 'subscribe'; topics: Array<'logs'> } | { type: 'unsubscribe'; topics: Array<'logs'> };
