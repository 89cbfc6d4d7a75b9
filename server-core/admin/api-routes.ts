// REST routes under /api/v1. Every handler here runs after the token/Host/Origin guard.
import type { AdminBackend } from './backend.js';
import { HttpError, readJsonBody, sendError, sendJson, sendRefusal } from './http-util.js';
import { Router } from './router.js';
import { addUpstreamRoutes } from './upstream-routes.js';
import { addCertRoutes } from './cert-routes.js';
import { addAppRoutes } from './app-routes.js';
import { addImportRoutes } from './import-routes.js';
import { addPreviewRoutes } from './preview-routes.js';

function limitParam(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('limit');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', `limit must be a whole number from 1 to ${max}`);
  return n;
}

export function apiRouter(backend: AdminBackend): Router {
  return addPreviewRoutes(addImportRoutes(addAppRoutes(addCertRoutes(addUpstreamRoutes(new Router(), backend.upstreams), backend), backend), backend), backend)
    .add('GET', '/api/v1/status', ({ res }) => sendJson(res, 200, backend.status()))
    .add('GET', '/api/v1/events', ({ res, query }) => sendJson(res, 200, { events: backend.events(limitParam(query, 100, 1000)) }))
    .add('GET', '/api/v1/config', ({ res }) => sendJson(res, 200, backend.currentConfig()))
    .add('PUT', '/api/v1/config', async ({ req, res, query }) => {
      const body = await readJsonBody(req);
      const result = await backend.applyConfig(body, query.get('note') ?? '');
      if (!result.ok && 'refused' in result) return sendRefusal(res, result.refused);
      if (!result.ok) {
        const first = result.issues[0];
        sendError(res, 422, 'BERTH_ERR_VALIDATION', `the config has ${result.issues.length} problem(s); nothing was changed`, {
          ...(first ? { path: first.path } : {}),
          issues: result.issues,
        });
        return;
      }
      sendJson(res, 200, { version: result.version });
    })
    .add('GET', '/api/v1/config/versions', ({ res, query }) => sendJson(res, 200, backend.configVersions(limitParam(query, 50, 1000))))
    .add('POST', '/api/v1/config/versions/:version/restore', async ({ res, params }) => {
      const version = Number(params.version);
      if (!Number.isInteger(version) || version < 1) throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', 'the version must be a positive whole number');
      const result = await backend.restoreConfig(version);
      if (result === null) throw new HttpError(404, 'BERTH_ERR_NOT_FOUND', `there is no config version ${version}`);
      if (!result.ok && 'refused' in result) return sendRefusal(res, result.refused);
      if (!result.ok) {
        sendError(res, 422, 'BERTH_ERR_VALIDATION', `version ${version} no longer validates; nothing was changed`, { issues: result.issues });
        return;
      }
      sendJson(res, 200, { version: result.version });
    });
}
