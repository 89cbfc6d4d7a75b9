// Recent log lines: GET /logs/recent?limit=. New lines come over the WebSocket (topic `logs`).
import type { RecentLogsResponse } from '../../../server-core/contract/metrics.js';
import { getJson } from './http.js';

export function fetchRecentLogs(limit: number, signal?: AbortSignal): Promise<RecentLogsResponse> {
  return getJson<RecentLogsResponse>(`/logs/recent?limit=${encodeURIComponent(String(limit))}`, signal);
}
