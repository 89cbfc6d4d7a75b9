// The last minute of live metrics from the WebSocket (`metrics` messages, one per second), for the
// Overview's per-site request rate and error rate.
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import type { LiveMetricsSecond, LiveSeries } from '../../../server-core/contract/metrics.js';
import { useStackStore } from './stack.js';

/** Seconds of live history kept. */
export const LIVE_WINDOW = 60;
/** The request rate is averaged over this many seconds, so one quiet second does not read as zero. */
export const RATE_SECONDS = 5;

export interface SiteLive {
  /** Requests per second over the last RATE_SECONDS. */
  rps: number;
  /** 5xx share over the last minute, null without requests. */
  errorRate: number | null;
  requestsLastMinute: number;
  /** p95 of the newest second with traffic, ms. */
  p95: number | null;
}

export const useLiveMetricsStore = defineStore('liveMetrics', () => {
  const seconds = shallowRef<LiveMetricsSecond[]>([]);
  const stack = useStackStore();

  stack.onLive((msg) => {
    if (msg.type !== 'metrics') return;
    const { second, sites, upstreams } = msg;
    // A late second arrives again with its full merged counts: it replaces the earlier report.
    const newest = Math.max(second, seconds.value.at(-1)?.second ?? 0);
    const kept = seconds.value.filter((s) => s.second > newest - LIVE_WINDOW && s.second !== second);
    seconds.value = [...kept, { second, sites, upstreams }].sort((a, b) => a.second - b.second);
  });

  function site(key: string): SiteLive {
    const list = seconds.value;
    const newest = list.at(-1)?.second ?? 0;
    let recent = 0;
    let requests = 0;
    let errors = 0;
    let p95: number | null = null;
    for (const s of list) {
      const x: LiveSeries | undefined = s.sites.find((v) => v.key === key);
      if (!x) continue;
      requests += x.requests;
      errors += x.status[4];
      if (s.second > newest - RATE_SECONDS) recent += x.requests;
      if (x.requests > 0) p95 = x.p95;
    }
    return { rps: recent / RATE_SECONDS, errorRate: requests > 0 ? errors / requests : null, requestsLastMinute: requests, p95 };
  }

  /** Sites that had traffic in the live window. */
  function activeSites(): string[] {
    const keys = new Set<string>();
    for (const s of seconds.value) for (const x of s.sites) keys.add(x.key);
    return [...keys].sort();
  }

  return { seconds, site, activeSites };
});
