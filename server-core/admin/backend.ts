// What the admin API needs from the running stack. The stack implements it; tests can fake it.
import type { BerthConfig } from '../config/schema.js';
import type { ConfigVersionSummary, ConfigVersionsResponse, StatusResponse, SupervisorEvent, ValidationIssue, WsServerMessage } from '../contract/api.js';

export type ApplyResult = { ok: true; version: ConfigVersionSummary } | { ok: false; issues: ValidationIssue[] };

export interface AdminBackend {
  status(): StatusResponse;
  events(limit: number): SupervisorEvent[];
  currentConfig(): { version: number; appliedAt: string; config: BerthConfig };
  configVersions(limit: number): ConfigVersionsResponse;
  /** Validates the whole document, stores it as a new version and pushes it to the children. */
  applyConfig(input: unknown, note: string): ApplyResult;
  /** Stores an earlier version's content as a new version and pushes it; null when there is no such version. */
  restoreConfig(version: number): ApplyResult | null;
  /** Live messages for WebSocket clients. Returns an unsubscribe function. */
  subscribe(listener: (message: WsServerMessage) => void): () => void;
}
