// The apps the app server runs: polled every 2 s while the Apps page is open (process samples
// change that often), plus the actions; each app's log lines arrive live over the WebSocket
// (`log-lines` with source `app:<id>`, subscription `logs`). One store for the apps domain.
import { defineStore } from 'pinia';
import { ref, shallowRef, triggerRef } from 'vue';
import type { AppLogLine, AppStatus } from '../../../server-core/contract/apps.js';
import { fetchApps, runAppAction, type AppAction } from '../api/apps.js';
import { ApiError } from '../api/http.js';
import { useStackStore, type LoadProblem } from './stack.js';

const POLL_MS = 2000;
/** Lines kept per app for the page (the full log is the app's file). */
export const LIVE_LINES = 200;
const APP_SOURCE = /^app:(.+)$/;

function toProblem(err: unknown): LoadProblem {
  return err instanceof ApiError ? { kind: 'api', code: err.code, message: err.message } : { kind: 'network' };
}

/** The same text the app server writes to the app's log file and streams. */
export function formatAppLine(l: AppLogLine): string {
  return `${l.at} [${l.pid ?? '-'}] ${l.stream}: ${l.line}`;
}

export const useAppsStore = defineStore('apps', () => {
  const stack = useStackStore();
  const apps = shallowRef<AppStatus[] | null>(null);
  const problem = ref<LoadProblem | null>(null);
  const actionProblem = ref<LoadProblem | null>(null);
  /** `${id}:${action}` while an action runs. */
  const busy = ref<string | null>(null);
  /** App id → its newest log lines: seeded from the first status, then appended live. */
  const lines = shallowRef(new Map<string, string[]>());
  let timer: ReturnType<typeof setInterval> | null = null;
  let watchers = 0;
  let live = false;

  async function load(): Promise<void> {
    try {
      const list = (await fetchApps()).apps;
      apps.value = list;
      problem.value = null;
      let seeded = false;
      for (const a of list) {
        if (lines.value.has(a.id)) continue;
        lines.value.set(a.id, a.lastLines.map(formatAppLine));
        seeded = true;
      }
      if (seeded) triggerRef(lines);
    } catch (err) {
      problem.value = toProblem(err);
    }
  }

  function appendLive(source: string, batch: readonly string[]): void {
    const id = APP_SOURCE.exec(source)?.[1];
    if (id === undefined) return;
    const list = lines.value.get(id) ?? [];
    list.push(...batch);
    if (list.length > LIVE_LINES) list.splice(0, list.length - LIVE_LINES);
    lines.value.set(id, list);
    triggerRef(lines);
  }

  function startLive(): void {
    if (live) return;
    live = true;
    stack.onLive((msg) => {
      if (msg.type === 'log-lines') appendLive(msg.source, msg.lines);
    });
    // Kept for the dashboard's life, like the Logs page's subscription (one shared topic).
    stack.subscribeTopic('logs');
  }

  function startPolling(): void {
    watchers++;
    startLive();
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

  async function act(id: string, action: AppAction): Promise<void> {
    busy.value = `${id}:${action}`;
    actionProblem.value = null;
    try {
      const updated = await runAppAction(id, action);
      apps.value = (apps.value ?? []).map((a) => (a.id === id ? updated : a));
    } catch (err) {
      actionProblem.value = toProblem(err);
    } finally {
      busy.value = null;
      void load();
    }
  }

  return { apps, problem, actionProblem, busy, lines, load, startPolling, stopPolling, act, appendLive };
});
