// Supervises one app: spawns its processes (slots) from the runtime's plan, waits for readiness,
// restarts crashes with exponential backoff and gives up into `failed` (crash loop), replaces
// workers gracefully (reload, max_requests recycling: the new one is ready before the old one
// retires) and kills a worker whose request outlives harakiri.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { App } from '../config/schema.js';
import type { AppProtocol, AppState } from '../contract/apps.js';
import { RestartTracker, type BackoffPolicy } from '../supervisor/backoff.js';
import { AppConfigError, hintFor } from './app-errors.js';
import { lineSplitter, type AppLog } from './app-log.js';
import type { GroupWatchdog } from './group-watchdog.js';
import { probeOnce } from './readiness.js';
import type { LaunchSpec, Runtime, RuntimeContext, RuntimePlan } from './runtimes/types.js';

/** Shorter than the supervisor's child policy: a broken app shows its crash loop within seconds. */
export const appBackoff: BackoffPolicy = { initialDelayMs: 200, maxDelayMs: 5000, stableAfterMs: 10_000, maxQuickFailures: 5 };

/** sysexits EX_CONFIG: Berth's WSGI worker cannot load the entry; restarting cannot help. */
const EX_CONFIG = 78;
const READY_TIMEOUT_MS = 60_000;
/** Time for the proxy to learn a worker is retiring before it stops accepting. */
const RETIRE_DELAY_MS = 300;
/** After a worker's exit, the longest wait for its stdout/stderr to be read to the end. */
const STDIO_DRAIN_MS = 500;

export interface RunnerOptions {
  runtime: Runtime;
  context: () => Promise<RuntimeContext>;
  log: AppLog;
  onChange: () => void;
  backoff?: BackoffPolicy;
  now?: () => number;
  /** Graceful stop before SIGKILL. */
  stopGraceMs?: number;
  /** Kills the app's process groups if the app server dies without stopping them. */
  watchdog?: GroupWatchdog;
}

export class WorkerProcess {
  ready = false;
  retiring = false;
  harakiriKilled = false;
  requests: number | null = null;
  /** Thread slot → request start (ms), for harakiri. */
  readonly inflight = new Map<number, number>();
  readonly exited: Promise<void>;
  private markExited!: () => void;
  exitedFlag = false;

  constructor(
    readonly slot: number,
    readonly generation: number,
    readonly spec: LaunchSpec,
    readonly child: ChildProcess,
    readonly startedAt: number,
    /** The process this one replaces (kept serving until this one is ready). */
    public replaces: WorkerProcess | null,
  ) {
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  setExited(): void {
    this.exitedFlag = true;
    this.markExited();
  }

  /** Signals the whole process group (the runtime's master and the workers it forked). */
  signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exitedFlag) return;
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  }
}

export class AppRunner {
  app: App;
  plan: RuntimePlan | null = null;
  readonly procs = new Set<WorkerProcess>();
  restarts = 0;
  reason: string | null = null;
  hint: string | null = null;
  lastStderr: string[] = [];
  startedAt: number | null = null;
  /** The user wants it running (autostart, or apps.start); false after apps.stop. */
  wanted: boolean;
  private failed = false;
  private stopping = false;
  private readonly trackers = new Map<number, RestartTracker>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly restartAt = new Map<number, number>();
  private readonly generations = new Map<number, number>();
  private harakiriTimer: NodeJS.Timeout | null = null;
  private ctx: RuntimeContext | null = null;
  private readonly now: () => number;

  constructor(
    app: App,
    private readonly options: RunnerOptions,
  ) {
    this.app = app;
    this.wanted = app.autostart;
    this.now = options.now ?? Date.now;
  }

  get protocol(): AppProtocol {
    return this.plan?.protocol ?? this.options.runtime.protocol;
  }

  get state(): AppState {
    if (this.failed) return 'failed';
    const live = [...this.procs].filter((p) => !p.exitedFlag);
    if (live.length === 0 && this.timers.size === 0) return 'stopped';
    if (this.stopping) return 'stopped';
    const slots = this.plan?.slots ?? 0;
    const readySlots = new Set(live.filter((p) => p.ready && !p.retiring).map((p) => p.slot));
    if (this.timers.size > 0 && readySlots.size < slots) return 'backoff';
    if (readySlots.size < slots) return 'starting';
    if (live.some((p) => p.retiring || !p.ready)) return 'reloading';
    return 'running';
  }

