// The applied config (read-only in this issue) and its version history.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ConfigVersionsResponse } from '../../../server-core/contract/api.js';
import type { AppliedConfig } from '../api/config.js';
import { fetchConfig, fetchConfigVersions } from '../api/config.js';
import { ApiError } from '../api/http.js';
import type { LoadProblem } from './stack.js';

function toProblem(err: unknown): LoadProblem {
  return err instanceof ApiError ? { kind: 'api', code: err.code, message: err.message } : { kind: 'network' };
}

export const useConfigStore = defineStore('config', () => {
  const applied = shallowRef<AppliedConfig | null>(null);
  const versions = shallowRef<ConfigVersionsResponse | null>(null);
  const loading = ref(false);
  const problem = ref<LoadProblem | null>(null);

  async function loadConfig(): Promise<void> {
    loading.value = true;
    try {
      applied.value = await fetchConfig();
      problem.value = null;
    } catch (err) {
      problem.value = toProblem(err);
    } finally {
      loading.value = false;
    }
  }

  async function loadVersions(): Promise<void> {
    loading.value = true;
    try {
      versions.value = await fetchConfigVersions();
      problem.value = null;
    } catch (err) {
      problem.value = toProblem(err);
    } finally {
      loading.value = false;
    }
  }

  return { applied, versions, loading, problem, loadConfig, loadVersions };
});
