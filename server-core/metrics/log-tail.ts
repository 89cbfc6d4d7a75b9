// Log lines children publish (topic `log-lines`: `{ source, lines[], skipped? }`): checked, kept in a bounded
// ring of recent lines so a dashboard opening the Logs page sees the last moments, and passed on
// to the WebSocket clients that subscribed to `logs`.
import type { LogLinesBatch } from '../contract/metrics.js';

/** Lines kept for `GET /api/v1/logs/recent`. */
export const RECENT_LINES = 2000;
/** Longer lines are cut (nginx's own error-log lines stop near 2 KiB too). */
export const MAX_LINE_LENGTH = 8192;
/** Most lines taken from one message. */
const MAX_LINES_PER_BATCH = 5000;
const SOURCE_PATTERN = /^(access:[a-z0-9_-]{1,63}|error|app:[a-z0-9_-]{1,63}|[a-z][a-z0-9_-]{0,31})$/;

/** The batch when well formed (long lines cut, extra lines dropped), else null. */
export function parseLogLines(data: unknown): LogLinesBatch | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.source !== 'string' || !SOURCE_PATTERN.test(d.source)) return null;
  if (!Array.isArray(d.lines)) return null;
  const skipped = d.skipped === undefined ? 0 : d.skipped;
  if (typeof skipped !== 'number' || !Number.isSafeInteger(skipped) || skipped < 0) return null;
  const lines: string[] = [];
  for (const l of d.lines.slice(0, MAX_LINES_PER_BATCH)) {
    if (typeof l !== 'string') return null;
    lines.push(l.length > MAX_LINE_LENGTH ? l.slice(0, MAX_LINE_LENGTH) : l);
  }
  // Lines cut off here are skipped lines too.
  const cut = Math.max(0, d.lines.length - MAX_LINES_PER_BATCH) + skipped;
  if (lines.length === 0 && cut === 0) return null;
  return cut > 0 ? { source: d.source, lines, skipped: cut } : { source: d.source, lines };
}

export class LogTail {
  private readonly ring: Array<{ source: string; line: string } | undefined>;
  private next = 0;
  private size = 0;

  constructor(private readonly capacity = RECENT_LINES) {
    this.ring = new Array(capacity);
  }

  /** Keeps the lines; `skipped` concerns the live stream only. */
  add(batch: LogLinesBatch): void {
    for (const line of batch.lines) {
      this.ring[this.next] = { source: batch.source, line };
      this.next = (this.next + 1) % this.capacity;
      if (this.size < this.capacity) this.size++;
    }
  }

  /** The newest `limit` lines, oldest first, grouped into batches of consecutive lines per source. */
  recent(limit = this.capacity): LogLinesBatch[] {
    const n = Math.min(Math.max(0, Math.floor(limit)), this.size);
    const out: LogLinesBatch[] = [];
    for (let i = n; i > 0; i--) {
      const e = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!e) continue;
      const tail = out[out.length - 1];
      if (tail && tail.source === e.source) tail.lines.push(e.line);
      else out.push({ source: e.source, lines: [e.line] });
    }
    return out;
  }
}