  nextRestartAt(): number | null {
    const times = [...this.restartAt.values()];
    return times.length === 0 ? null : Math.min(...times);
  }

  /** Where the proxy may send new requests: ready, not retiring. */
  addresses(): string[] {
    const seen = new Set<string>();
    for (const p of [...this.procs].sort((a, b) => a.slot - b.slot)) if (p.ready && !p.retiring && !p.exitedFlag) seen.add(p.spec.address);
    return [...seen];
  }

  async start(): Promise<void> {
    this.wanted = true;
    if (this.procs.size > 0 || this.timers.size > 0) return;
    this.failed = false;
    this.stopping = false;
    this.reason = null;
    this.hint = null;
    this.lastStderr = [];
    this.trackers.clear();
    this.options.log.clearStderr();
    try {
      this.ctx = await this.options.context();
      if (!existsSync(this.app.workingDir) || !statSync(this.app.workingDir).isDirectory()) {
        throw new AppConfigError('BERTH_ERR_APP_WORKDIR', `the working dir ${this.app.workingDir} does not exist`, 'create the folder or fix the app\'s workingDir (an absolute path)');
      }
      this.plan = this.options.runtime.plan(this.app, this.ctx);
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e), e instanceof AppConfigError ? e.hint : null);
      return;
    }
    mkdirSync(this.ctx.runDir, { recursive: true, mode: 0o700 });
    this.startedAt = this.now();
    this.options.log.write('berth', null, `starting ${this.app.runtime} app "${this.app.id}" (${this.plan.slots} process(es))`);
    for (let slot = 0; slot < this.plan.slots; slot++) this.spawnSlot(slot, null);
    if (this.plan.berthWorkers && this.app.harakiriS > 0) {
      this.harakiriTimer = setInterval(() => this.checkHarakiri(), 500);
      this.harakiriTimer.unref();
    }
    this.options.onChange();
  }

  /** Graceful stop: the stop signal, then SIGKILL after the grace period. */
  async stop(userRequested = false): Promise<void> {
    if (userRequested) this.wanted = false;
    this.stopping = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.restartAt.clear();
    if (this.harakiriTimer) clearInterval(this.harakiriTimer);
    this.harakiriTimer = null;
    const grace = this.options.stopGraceMs ?? 3000;
    const procs = [...this.procs];
    for (const p of procs) {
      p.retiring = true;
      p.signal(p.spec.stopSignal);
    }
    this.options.onChange();
    await Promise.all(
      procs.map(async (p) => {
        const timer = setTimeout(() => p.signal('SIGKILL'), grace);
        await p.exited;
        clearTimeout(timer);
      }),
    );
    this.stopping = false;
    this.startedAt = null;
    if (procs.length > 0) this.options.log.write('berth', null, 'stopped');
    this.options.onChange();
  }

  async restart(): Promise<void> {
    await this.stop();
    this.failed = false;
    await this.start();
  }

  /** New workers ready before the old ones retire (`replace`), or the runtime master's reload signal. */
  async reload(): Promise<void> {
    const plan = this.plan;
    if (!plan || this.failed || this.procs.size === 0) return this.restart();
    this.options.log.write('berth', null, 'graceful reload');
    if (plan.reload.kind === 'signal') {
      for (const p of this.procs) if (!p.retiring) p.signal(plan.reload.signal);
      return;
    }
    for (const p of [...this.procs]) if (!p.retiring && p.ready) this.spawnSlot(p.slot, p);
  }

  /** Kills everything now (the app server is exiting and cannot wait). */
  killNow(): void {
    for (const p of this.procs) p.signal('SIGKILL');
  }

  private spawnSlot(slot: number, replaces: WorkerProcess | null): void {
    const plan = this.plan;
    if (!plan || this.stopping || this.failed) return;
    const generation = (this.generations.get(slot) ?? -1) + 1;
    this.generations.set(slot, generation);
    const spec = plan.launch(slot, generation);
    try {
      for (const f of spec.files) {
        mkdirSync(dirname(f.path), { recursive: true, mode: 0o700 });
        writeFileSync(f.path, f.content, { mode: 0o600 });
      }
    } catch (e) {
      this.fail(`could not write ${spec.files.map((f) => f.path).join(', ')}: ${(e as Error).message}`, 'check that the data dir is writable');
      return;
    }
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      // fd 3: Berth's WSGI worker reports readiness, request counts and recycling there.
      stdio: ['ignore', 'pipe', 'pipe', spec.readiness === 'status-fd' ? 'pipe' : 'ignore'],
      // Its own process group: stop/kill reach the runtime's forked workers too.
      detached: true,
    });
    const proc = new WorkerProcess(slot, generation, spec, child, this.now(), replaces);
    this.procs.add(proc);
    const pid = child.pid ?? null;
    if (pid !== null) this.options.watchdog?.add(pid);
    const out = lineSplitter((line) => this.options.log.write('stdout', pid, line));
    const err = lineSplitter((line) => this.options.log.write('stderr', pid, line));
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const status = child.stdio[3];
    if (status && 'on' in status) {
      const lines = lineSplitter((line) => this.onStatus(proc, line));
      status.on('data', (d: Buffer) => lines.push(d));
      status.on('error', () => undefined);
    }
    child.once('error', (e: NodeJS.ErrnoException) => {
      // spawn failures (ENOENT, EACCES) are config errors: restarting cannot fix them.
      if (proc.exitedFlag) return;
      this.procs.delete(proc);
      proc.setExited();
      this.fail(`could not start ${spec.command}: ${e.message}`, e.code === 'ENOENT' ? 'the program does not exist: install it or set the app\'s interpreter to its path' : 'check the program\'s permissions');
    });
    child.once('exit', (code, signal) => {
      // 'exit' can come before the child's last output is read, and onExit takes the failure reason
      // from the stderr lines (a worker's "cannot import …" as it exits 78). 'close' says all stdio
      // is read; forked workers may hold the pipes open, so wait for it a moment at most.
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        out.end();
        err.end();
        this.onExit(proc, code, signal);
      };
      const timer = setTimeout(finish, STDIO_DRAIN_MS);
      child.once('close', finish);
    });
    if (spec.readiness === 'probe') void this.probeUntilReady(proc);
    const verb = replaces ? `replacing pid ${replaces.pid ?? '?'} with` : 'started';
    this.options.log.write('berth', pid, `${verb} pid ${pid ?? '?'} (slot ${slot}) on ${spec.address}`);
  }

  private async probeUntilReady(proc: WorkerProcess): Promise<void> {
    const deadline = this.now() + READY_TIMEOUT_MS;
    while (!proc.exitedFlag && !proc.ready) {
      if (await probeOnce(proc.spec.address, 1000)) {
        if (!proc.exitedFlag) this.markReady(proc);
        return;
      }
      if (this.now() > deadline) {
        this.options.log.write('berth', proc.pid, `not ready within ${READY_TIMEOUT_MS / 1000} s: nothing answers on ${proc.spec.address}; stopping it`);
        proc.signal('SIGKILL');
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private onStatus(proc: WorkerProcess, line: string): void {
    const [word, arg] = line.split(' ');
    switch (word) {
      case 'ready':
        this.markReady(proc);
        break;
      case 'c':
        proc.requests = Number(arg);
        break;
      case 'r':
        if (!proc.retiring && !this.stopping) {
          this.options.log.write('berth', proc.pid, `pid ${proc.pid ?? '?'} served max_requests (${this.app.maxRequests}): recycling`);
          this.spawnSlot(proc.slot, proc);
        }
        break;
      case 'b':
        proc.inflight.set(Number(arg), this.now());
        break;
      case 'e':
        proc.inflight.delete(Number(arg));
        break;
    }
  }

  private markReady(proc: WorkerProcess): void {
    if (proc.ready) return;
    proc.ready = true;
    if (this.state === 'running') this.restartAt.clear();
    const old = proc.replaces;
    proc.replaces = null;
    if (old && !old.exitedFlag) this.retire(old);
    this.options.onChange();
  }

  /** Out of the upstream first, then the graceful stop signal; SIGKILL if it overstays. */
  private retire(old: WorkerProcess): void {
    old.retiring = true;
    this.options.onChange();
    setTimeout(() => {
      old.signal(old.spec.stopSignal);
      const grace = Math.max(10_000, this.app.harakiriS * 1000);
      const timer = setTimeout(() => old.signal('SIGKILL'), grace);
      void old.exited.then(() => clearTimeout(timer));
    }, RETIRE_DELAY_MS);
  }

  private checkHarakiri(): void {
    const limit = this.app.harakiriS * 1000;
    const now = this.now();
    for (const p of this.procs) {
      for (const started of p.inflight.values()) {
        if (now - started > limit && !p.harakiriKilled) {
          p.harakiriKilled = true;
          this.options.log.write('berth', p.pid, `harakiri: a request in pid ${p.pid ?? '?'} ran longer than ${this.app.harakiriS} s; killing the worker`);
          p.signal('SIGKILL');
        }
      }
    }
  }

  private onExit(proc: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.procs.delete(proc);
    const pid = proc.pid;
    if (pid !== null) {
      // The runtime's workers left behind by a master that died (kill -9) go with it.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // the group is already empty
      }
      this.options.watchdog?.remove(pid);
    }
    proc.setExited();
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    this.options.log.write('berth', proc.pid, `pid ${proc.pid ?? '?'} ${how}`);
    if (proc.retiring || this.stopping || this.failed) {
      this.options.onChange();
      return;
    }
    // A replacement that died leaves the old process serving; a dead old one leaves nothing.
    const replaces = proc.replaces && !proc.replaces.exitedFlag ? proc.replaces : null;
    const successor = [...this.procs].find((p) => p.replaces === proc);
    if (successor) {
      // The old one died while its replacement starts: the replacement takes over the slot.
      successor.replaces = null;
      this.options.onChange();
      return;
    }
    if (proc.harakiriKilled) {
      this.spawnSlot(proc.slot, null);
      this.options.onChange();
      return;
    }
    const stderr = this.options.log.lastStderr(10);
    if (code === EX_CONFIG && this.plan?.berthWorkers) {
      this.fail(stderr.join('\n') || `the worker ${how}`, hintFor(stderr, this.app.runtime) ?? 'fix the app\'s entry (module:callable) or working dir');
      return;
    }
    const tracker = this.trackers.get(proc.slot) ?? new RestartTracker(this.options.backoff ?? appBackoff);
    this.trackers.set(proc.slot, tracker);
    const decision = tracker.record(this.now() - proc.startedAt);
    this.reason = `pid ${proc.pid ?? '?'} ${how}`;
    this.lastStderr = stderr;
    if (!decision.restart) {
      this.fail(`crash loop: ${decision.reason}; last error output:\n${stderr.join('\n') || '(none)'}`, hintFor(stderr, this.app.runtime));
      return;
    }
    this.hint = hintFor(stderr, this.app.runtime);
    this.restarts += 1;
    this.restartAt.set(proc.slot, this.now() + decision.delayMs);
    this.options.log.write('berth', null, `restarting slot ${proc.slot} in ${decision.delayMs} ms`);
    this.timers.set(
      proc.slot,
      setTimeout(() => {
        this.timers.delete(proc.slot);
        this.restartAt.delete(proc.slot);
        this.spawnSlot(proc.slot, replaces);
        this.options.onChange();
      }, decision.delayMs),
    );
    this.options.onChange();
  }

  private fail(reason: string, hint: string | null): void {
    this.failed = true;
    this.reason = reason;
    this.hint = hint;
    this.lastStderr = this.options.log.lastStderr(10);
    this.options.log.write('berth', null, `failed: ${reason}${hint ? ` (hint: ${hint})` : ''}`);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.restartAt.clear();
    if (this.harakiriTimer) clearInterval(this.harakiriTimer);
    this.harakiriTimer = null;
    for (const p of this.procs) {
      p.retiring = true;
      p.signal('SIGKILL');
    }
    this.options.onChange();
  }
}
