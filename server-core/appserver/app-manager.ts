// All apps of the config: one AppRunner each. Reconciles on config changes, answers the RPC
// methods (apps.list/start/stop/restart/reload/logs), samples processes, and publishes where each
// running app is reachable (topic `apps-updated`) for the proxy.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { App, BerthConfig } from '../config/schema.js';
import type { AppLogsResponse, AppProcessInfo, AppRoutes, AppsListResponse, AppStatus } from '../contract/apps.js';
import type { RuntimeSettings } from '../contract/ipc.js';
import type { LogLinesBatch } from '../contract/metrics.js';
import { LogTail } from '../proxy/log-tail.js';
import { BerthError } from '../errors.js';
import { unpackedRoot } from '../paths.js';
import type { BackoffPolicy } from '../supervisor/backoff.js';
import { findFreePort } from '../supervisor/ports.js';
import { AppLog } from './app-log.js';
import { AppRunner } from './app-runner.js';
import { cpuPercent, sampleProcessTree, type ProcSample } from './proc-stats.js';
import { runtimes } from './runtimes/index.js';
import type { RuntimeContext } from './runtimes/types.js';
import { watchCode, type CodeWatcher } from './code-watcher.js';
import { GroupWatchdog } from './group-watchdog.js';
import { dataMark, ledgerPathFor, reapRecordedGroups } from './orphan-reaper.js';
import { readUwsgiStats } from './uwsgi-stats.js';

/** The shipped worker, read from the source tree (tsc does not copy .py files). */
export const WSGI_WORKER_PATH = join(unpackedRoot, 'server-core', 'appserver', 'python', 'berth_wsgi.py');
/** sun_path is 108 bytes on Linux, 104 on macOS: leave room for `w12-345.sock`. */
const MAX_RUN_DIR = 80;
const SAMPLE_EVERY_MS = 2000;

export interface AppManagerOptions {
  publish(routes: AppRoutes): void;
  /** App log lines for the live tail (topic `log-lines`, source `app:<id>`). */
  publishLogs?(batch: LogLinesBatch): void;
  /** State changes (for the status detail). */
  onChange?(): void;
  /** Process groups of an earlier app server that were still running, killed before any app started. */
  onOrphansReaped?(pgids: number[]): void;
  backoff?: BackoffPolicy;
  env?: NodeJS.ProcessEnv;
}

interface Entry {
  runner: AppRunner;
  log: AppLog;
  json: string;
  watcher: CodeWatcher | null;
}

export class AppManager {
  private readonly entries = new Map<string, Entry>();
  private readonly ports = new Map<string, number[]>();
  private runtime: RuntimeSettings | null = null;
  private lastPublished = '';
  private mark: string | null = null;
  private publishTimer: NodeJS.Timeout | null = null;
  private readonly samples = new Map<number, ProcSample & { at: number }>();
  private readonly cpu = new Map<number, number | null>();
  /** Requests per forked worker, from the runtime's own stats (uWSGI). */
  private readonly childRequests = new Map<number, number>();
  private readonly sampler: NodeJS.Timeout;
  /** Every app process group, so none outlives this process (group-watchdog.ts). */
  readonly watchdog = new GroupWatchdog();
  /** Batches app log lines: one message per 100 ms at most, bounded backlog (proxy/log-tail.ts). */
  private readonly tail: LogTail | null;

  constructor(private readonly options: AppManagerOptions) {
    this.sampler = setInterval(() => void this.sample(), SAMPLE_EVERY_MS);
    this.sampler.unref();
    const publishLogs = options.publishLogs;
    this.tail = publishLogs ? new LogTail((batch) => publishLogs(batch), { sourceOf: (source) => source }) : null;
  }

  /** Starts new apps, restarts changed ones, stops removed ones. */
  async apply(config: BerthConfig, runtime: RuntimeSettings): Promise<void> {
    if (this.runtime === null) this.reapOrphans(runtime.dataDir);
    this.runtime = runtime;
    const wanted = new Map(config.apps.map((a) => [a.id, a]));
    const work: Promise<void>[] = [];
    for (const [id, entry] of this.entries) {
      if (!wanted.has(id)) {
        this.entries.delete(id);
        entry.watcher?.close();
        work.push(entry.runner.stop().then(() => entry.log.close()));
      }
    }
    for (const app of config.apps) {
      const json = JSON.stringify(app);
      const existing = this.entries.get(app.id);
      if (existing && existing.json === json) continue;
      if (existing) {
        existing.watcher?.close();
        this.entries.delete(app.id);
        this.ports.delete(app.id);
        const runner = existing.runner;
        work.push(runner.stop().then(() => this.add(app, existing.log)));
      } else {
        work.push(this.add(app, null));
      }
    }
    await Promise.all(work);
    this.changed();
  }

