// How many proxy workers a run gets, and how they share the listening sockets:
//   - headless (child_process): one per core by default; the supervisor binds each socket once and
//     passes it to every worker (listener-owner.ts);
//   - Electron (utilityProcess cannot receive handles): each worker binds with SO_REUSEPORT, which
//     Node offers from 22.12 and the kernel balances on Linux; elsewhere one worker.
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BerthConfig } from '../config/schema.js';
import type { RuntimeSettings } from '../contract/ipc.js';
import { listenPlan } from '../proxy/listen-plan.js';
import { SHARED_RATE_LIMIT_ARG } from '../proxy/access/shared-rate-limits.js';
import type { ChildHandle, ChildLauncher } from './child-launcher.js';
import { ListenerOwner } from './listener-owner.js';
import type { ChildDefinition } from './supervisor.js';

export type ListenerSharing = 'handles' | 'reuse-port' | 'single';

export interface ProxyWorkerPlan {
  count: number;
  sharing: ListenerSharing;
  /** Why fewer workers than asked for, if so (logged once). */
  note?: string;
}

/** The most workers a run accepts (`--proxy-workers`). */
export const MAX_PROXY_WORKERS = 64;

export function planProxyWorkers(
  requested: number | undefined,
  launcher: Pick<ChildLauncher, 'passesHandles'>,
  env: { nodeVersion: string; platform: NodeJS.Platform; cores: number } = { nodeVersion: process.versions.node, platform: process.platform, cores: availableParallelism() },
): ProxyWorkerPlan {
  const wanted = Math.max(1, Math.min(MAX_PROXY_WORKERS, requested ?? env.cores));
  if (wanted === 1) return { count: 1, sharing: 'single' };
  if (launcher.passesHandles && ListenerOwner.supported()) return { count: wanted, sharing: 'handles' };
  if (env.platform === 'linux' && versionAtLeast(env.nodeVersion, 22, 12)) return { count: wanted, sharing: 'reuse-port' };
  return { count: 1, sharing: 'single', note: `one proxy worker: this runtime cannot pass listening sockets to workers and Node ${env.nodeVersion} on ${env.platform} has no SO_REUSEPORT listen option (Node ≥ 22.12 on Linux)` };
}

/**
 * Node/V8 flags a proxy worker runs with. `--no-parallel-scavenge`: a worker allocates ~12 KiB per
 * proxied request, so V8 sweeps its young generation every few tens of milliseconds, and every
 * request in flight on the worker waits for the sweep. By default V8 splits each sweep over helper
 * threads and waits for all of them; with one worker per core those helpers queue for a core behind
 * the workers themselves (and the upstream, and the client). Measured under `npm run bench:proxy`
 * on 2 cores, 5 s windows per worker: 33–43 % of sweeps took over 1 ms (mean 1.0–1.2 ms, up to
 * 6 ms) with helpers, 2–6 % (mean 0.45–0.7 ms) on the worker's own thread. Old-generation marking
 * keeps its concurrent helpers (rare, and incremental anyway).
 */
export const PROXY_WORKER_FLAGS: readonly string[] = ['--no-parallel-scavenge'];

export function proxyWorkerDefinitions(plan: ProxyWorkerPlan, serverCoreDist: string): ChildDefinition[] {
  const modulePath = join(serverCoreDist, 'proxy', 'worker.js');
  const args = plan.sharing === 'reuse-port' ? ['--reuse-port'] : [];
  // Several workers: limit_req buckets live in the supervisor, shared like nginx's limit_req_zone
  // (proxy/access/shared-rate-limits.ts). One worker keeps them in-process: exact and no IPC.
  if (plan.count > 1) args.push(SHARED_RATE_LIMIT_ARG);
  return Array.from({ length: plan.count }, (_, i) => ({ id: `proxy-${i + 1}`, role: 'proxy' as const, modulePath, args, execArgv: [...PROXY_WORKER_FLAGS] }));
}

/**
 * What every proxy worker gets before its `init` and each `config`: the TLS session ticket keys
 * (one set per run, so a session resumes on any worker) and, when sharing by handles, the bound
 * sockets of the ports that config needs.
 */
export class ProxyWorkerFeed {
  private readonly owner: ListenerOwner | null;
  private readonly ticketKeys = randomBytes(48).toString('base64');
  private readonly keyed = new WeakSet<ChildHandle>();

  constructor(sharing: ListenerSharing) {
    this.owner = sharing === 'handles' ? new ListenerOwner() : null;
  }

  prepare(handle: ChildHandle, config: BerthConfig, runtime: RuntimeSettings): void {
    if (!this.keyed.has(handle)) {
      this.keyed.add(handle);
      handle.send({ type: 'notify', topic: 'tls-ticket-keys', data: this.ticketKeys });
    }
    if (!this.owner) return;
    this.owner.reconcile(
      listenPlan(config, runtime).map((p) => p.port),
      runtime.bindAddresses,
    );
    this.owner.sendTo(handle);
  }

  close(): void {
    this.owner?.closeAll();
  }
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}
