// The Metrics page: which range and series are shown, the query result, and a refresh timer that
// follows the range (every 2 s for 5 min, up to every 5 min for 7 days).
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { MetricsQueryResponse, MetricsRange, MetricsSeriesResponse, SeriesKind } from '../../../server-core/contract/metrics.js';
import { ApiError } from '../api/http.js';
import { fetchMetrics, fetchSeries } from '../api/metrics.js';
import type { LoadProblem } from './stack.js';

export const METRICS_RANGES: readonly MetricsRange[] = ['5m', '1h', '24h', '7d'];

const REFRESH_MS: Record<MetricsRange, number> = { '5m': 2000, '1h': 10_000, '24h': 60_000, '7d': 300_000 };

export const useMetricsStore = defineStore('metrics', () => {
  const range = ref<MetricsRange>('5m');
  const kind = ref<SeriesKind>('site');
  /** null = all series of the kind, summed. */
  const key = ref<string | null>(null);
  const data = shallowRef<MetricsQueryResponse | null>(null);
  const series = shallowRef<MetricsSeriesResponse>({ sites: [], upstreams: [] });
  const loading = ref(false);
  const problem = ref<LoadProblem | null>(null);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let controller: AbortController | null = null;
  let running = false;

  async function load(): Promise<void> {
    controller?.abort();
    const c = new AbortController();
    controller = c;
    loading.value = true;
    try {
      const [d, s] = await Promise.all([fetchMetrics(range.value, kind.value, key.value, c.signal), fetchSeries(c.signal)]);
      if (c.signal.aborted) return;
      data.value = d;
      series.value = s;
      problem.value = null;
    } catch (err) {
      if (c.signal.aborted) return;
      problem.value = err instanceof ApiError ? { kind: 'api', code: err.code, message: err.message } : { kind: 'network' };
    } finally {
      if (controller === c) loading.value = false;
    }
  }

  function schedule(): void {
    if (timer !== null) clearTimeout(timer);
    if (!running) return;
    timer = setTimeout(() => {
      void load().then(schedule);
    }, REFRESH_MS[range.value]);
  }

  /** Loads now and keeps refreshing until stop(). */
  function start(): void {
    running = true;
    void load().then(schedule);
  }

  function stop(): void {
    running = false;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    controller?.abort();
  }

  function select(next: { range?: MetricsRange; kind?: SeriesKind; key?: string | null }): void {
    if (next.range !== undefined) range.value = next.range;
    if (next.kind !== undefined && next.kind !== kind.value) {
      kind.value = next.kind;
      key.value = null;
    }
    if (next.key !== undefined) key.value = next.key;
    void load().then(schedule);
  }

  return { range, kind, key, data, series, loading, problem, start, stop, select, load };
});
