// Metrics endpoints: `GET /api/v1/metrics` (a range of one series or of all series of a kind),
// `GET /api/v1/metrics/series` (which series exist) and `GET /metrics` (Prometheus text format).
// All run behind the same token + Host/Origin guard as the rest of the API (server.ts).
import type { MetricsRange, SeriesKind } from '../contract/metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/prometheus.js';
import { METRICS_RANGES } from '../metrics/query.js';
import type { TelemetryBackend } from '../metrics/telemetry.js';
import type { AdminBackend } from './backend.js';
import { HttpError, baseSecurityHeaders, sendJson } from './http-util.js';
import type { Router } from './router.js';

/** The Prometheus scrape path (outside /api/v1, where scrapers expect it). */
export const PROMETHEUS_PATH = '/metrics';
const MAX_KEY_LENGTH = 300;

export function telemetryOf(backend: AdminBackend): TelemetryBackend {
  if (!backend.telemetry) throw new HttpError(404, 'BERTH_ERR_NOT_FOUND', 'metrics are not available in this run');
  return backend.telemetry;
}

function rangeParam(query: URLSearchParams): MetricsRange {
  const raw = query.get('range') ?? '1h';
  if (!(METRICS_RANGES as readonly string[]).includes(raw)) {
    throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', `range must be one of ${METRICS_RANGES.join(', ')}`);
  }
  return raw as MetricsRange;
}

function kindParam(query: URLSearchParams): SeriesKind {
  const raw = query.get('kind') ?? 'site';
  if (raw !== 'site' && raw !== 'upstream') throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', 'kind must be site or upstream');
  return raw;
}

function keyParam(query: URLSearchParams): string | null {
  const raw = query.get('key');
  if (raw === null || raw === '') return null;
  if (raw.length > MAX_KEY_LENGTH) throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', `key is longer than ${MAX_KEY_LENGTH} characters`);
  return raw;
}

export function addMetricsRoutes(router: Router, backend: AdminBackend): Router {
  return router
    .add('GET', '/api/v1/metrics', ({ res, query }) => {
      const t = telemetryOf(backend);
      sendJson(res, 200, t.query({ range: rangeParam(query), kind: kindParam(query), key: keyParam(query) }));
    })
    .add('GET', '/api/v1/metrics/series', ({ res }) => sendJson(res, 200, telemetryOf(backend).series()))
    .add('GET', PROMETHEUS_PATH, ({ res }) => {
      const body = Buffer.from(telemetryOf(backend).prometheus());
      res.writeHead(200, { ...baseSecurityHeaders, 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': String(body.length), 'Cache-Control': 'no-store' });
      res.end(body);
    });
}
