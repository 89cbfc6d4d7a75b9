// The admin HTTP server: loopback only; Host/Origin checks on everything; the token on the API and
// the WebSocket; the dashboard's files; `/?token=…` turns the printed URL into a cookie.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BerthError } from '../errors.js';
import { apiRouter } from './api-routes.js';
import { addLogRoutes } from './log-routes.js';
import { PROMETHEUS_PATH, addMetricsRoutes } from './metrics-routes.js';
import type { AdminBackend } from './backend.js';
import { serveDashboardFile } from './dashboard-files.js';
import { checkApiRequest, checkHostAndOrigin, tokenCookieName, tokensEqual } from './guard.js';
import { HttpError, baseSecurityHeaders, sendError } from './http-util.js';
import { WsHub } from './ws-hub.js';

export const ADMIN_HOST = '127.0.0.1';

export interface AdminServerOptions {
  /** 0 for any free port. */
  port: number;
  /** When the port is taken, try the next ones (the default port only; an explicit port must be honoured). */
  fallbackToNextFree: boolean;
  token: string;
  backend: AdminBackend;
  rendererDir: string;
  log: (line: string) => void;
}

export interface AdminServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

const FALLBACK_TRIES = 20;

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  let port = 0;
  const hub = new WsHub(options.backend, () => port, options.token);
  const router = addLogRoutes(addMetricsRoutes(apiRouter(options.backend), options.backend), options.backend);

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) {
        if (!res.headersSent) sendError(res, e.status, e.code, e.message);
        else res.destroy();
        return;
      }
      options.log(`admin: ${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) sendError(res, 500, 'BERTH_ERR_INTERNAL', 'internal error; see the Berth log');
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  // Slow or idle clients must not pin sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // `/metrics` (Prometheus) is guarded and routed exactly like the API.
    if (url.pathname.startsWith('/api/') || url.pathname === PROMETHEUS_PATH) {
      const guard = checkApiRequest(req.headers, port, options.token);
      if (!guard.ok) {
        sendError(res, guard.status, guard.code, guard.message);
        return;
      }
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (match.kind === 'none') {
        sendError(res, 404, 'BERTH_ERR_NOT_FOUND', `no such endpoint: ${url.pathname}`);
        return;
      }
      if (match.kind === 'method') {
        sendError(res, 405, 'BERTH_ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, { headers: { Allow: match.allow.join(', ') } });
        return;
      }
      await match.handler({ req, res, params: match.params, query: url.searchParams });
      return;
    }
    const guard = checkHostAndOrigin(req.headers, port);
    if (!guard.ok) {
      sendError(res, guard.status, guard.code, guard.message);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, 'BERTH_ERR_METHOD_NOT_ALLOWED', 'the dashboard files are read-only', { headers: { Allow: 'GET, HEAD' } });
      return;
    }
    const given = url.searchParams.get('token');
    if (given !== null) {
      // The printed dashboard URL: trade the token for an HttpOnly cookie and drop it from the address bar.
      const headers: Record<string, string> = { ...baseSecurityHeaders, Location: '/', 'Cache-Control': 'no-store' };
      if (tokensEqual(given, options.token)) {
        headers['Set-Cookie'] = `${tokenCookieName(port)}=${encodeURIComponent(options.token)}; HttpOnly; SameSite=Strict; Path=/`;
      }
      res.writeHead(303, headers).end();
      return;
    }
    await serveDashboardFile(options.rendererDir, url.pathname, req, res);
  }

  port = await listen(server, options);
  const url = `http://${ADMIN_HOST}:${port}`;
  return {
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function listen(server: Server, options: AdminServerOptions): Promise<number> {
  const tries = options.fallbackToNextFree && options.port !== 0 ? FALLBACK_TRIES : 1;
  for (let i = 0; i < tries; i++) {
    const candidate = options.port === 0 ? 0 : options.port + i;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(candidate, ADMIN_HOST, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const actual = (server.address() as AddressInfo).port;
      if (i > 0) options.log(`admin port ${options.port} is in use; the admin API uses port ${actual} instead`);
      return actual;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' || i === tries - 1) {
        const range = tries > 1 ? `ports ${options.port}–${options.port + tries - 1} are` : `port ${options.port} is`;
        throw new BerthError(
          code === 'EADDRINUSE' ? 'BERTH_ERR_PORT_IN_USE' : 'BERTH_ERR_ADMIN_LISTEN',
          code === 'EADDRINUSE' ? `admin API: ${range} in use on ${ADMIN_HOST}` : `admin API: cannot listen on ${ADMIN_HOST}:${candidate}: ${(e as Error).message}`,
          { hint: 'pass --admin-port N with a free port, or --admin-port 0 for any free port' },
        );
      }
    }
  }
  throw new BerthError('BERTH_ERR_ADMIN_LISTEN', 'admin API: no port to listen on');
}
