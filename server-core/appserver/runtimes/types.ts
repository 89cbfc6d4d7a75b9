// One interface for every way of running an app. A runtime turns an app's config into launch
// specs; the app supervisor (app-runner.ts) spawns, probes, restarts and retires them the same way
// for all runtimes.
import type { App } from '../../config/schema.js';
import type { AppProtocol } from '../../contract/apps.js';
import { DATA_MARK_VAR } from '../orphan-reaper.js';

export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** What this process serves: `unix:/path` or `host:port`. */
  address: string;
  /** `status-fd`: Berth's WSGI worker says `ready` on fd 3; `probe`: connect to `address` until it answers. */
  readiness: 'status-fd' | 'probe';
  /** Files written before the spawn (uwsgi ini, php-fpm pool). Mode 0600. */
  files: Array<{ path: string; content: string }>;
  /** Signal for a graceful stop: finish in-flight requests, then exit. */
  stopSignal: NodeJS.Signals;
}

export interface RuntimePlan {
  protocol: AppProtocol;
  /** Processes Berth itself spawns and supervises (slots). */
  slots: number;
  /**
   * The launch spec for a slot; `generation` grows with each replacement (fresh socket names).
   * `port`: the TCP port the runner picked for this process when `picksPorts`, else null.
   */
  launch(slot: number, generation: number, port: number | null): LaunchSpec;
  /**
   * Each process needs a TCP port Berth picks (node, command without a socket): the first ones from
   * `RuntimeContext.ports`, a free one for every replacement, so old and new listen side by side.
   */
  picksPorts: boolean;
  /**
   * Graceful reload: `replace` starts a new process per slot and retires the old one once the new
   * one is ready; `signal` asks the runtime's own master to reload its workers; `restart` stops,
   * then starts (`why`: a second process could not run next to the first, e.g. a fixed TCP port).
   */
  reload: { kind: 'replace' } | { kind: 'signal'; signal: NodeJS.Signals } | { kind: 'restart'; why: string };
  /** The master reports requests, asks for recycling after max_requests and is killed on harakiri (wsgi). */
  berthWorkers: boolean;
  /** Document root for FastCGI SCRIPT_FILENAME (php-fpm: the working dir); '' otherwise. */
  root: string;
  /** uWSGI's stats server: per-worker request counts (uwsgi-stats.ts). */
  statsSocket?: string;
}

export interface RuntimeContext {
  /** `<dataDir>/run/apps/<id>`: sockets, generated ini/pool files, pid files. */
  runDir: string;
  /** Ports Berth picked for this app's first instances (node, command), stable while Berth runs. */
  ports: number[];
  env: NodeJS.ProcessEnv;
  /** Berth's shipped Python worker. */
  wsgiWorkerPath: string;
  isRoot: boolean;
  /** This data dir's mark (orphan-reaper.ts): every app process carries it as BERTH_DATA_MARK. */
  dataMark?: string;
}

export interface Runtime {
  readonly id: App['runtime'];
  readonly protocol: AppProtocol;
  /** How many TCP ports Berth must pick when the app has no socket (node, command). */
  portsNeeded(app: App): number;
  /** Throws AppConfigError (missing interpreter, bad entry) with a hint. */
  plan(app: App, ctx: RuntimeContext): RuntimePlan;
}

/** The environment an app's processes get: Berth's own, then the app's `env`. */
export function appEnv(app: App, ctx: RuntimeContext, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined && !k.startsWith('BERTH_')) env[k] = v;
  // Last, so an app's own env cannot hide it: the next app server reaps orphans by it.
  return { ...env, ...app.env, ...extra, ...(ctx.dataMark ? { [DATA_MARK_VAR]: ctx.dataMark } : {}) };
}

/** `unix:/p` → `/p`; anything else unchanged. */
export function socketPath(address: string): string {
  return address.startsWith('unix:') ? address.slice(5) : address;
}
