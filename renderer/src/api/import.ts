// `POST /api/v1/import` (server-core/admin/import-routes.ts): nginx config and uwsgi.ini text as the
// user pasted or picked it. A dry run answers the mapped config, the warnings (file:line) and the
// validation issues; an apply answers the new version, or 422 with the same warnings and issues.
import type { ApiErrorBody, ImportRequestBody, ImportResponse } from '../../../server-core/contract/api.js';
import { API_BASE, ApiError, NetworkError } from './http.js';

/** Paths the pasted texts get on the server (import-routes needs absolute POSIX paths). */
export const NGINX_PATH = '/import/nginx.conf';
export const UWSGI_PATH = '/import/uwsgi.ini';

export interface ImportInput {
  nginx: string;
  uwsgi: string;
  runtime: 'wsgi' | 'uwsgi';
  /** `80=8080 443=8443`-style moves, already parsed. */
  portMap: Record<string, number>;
}

export interface ImportOutcome {
  /** false: 422, the mapped config does not validate (issues say where). */
  ok: boolean;
  response: ImportResponse;
}

export function importBody(input: ImportInput, dryRun: boolean): ImportRequestBody {
  const files: ImportRequestBody['files'] = [];
  const body: ImportRequestBody = { files, dryRun, runtime: input.runtime, portMap: input.portMap };
  if (input.nginx.trim() !== '') {
    files.push({ path: NGINX_PATH, content: input.nginx });
    body.nginx = [NGINX_PATH];
  }
  if (input.uwsgi.trim() !== '') {
    files.push({ path: UWSGI_PATH, content: input.uwsgi });
    body.uwsgi = [UWSGI_PATH];
  }
  return body;
}

/** `80=8080, 443=8443` → { "80": 8080, "443": 8443 }; null when a pair is not two ports. */
export function parsePortMap(text: string): Record<string, number> | null {
  const out: Record<string, number> = {};
  for (const pair of text.split(/[\s,]+/).filter((p) => p !== '')) {
    const m = /^(\d{1,5})=(\d{1,5})$/.exec(pair);
    if (!m) return null;
    const from = Number(m[1]);
    const to = Number(m[2]);
    if (from < 1 || from > 65535 || to < 1 || to > 65535) return null;
    out[String(from)] = to;
  }
  return out;
}

/** Runs the import (or its dry run). Syntax and include errors throw ApiError (400); 422 is an outcome. */
export async function runImport(input: ImportInput, dryRun: boolean, signal?: AbortSignal): Promise<ImportOutcome> {
  let res: Response;
  try {
    res = await fetch(`${API_BASE}/import`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      cache: 'no-store',
      body: JSON.stringify(importBody(input, dryRun)),
      ...(signal ? { signal } : {}),
    });
  } catch (cause) {
    throw new NetworkError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
  const parsed = (await res.json().catch(() => null)) as (ImportResponse & Partial<ApiErrorBody>) | null;
  if (res.status === 422 && parsed && Array.isArray(parsed.warnings)) return { ok: false, response: parsed };
  if (!res.ok || parsed === null) {
    const err = parsed?.error;
    throw new ApiError(res.status, err?.code ?? 'BERTH_ERR_HTTP', err?.message ?? `HTTP ${res.status}`, err?.path, err?.issues ?? []);
  }
  return { ok: true, response: parsed };
}

/** `unexpected "}" in /import/nginx.conf:3:1` → which pasted text, line and column. */
export function errorPosition(message: string): { which: 'nginx' | 'uwsgi'; line: number; column: number | null } | null {
  const m = /(\/import\/(nginx\.conf|uwsgi\.ini)):(\d+)(?::(\d+))?/.exec(message);
  if (!m) return null;
  return { which: m[2] === 'uwsgi.ini' ? 'uwsgi' : 'nginx', line: Number(m[3]), column: m[4] ? Number(m[4]) : null };
}
