// Supervises one app: spawns its processes (slots) from the runtime's plan, waits for readiness,
// restarts crashes with exponential backoff and gives up into `failed` (crash loop), replaces
// workers gracefully (reload, max_requests recycling: the new one is ready before the old one
// retires) and kills a worker whose request outlives harakiri.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { App } from '../config/schema.js';
import type { AppProtocol, AppReloadStyle, AppState } from '../contract/apps.js';
import { RestartTracker, type BackoffPolicy } from '../supervisor/backoff.js';
import { findFreePort } from '../supervisor/ports.js';
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
    /** The TCP port Berth picked for it (node, command), else null. */
    readonly port: number | null,
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

  /** The OS process has not ended (its 'exit' may not be handled yet: `exitedFlag` waits for stdio). */
  get alive(): boolean {
    return !this.exitedFlag && this.child.exitCode === null && this.child.signalCode === null;
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

  /** What reload() does to the running app; before its first start there is no plan, and reload() starts it. */
  get reloadStyle(): AppReloadStyle {
    return this.plan?.reload.kind ?? 'restart';
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
    const ports = this.plan.picksPorts ? this.ctx.ports : [];
    for (let slot = 0; slot < this.plan.slots; slot++) this.spawnSlot(slot, null, ports[slot] ?? null);
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

  /**
   * New workers ready before the old ones retire (`replace`), the runtime master's reload signal,
   * or stop-then-start when a second process cannot run next to the first (`restart`).
   */
  async reload(): Promise<void> {
    // A stop under way: a user's stop stays stopped, a restart's start loads the current code.
    if (this.stopping) return;
    const plan = this.plan;
    if (!plan || this.failed || this.procs.size === 0) return this.restart();
    if (plan.reload.kind === 'restart') {
      this.options.log.write('berth', null, `reload: ${plan.reload.why}: stopping, then starting`);
      return this.restart();
    }
    this.options.log.write('berth', null, 'graceful reload');
    if (plan.reload.kind === 'signal') {
      for (const p of this.procs) if (!p.retiring) p.signal(plan.reload.signal);
      return;
    }
    let ports: number[];
    try {
      ports = plan.picksPorts ? await this.freshPorts(plan.slots) : [];
    } catch (e) {
      this.options.log.write('berth', null, `reload: no free port: ${(e as Error).message}; the running processes keep serving`);
      return;
    }
    if (this.plan !== plan || this.stopping || this.failed) return;
    // From here on synchronous, so an overlapping reload sees these replacements.
    const live = [...this.procs].filter((p) => !p.retiring && !p.exitedFlag);
    for (const p of live) {
      // A slot waiting for its crash restart gets the current code from that spawn.
      if (!p.ready || this.timers.has(p.slot)) continue;
      // A replacement still starting runs code older than this reload's: it goes, a new one comes.
      for (const pending of live) {
        if (pending.replaces !== p) continue;
        pending.replaces = null;
        this.options.log.write('berth', pending.pid, `pid ${pending.pid ?? '?'} was not ready yet: superseded by the newer reload`);
        this.retire(pending);
      }
      this.spawnSlot(p.slot, p, plan.picksPorts ? (ports[p.slot] ?? null) : null);
    }
  }

  /**
   * One free port per slot for the replacements: none the app's processes (or its first ports)
   * hold, so the new process never binds the old one's port (EADDRINUSE) and the readiness probe
   * can only be answered by the new process itself.
   */
  private async freshPorts(n: number): Promise<number[]> {
    const taken = new Set<number>([...(this.ctx?.ports ?? [])]);
    for (const p of this.procs) if (p.port !== null) taken.add(p.port);
    const ports: number[] = [];
    for (let attempt = 0; ports.length < n; attempt++) {
      if (attempt >= n * 20) throw new Error(`found ${ports.length} of ${n} ports`);
      const port = await findFreePort();
      if (taken.has(port)) continue;
      taken.add(port);
      ports.push(port);
    }
    return ports;
  }

  /** Kills everything now (the app server is exiting and cannot wait). */
  killNow(): void {
    for (const p of this.procs) p.signal('SIGKILL');
  }

  /** `port`: the TCP port for the new process when the plan `picksPorts` (never the one `replaces` holds). */
  private spawnSlot(slot: number, replaces: WorkerProcess | null, port: number | null): void {
    const plan = this.plan;
    if (!plan || this.stopping || this.failed) return;
    const generation = (this.generations.get(slot) ?? -1) + 1;
    this.generations.set(slot, generation);
    const spec = plan.launch(slot, generation, port);
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
    const proc = new WorkerProcess(slot, generation, spec, port, child, this.now(), replaces);
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
    while (proc.alive && !proc.ready && !proc.retiring) {
      // The process's own address (its own port or socket): only it can answer there.
      if (await probeOnce(proc.spec.address, 1000)) {
        if (proc.alive) this.markReady(proc);
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
          // Berth's WSGI workers: unix sockets named by generation, no TCP port to pick.
          this.spawnSlot(proc.slot, proc, null);
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
    // A superseded replacement (retiring) never takes the routes.
    if (proc.ready || proc.retiring) return;
    proc.ready = true;
    if (this.state === 'running') this.restartAt.clear();
    const old = proc.replaces;
    proc.replaces = null;
    if (old && !old.exitedFlag && !old.retiring) this.retire(old);
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
      this.spawnSlot(proc.slot, null, proc.port);
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
        // Its own port again (the process is gone); never the one `replaces` still serves on.
        this.spawnSlot(proc.slot, replaces, proc.port);
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
