// The config through the admin API: GET /config, PUT /config (apply: a new version), the dry runs
// POST /config/validate and POST /config/preview/nginx, and the history: GET /config/versions,
// GET /config/versions/:v, POST /config/versions/:v/restore.
import type {
  ApiErrorBody,
  ConfigPreviewNginxResponse,
  ConfigValidateResponse,
  ConfigVersionResponse,
  ConfigVersionsResponse,
  ConfigVersionSummary,
} from '../../../server-core/contract/api.js';
import type { BerthConfig } from '../../../server-core/config/schema.js';
import { API_BASE, ApiError, NetworkError, getJson } from './http.js';

export interface AppliedConfig {
  version: number;
  appliedAt: string;
  config: BerthConfig;
}

export function fetchConfig(signal?: AbortSignal): Promise<AppliedConfig> {
  return getJson<AppliedConfig>('/config', signal);
}

export function fetchConfigVersions(signal?: AbortSignal): Promise<ConfigVersionsResponse> {
  return getJson<ConfigVersionsResponse>('/config/versions', signal);
}

export function fetchConfigVersion(version: number, signal?: AbortSignal): Promise<ConfigVersionResponse> {
  return getJson<ConfigVersionResponse>(`/config/versions/${version}`, signal);
}

/** A JSON request with a JSON answer; a non-2xx answer becomes ApiError with its issues. */
async function sendJson<T>(method: 'POST' | 'PUT', path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(API_BASE + path, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      cache: 'no-store',
      body: body === undefined ? null : JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  } catch (cause) {
    throw new NetworkError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
  const parsed = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const err = (parsed as ApiErrorBody | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'BERTH_ERR_HTTP', err?.message ?? `HTTP ${res.status}`, err?.path, err?.issues ?? []);
  }
  if (parsed === null) throw new ApiError(res.status, 'BERTH_ERR_HTTP', 'the server sent an empty or non-JSON answer');
  return parsed as T;
}

/** Dry run: every issue with its field path; nothing is stored. */
export function validateDraft(draft: BerthConfig, signal?: AbortSignal): Promise<ConfigValidateResponse> {
  return sendJson<ConfigValidateResponse>('POST', '/config/validate', draft, signal);
}

/** The nginx config `berth export nginx` would write for the draft (422 ApiError with issues when invalid). */
export function previewNginx(draft: BerthConfig, signal?: AbortSignal): Promise<ConfigPreviewNginxResponse> {
  return sendJson<ConfigPreviewNginxResponse>('POST', '/config/preview/nginx', draft, signal);
}

/** Applies the draft as a new version (422 ApiError with every issue when it does not validate). */
export function applyConfig(draft: BerthConfig, note: string): Promise<{ version: ConfigVersionSummary }> {
  return sendJson<{ version: ConfigVersionSummary }>('PUT', `/config?note=${encodeURIComponent(note)}`, draft);
}

/** Stores an earlier version's content as a new version. */
export function restoreVersion(version: number): Promise<{ version: ConfigVersionSummary }> {
  return sendJson<{ version: ConfigVersionSummary }>('POST', `/config/versions/${version}/restore`, undefined);
}
