// The app server through the admin API: GET /apps, GET /apps/:id/logs, POST /apps/:id/<action>.
import type { AppLogsResponse, AppsListResponse, AppStatus } from '../../../server-core/contract/apps.js';
import { API_BASE, ApiError, NetworkError, getJson } from './http.js';

export type AppAction = 'start' | 'stop' | 'restart' | 'reload';

export function fetchApps(signal?: AbortSignal): Promise<AppsListResponse> {
  return getJson<AppsListResponse>('/apps', signal);
}

export function fetchAppLogs(id: string, lines: number, signal?: AbortSignal): Promise<AppLogsResponse> {
  return getJson<AppLogsResponse>(`/apps/${encodeURIComponent(id)}/logs?lines=${lines}`, signal);
}

/** POST without a body; the answer is the app's status after the action. */
export async function runAppAction(id: string, action: AppAction): Promise<AppStatus> {
  let res: Response;
  try {
    res = await fetch(`${API_BASE}/apps/${encodeURIComponent(id)}/${action}`, { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch (cause) {
    throw new NetworkError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
  const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | AppStatus | null;
  if (!res.ok) {
    const err = body && 'error' in body && body.error ? body.error : null;
    throw new ApiError(res.status, (err?.code as ApiError['code'] | undefined) ?? 'BERTH_ERR_HTTP', err?.message ?? `HTTP ${res.status}`);
  }
  return body as AppStatus;
}
