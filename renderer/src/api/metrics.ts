// Metrics history: GET /metrics?range=&kind=&key=, GET /metrics/series. Live seconds come over the WebSocket.
import type { MetricsQueryResponse, MetricsRange, MetricsSeriesResponse, SeriesKind } from '../../../server-core/contract/metrics.js';
import { getJson } from './http.js';

export function fetchMetrics(range: MetricsRange, kind: SeriesKind, key: string | null, signal?: AbortSignal): Promise<MetricsQueryResponse> {
  const q = new URLSearchParams({ range, kind });
  if (key !== null) q.set('key', key);
  return getJson<MetricsQueryResponse>(`/metrics?${q.toString()}`, signal);
}

export function fetchSeries(signal?: AbortSignal): Promise<MetricsSeriesResponse> {
  return getJson<MetricsSeriesResponse>('/metrics/series', signal);
}
