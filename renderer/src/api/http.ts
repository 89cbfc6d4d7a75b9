// The one way the dashboard talks HTTP to the admin API: same origin, cookie auth, JSON in and out.
// Non-2xx answers become ApiError with the server's stable `BERTH_ERR_*` code.
import type { ApiErrorBody, ApiErrorCode, ValidationIssue } from '../../../server-core/contract/api.js';

/** Paths are absolute on the dashboard's own origin: the admin server serves both. */
export const API_BASE = '/api/v1';

/** The server answered with an error body (or an unreadable non-2xx response). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode | 'BERTH_ERR_HTTP';
  readonly path: string | undefined;
  readonly issues: ValidationIssue[];

  constructor(status: number, code: ApiErrorCode | 'BERTH_ERR_HTTP', message: string, path?: string, issues: ValidationIssue[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.path = path;
    this.issues = issues;
  }
}

/** The request never got an answer (server stopped, network down). */
export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

export function isUnauthorized(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 401 || e.code === 'BERTH_ERR_UNAUTHORIZED');
}

function isApiErrorBody(v: unknown): v is ApiErrorBody {
  if (typeof v !== 'object' || v === null) return false;
  const err = (v as { error?: unknown }).error;
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string';
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(API_BASE + path, {
      method: 'GET',
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
      cache: 'no-store',
      ...(signal ? { signal } : {}),
    });
  } catch (cause) {
    throw new NetworkError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
  const text = await res.text();
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!res.ok) {
    if (isApiErrorBody(body)) {
      const e = body.error;
      throw new ApiError(res.status, e.code, e.message, e.path, e.issues ?? []);
    }
    throw new ApiError(res.status, 'BERTH_ERR_HTTP', `HTTP ${res.status} ${res.statusText}`.trim());
  }
  if (body === undefined) throw new ApiError(res.status, 'BERTH_ERR_HTTP', 'the server sent an empty or non-JSON answer');
  return body as T;
}
