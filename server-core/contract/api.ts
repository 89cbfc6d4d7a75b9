// Admin API contract (`/api/v1`). Types only: imported by the renderer, the CLI and tests.
import type { BerthConfig } from '../config/schema.js';
import type { LiveMetricsSecond, LogLinesBatch } from './metrics.js';

export type ChildRole = 'proxy' | 'appserver' | 'certs';

/**
 * starting: spawned, waiting for its `ready` message.
 * running: ready and serving.
 * backoff: exited unexpectedly; a restart is scheduled (see `nextRestartAt`).
 * stopping / stopped: asked to stop (shutdown), or stopped for good.
 * failed: gave up (crash loop, or a fatal error such as a port in use); `lastError` says why.
 */
export type ChildState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'failed';

export interface ChildExit {
  code: number | null;
  signal: string | null;
  at: string;
}

export interface ChildStatus {
  /** Stable id, e.g. `proxy-1`, `appserver`, `certs`. */
  id: string;
  role: ChildRole;
  pid: number | null;
  state: ChildState;
  /** ISO time the current process started, null when none runs. */
  startedAt: string | null;
  /** Milliseconds since `startedAt`, 0 when not running. */
  uptimeMs: number;
  /** Restarts since the supervisor started. */
  restarts: number;
  lastExit: ChildExit | null;
  lastError: string | null;
  nextRestartAt: string | null;
  /** Role-specific facts the child reported (listening addresses, app count, CA fingerprint…). */
  detail: Record<string, unknown>;
}

export interface ListenAddress {
  address: string;
  port: number;
  protocol: 'http' | 'https';
}

export interface StatusResponse {
  berth: {
    version: string;
    pid: number;
    startedAt: string;
    uptimeMs: number;
    dataDir: string;
    mode: 'headless' | 'electron';
  };
  admin: { url: string };
  proxy: { httpPort: number; httpsPort: number };
  config: { version: number; appliedAt: string };
  children: ChildStatus[];
}

export type EventLevel = 'info' | 'warn' | 'error';

export type EventKind =
  | 'stack-started'
  | 'stack-stopping'
  | 'child-started'
  | 'child-ready'
  | 'child-exited'
  | 'child-restarting'
  | 'child-failed'
  | 'child-error'
  | 'config-applied'
  | 'config-restored'
  /** The proxy workers kept their previous config (a port they cannot bind, say); the apply was undone. */
  | 'config-refused'
  /** A site answered many 5xx within one second (metrics/writer.ts: BURST_MIN_5XX, BURST_MIN_SHARE). */
  | 'http-5xx-burst';

export interface SupervisorEvent {
  id: number;
  at: string;
  level: EventLevel;
  kind: EventKind;
  /** Child id, when the event is about one child. */
  child: string | null;
  message: string;
}

export interface EventsResponse {
  events: SupervisorEvent[];
}

export interface ConfigVersionSummary {
  version: number;
  appliedAt: string;
  source: 'first-run' | 'api' | 'restore' | 'import';
  note: string;
}

export interface ConfigVersionsResponse {
  current: number;
  versions: ConfigVersionSummary[];
}

/** `GET /api/v1/config/versions/:version`: one stored version with its content. */
export interface ConfigVersionResponse extends ConfigVersionSummary {
  config: BerthConfig;
}

/** `POST /api/v1/config/validate`: a dry run; nothing is stored. `config` has the defaults filled in. */
export type ConfigValidateResponse = { ok: true; issues: []; config: BerthConfig } | { ok: false; issues: ValidationIssue[] };

/** `POST /api/v1/config/preview/nginx`: what `berth export nginx` would write for a valid draft. */
export interface ConfigPreviewNginxResponse {
  /** nginx.conf, sites/<id>.conf, app files; stock files (mime.types, *_params) left out. */
  files: { path: string; content: string }[];
  /** The files joined, each under a `# ---- path ----` line. */
  text: string;
  /** What the export had to round or drop. */
  notes: string[];
}

