// Supervisor ↔ child messages. Types only. The same messages travel over
// child_process IPC (headless) and Electron's utilityProcess MessagePort.
import type { BerthConfig } from '../config/schema.js';
import type { ChildRole } from './api.js';

/** Facts a child needs besides the config: where to write, which ports the run uses. */
export interface RuntimeSettings {
  dataDir: string;
  logDir: string;
  /** Effective ports for this run (CLI flags override the config's settings). */
  httpPort: number;
  httpsPort: number;
  /** Addresses the proxy binds; loopback by default. */
  bindAddresses: string[];
}

export type SupervisorToChild =
  | { type: 'init'; role: ChildRole; id: string; runtime: RuntimeSettings; configVersion: number; config: BerthConfig }
  | { type: 'config'; configVersion: number; config: BerthConfig; runtime: RuntimeSettings }
  | { type: 'shutdown' }
  /** A call the child answers with a `response` of the same id (see supervisor/child-rpc.ts). */
  | { type: 'request'; id: number; method: string; params: unknown }
  /** The answer to a child's `request` (ChildToSupervisor) of the same id; see supervisor/parent-rpc.ts. */
  | { type: 'response'; id: number; result?: unknown; error?: { code: string; message: string } }
  /** One-way news for the child, e.g. `certs-updated` for the proxy. */
  | { type: 'notify'; topic: string; data: unknown }
  /**
   * Headless only: a listening socket the supervisor bound, attached to the message (child_process
   * handle passing). A proxy worker accepts on it instead of binding `address`:`configPort` itself.
   */
  | { type: 'listen-handle'; address: string; configPort: number; port: number };

export type ChildToSupervisor =
  /** Sent once the child serves (the proxy: all listeners bound). `detail` shows in the status API. */
  | { type: 'ready'; detail: Record<string, unknown> }
  /** Updated facts for the status API (for example after a config change). */
  | { type: 'detail'; detail: Record<string, unknown> }
  | { type: 'config-applied'; configVersion: number }
  | { type: 'config-rejected'; configVersion: number; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** The child cannot work and restarting will not help (for example a port in use). */
  | { type: 'fatal'; code: string; message: string }
  /** The answer to a `request`: `result` on success, `error` (stable code + message) otherwise. */
  | { type: 'response'; id: number; result?: unknown; error?: { code: string; message: string } }
  /**
   * A call the supervisor answers with a `response` of the same id (SupervisorToChild), e.g.
   * `rate-limit.take` (RateLimitTakeParams → RateLimitTakeResult): the shared limit_req zone.
   */
  | { type: 'request'; id: number; method: string; params: unknown }
  /** One-way data for the stack, routed by topic (per-second metrics, log lines, app events…). */
  | { type: 'publish'; topic: string; data: unknown };

/**
 * `rate-limit.take`: a proxy worker's batch of limit_req lookups, answered in order by the
 * supervisor's zone (proxy/access/rate-limit-zone.ts). One take = [siteId, perSecond, burst,
 * nodelay, client address].
 */
export interface RateLimitTakeParams {
  takes: Array<[siteId: string, perSecond: number, burst: number, nodelay: boolean, client: string]>;
}

/** One number per take, same order: -1 = rejected (503), otherwise the delay in ms (0 = at once). */
export interface RateLimitTakeResult {
  decisions: number[];
}
