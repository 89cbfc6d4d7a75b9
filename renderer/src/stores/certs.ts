// The Certificates page's state: the index, the CA, the trust doctor, and the last action's
// result. Errors of a form stay with that form (and its field, from the API's `path`).
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { CaSummary, CertListResponse, TrustActionResult, TrustStatusResponse } from '../../../server-core/contract/certs.js';
import { fetchCa, fetchCerts, fetchTrust, trustAction } from '../api/certs.js';
import { ApiError } from '../api/http.js';
import type { LoadProblem } from './stack.js';

export interface FieldError {
  /** The request field the server named (`names`, `certPem`, `keyPem`, `password`…), or '' for the form. */
  field: string;
  message: string;
}

export function toFieldError(err: unknown): FieldError {
  if (err instanceof ApiError) return { field: err.path ?? '', message: err.message };
  return { field: '', message: err instanceof Error ? err.message : String(err) };
}

function toProblem(err: unknown): LoadProblem {
  return err instanceof ApiError ? { kind: 'api', code: err.code, message: err.message } : { kind: 'network' };
}

export const useCertsStore = defineStore('certs', () => {
  const list = shallowRef<CertListResponse | null>(null);
  const ca = shallowRef<CaSummary | null>(null);
  const trust = shallowRef<TrustStatusResponse | null>(null);
  const trustResults = shallowRef<TrustActionResult[]>([]);
  const problem = ref<LoadProblem | null>(null);
  const trustBusy = ref(false);

  async function load(): Promise<void> {
    try {
      [list.value, ca.value] = await Promise.all([fetchCerts(), fetchCa()]);
      problem.value = null;
    } catch (err) {
      problem.value = toProblem(err);
    }
  }

  async function loadTrust(): Promise<void> {
    try {
      trust.value = await fetchTrust();
    } catch (err) {
      problem.value = toProblem(err);
    }
  }

  async function runTrust(action: 'install' | 'uninstall', store: TrustActionResult['id']): Promise<void> {
    trustBusy.value = true;
    try {
      trustResults.value = (await trustAction(action, { stores: [store] })).results;
      await loadTrust();
    } catch (err) {
      problem.value = toProblem(err);
    } finally {
      trustBusy.value = false;
    }
  }

  return { list, ca, trust, trustResults, problem, trustBusy, load, loadTrust, runTrust };
});