/** Stable error codes: clients branch on these, never on messages. */
export type ApiErrorCode =
  | 'BERTH_ERR_UNAUTHORIZED'
  | 'BERTH_ERR_FORBIDDEN_HOST'
  | 'BERTH_ERR_FORBIDDEN_ORIGIN'
  | 'BERTH_ERR_NOT_FOUND'
  | 'BERTH_ERR_METHOD_NOT_ALLOWED'
  | 'BERTH_ERR_BAD_REQUEST'
  | 'BERTH_ERR_PAYLOAD_TOO_LARGE'
  | 'BERTH_ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'BERTH_ERR_VALIDATION'
  | 'BERTH_ERR_CONFLICT'
  /** A valid config the proxy workers would not run (a port they cannot bind): the previous one serves (409). */
  | 'BERTH_ERR_APPLY_REFUSED'
  /** A child process needed for the answer is not running (503). */
  | 'BERTH_ERR_CHILD_UNAVAILABLE'
  | 'BERTH_ERR_INTERNAL'
  /** Certificates (server-core/certs): a bad name, id, import or export option; a certificate in use or missing. */
  | 'BERTH_ERR_CERT_NAME'
  | 'BERTH_ERR_CERT_ID'
  | 'BERTH_ERR_CERT_EXISTS'
  | 'BERTH_ERR_CERT_IMPORT'
  | 'BERTH_ERR_CERT_EXPORT'
  | 'BERTH_ERR_CERT_OPTIONS'
  | 'BERTH_ERR_CERT_IN_USE'
  | 'BERTH_ERR_CERT_NOT_FOUND'
  | 'BERTH_ERR_TRUST_STORE'
  | 'BERTH_ERR_CA_EXPIRED'
  /** Import (server-core/interop): an nginx syntax error, a missing/looping include, a bad uwsgi.ini. */
  | 'BERTH_ERR_NGINX_SYNTAX'
  | 'BERTH_ERR_NGINX_INCLUDE'
  | 'BERTH_ERR_INI_SYNTAX'
  | 'BERTH_ERR_IMPORT_FILE';

/** `POST /api/v1/import`: nginx configs and uwsgi.ini files, with every file they include. */
export interface ImportRequestBody {
  /** Main nginx files (paths among `files`). */
  nginx?: string[];
  /** uwsgi.ini files (paths among `files`). */
  uwsgi?: string[];
  /** Absolute POSIX paths and their text; missing stock includes (uwsgi_params, mime.types) need not be sent. */
  files: Array<{ path: string; content: string }>;
  /** Map and validate only; nothing is applied. */
  dryRun?: boolean;
  /** Runtime for apps from uwsgi.ini files: `wsgi` (Berth's worker, default) or `uwsgi`. */
  runtime?: 'wsgi' | 'uwsgi';
  /** Listen ports to move, e.g. { "80": 8080 }. */
  portMap?: Record<string, number>;
}

export interface ImportWarningItem {
  file: string;
  line: number;
  column: number;
  directive: string;
  message: string;
}

export interface ImportResponse {
  /** Set when the import was applied. */
  version: ConfigVersionSummary | null;
  added: { sites: string[]; upstreams: string[]; apps: string[] };
  warnings: ImportWarningItem[];
  /** Validation problems of the resulting config (a dry run reports them; an apply answers 422). */
  issues: ValidationIssue[];
  /** The whole resulting config (dry run only). */
  config?: unknown;
}

export interface ValidationIssue {
  /** Dotted path of the field, e.g. `sites.0.names.1`. */
  path: string;
  message: string;
}

/** A valid config the proxy workers would not run: they kept the previous one, stored again as `restored`. */
export interface ApplyRefusal {
  version: number;
  /** The version stored to match what serves again, or null when a newer apply came meanwhile (or there was none before). */
  restored: number | null;
  message: string;
}

export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    /** The field the error is about, when there is one. */
    path?: string;
    /** Every problem found, for validation errors. */
    issues?: ValidationIssue[];
    /** BERTH_ERR_APPLY_REFUSED: which version was refused and which one serves instead. */
    refused?: ApplyRefusal;
  };
}

/** Messages the server sends on the `/api/v1/ws` WebSocket. */
export type WsServerMessage =
  | { type: 'hello'; status: StatusResponse; events: SupervisorEvent[] }
  | { type: 'status'; status: StatusResponse }
  | { type: 'event'; event: SupervisorEvent }
  /** Every second: the last finished second per site and per upstream server (contract/metrics.ts). */
  | ({ type: 'metrics' } & LiveMetricsSecond)
  /** Log lines as they are written; only to clients that sent `{ type: 'subscribe', topics: ['logs'] }`. */
  | ({ type: 'log-lines' } & LogLinesBatch);
