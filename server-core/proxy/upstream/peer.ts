// One upstream server as a worker sees it: its config, the balancer's state, passive and active
// health, counters, and its keep-alive pool. Passive health follows ngx_http_upstream_round_robin.c:
// a failure bumps `fails` and stamps `checked`; with `fails >= max_fails` the server is out until
// `fail_timeout` has passed since `checked`; then one request may try it, and a success clears `fails`.
import type { UpstreamServer } from '../../config/schema.js';
import type { UpstreamAddress } from './address.js';
import type { ConnectionPool } from './pool.js';

export type PeerState = 'up' | 'down' | 'draining';

export interface HealthCheckResult {
  at: number;
  ok: boolean;
  status: number | null;
  error: string | null;
}

export class UpstreamPeer {
  weight = 1;
  maxFails = 1;
  failTimeoutMs = 10_000;
  backup = false;
  /** nginx `down`: never selected. */
  down = false;
  /** Set when the server left the config; it finishes what it has and takes nothing new. */
  removed = false;

  // Smooth weighted round-robin (nginx `current_weight` / `effective_weight`).
  currentWeight = 0;
  effectiveWeight = 1;

  // Passive health.
  fails = 0;
  /** ms: the last failure, or the start of the current fail_timeout window (nginx `checked`). */
  checked = 0;
  /** ms: the last failure (nginx `accessed`). */
  accessed = 0;

  // Active health (healthy until a check says otherwise, as nginx's `health_check` without `mandatory`).
  healthy = true;
  healthRuns = 0;
  healthFails = 0;
  lastCheck: HealthCheckResult | null = null;

  /** Requests being served (nginx `conns`, used by least_conn and random two). */
  active = 0;
  requests = 0;
  failsTotal = 0;

  constructor(
    readonly address: UpstreamAddress,
    readonly pool: ConnectionPool,
    server: UpstreamServer,
  ) {
    this.configure(server);
  }

  configure(server: UpstreamServer): void {
    if (server.weight !== this.weight) {
      this.weight = server.weight;
      this.effectiveWeight = server.weight;
      this.currentWeight = 0;
    }
    this.maxFails = server.maxFails;
    this.failTimeoutMs = server.failTimeoutS * 1000;
    this.backup = server.backup;
    this.down = server.down;
    this.removed = false;
  }

  /** Not excluded by passive health at `now` (ms). */
  passiveOk(now: number): boolean {
    return !(this.maxFails > 0 && this.fails >= this.maxFails && now - this.checked <= this.failTimeoutMs);
  }

  /** May take a new request at `now`. `single`: nginx never takes the only server out for failures. */
  usable(now: number, single: boolean): boolean {
    if (this.down || this.removed || !this.healthy) return false;
    return single || this.passiveOk(now);
  }

  /** Called when the balancer hands this peer a request. */
  picked(now: number): void {
    this.active++;
    this.requests++;
    // nginx: a new fail_timeout window starts with the first request after the old one ended.
    if (now - this.checked > this.failTimeoutMs) this.checked = now;
  }

  /** Called once per picked request when it is done with this peer. */
  finished(now: number, failed: boolean): void {
    this.active = Math.max(0, this.active - 1);
    if (failed) {
      this.fails++;
      this.failsTotal++;
      this.accessed = now;
      this.checked = now;
      // nginx lowers the effective weight after a failure so traffic comes back gradually.
      if (this.maxFails > 0) this.effectiveWeight = Math.max(0, this.effectiveWeight - Math.floor(this.weight / this.maxFails));
    } else if (this.accessed < this.checked) {
      this.fails = 0;
    }
  }

  /** Time (ms) until passive health lets the server back in, or null when it is not out (never for the only server). */
  unavailableUntil(now: number, single = false): number | null {
    return single || this.passiveOk(now) ? null : this.checked + this.failTimeoutMs;
  }

  /** As `usable` decides: the only server of a group is never out for failures, so it never shows down for them. */
  state(now: number, single = false): PeerState {
    if ((this.down || this.removed) && this.active > 0) return 'draining';
    if (this.down || this.removed || !this.healthy || !(single || this.passiveOk(now))) return 'down';
    return 'up';
  }
}
