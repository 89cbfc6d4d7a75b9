// Starts the stack's children, watches them, restarts crashed ones with backoff, pushes config,
// and stops them all on shutdown. Knows nothing about HTTP or SQLite: it reports through callbacks.
import type { BerthConfig } from '../config/schema.js';
import type { ChildExit, ChildRole, ChildState, ChildStatus, EventKind, EventLevel } from '../contract/api.js';
import type { ChildToSupervisor, RuntimeSettings } from '../contract/ipc.js';
import { BerthError } from '../errors.js';
import { RestartTracker, defaultBackoff, type BackoffPolicy } from './backoff.js';
import { ConfigOutcomeWaiters, type ConfigOutcome } from './config-outcomes.js';
import type { ChildHandle, ChildLauncher } from './child-launcher.js';

export interface ChildDefinition {
  id: string;
  role: ChildRole;
  modulePath: string;
  args?: string[];
  /** Node/V8 flags for this child's runtime (proxy-workers.ts: how a proxy worker collects garbage). */
  execArgv?: string[];
}

export interface NewEvent {
  level: EventLevel;
  kind: EventKind;
  child: string | null;
  message: string;
}

export interface SupervisorOptions {
  launcher: ChildLauncher;
  children: ChildDefinition[];
  runtime: RuntimeSettings;
  /** The config the children must run (read at every spawn, so a restarted child gets the newest). */
  currentConfig: () => { version: number; config: BerthConfig };
  emit: (event: NewEvent) => void;
  /** Child stdout/stderr lines and `log` messages. */
  onOutput?: (childId: string, stream: 'stdout' | 'stderr' | 'log', line: string) => void;
  /** Any change visible in `status()`. */
  onChange?: () => void;
  /** Data a child publishes (metrics, log lines…), by topic. */
  onPublish?: (childId: string, topic: string, data: unknown) => void;
  /**
   * Called right before a child gets `init` or `config`, with what it will run: the stack passes
   * the proxy workers their listening sockets here (supervisor/listener-owner.ts).
   */
  prepareChild?: (def: ChildDefinition, handle: ChildHandle, config: BerthConfig, runtime: RuntimeSettings) => void;
  /**
   * Methods children may call (a child's `request`, answered with a `response` of the same id), e.g.
   * `rate-limit.take` for the proxy workers' shared limit_req zone. A thrown BerthError's code travels back.
   */
  childRequests?: Record<string, (params: unknown, childId: string) => unknown>;
  backoff?: BackoffPolicy;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  startTimeoutMs?: number;
  now?: () => number;
}

const STDERR_KEEP = 20;

class ManagedChild {
  handle: ChildHandle | null = null;
  state: ChildState = 'stopped';
  startedAt: number | null = null;
  restarts = 0;
  lastExit: ChildExit | null = null;
  lastError: string | null = null;
  nextRestartAt: number | null = null;
  detail: Record<string, unknown> = {};
  fatal = false;
  stopping = false;
  readyTimer: NodeJS.Timeout | null = null;
  restartTimer: NodeJS.Timeout | null = null;
  recentStderr: string[] = [];
  pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  exitWaiters: Array<() => void> = [];
  readonly configWaiters: ConfigOutcomeWaiters;
  readonly tracker: RestartTracker;

  constructor(
    readonly def: ChildDefinition,
    policy: BackoffPolicy,
  ) {
    this.tracker = new RestartTracker(policy);
    this.configWaiters = new ConfigOutcomeWaiters(def.id);
  }
}

export class Supervisor {
  private readonly children: ManagedChild[];
  private readonly now: () => number;
  private runtime: RuntimeSettings;
  private stopped = false;
  private nextRequestId = 1;
  private startupWaiters: Array<() => void> = [];

  constructor(private readonly options: SupervisorOptions) {
    this.now = options.now ?? Date.now;
    this.runtime = options.runtime;
    this.children = options.children.map((d) => new ManagedChild(d, options.backoff ?? defaultBackoff));
  }

