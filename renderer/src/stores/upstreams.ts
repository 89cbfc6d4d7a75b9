// Upstreams: live per-server state from the proxy workers (polled every 2 s while a page shows it),
// and the quick actions — drain / mark down / bring back — applied at once as a new config version.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { UpstreamsResponse } from '../../../server-core/contract/upstreams.js';
import { fetchUpstreamStates } from '../api/upstreams.js';
import { ApiError } from '../api/http.js';
import { useConfigDraftStore } from './config-draft.js';
import type { LoadProblem } from './stack.js';

const POLL_MS = 2000;

function toProblem(err: unknown): LoadProblem {
  return err instanceof ApiError ? { kind: 'api', code: err.code, message: err.message } : { kind: 'network' };
}

export const useUpstreamsStore = defineStore('upstreams', () => {
  const live = shallowRef<UpstreamsResponse | null>(null);
  const problem = ref<LoadProblem | null>(null);
  /** The upstream selected in the editor (by index in the draft). */
  const selected = ref(0);
  let timer: ReturnType<typeof setInterval> | null = null;
  let watchers = 0;

  async function load(): Promise<void> {
    try {
      live.value = await fetchUpstreamStates();
      problem.value = null;
    } catch (err) {
      problem.value = toProblem(err);
    }
  }

  function startPolling(): void {
    watchers++;
    if (timer) return;
    void load();
    timer = setInterval(() => void load(), POLL_MS);
  }

  function stopPolling(): void {
    watchers = Math.max(0, watchers - 1);
    if (watchers === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  }

  /** Sets `down` on one server of the RUNNING config and applies it (nginx `down`: no new requests). */
  async function setDown(upstreamId: string, address: string, down: boolean): Promise<boolean> {
    const drafts = useConfigDraftStore();
    const ok = await drafts.quickApply(
      (c) => {
        const s = c.upstreams.find((u) => u.id === upstreamId)?.servers.find((x) => x.address === address);
        if (s) s.down = down;
      },
      `${down ? 'mark down' : 'bring back'} ${address} in ${upstreamId}`,
    );
    void load();
    return ok;
  }

  return { live, problem, selected, load, startPolling, stopPolling, setDown };
});
