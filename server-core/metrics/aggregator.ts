// Per-second counters in a proxy worker: per site and per upstream server. Recording a request only
// increments numbers in arrays allocated when a series first appears; `drain()` turns the second into
// one publishable message and zeroes the counters in place.
import type { MetricsPublish, MetricsSample, SeriesKind, StatusClasses } from '../contract/metrics.js';
import { bucketIndex, newHistogram, toSparse, type Histogram } from './histogram.js';

/** A series idle this many drains is forgotten (a site removed from the config, say). */
const IDLE_DRAINS_BEFORE_FORGET = 300;

class SeriesCounters {
  requests = 0;
  bytesIn = 0;
  bytesOut = 0;
  latencyMsSum = 0;
  readonly status = new Float64Array(5);
  readonly hist: Histogram = newHistogram();
  idleDrains = 0;

  record(status: number, latencyMs: number, bytesIn: number, bytesOut: number): void {
    this.requests += 1;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    const ms = latencyMs > 0 ? latencyMs : 0;
    this.latencyMsSum += ms;
    const c = statusClassIndex(status);
    this.status[c] = (this.status[c] ?? 0) + 1;
    const k = bucketIndex(ms);
    this.hist[k] = (this.hist[k] ?? 0) + 1;
  }

  toSample(kind: SeriesKind, key: string): MetricsSample {
    const s = this.status;
    return {
      kind,
      key,
      requests: this.requests,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      status: [s[0], s[1], s[2], s[3], s[4]] as StatusClasses,
      latencyMsSum: this.latencyMsSum,
      hist: toSparse(this.hist),
    };
  }

  reset(): void {
    this.requests = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.latencyMsSum = 0;
    this.status.fill(0);
    this.hist.fill(0);
  }
}

/** 1xx → 0 … 5xx → 4. Codes outside 100–599 (a 0 from a cut connection) count with the nearest class. */
export function statusClassIndex(status: number): number {
  const c = Math.floor(status / 100) - 1;
  return c < 0 ? 0 : c > 4 ? 4 : c;
}

export class MetricsAggregator {
  private readonly sites = new Map<string, SeriesCounters>();
  private readonly upstreams = new Map<string, SeriesCounters>();
  private second: number;

  constructor(private readonly nowMs: () => number = Date.now) {
    this.second = Math.floor(nowMs() / 1000);
  }

  recordSite(site: string, status: number, latencyMs: number, bytesIn: number, bytesOut: number): void {
    series(this.sites, site).record(status, latencyMs, bytesIn, bytesOut);
  }

  /** `server` is `<upstream id>/<address>` (see contract/metrics.ts). */
  recordUpstream(server: string, status: number, latencyMs: number, bytesIn: number, bytesOut: number): void {
    series(this.upstreams, server).record(status, latencyMs, bytesIn, bytesOut);
  }

  /** The counts since the last drain, labelled with the second they started in; null when nothing happened. */
  drain(): MetricsPublish | null {
    const second = this.second;
    this.second = Math.floor(this.nowMs() / 1000);
    const samples: MetricsSample[] = [];
    collect(this.sites, 'site', samples);
    collect(this.upstreams, 'upstream', samples);
    return samples.length === 0 ? null : { v: 1, second, samples };
  }
}

function series(map: Map<string, SeriesCounters>, key: string): SeriesCounters {
  let s = map.get(key);
  if (s === undefined) {
    s = new SeriesCounters();
    map.set(key, s);
  }
  return s;
}

function collect(map: Map<string, SeriesCounters>, kind: SeriesKind, out: MetricsSample[]): void {
  for (const [key, s] of map) {
    if (s.requests === 0) {
      if (++s.idleDrains > IDLE_DRAINS_BEFORE_FORGET) map.delete(key);
      continue;
    }
    s.idleDrains = 0;
    out.push(s.toSample(kind, key));
    s.reset();
  }
}