  list(): AppsListResponse {
    return { apps: [...this.entries.values()].map((e) => this.statusOf(e)) };
  }

  logs(id: string, lines: number): AppLogsResponse {
    const e = this.get(id);
    return { id, logFile: e.log.file, lines: e.log.last(lines) };
  }

  async start(id: string): Promise<AppStatus> {
    const e = this.get(id);
    if (e.runner.state === 'failed') await e.runner.restart();
    else await e.runner.start();
    return this.statusOf(e);
  }

  async stop(id: string): Promise<AppStatus> {
    const e = this.get(id);
    await e.runner.stop(true);
    return this.statusOf(e);
  }

  async restart(id: string): Promise<AppStatus> {
    const e = this.get(id);
    e.runner.wanted = true;
    await e.runner.restart();
    return this.statusOf(e);
  }

  /**
   * Before the first app starts: kills app process groups an earlier app server of this data dir
   * left behind (its watchdog died with it), then keeps the ledger for the next one.
   */
  private reapOrphans(dataDir: string): void {
    this.mark = dataMark(dataDir);
    const ledger = ledgerPathFor(dataDir);
    try {
      mkdirSync(dirname(ledger), { recursive: true });
      const killed = reapRecordedGroups(ledger, this.mark);
      if (killed.length > 0) this.options.onOrphansReaped?.(killed);
      this.watchdog.useLedger(ledger);
    } catch {
      // An unreadable run dir: the watchdog alone guards this run.
    }
  }

  async reload(id: string): Promise<AppStatus> {
    const e = this.get(id);
    await e.runner.reload();
    return this.statusOf(e);
  }

  async shutdown(): Promise<void> {
    clearInterval(this.sampler);
    await Promise.all([...this.entries.values()].map(async (e) => {
      e.watcher?.close();
      await e.runner.stop();
      await e.log.close();
    }));
    this.watchdog.close();
    this.tail?.flush();
    this.tail?.stop();
  }

  /** Synchronous last resort when the process must exit now. */
  killAll(): void {
    for (const e of this.entries.values()) e.runner.killNow();
  }

  counts(): { apps: number; running: number; failed: number } {
    const states = [...this.entries.values()].map((e) => e.runner.state);
    return { apps: states.length, running: states.filter((s) => s === 'running' || s === 'reloading').length, failed: states.filter((s) => s === 'failed').length };
  }

  private get(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new BerthError('BERTH_ERR_NOT_FOUND', `there is no app "${id}"`);
    return e;
  }

