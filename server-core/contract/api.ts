// Admin API contract (`/api/v1`). Types only: imported by the renderer, the CLI and tests.

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
  | 'config-restored';

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
  | 'BERTH_ERR_INTERNAL';

export interface ValidationIssue {
  /** Dotted path of the field, e.g. `sites.0.names.1`. */
  path: string;
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
  };
}

/** Messages the server sends on the `/api/v1/ws` WebSocket. */
export type WsServerMessage =
  | { type: 'hello'; status: StatusResponse; events: SupervisorEvent[] }
  | { type: 'status'; status: StatusResponse }
  | { type: 'event'; event: SupervisorEvent };
