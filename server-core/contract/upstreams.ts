// Upstream state (`GET /api/v1/upstreams`, and the proxy worker's `upstreams.state` RPC). Types only.

/** up: takes requests. down: config `down`, failed (max_fails) or failing active checks. draining: leaving, still finishing requests. */
export type UpstreamServerStateName = 'up' | 'down' | 'draining';

export interface UpstreamHealthCheckResult {
  /** ISO time of the check. */
  at: string;
  ok: boolean;
  /** The status the server answered, null when it did not answer. */
  status: number | null;
  error: string | null;
}

export interface UpstreamServerState {
  /** As configured: `host:port`, `[v6]:port` or `unix:/path`. */
  address: string;
  weight: number;
  backup: boolean;
  /** The config marks it `down`. */
  configDown: boolean;
  state: UpstreamServerStateName;
  /** Requests being served now (summed over proxy workers). */
  active: number;
  /** Idle keep-alive connections. */
  idle: number;
  /** Requests sent since the proxy started. */
  requests: number;
  /** Failures in the current fail_timeout window (nginx `fails`), and since start. */
  fails: number;
  failsTotal: number;
  /** ISO time passive health lets the server back in; null when it is not out. */
  unavailableUntil: string | null;
  /** Active checks: null when the upstream has none. */
  health: { healthy: boolean; lastCheck: UpstreamHealthCheckResult | null } | null;
}

export interface UpstreamState {
  /** The upstream id; `url:host:port` for a location that proxies to a URL. */
  id: string;
  implicit: boolean;
  method: 'round_robin' | 'least_conn' | 'ip_hash' | 'random_two';
  protocol: 'http' | 'uwsgi' | 'fastcgi';
  keepalive: number;
  servers: UpstreamServerState[];
}

export interface UpstreamsResponse {
  /** Proxy workers that answered. */
  workers: number;
  upstreams: UpstreamState[];
}
