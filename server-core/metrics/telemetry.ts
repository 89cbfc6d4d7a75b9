// The supervisor-side telemetry: routes children's `metrics` and `log-lines` publishes to the
// writer, the log ring and the WebSocket, and answers the admin API's metrics and log queries.
import type { WsServerMessage } from '../contract/api.js';
import type { LogLinesBatch, MetricsQueryResponse, MetricsSeriesResponse } from '../contract/metrics.js';
import type { SqliteDatabase } from '../store/sqlite.js';
import { LogTail, parseLogLines } from './log-tail.js';
import { formatPrometheus } from './prometheus.js';
import { listSeries, queryMetrics, type MetricsQuery } from './query.js';
import { MetricsWriter, type MetricsWriterOptions } from './writer.js';

/** What the admin routes need (metrics-routes.ts, log-routes.ts). */
export interface TelemetryBackend {
  query(q: MetricsQuery): MetricsQueryResponse;
  series(): MetricsSeriesResponse;
  prometheus(): string;
  recentLogs(limit: number): LogLinesBatch[];
}

export interface TelemetryOptions {
  broadcast(message: WsServerMessage): void;
  onBurst?: MetricsWriterOptions['onBurst'];
  /** A child sent malformed telemetry (reported once per child and topic). */
  onBadPayload?: (childId: string, topic: string) => void;
  nowMs?: () => number;
  retention?: MetricsWriterOptions['retention'];
}

export class Telemetry implements TelemetryBackend {
  readonly writer: MetricsWriter;
  private readonly logs = new LogTail();
  private readonly now: () => number;
  private readonly badLogChildren = new Set<string>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: TelemetryOptions,
  ) {
    this.now = options.nowMs ?? Date.now;
    this.writer = new MetricsWriter(db, {
      nowMs: this.now,
      ...(options.retention ? { retention: options.retention } : {}),
      onSecond: (live) => options.broadcast({ type: 'metrics', ...live }),
      ...(options.onBurst ? { onBurst: options.onBurst } : {}),
      onBadPayload: (child) => options.onBadPayload?.(child, 'metrics'),
    });
  }

  /** True when the topic is ours (`metrics`, `log-lines`), whether or not the data was usable. */
  handlePublish(childId: string, topic: string, data: unknown): boolean {
    if (topic === 'metrics') {
      this.writer.ingest(childId, data);
      return true;
    }
    if (topic === 'log-lines') {
      const batch = parseLogLines(data);
      if (batch === null) {
        if (!this.badLogChildren.has(childId)) {
          this.badLogChildren.add(childId);
          this.options.onBadPayload?.(childId, topic);
        }
        return true;
      }
      this.logs.add(batch);
      this.options.broadcast({ type: 'log-lines', ...batch });
      return true;
    }
    return false;
  }

  start(): void {
    this.writer.start();
  }

  stop(): void {
    this.writer.stop();
  }

  query(q: MetricsQuery): MetricsQueryResponse {
    return queryMetrics(this.db, q, this.now());
  }

  series(): MetricsSeriesResponse {
    return listSeries(this.db, this.now());
  }

  prometheus(): string {
    return formatPrometheus(this.writer.totalsSnapshot());
  }

  recentLogs(limit: number): LogLinesBatch[] {
    return this.logs.recent(limit);
  }
}
