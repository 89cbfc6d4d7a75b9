// `GET /api/v1/logs/recent?limit=N`: the last lines children published (access, error and app
// logs), so the Logs page starts with context; live lines then come over the WebSocket.
import type { RecentLogsResponse } from '../contract/metrics.js';
import { RECENT_LINES } from '../metrics/log-tail.js';
import type { AdminBackend } from './backend.js';
import { HttpError, sendJson } from './http-util.js';
import { telemetryOf } from './metrics-routes.js';
import type { Router } from './router.js';

export function addLogRoutes(router: Router, backend: AdminBackend): Router {
  return router.add('GET', '/api/v1/logs/recent', ({ res, query }) => {
    const raw = query.get('limit');
    const limit = raw === null ? 500 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > RECENT_LINES) {
      throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', `limit must be a whole number from 1 to ${RECENT_LINES}`);
    }
    const body: RecentLogsResponse = { batches: telemetryOf(backend).recentLogs(limit) };
    sendJson(res, 200, body);
  });
}
