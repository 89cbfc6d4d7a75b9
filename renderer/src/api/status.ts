// Status and supervisor events: GET /status, GET /events.
import type { EventsResponse, StatusResponse } from '../../../server-core/contract/api.js';
import { getJson } from './http.js';

export function fetchStatus(signal?: AbortSignal): Promise<StatusResponse> {
  return getJson<StatusResponse>('/status', signal);
}

export function fetchEvents(limit: number, signal?: AbortSignal): Promise<EventsResponse> {
  return getJson<EventsResponse>(`/events?limit=${encodeURIComponent(String(limit))}`, signal);
}
