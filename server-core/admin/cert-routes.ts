// Certificate routes under /api/v1/certs. The cert service child does the work; these routes
// check the request shape, forward it with supervisor.request('certs', …) and map its answer
// (certs/rpc.ts CertRpcResult) to HTTP. The CA key never passes through here: no method returns it.
//
//   GET    /api/v1/certs                     list (+ names of auto sites the CA could not sign)
//   POST   /api/v1/certs                     issue { names, keyType?, validityDays?, id? } → 201
//   POST   /api/v1/certs/import              import { certPem, keyPem, chainPem?, id? } → 201
//   GET    /api/v1/certs/ca                  CA facts
//   GET    /api/v1/certs/ca.pem              CA certificate download
//   GET    /api/v1/certs/trust               trust doctor: each store's state and its commands
//   POST   /api/v1/certs/trust/install       { stores?, dryRun? } → per-store results
//   POST   /api/v1/certs/trust/uninstall     same
//   GET    /api/v1/certs/:id                 one certificate
//   POST   /api/v1/certs/:id/export          { format: pem|p12, password? } → the file (POST keeps the password out of URLs)
//   DELETE /api/v1/certs/:id                 → 204; 409 while a site uses it
import type { ServerResponse } from 'node:http';
import type { ApiErrorCode } from '../contract/api.js';
import type { ExportCertResponse } from '../contract/certs.js';
import type { AdminBackend } from './backend.js';
import { baseSecurityHeaders, HttpError, readJsonBody, sendError, sendJson } from './http-util.js';
import type { Router } from './router.js';

type RpcAnswer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; hint?: string; path?: string } };

/** Trust commands can wait on a slow certutil or an OS prompt. */
const TRUST_TIMEOUT_MS = 150_000;
/** RSA-3072 key generation takes seconds on a slow machine. */
const ISSUE_TIMEOUT_MS = 60_000;

const STATUS_BY_CODE: Record<string, [number, ApiErrorCode]> = {
  BERTH_ERR_CERT_NOT_FOUND: [404, 'BERTH_ERR_CERT_NOT_FOUND'],
  BERTH_ERR_CERT_IN_USE: [409, 'BERTH_ERR_CERT_IN_USE'],
  BERTH_ERR_CERT_EXISTS: [409, 'BERTH_ERR_CERT_EXISTS'],
  BERTH_ERR_CERT_NAME: [422, 'BERTH_ERR_CERT_NAME'],
  BERTH_ERR_CERT_ID: [422, 'BERTH_ERR_CERT_ID'],
  BERTH_ERR_CERT_IMPORT: [422, 'BERTH_ERR_CERT_IMPORT'],
  BERTH_ERR_CERT_EXPORT: [422, 'BERTH_ERR_CERT_EXPORT'],
  BERTH_ERR_CERT_OPTIONS: [422, 'BERTH_ERR_CERT_OPTIONS'],
  BERTH_ERR_TRUST_STORE: [422, 'BERTH_ERR_TRUST_STORE'],
  BERTH_ERR_CA_EXPIRED: [409, 'BERTH_ERR_CA_EXPIRED'],
  BERTH_ERR_BAD_REQUEST: [400, 'BERTH_ERR_BAD_REQUEST'],
  BERTH_ERR_CHILD_UNAVAILABLE: [503, 'BERTH_ERR_CHILD_UNAVAILABLE'],
  BERTH_ERR_CHILD_TIMEOUT: [504, 'BERTH_ERR_CHILD_UNAVAILABLE'],
};

function isAnswer(v: unknown): v is RpcAnswer {
  return typeof v === 'object' && v !== null && typeof (v as { ok?: unknown }).ok === 'boolean';
}

function httpErrorFor(code: string, message: string): HttpError {
  const [status, apiCode] = STATUS_BY_CODE[code] ?? [500, 'BERTH_ERR_INTERNAL' as const];
  return new HttpError(status, apiCode, message);
}

