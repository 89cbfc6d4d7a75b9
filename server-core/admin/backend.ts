// What the admin API needs from the running stack. The stack implements it; tests can fake it.
import type { BerthConfig } from '../config/schema.js';
import type { ValidationContext } from '../config/validate.js';
import type { ApplyRefusal, ConfigVersionResponse, ConfigVersionSummary, ConfigVersionsResponse, StatusResponse, SupervisorEvent, ValidationIssue, WsServerMessage } from '../contract/api.js';
import type { TelemetryBackend } from '../metrics/telemetry.js';
import type { UpstreamStateSource } from './upstream-routes.js';

export type ApplyResult = { ok: true; version: ConfigVersionSummary } | { ok: false; issues: ValidationIssue[] } | { ok: false; refused: ApplyRefusal };

export interface AdminBackend {
  status(): StatusResponse;
  events(limit: number): SupervisorEvent[];
  currentConfig(): { version: number; appliedAt: string; config: BerthConfig };
  configVersions(limit: number): ConfigVersionsResponse;
  /** One stored version with its content (the editor's diff); null when there is no such version. */
  configVersion?(version: number): ConfigVersionResponse | null;
  /** What validation needs from outside the config (the certificate store's ids); absent where a fake backend does not need it. */
  validationContext?(): Promise<ValidationContext>;
  /** Validates the whole document, stores it as a new version and pushes it to the children. */
  /** Resolves once the proxy workers applied or refused it (bounded: a worker that does not answer is not waited for). */
  applyConfig(input: unknown, note: string, source?: ConfigVersionSummary['source']): Promise<ApplyResult>;
  /** Stores an earlier version's content as a new version and pushes it; null when there is no such version. */
  restoreConfig(version: number): Promise<ApplyResult | null>;
  /** Metrics queries, `/metrics` and recent log lines; absent where a fake backend does not need them. */
  telemetry?: TelemetryBackend;
  /** A request to the cert service child (certs/rpc.ts methods); absent where a fake backend does not need it. */
  certs?: (method: string, params: unknown, timeoutMs?: number) => Promise<unknown>;
  /** A request to the app server child (appserver/main.ts apps.* methods); absent where a fake backend does not need it. */
  apps?: (method: string, params: unknown, timeoutMs?: number) => Promise<unknown>;
  /** Per-server upstream state from the proxy workers (`GET /api/v1/upstreams`); absent where a fake backend does not need it. */
  upstreams?: UpstreamStateSource;
  /** Live messages for WebSocket clients. Returns an unsubscribe function. */
  subscribe(listener: (message: WsServerMessage) => void): () => void;
}
