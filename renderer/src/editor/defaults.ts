// New objects for the editor, every field at the schema's default (server-core/config/schema.ts),
// so a draft is always a whole config the server can validate and diff without noise.
import type { ErrorPage, Handler, Location, Site, Upstream, UpstreamServer } from '../../../server-core/config/schema.js';

export type HandlerType = Handler['type'];
export const HANDLER_TYPES: readonly HandlerType[] = ['static', 'proxy', 'uwsgi', 'fastcgi', 'return', 'app'];

const TIMEOUTS = { connectTimeoutS: 60, readTimeoutS: 60, sendTimeoutS: 60 };

export function newHandler(type: HandlerType, upstream = ''): Handler {
  switch (type) {
    case 'static':
      return { type, autoindex: false, tryFiles: [], compress: true, addHeaders: {} };
    case 'proxy':
      return { type, ...(upstream ? { upstream } : {}), setHeaders: {}, hideHeaders: [], ...TIMEOUTS, websocket: true };
    case 'uwsgi':
      return { type, upstream, params: {}, ...TIMEOUTS };
    case 'fastcgi':
      return { type, upstream, params: {}, index: 'index.php', ...TIMEOUTS };
    case 'return':
      return { type, status: 404, body: '' };
    case 'app':
      return { type, app: '' };
  }
}

/** Handlers whose answers come from an upstream (the location's `interceptErrors` applies to them). */
export const PASSING_TYPES: ReadonlySet<HandlerType> = new Set<HandlerType>(['proxy', 'uwsgi', 'fastcgi', 'app']);

/** An error page as the stock nginx config has it: 404 → /404.html, served from an internal location. */
export function newErrorPage(): ErrorPage {
  return { codes: [404], target: '/404.html' };
}

export function newLocation(path = '/'): Location {
  return { match: { kind: 'prefix', path }, handler: newHandler('static'), internal: false, interceptErrors: false };
}

/** A free id: `base`, then `base-2`, `base-3`… */
export function freeId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

export function newSite(id: string): Site {
  return {
    id,
    names: [`${id}.localhost`],
    listen: [],
    index: ['index.html'],
    accessLog: true,
    locations: [],
    errorPages: [],
    access: { rules: [] },
    limits: { maxBodyBytes: 1_048_576, headerTimeoutS: 60, bodyTimeoutS: 60, keepaliveTimeoutS: 75 },
  };
}

export function newUpstreamServer(address = ''): UpstreamServer {
  return { address, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false, down: false };
}

/** The schema's upstream `keepalive` default for http and uwsgi (idle connections per proxy worker; fastcgi: 0). */
export const DEFAULT_UPSTREAM_KEEPALIVE = 32;

export function newUpstream(id: string): Upstream {
  return { id, protocol: 'http', method: 'round_robin', keepalive: DEFAULT_UPSTREAM_KEEPALIVE, servers: [newUpstreamServer('127.0.0.1:3000')] };
}

/** The active health check with the schema's defaults. */
export function newHealthCheck(): NonNullable<Upstream['healthCheck']> {
  return { path: '/', intervalS: 5, timeoutS: 2, expectStatus: '2xx', rise: 2, fall: 3 };
}
