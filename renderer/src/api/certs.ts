// Certificates through the admin API (/api/v1/certs, server-core/admin/cert-routes.ts): list, CA,
// issue, import, export (a file), delete, trust doctor and trust install/uninstall.
import type { ApiErrorBody } from '../../../server-core/contract/api.js';
import type {
  CaSummary,
  CertListResponse,
  CertSummary,
  ExportCertRequest,
  ImportCertRequest,
  IssueCertRequest,
  TrustActionRequest,
  TrustActionResponse,
  TrustStatusResponse,
} from '../../../server-core/contract/certs.js';
import { API_BASE, ApiError, NetworkError, getJson } from './http.js';

/** The CA certificate as a download (same origin: the cookie authenticates the link). */
export const CA_PEM_URL = `${API_BASE}/certs/ca.pem`;

async function send(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(API_BASE + path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new NetworkError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
  if (!res.ok) {
    const err = ((await res.json().catch(() => null)) as ApiErrorBody | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'BERTH_ERR_HTTP', err?.message ?? `HTTP ${res.status}`, err?.path, err?.issues ?? []);
  }
  return res;
}

export const fetchCerts = (signal?: AbortSignal) => getJson<CertListResponse>('/certs', signal);
export const fetchCa = (signal?: AbortSignal) => getJson<CaSummary>('/certs/ca', signal);
export const fetchTrust = (signal?: AbortSignal) => getJson<TrustStatusResponse>('/certs/trust', signal);

export async function issueCert(req: IssueCertRequest): Promise<CertSummary> {
  return (await (await send('POST', '/certs', req)).json()) as CertSummary;
}

export async function importCert(req: ImportCertRequest): Promise<CertSummary & { warnings: string[] }> {
  return (await (await send('POST', '/certs/import', req)).json()) as CertSummary & { warnings: string[] };
}

export async function deleteCert(id: string): Promise<void> {
  await send('DELETE', `/certs/${encodeURIComponent(id)}`);
}

/** The exported file and the name the server suggests for it. */
export async function exportCert(id: string, req: ExportCertRequest): Promise<{ blob: Blob; fileName: string }> {
  const res = await send('POST', `/certs/${encodeURIComponent(id)}/export`, req);
  const fileName = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `${id}.${req.format}`;
  return { blob: await res.blob(), fileName };
}

export async function trustAction(action: 'install' | 'uninstall', req: TrustActionRequest): Promise<TrustActionResponse> {
  return (await (await send('POST', `/certs/trust/${action}`, req)).json()) as TrustActionResponse;
}
