// App routes under /api/v1/apps. The app server child does the work (appserver/main.ts
// handlers); these routes check the request and forward it with supervisor.request('appserver', …).
// Creating and editing an app is a config change (PUT /api/v1/config with `apps`), validated
// like the rest of the config.
//
//   GET  /api/v1/apps                 every app: state, processes, last log lines, crash reason
//   GET  /api/v1/apps/:id             one app
//   GET  /api/v1/apps/:id/logs?lines= the last lines of its output (max 500)
//   POST /api/v1/apps/:id/start|stop|restart|reload
import type { AppsListResponse, AppStatus } from '../contract/apps.js';
import { isBerthError } from '../errors.js';
import type { AdminBackend } from './backend.js';
import { HttpError, sendJson } from './http-util.js';
import type { Router } from './router.js';

/** Stopping waits for graceful exits (3 s) and a restart for readiness; allow more than that. */
const ACTION_TIMEOUT_MS = 30_000;
const APP_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

type AppsCall = (method: string, params: unknown, timeoutMs?: number) => Promise<unknown>;

function appsOf(backend: AdminBackend): AppsCall {
  if (!backend.apps) throw new HttpError(404, 'BERTH_ERR_NOT_FOUND', 'the app server is not available in this run');
  return backend.apps;
}

function idParam(params: Record<string, string>): string {
  const id = params.id ?? '';
  if (!APP_ID.test(id)) throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', 'an app id is lowercase letters, digits, dashes and underscores');
  return id;
}

async function call(backend: AdminBackend, method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
  try {
    return await appsOf(backend)(method, params, timeoutMs);
  } catch (e) {
    if (isBerthError(e, 'BERTH_ERR_NOT_FOUND')) throw new HttpError(404, 'BERTH_ERR_NOT_FOUND', e.message);
    if (isBerthError(e, 'BERTH_ERR_CHILD_UNAVAILABLE') || isBerthError(e, 'BERTH_ERR_CHILD_TIMEOUT') || isBerthError(e, 'BERTH_ERR_CHILD_EXITED')) {
      throw new HttpError(503, 'BERTH_ERR_INTERNAL', `the app server cannot answer right now (${e.message}); see the Overview page`);
    }
    throw e;
  }
}

export function addAppRoutes(router: Router, backend: AdminBackend): Router {
  router.add('GET', '/api/v1/apps', async ({ res }) => sendJson(res, 200, (await call(backend, 'apps.list', null)) as AppsListResponse));
  router.add('GET', '/api/v1/apps/:id', async ({ res, params }) => {
    const id = idParam(params);
    const list = (await call(backend, 'apps.list', null)) as AppsListResponse;
    const app = list.apps.find((a: AppStatus) => a.id === id);
    if (!app) throw new HttpError(404, 'BERTH_ERR_NOT_FOUND', `there is no app "${id}"`);
    sendJson(res, 200, app);
  });
  router.add('GET', '/api/v1/apps/:id/logs', async ({ res, params, query }) => {
    const raw = query.get('lines');
    const lines = raw === null ? 100 : Number(raw);
    if (!Number.isInteger(lines) || lines < 1 || lines > 500) throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', 'lines must be a whole number from 1 to 500');
    sendJson(res, 200, await call(backend, 'apps.logs', { id: idParam(params), lines }));
  });
  for (const action of ['start', 'stop', 'restart', 'reload'] as const) {
    router.add('POST', `/api/v1/apps/:id/${action}`, async ({ res, params }) => {
      sendJson(res, 200, await call(backend, `apps.${action}`, { id: idParam(params) }, ACTION_TIMEOUT_MS));
    });
  }
  return router;
}
