// The whole core, started the same way by `berth serve` and by the Electron main process:
// store → first run → admin API → supervisor and its children → admin.json.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startAdminServer, type AdminServer } from './admin/server.js';
import type { AdminBackend, ApplyResult } from './admin/backend.js';
import { DEMO_SITE_NAME, seedFirstRun } from './config/first-run.js';
import type { BerthConfig } from './config/schema.js';
import { validateConfig, type ValidationContext } from './config/validate.js';
import { CertStore } from './certs/cert-store.js';
import type { ConfigVersionSummary, StatusResponse, SupervisorEvent, WsServerMessage } from './contract/api.js';
import type { RuntimeSettings } from './contract/ipc.js';
import { assetsDir, dataPaths, rendererDist, serverCoreDist } from './paths.js';
import { Telemetry } from './metrics/telemetry.js';
import { openStore, type Store } from './store/database.js';
import { claimDataDir, removeAdminJson, writeAdminJson } from './supervisor/admin-json.js';
import type { ChildLauncher } from './supervisor/child-launcher.js';
import { findFreePort } from './supervisor/ports.js';
import type { ConfigOutcome } from './supervisor/config-outcomes.js';
import { Supervisor, type ChildDefinition, type NewEvent } from './supervisor/supervisor.js';
import { planProxyWorkers, proxyWorkerDefinitions, ProxyWorkerFeed, type ProxyWorkerPlan } from './supervisor/proxy-workers.js';
import { RateLimitZone } from './proxy/access/rate-limit-zone.js';
import { RATE_LIMIT_TAKE } from './proxy/access/shared-rate-limits.js';
import { BERTH_VERSION } from './version.js';

export const DEFAULT_ADMIN_PORT = 7700;
/** How long an apply waits for the proxy workers to answer (they bind ports, load certificates). */
const APPLY_CONFIRM_MS = 10_000;

export interface StackOptions {
  dataDir: string;
  launcher: ChildLauncher;
  mode: 'headless' | 'electron';
  /** Default 7700, moving to the next free port if taken; an explicit port is honoured or fails; 0 = any. */
  adminPort?: number;
  /** Override the config's ports for this run (not saved). 0 = any free port. */
  httpPort?: number;
  httpsPort?: number;
  /** Addresses the proxy binds. Default loopback (IPv4 and IPv6). */
  bindAddresses?: string[];
  /** Proxy worker processes. Default: one per core (supervisor/proxy-workers.ts says when it is fewer). */
  proxyWorkers?: number;
  /** Human-readable log lines (the CLI prints them). */
  log?: (line: string) => void;
}

export interface Stack {
  adminUrl: string;
  /** The admin URL with the token: opening it logs the browser in. */
  dashboardUrl: string;
  token: string;
  dataDir: string;
  status(): StatusResponse;
  /** The config version now applied. */
  currentConfig(): BerthConfig;
  onEvent(listener: (event: SupervisorEvent) => void): () => void;
  stop(): Promise<void>;
}

