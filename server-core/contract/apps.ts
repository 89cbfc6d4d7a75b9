// App server contract: the appserver child's RPC answers (apps.list, apps.logs), the admin API
// (`/api/v1/apps…`) and the `apps-updated` topic the proxy routes on. Types only.
import type { App } from '../config/schema.js';

/** What the proxy speaks to an app. */
export type AppProtocol = 'uwsgi' | 'http' | 'fastcgi';

/**
 * stopped: not running (autostart off, or stopped by the user).
 * starting: processes spawned, waiting for readiness (socket answers / worker says ready).
 * running: every process ready and serving.
 * reloading: new processes starting next to the old ones (graceful reload / worker recycling).
 * backoff: a process crashed; a restart is scheduled (`nextRestartAt`).
 * failed: gave up: a crash loop, or an error restarting cannot fix (missing interpreter, entry).
 */
export type AppState = 'stopped' | 'starting' | 'running' | 'reloading' | 'backoff' | 'failed';

/**
 * What Reload does. replace: new processes start next to the old ones (a new socket or port each)
 * and take the routes once ready; the old ones finish their requests and leave — nothing is dropped.
 * signal: the runtime's own master reloads its workers (uWSGI, gunicorn: SIGHUP; PHP-FPM: SIGUSR2).
 * restart: stop, then start, so requests meanwhile get 502 — a node/command app on a fixed
 * `socket` (a second process cannot bind its port); also shown before an app's first start.
 * Reload of an app that is not running starts it, whatever the style.
 */
export type AppReloadStyle = 'replace' | 'signal' | 'restart';

export interface AppProcessInfo {
  pid: number;
  /** Berth's worker slot (0-based); null for processes a runtime's own master forked. */
  slot: number | null;
  /** `worker` (Berth started it), `master` (uWSGI/gunicorn/php-fpm master), `child` (forked by it). */
  role: 'worker' | 'master' | 'child';
  uptimeMs: number;
  rssBytes: number | null;
  /** CPU use over the last sample interval, percent of one core. */
  cpuPercent: number | null;
  /** Requests served by this process; null when the runtime does not report it. */
  requests: number | null;
  /** The process is draining (recycled or replaced) and gets no new requests. */
  retiring: boolean;
}

export interface AppLogLine {
  at: string;
  pid: number | null;
  stream: 'stdout' | 'stderr' | 'berth';
  line: string;
}

export interface AppStatus {
  id: string;
  runtime: App['runtime'];
  protocol: AppProtocol;
  state: AppState;
  reloadStyle: AppReloadStyle;
  /** Where the proxy reaches the app (one entry per instance for wsgi/node/command). */
  addresses: string[];
  processes: AppProcessInfo[];
  restarts: number;
  /** Why the app is failed or backing off: the runtime's own words. */
  reason: string | null;
  /** What to do about `reason`. */
  hint: string | null;
  /** The last stderr lines before the failure (the crash-loop evidence). */
  lastStderr: string[];
  nextRestartAt: string | null;
  startedAt: string | null;
  logFile: string;
  lastLines: AppLogLine[];
}

export interface AppsListResponse {
  apps: AppStatus[];
}

export interface AppLogsResponse {
  id: string;
  logFile: string;
  lines: AppLogLine[];
}

/** Topic `apps-updated` (appserver → stack → proxy): where each running app is reachable. */
export type AppRoutes = Record<string, { protocol: AppProtocol; addresses: string[]; root: string }>;