async function callCerts(backend: AdminBackend, res: ServerResponse, method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
  if (!backend.certs) throw new HttpError(503, 'BERTH_ERR_CHILD_UNAVAILABLE', 'the certificate service is not part of this server');
  let answer: unknown;
  try {
    answer = await backend.certs(method, params, timeoutMs);
  } catch (e) {
    const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'BERTH_ERR_INTERNAL';
    throw httpErrorFor(code, e instanceof Error ? e.message : String(e));
  }
  if (!isAnswer(answer)) throw new HttpError(500, 'BERTH_ERR_INTERNAL', 'the certificate service sent an unreadable answer');
  if (answer.ok) return answer.value;
  const { code, message, hint, path } = answer.error;
  const [status, apiCode] = STATUS_BY_CODE[code] ?? [500, 'BERTH_ERR_INTERNAL' as const];
  sendError(res, status, apiCode, hint ? `${message} (${hint})` : message, path ? { path } : {});
  return NOT_SENT;
}

/** Marks "an error response was already sent". */
const NOT_SENT = Symbol('sent');

function sendFile(res: ServerResponse, file: ExportCertResponse): void {
  const data = Buffer.from(file.base64, 'base64');
  res.writeHead(200, {
    ...baseSecurityHeaders,
    'Content-Type': file.contentType,
    'Content-Length': String(data.length),
    'Content-Disposition': `attachment; filename="${file.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'Cache-Control': 'no-store',
  });
  res.end(data);
}

export function addCertRoutes(router: Router, backend: AdminBackend): Router {
  const reply = async (res: ServerResponse, status: number, method: string, params: unknown, timeoutMs?: number): Promise<void> => {
    const value = await callCerts(backend, res, method, params, timeoutMs);
    if (value !== NOT_SENT) sendJson(res, status, value);
  };
  return router
    .add('GET', '/api/v1/certs', ({ res }) => reply(res, 200, 'list', {}))
    .add('POST', '/api/v1/certs', async ({ req, res }) => reply(res, 201, 'issue', await readJsonBody(req), ISSUE_TIMEOUT_MS))
    .add('POST', '/api/v1/certs/import', async ({ req, res }) => reply(res, 201, 'import', await readJsonBody(req)))
    .add('GET', '/api/v1/certs/ca', async ({ res }) => {
      const value = await callCerts(backend, res, 'ca.info', {});
      if (value !== NOT_SENT) sendJson(res, 200, (value as { ca: unknown }).ca);
    })
    .add('GET', '/api/v1/certs/ca.pem', async ({ res }) => {
      const value = await callCerts(backend, res, 'ca.info', {});
      if (value === NOT_SENT) return;
      const pem = (value as { pem: string }).pem;
      sendFile(res, { fileName: 'berth-local-ca.pem', contentType: 'application/x-pem-file', base64: Buffer.from(pem).toString('base64') });
    })
    .add('GET', '/api/v1/certs/trust', ({ res }) => reply(res, 200, 'trust.status', {}, TRUST_TIMEOUT_MS))
    .add('POST', '/api/v1/certs/trust/install', async ({ req, res }) => reply(res, 200, 'trust.install', await readJsonBody(req), TRUST_TIMEOUT_MS))
    .add('POST', '/api/v1/certs/trust/uninstall', async ({ req, res }) => reply(res, 200, 'trust.uninstall', await readJsonBody(req), TRUST_TIMEOUT_MS))
    .add('GET', '/api/v1/certs/:id', ({ res, params }) => reply(res, 200, 'get', { id: params.id }))
    .add('POST', '/api/v1/certs/:id/export', async ({ req, res, params }) => {
      const body = await readJsonBody(req);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', 'send { "format": "pem" } or { "format": "p12", "password": "…" }');
      const value = await callCerts(backend, res, 'export', { ...body, id: params.id });
      if (value !== NOT_SENT) sendFile(res, value as ExportCertResponse);
    })
    .add('DELETE', '/api/v1/certs/:id', async ({ res, params }) => {
      const value = await callCerts(backend, res, 'delete', { id: params.id });
      if (value !== NOT_SENT) res.writeHead(204, baseSecurityHeaders).end();
    });
}