function childDefinitions(proxies: ProxyWorkerPlan): ChildDefinition[] {
  return [
    ...proxyWorkerDefinitions(proxies, serverCoreDist),
    { id: 'appserver', role: 'appserver', modulePath: join(serverCoreDist, 'appserver', 'main.js') },
    { id: 'certs', role: 'certs', modulePath: join(serverCoreDist, 'certs', 'main.js') },
  ];
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const paths = dataPaths(options.dataDir);
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.logDir, { recursive: true });
  claimDataDir(paths.adminJson);
  const logFile = join(paths.logDir, 'berth.log');
  const log = (line: string): void => {
    options.log?.(line);
    try {
      appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    } catch {
      // The log file is a convenience; the console line above already went out.
    }
  };

  const store: Store = openStore(paths.dataDir);
  const cleanups: Array<() => Promise<void> | void> = [() => store.close()];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };

  try {
    if (seedFirstRun(store.config, paths.sitesDir, assetsDir)) {
      log(`first run: created the demo site ${DEMO_SITE_NAME} in ${paths.sitesDir}`);
    }
    const first = store.config.current();
    if (first === null) throw new Error('the first config version was not stored');

    const portOverrides = {
      http: options.httpPort === 0 ? await findFreePort() : options.httpPort,
      https: options.httpsPort === 0 ? await findFreePort() : options.httpsPort,
    };
    const runtimeFor = (config: BerthConfig): RuntimeSettings => ({
      dataDir: paths.dataDir,
      logDir: paths.logDir,
      httpPort: portOverrides.http ?? config.settings.httpPort,
      httpsPort: portOverrides.https ?? config.settings.httpsPort,
      bindAddresses: options.bindAddresses ?? ['127.0.0.1', '::1'],
    });

    const listeners = new Set<(m: WsServerMessage) => void>();
    const broadcast = (m: WsServerMessage): void => {
      for (const l of listeners) l(m);
    };
    const eventListeners = new Set<(e: SupervisorEvent) => void>();
    const record = (e: NewEvent): void => {
      const event = store.events.append({ ...e, at: new Date().toISOString() });
      log(`${event.level}: ${event.message}`);
      for (const l of eventListeners) l(event);
      broadcast({ type: 'event', event });
    };

    // Per-second metrics from the proxy workers → SQLite roll-ups + live WS; log lines → WS.
    const telemetry = new Telemetry(store.db, {
      broadcast,
      onBurst: (site, errors, requests) =>
        record({ level: 'warn', kind: 'http-5xx-burst', child: null, message: `site ${site}: ${errors} of ${requests} requests answered 5xx within one second` }),
      onBadPayload: (child, topic) => log(`${child} sent a malformed ${topic} message; ignored`),
    });
    telemetry.start();
    cleanups.push(() => telemetry.stop());

    const startedAt = Date.now();
    const token = randomBytes(32).toString('base64url');
    let admin: AdminServer | null = null;

    // The last `apps-updated` routes, re-sent to a proxy worker that (re)starts after the app server published.
    let lastAppRoutes: unknown = null;
    eventListeners.add((e) => {
      if (e.kind === 'child-ready' && e.child?.startsWith('proxy') && lastAppRoutes !== null) supervisor.notify('proxy', 'apps-updated', lastAppRoutes);
    });
    const proxyPlan = planProxyWorkers(options.proxyWorkers, options.launcher);
    if (proxyPlan.note) log(proxyPlan.note);
    const proxyFeed = new ProxyWorkerFeed(proxyPlan.sharing);
    // limit_req buckets shared by all proxy workers, like nginx's limit_req_zone (used with 2+ workers).
    const rateLimitZone = new RateLimitZone();
    const supervisor = new Supervisor({
      launcher: options.launcher,
      children: childDefinitions(proxyPlan),
      childRequests: { [RATE_LIMIT_TAKE]: (params) => rateLimitZone.take(params) },
      prepareChild: (def, handle, config, runtime) => {
        if (def.role === 'proxy') proxyFeed.prepare(handle, config, runtime);
      },
      runtime: runtimeFor(first.config),
      currentConfig: () => {
        const c = store.config.current();
        if (c === null) throw new Error('no config stored');
        return { version: c.version, config: c.config };
      },
      emit: record,
      onOutput: (id, stream, line) => log(`[${id}${stream === 'stderr' ? ' stderr' : ''}] ${line}`),
      onChange: () => scheduleStatus(),
      onPublish: (id, topic, data) => {
        // The cert service changed certificates: the proxy workers reload their SNI contexts.
        if (topic === 'certs-updated') supervisor.notify('proxy', 'certs-updated', data);
        // The app server's running apps and their sockets: the proxy workers route `app` locations by it.
        if (topic === 'apps-updated') {
          lastAppRoutes = data;
          supervisor.notify('proxy', 'apps-updated', data);
        }
        telemetry.handlePublish(id, topic, data);
      },
    });

    const status = (): StatusResponse => {
      const current = store.config.current();
      const runtime = runtimeFor(current?.config ?? first.config);
      return {
        berth: { version: BERTH_VERSION, pid: process.pid, startedAt: new Date(startedAt).toISOString(), uptimeMs: Date.now() - startedAt, dataDir: paths.dataDir, mode: options.mode },
        admin: { url: admin?.url ?? '' },
        proxy: { httpPort: runtime.httpPort, httpsPort: runtime.httpsPort },
        config: { version: current?.version ?? 0, appliedAt: current?.appliedAt ?? '' },
        children: supervisor.status(),
      };
    };

    // Status goes out on every change (coalesced) and once a second while anyone listens, for uptimes.
    let statusTimer: NodeJS.Timeout | null = null;
    function scheduleStatus(): void {
      if (statusTimer || listeners.size === 0) return;
      statusTimer = setTimeout(() => {
        statusTimer = null;
        broadcast({ type: 'status', status: status() });
      }, 50);
    }
    const ticker = setInterval(() => {
      if (listeners.size > 0) broadcast({ type: 'status', status: status() });
    }, 1000);
    ticker.unref();
    cleanups.push(() => clearInterval(ticker));

    const push = (version: number, config: BerthConfig): Promise<ConfigOutcome[]> => {
      rateLimitZone.retain(new Set(config.sites.map((site) => site.id)));
      return supervisor.pushConfig(version, config, runtimeFor(config), { role: 'proxy', timeoutMs: APPLY_CONFIRM_MS });
    };

    /**
     * Stores a valid config as a new version and waits for the proxy workers' answers. One that
     * refuses it keeps its previous config whole (a port it cannot bind, say); then the previous
     * config is pushed and stored again, so the current version is always the one serving.
     */
    // Read from the disk as the proxy reads the certificates (tls/sni-store.ts), so it needs no running cert service.
    const certStore = new CertStore(paths.certsDir);
    const validationContext = async (): Promise<ValidationContext> => ({ certificateIds: await certStore.ids() });

    const applyValidated = async (input: unknown, source: ConfigVersionSummary['source'], note: string): Promise<ApplyResult> => {
      const result = validateConfig(input, await validationContext());
      if (!result.ok) return result;
      const previous = store.config.current();
      const version = store.config.apply(result.config, source, note);
      const outcomes = await push(version.version, result.config);
      // Workers refusing for the same reason are named together: "proxy-1, proxy-2: port … in use".
      const byReason = new Map<string, string[]>();
      for (const o of outcomes) if (o.outcome === 'rejected') byReason.set(o.message, [...(byReason.get(o.message) ?? []), o.child]);
      const refusals = [...byReason].map(([reason, children]) => `${children.join(', ')}: ${reason}`);
      if (refusals.length === 0) {
        record({ level: 'info', kind: source === 'restore' ? 'config-restored' : 'config-applied', child: null, message: `config version ${version.version} applied${note ? `: ${note}` : ''}` });
        return { ok: true, version };
      }
      const message = refusals.join('; ');
      // Undone only while it is still the newest: a later apply made meanwhile stands.
      let restored: number | null = null;
      if (previous !== null && store.config.current()?.version === version.version) {
        restored = store.config.apply(previous.config, 'restore', `version ${version.version} refused by the proxy; version ${previous.version} restored`).version;
        void push(restored, previous.config);
      }
      record({ level: 'error', kind: 'config-refused', child: null, message: `config version ${version.version} was refused by the proxy (${message})${restored === null ? '' : `; version ${previous?.version ?? '?'} serves again as version ${restored}`}` });
      return { ok: false, refused: { version: version.version, restored, message } };
    };

    const backend: AdminBackend = {
      status,
      events: (limit) => store.events.recent(limit),
      currentConfig: () => {
        const c = store.config.current();
        if (c === null) throw new Error('no config stored');
        return { version: c.version, appliedAt: c.appliedAt, config: c.config };
      },
      configVersions: (limit) => ({ current: store.config.current()?.version ?? 0, versions: store.config.list(limit) }),
      configVersion: (version) => store.config.get(version),
      validationContext,
      applyConfig: (input, note, source = 'api') => applyValidated(input, source, note),
      restoreConfig: async (version) => {
        const old = store.config.get(version);
        if (old === null) return null;
        return applyValidated(old.config, 'restore', `restored version ${version}`);
      },
      telemetry,
      certs: (method, params, timeoutMs) => supervisor.request('certs', method, params, timeoutMs),
      apps: (method, params, timeoutMs) => supervisor.request('appserver', method, params, timeoutMs),
      upstreams: {
        proxyWorkers: () => supervisor.status().filter((c) => c.role === 'proxy' && c.state === 'running').map((c) => c.id),
        ask: (id) => supervisor.request(id, 'upstreams.state', null, 5000),
      },
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };

    admin = await startAdminServer({
      port: options.adminPort ?? DEFAULT_ADMIN_PORT,
      fallbackToNextFree: options.adminPort === undefined,
      token,
      backend,
      rendererDir: rendererDist,
      log,
    });
    const adminServer = admin;
    cleanups.push(() => adminServer.close());
    cleanups.push(() => proxyFeed.close());
    cleanups.push(() => supervisor.stop());

    record({ level: 'info', kind: 'stack-started', child: null, message: `Berth ${BERTH_VERSION} starting (${options.mode}), data dir ${paths.dataDir}` });
    await supervisor.start();

    writeAdminJson(paths.adminJson, { url: admin.url, token, pid: process.pid });
    cleanups.splice(1, 0, () => removeAdminJson(paths.adminJson, process.pid));

    let stopping: Promise<void> | null = null;
    return {
      adminUrl: admin.url,
      dashboardUrl: `${admin.url}/?token=${token}`,
      token,
      dataDir: paths.dataDir,
      status,
      currentConfig: () => backend.currentConfig().config,
      onEvent: (listener) => {
        eventListeners.add(listener);
        return () => eventListeners.delete(listener);
      },
      stop: () => {
        stopping ??= (async () => {
          record({ level: 'info', kind: 'stack-stopping', child: null, message: 'stopping the stack' });
          await cleanup();
        })();
        return stopping;
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
