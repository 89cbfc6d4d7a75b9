// Live upstream state from the proxy workers: GET /api/v1/upstreams (server-core/admin/upstream-routes.ts).
import type { UpstreamsResponse } from '../../../server-core/contract/upstreams.js';
import { getJson } from './http.js';

export function fetchUpstreamStates(signal?: AbortSignal): Promise<UpstreamsResponse> {
  return getJson<UpstreamsResponse>('/upstreams', signal);
}
