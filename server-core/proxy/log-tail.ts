// Collects the lines the worker writes to its logs and hands them out for the live tail (topic
// `log-lines`, payload `LogLinesBatch` = `{ source, lines }` with source `access:<site>` or
// `error`): one flush per interval (100 ms) at most, sending one message per source with lines
// waiting, at most `maxBatch` lines per flush in all; past `maxQueued` waiting lines new ones are
// dropped. A burst of traffic costs bounded memory and bounded IPC. Dropped lines are not silent:
// their number goes out as `skipped` on the next batch, so the dashboard can say lines are missing.
import { basename } from 'node:path';
import type { LogLinesBatch } from '../contract/metrics.js';

export interface LogTailOptions {
  intervalMs?: number;
  maxBatch?: number;
  maxQueued?: number;
  now?: () => number;
  /** The batch source for a pushed path (default: `access:<site>` for `<site>.access.log`, else `error`). */
  sourceOf?: (path: string) => string;
}

const ACCESS_SUFFIX = '.access.log';

export class LogTail {
  private queue: { source: string; line: string }[] = [];
  private droppedLines = 0;
  /** Dropped since the last published batch: sent as that batch's `skipped`. */
  private unreported = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastSent = -Infinity;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  private readonly now: () => number;
  private readonly sourceOf: ((path: string) => string) | null;

  constructor(
    private readonly publish: (batch: LogLinesBatch) => void,
    options: LogTailOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxBatch = options.maxBatch ?? 200;
    this.maxQueued = options.maxQueued ?? 2000;
    this.now = options.now ?? Date.now;
    this.sourceOf = options.sourceOf ?? null;
  }

  /** Lines not published because the queue was full. */
  get dropped(): number {
    return this.droppedLines;
  }

  /** A LineListener for LogFiles.onLine. */
  readonly push = (path: string, line: string): void => {
    if (this.stopped) return;
    if (this.queue.length >= this.maxQueued) {
      this.droppedLines++;
      this.unreported++;
      return;
    }
    const name = basename(path);
    const source = this.sourceOf ? this.sourceOf(path) : name.endsWith(ACCESS_SUFFIX) ? `access:${name.slice(0, -ACCESS_SUFFIX.length)}` : 'error';
    this.queue.push({ source, line });
    this.schedule();
  };

  /** Publishes up to `maxBatch` waiting lines now, grouped by source in order of arrival. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0) return;
    const take = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
    const bySource = new Map<string, string[]>();
    for (const { source, line } of take) {
      const list = bySource.get(source);
      if (list) list.push(line);
      else bySource.set(source, [line]);
    }
    this.lastSent = this.now();
    for (const [source, lines] of bySource) {
      if (this.unreported > 0) {
        this.publish({ source, lines, skipped: this.unreported });
        this.unreported = 0;
      } else {
        this.publish({ source, lines });
      }
    }
    if (this.queue.length > 0) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    const wait = Math.max(0, this.lastSent + this.intervalMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref();
  }
}
