// One series' counters on the supervisor side: what workers sent for a second (merged across
// workers), a roll-up row, or the running totals behind `/metrics`.
import type { LiveSeries, MetricsSample, SeriesKind, StatusClasses } from '../contract/metrics.js';
import { addSparse, mergeInto, newHistogram, percentile, type Histogram } from './histogram.js';

export class SeriesAccum {
  requests = 0;
  bytesIn = 0;
  bytesOut = 0;
  latencyMsSum = 0;
  readonly status = new Float64Array(5);
  readonly hist: Histogram = newHistogram();

  constructor(
    readonly kind: SeriesKind,
    readonly key: string,
  ) {}

  /** Adds a validated sample (see parsePublish). */
  addSample(s: MetricsSample): void {
    this.requests += s.requests;
    this.bytesIn += s.bytesIn;
    this.bytesOut += s.bytesOut;
    this.latencyMsSum += s.latencyMsSum;
    for (let i = 0; i < 5; i++) this.status[i] = (this.status[i] ?? 0) + (s.status[i] ?? 0);
    addSparse(this.hist, s.hist);
  }

  add(o: SeriesAccum): void {
    this.requests += o.requests;
    this.bytesIn += o.bytesIn;
    this.bytesOut += o.bytesOut;
    this.latencyMsSum += o.latencyMsSum;
    for (let i = 0; i < 5; i++) this.status[i] = (this.status[i] ?? 0) + (o.status[i] ?? 0);
    mergeInto(this.hist, o.hist);
  }

  statusTuple(): StatusClasses {
    const s = this.status;
    return [s[0] ?? 0, s[1] ?? 0, s[2] ?? 0, s[3] ?? 0, s[4] ?? 0];
  }

  live(): LiveSeries {
    return {
      key: this.key,
      requests: this.requests,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      status: this.statusTuple(),
      p50: percentile(this.hist, 0.5),
      p95: percentile(this.hist, 0.95),
      p99: percentile(this.hist, 0.99),
    };
  }
}

export function seriesId(kind: SeriesKind, key: string): string {
  return `${kind}\u0000${key}`;
}
