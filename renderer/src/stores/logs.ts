// The Logs page's live tail: a LogModel (ring of 100,000 lines, filtered view) filled from
// GET /logs/recent and then the WebSocket's `log-lines`. The model is not reactive (100,000
// reactive objects would be slow); `version` ticks at most once per animation frame instead.
// A message's `skipped` counts lines the live tail left out under load (the log files have them):
// added up in `skipped`, so the page can say so instead of silently missing lines.
import { defineStore } from 'pinia';
import { markRaw, reactive, ref, watch } from 'vue';
import type { LogLinesBatch } from '../../../server-core/contract/metrics.js';
import { ApiError } from '../api/http.js';
import { fetchRecentLogs } from '../api/logs.js';
import { EMPTY_FILTER, LogModel, compileFilter, type LogFilter } from '../logs/log-model.js';
import { useStackStore, type LoadProblem } from './stack.js';

/** Lines asked for when the page opens. */
const BACKLOG_LINES = 2000;

export const useLogsStore = defineStore('logs', () => {
  const stack = useStackStore();
  const model = markRaw(new LogModel());
  /** Bumped when the model changed; views depend on it. */
  const version = ref(0);
  const filter = reactive<LogFilter>({ ...EMPTY_FILTER });
  const filterError = ref<string | null>(null);
  const paused = ref(false);
  /** Lines that arrived while paused, shown on resume. */
  const held = ref(0);
  /** Lines the live tail skipped (too many to send live) since the page started or was cleared. */
  const skipped = ref(0);
  const problem = ref<LoadProblem | null>(null);
  /** The backlog is in and the live subscription was sent: only now is an empty tail really empty. */
  const ready = ref(false);
  let heldBatches: LogLinesBatch[] = [];
  let started = false;
  let frame: number | null = null;

  function changed(): void {
    if (frame !== null) return;
    frame = requestAnimationFrame(() => {
      frame = null;
      version.value++;
    });
  }

  function append(batch: LogLinesBatch): void {
    if (paused.value) {
      heldBatches.push(batch);
      held.value += batch.lines.length;
      // Never hold more than the ring could show.
      while (held.value > model.capacity && heldBatches.length > 1) held.value -= heldBatches.shift()?.lines.length ?? 0;
      return;
    }
    model.append(batch.source, batch.lines);
    changed();
  }

  stack.onLive((msg) => {
    if (msg.type !== 'log-lines' || !started) return;
    if (msg.skipped !== undefined && msg.skipped > 0) skipped.value += msg.skipped;
    if (msg.lines.length > 0) append({ source: msg.source, lines: msg.lines });
  });

  watch(
    filter,
    (f) => {
      const c = compileFilter(f);
      if (!c.ok) {
        filterError.value = c.error;
        return;
      }
      filterError.value = null;
      model.setFilter(c.test);
      version.value++;
    },
    { deep: true },
  );

  /** First visit: the recent backlog, then the live subscription (kept while the dashboard is open). */
  async function start(): Promise<void> {
    if (started) return;
    started = true;
    try {
      const recent = await fetchRecentLogs(BACKLOG_LINES);
      for (const b of recent.batches) model.append(b.source, b.lines);
      problem.value = null;
    } catch (err) {
      problem.value = err instanceof ApiError ? { kind: 'api', code: err.code, message: err.message } : { kind: 'network' };
    }
    stack.subscribeTopic('logs');
    ready.value = true;
    version.value++;
  }

  function setPaused(p: boolean): void {
    paused.value = p;
    if (!p) {
      for (const b of heldBatches) model.append(b.source, b.lines);
      heldBatches = [];
      held.value = 0;
      version.value++;
    }
  }

  function clear(): void {
    model.clear();
    heldBatches = [];
    held.value = 0;
    skipped.value = 0;
    version.value++;
  }

  function resetFilter(): void {
    Object.assign(filter, EMPTY_FILTER);
  }

  return { model, version, filter, filterError, paused, held, skipped, problem, ready, start, setPaused, clear, resetFilter };
});
