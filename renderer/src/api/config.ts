// The applied config and its version history: GET /config, GET /config/versions (read-only for now).
import type { ConfigVersionsResponse } from '../../../server-core/contract/api.js';
import type { BerthConfig } from '../../../server-core/config/schema.js';
import { getJson } from './http.js';

export interface AppliedConfig {
  version: number;
  appliedAt: string;
  config: BerthConfig;
}

export function fetchConfig(signal?: AbortSignal): Promise<AppliedConfig> {
  return getJson<AppliedConfig>('/config', signal);
}

export function fetchConfigVersions(signal?: AbortSignal): Promise<ConfigVersionsResponse> {
  return getJson<ConfigVersionsResponse>('/config/versions', signal);
}