  /** Spawns every child; resolves once all report ready, rejects if one fails for good during startup. */
  async start(): Promise<void> {
    for (const c of this.children) this.spawn(c);
    const deadline = this.now() + (this.options.startTimeoutMs ?? 30_000);
    for (;;) {
      if (this.stopped) throw new BerthError('BERTH_ERR_STOPPED', 'the stack was stopped while starting');
      const failed = this.children.find((c) => c.state === 'failed');
      if (failed) {
        throw new BerthError('BERTH_ERR_CHILD_FAILED', `${failed.def.id} could not start: ${failed.lastError ?? 'unknown error'}`);
      }
      if (this.children.every((c) => c.state === 'running')) return;
      const left = deadline - this.now();
      if (left <= 0) {
        const waiting = this.children.filter((c) => c.state !== 'running').map((c) => `${c.def.id} (${c.state})`);
        throw new BerthError('BERTH_ERR_START_TIMEOUT', `children not ready in time: ${waiting.join(', ')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.startupWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  status(): ChildStatus[] {
    const now = this.now();
    return this.children.map((c) => ({
      id: c.def.id,
      role: c.def.role,
      pid: c.handle?.pid ?? null,
      state: c.state,
      startedAt: c.startedAt === null ? null : new Date(c.startedAt).toISOString(),
      uptimeMs: c.startedAt !== null && c.handle ? Math.max(0, now - c.startedAt) : 0,
      restarts: c.restarts,
      lastExit: c.lastExit,
      lastError: c.lastError,
      nextRestartAt: c.nextRestartAt === null ? null : new Date(c.nextRestartAt).toISOString(),
      detail: c.detail,
    }));
  }

  /**
   * Sends a new config to every live child; a child that failed for good gets another chance with it.
   * With `confirm`, resolves with what each live child of that role did with it (config-outcomes.ts).
   */
  pushConfig(version: number, config: BerthConfig, runtime: RuntimeSettings = this.runtime, confirm?: { role: ChildRole; timeoutMs: number }): Promise<ConfigOutcome[]> {
    this.runtime = runtime;
    const outcomes: Array<Promise<ConfigOutcome>> = [];
    for (const c of this.children) {
      if (c.handle && (c.state === 'running' || c.state === 'starting')) {
        this.options.prepareChild?.(c.def, c.handle, config, runtime);
        // Waiting starts before the send: the answer cannot come first.
        // Only running children: a starting one answers its init first, and takes the newest config then.
        if (confirm && c.def.role === confirm.role && c.state === 'running') outcomes.push(c.configWaiters.wait(version, confirm.timeoutMs));
        c.handle.send({ type: 'config', configVersion: version, config, runtime });
      } else if (c.state === 'failed' && !this.stopped) {
        c.tracker.reset();
        c.fatal = false;
        c.restarts += 1;
        this.spawn(c);
      }
    }
    return Promise.all(outcomes);
  }

  /**
   * Calls `method` in a running child and resolves with its result. Rejects with a BerthError
   * (the child's code) on an error answer, when the child is not running, exits, or times out.
   */
  request(childId: string, method: string, params: unknown, timeoutMs = 10_000): Promise<unknown> {
    const c = this.children.find((x) => x.def.id === childId);
    if (!c?.handle || c.state !== 'running') {
      return Promise.reject(new BerthError('BERTH_ERR_CHILD_UNAVAILABLE', `${childId} is not running${c ? ` (${c.state})` : ''}`));
    }
    const id = this.nextRequestId++;
    const handle = c.handle;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        c.pending.delete(id);
        reject(new BerthError('BERTH_ERR_CHILD_TIMEOUT', `${childId} did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      c.pending.set(id, { resolve, reject, timer });
      handle.send({ type: 'request', id, method, params });
    });
  }

  /** One-way news for every running child with that role. */
  notify(role: ChildRole, topic: string, data: unknown): void {
    for (const c of this.children) {
      if (c.def.role === role && c.handle && c.state === 'running') c.handle.send({ type: 'notify', topic, data });
    }
  }

  /** Asks every child to stop, waits for them (killing any that overstay), and resolves when none is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    const timeoutMs = this.options.stopTimeoutMs ?? 5000;
    await Promise.all(
      this.children.map(async (c) => {
        c.stopping = true;
        if (c.restartTimer) clearTimeout(c.restartTimer);
        c.restartTimer = null;
        c.nextRestartAt = null;
        const handle = c.handle;
        if (!handle) {
          c.state = 'stopped';
          return;
        }
        c.state = 'stopping';
        this.changed();
        const gone = new Promise<void>((resolve) => c.exitWaiters.push(resolve));
        handle.send({ type: 'shutdown' });
        const timer = setTimeout(() => handle.kill(), timeoutMs);
        await gone;
        clearTimeout(timer);
      }),
    );
  }

  private spawn(c: ManagedChild): void {
    const { version, config } = this.options.currentConfig();
    c.state = 'starting';
    c.fatal = false;
    c.nextRestartAt = null;
    c.startedAt = this.now();
    c.detail = {};
    let handle: ChildHandle;
    try {
      handle = this.options.launcher.launch({
        id: c.def.id,
        role: c.def.role,
        modulePath: c.def.modulePath,
        args: c.def.args ?? [],
        env: { BERTH_CHILD_ID: c.def.id },
        execArgv: c.def.execArgv ?? [],
      });
    } catch (e) {
      this.onExit(c, null, null, `could not be spawned: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    c.handle = handle;
    handle.onOutput((stream, line) => {
      if (stream === 'stderr') {
        c.recentStderr.push(line);
        if (c.recentStderr.length > STDERR_KEEP) c.recentStderr.shift();
      }
      this.options.onOutput?.(c.def.id, stream, line);
    });
    handle.onMessage((m) => this.onMessage(c, m));
    handle.onExit((code, signal) => this.onExit(c, code, signal));
    this.options.prepareChild?.(c.def, handle, config, this.runtime);
    handle.send({ type: 'init', role: c.def.role, id: c.def.id, runtime: this.runtime, configVersion: version, config });
    c.readyTimer = setTimeout(() => {
      c.lastError = `did not report ready within ${Math.round((this.options.readyTimeoutMs ?? 15_000) / 1000)} s`;
      handle.kill();
    }, this.options.readyTimeoutMs ?? 15_000);
    const restart = c.restarts > 0 ? `, restart #${c.restarts}` : '';
    this.options.emit({ level: 'info', kind: 'child-started', child: c.def.id, message: `started ${c.def.id} (pid ${handle.pid ?? '?'}${restart})` });
    this.changed();
  }

  private onMessage(c: ManagedChild, m: ChildToSupervisor): void {
    switch (m.type) {
      case 'ready':
        if (c.readyTimer) clearTimeout(c.readyTimer);
        c.readyTimer = null;
        c.state = 'running';
        c.detail = m.detail;
        c.lastError = null;
        this.options.emit({ level: 'info', kind: 'child-ready', child: c.def.id, message: `${c.def.id} is ready` });
        break;
      case 'detail':
        c.detail = { ...c.detail, ...m.detail };
        break;
      case 'config-applied':
        c.detail = { ...c.detail, configVersion: m.configVersion };
        c.configWaiters.applied(m.configVersion);
        break;
      case 'config-rejected':
        c.configWaiters.rejected(m.configVersion, m.message);
        this.options.emit({ level: 'error', kind: 'child-error', child: c.def.id, message: `${c.def.id} kept its previous config: ${m.message}` });
        break;
      case 'log':
        this.options.onOutput?.(c.def.id, 'log', `${m.level}: ${m.message}`);
        if (m.level === 'error') this.options.emit({ level: 'error', kind: 'child-error', child: c.def.id, message: m.message });
        break;
      case 'fatal':
        c.fatal = true;
        c.lastError = m.message;
        break;
      case 'response': {
        const waiter = c.pending.get(m.id);
        if (!waiter) return;
        c.pending.delete(m.id);
        clearTimeout(waiter.timer);
        if (m.error) waiter.reject(new BerthError(m.error.code, m.error.message));
        else waiter.resolve(m.result);
        return;
      }
      case 'publish':
        this.options.onPublish?.(c.def.id, m.topic, m.data);
        return;
      case 'request':
        this.answerChild(c, m.id, m.method, m.params);
        return;
    }
    this.changed();
  }

  /** Runs a child's request and sends the answer to the same process (not to a restarted successor). */
  private answerChild(c: ManagedChild, id: number, method: string, params: unknown): void {
    const handle = c.handle;
    const handlers = this.options.childRequests;
    const fail = (e: unknown): void => {
      const code = typeof (e as { code?: unknown } | null)?.code === 'string' ? (e as { code: string }).code : 'BERTH_ERR_INTERNAL';
      handle?.send({ type: 'response', id, error: { code, message: e instanceof Error ? e.message : String(e) } });
    };
    const handler = handlers && Object.hasOwn(handlers, method) ? handlers[method] : undefined;
    if (!handler) return fail(new BerthError('BERTH_ERR_UNKNOWN_METHOD', `the supervisor has no method '${method}'`));
    try {
      const result = handler(params, c.def.id);
      // Synchronous answers (the rate-limit zone) go out in the same turn: no promise on that path.
      if (result instanceof Promise) result.then((r: unknown) => handle?.send({ type: 'response', id, result: r }), fail);
      else handle?.send({ type: 'response', id, result });
    } catch (e) {
      fail(e);
    }
  }

  private onExit(c: ManagedChild, code: number | null, signal: string | null, spawnError?: string): void {
    if (c.readyTimer) clearTimeout(c.readyTimer);
    c.readyTimer = null;
    const pid = c.handle?.pid;
    c.handle = null;
    c.configWaiters.gone();
    for (const [id, waiter] of c.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new BerthError('BERTH_ERR_CHILD_EXITED', `${c.def.id} exited before answering`));
      c.pending.delete(id);
    }
    const runMs = c.startedAt === null ? 0 : this.now() - c.startedAt;
    c.lastExit = { code, signal, at: new Date(this.now()).toISOString() };
    const how = spawnError ?? (signal ? `was killed by ${signal}` : `exited with code ${code}`);
    const waiters = c.exitWaiters.splice(0);
    if (c.stopping || this.stopped) {
      c.state = 'stopped';
      c.startedAt = null;
      for (const w of waiters) w();
      this.changed();
      return;
    }
    if (spawnError) c.lastError = spawnError;
    if (c.fatal) {
      this.fail(c, `${c.def.id} (pid ${pid ?? '?'}) stopped: ${c.lastError ?? how}`);
      return;
    }
    const decision = c.tracker.record(runMs);
    if (!decision.restart) {
      const stderr = c.recentStderr.slice(-5).join('\n');
      c.lastError = `${decision.reason}; last error output:\n${stderr || '(none)'}`;
      this.fail(c, `${c.def.id} is crash-looping and was not restarted: ${decision.reason}`);
      return;
    }
    c.state = 'backoff';
    c.nextRestartAt = this.now() + decision.delayMs;
    this.options.emit({
      level: 'warn',
      kind: 'child-exited',
      child: c.def.id,
      message: `${c.def.id} (pid ${pid ?? '?'}) ${how}; restarting in ${decision.delayMs} ms`,
    });
    c.restartTimer = setTimeout(() => {
      c.restartTimer = null;
      if (this.stopped) return;
      c.restarts += 1;
      this.options.emit({ level: 'info', kind: 'child-restarting', child: c.def.id, message: `restarting ${c.def.id}` });
      this.spawn(c);
    }, decision.delayMs);
    this.changed();
  }

  private fail(c: ManagedChild, message: string): void {
    c.state = 'failed';
    c.startedAt = null;
    this.options.emit({ level: 'error', kind: 'child-failed', child: c.def.id, message });
    this.changed();
  }

  private changed(): void {
    for (const w of this.startupWaiters.splice(0)) w();
    this.options.onChange?.();
  }
}