  private async add(app: App, log: AppLog | null): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) throw new Error('apply() before the runtime settings');
    const tail = this.tail;
    const source = `app:${app.id}`;
    const appLog = log ?? new AppLog(join(runtime.logDir, 'apps', `${app.id}.log`), undefined, tail ? (line) => tail.push(source, line) : null);
    const runner = new AppRunner(app, {
      runtime: runtimes[app.runtime],
      context: () => this.contextFor(app),
      log: appLog,
      onChange: () => this.changed(),
      watchdog: this.watchdog,
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
    });
    const entry: Entry = { runner, log: appLog, json: JSON.stringify(app), watcher: null };
    this.entries.set(app.id, entry);
    if (app.reloadOnChange) {
      entry.watcher = watchCode(app.workingDir, (file) => {
        appLog.write('berth', null, `code changed (${file}): reloading`);
        void runner.reload();
      });
    }
    if (app.autostart) await runner.start();
  }

  private async contextFor(app: App): Promise<RuntimeContext> {
    const runtime = this.runtime;
    if (!runtime) throw new Error('no runtime settings');
    let ports = this.ports.get(app.id);
    const needed = runtimes[app.runtime].portsNeeded(app);
    if (!ports || ports.length < needed) {
      ports = ports ?? [];
      while (ports.length < needed) ports.push(await findFreePort());
      this.ports.set(app.id, ports);
    }
    return { runDir: runDirFor(runtime.dataDir, app.id), ports, env: this.options.env ?? process.env, wsgiWorkerPath: WSGI_WORKER_PATH, isRoot: process.getuid?.() === 0, ...(this.mark ? { dataMark: this.mark } : {}) };
  }

  private statusOf(e: Entry): AppStatus {
    const r = e.runner;
    const now = Date.now();
    const processes: AppProcessInfo[] = [];
    for (const p of r.procs) {
      const pid = p.pid;
      if (pid === null || p.exitedFlag) continue;
      const s = this.samples.get(pid);
      processes.push({
        pid,
        slot: p.slot,
        role: r.plan?.berthWorkers || r.plan?.slots !== 1 || r.app.runtime === 'node' || r.app.runtime === 'command' ? 'worker' : 'master',
        uptimeMs: now - p.startedAt,
        rssBytes: s?.rssBytes ?? null,
        cpuPercent: this.cpu.get(pid) ?? null,
        requests: p.requests,
        retiring: p.retiring,
      });
      // Processes the runtime's own master forked (uWSGI, gunicorn, php-fpm workers).
      for (const [cpid, cs] of this.samples) {
        if (cpid === pid || !this.descends(cpid, pid)) continue;
        processes.push({ pid: cpid, slot: null, role: 'child', uptimeMs: cs.startedAt === null ? 0 : Math.max(0, now - cs.startedAt), rssBytes: cs.rssBytes, cpuPercent: this.cpu.get(cpid) ?? null, requests: this.childRequests.get(cpid) ?? null, retiring: p.retiring });
      }
    }
    const next = r.nextRestartAt();
    return {
      id: r.app.id,
      runtime: r.app.runtime,
      protocol: r.protocol,
      state: r.state,
      reloadStyle: r.reloadStyle,
      addresses: r.addresses(),
      processes,
      restarts: r.restarts,
      reason: r.reason,
      hint: r.hint,
      lastStderr: r.lastStderr,
      nextRestartAt: next === null ? null : new Date(next).toISOString(),
      startedAt: r.startedAt === null ? null : new Date(r.startedAt).toISOString(),
      logFile: e.log.file,
      lastLines: e.log.last(20),
    };
  }

  private descends(pid: number, ancestor: number): boolean {
    let cur = this.samples.get(pid);
    for (let depth = 0; cur && depth < 16; depth++) {
      if (cur.ppid === ancestor) return true;
      cur = this.samples.get(cur.ppid);
    }
    return false;
  }

  private async sample(): Promise<void> {
    const roots: number[] = [];
    for (const e of this.entries.values()) for (const p of e.runner.procs) if (p.pid !== null && !p.exitedFlag) roots.push(p.pid);
    const at = Date.now();
    const found = await sampleProcessTree(roots);
    const next = new Map<number, ProcSample & { at: number }>();
    for (const [pid, s] of found) {
      this.cpu.set(pid, cpuPercent(this.samples.get(pid), { cpuMs: s.cpuMs, at }));
      next.set(pid, { ...s, at });
    }
    for (const pid of this.cpu.keys()) if (!next.has(pid)) this.cpu.delete(pid);
    const stats = [...this.entries.values()].map((e) => e.runner.plan?.statsSocket).filter((s): s is string => s !== undefined && s !== '');
    const counts = await Promise.all(stats.map((s) => readUwsgiStats(s)));
    this.childRequests.clear();
    for (const m of counts) if (m) for (const [pid, n] of m) this.childRequests.set(pid, n);
    this.samples.clear();
    for (const [pid, s] of next) this.samples.set(pid, s);
  }

  private changed(): void {
    this.options.onChange?.();
    if (this.publishTimer) return;
    // Coalesce a burst of changes (N workers getting ready) into one message.
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null;
      const routes: AppRoutes = {};
      for (const [id, e] of this.entries) {
        const addresses = e.runner.addresses();
        if (addresses.length > 0) routes[id] = { protocol: e.runner.protocol, addresses, root: e.runner.plan?.root ?? '' };
      }
      const json = JSON.stringify(routes);
      if (json === this.lastPublished) return;
      this.lastPublished = json;
      this.options.publish(routes);
    }, 10);
  }

  /** The last routes sent (the stack re-sends them to a restarted proxy). */
  currentRoutes(): AppRoutes {
    return this.lastPublished === '' ? {} : (JSON.parse(this.lastPublished) as AppRoutes);
  }
}

/** `<dataDir>/run/apps/<id>`, or a short folder under the temp dir when that would not fit a unix socket path. */
export function runDirFor(dataDir: string, appId: string): string {
  const dir = join(dataDir, 'run', 'apps', appId);
  if (dir.length <= MAX_RUN_DIR) return dir;
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  return join(tmpdir(), `berth-${hash}`, appId);
}
