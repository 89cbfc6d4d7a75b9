// The proxy's lifecycle without the IPC: start from a config, swap configs, stop gracefully.
// worker.ts wires it to the supervisor; tests can drive it directly.
import type { BerthConfig } from '../config/schema.js';
import type { ListenAddress } from '../contract/api.js';
import type { RuntimeSettings } from '../contract/ipc.js';
import { AccessLog } from './access-log.js';
import { AccessPhase } from './access/access-phase.js';
import { ErrorLog } from './error-log.js';
import { applyLogSettings } from './log-settings.js';
import { DEFAULT_HEAD_LIMITS } from './http1/head-parser.js';
import { DEFAULT_LIMITS, type ConnectionLimits, type RejectedRequest } from './http1/engine.js';
import { ListenerSet, type HandleSource } from './listeners.js';
import { listenPlan } from './listen-plan.js';
import { createSniStore, type SniStore } from './tls/sni-store.js';
import { withSiteListens } from '../config/site-listens.js';
import { readDefaultCertificate } from './tls/default-cert.js';
import { dataPaths } from '../paths.js';
import { LogFiles, type LineListener } from './log-files.js';
import { handleRequest, type PipelineDeps } from './pipeline.js';
import type { ListenerInfo } from './request-context.js';
import { buildRoutingTable, type CompiledSite, type RoutingTable } from './routing-table.js';
import type { UpstreamState } from '../contract/upstreams.js';
import { UpstreamRegistry } from './upstream/registry.js';
import { appBackends } from './app-protocols/backends.js';

/** nginx send_timeout default. */
const DEFAULT_SEND_TIMEOUT_S = 60;

/** What the proxy reports in `ready` / `detail` (shown by the status API). */
export interface ProxyDetail {
  listening: ListenAddress[];
  sites: number;
  configVersion: number;
}

export interface ProxyServerOptions {
  /** Operational warnings for the supervisor (a skipped address, a TLS site not served yet). */
  warn(message: string): void;
  clock?: () => Date;
  /** Default: the process id (nginx prints the worker's pid in error.log). */
  pid?: number;
  /** Listening sockets the supervisor bound for every worker (headless, several workers). */
  handles?: HandleSource;
  /** Bind with SO_REUSEPORT instead (several workers without handle passing). */
  reusePort?: boolean;
  /** TLS session ticket keys shared by the workers (48 bytes). */
  ticketKeys?: Buffer;
  /** limit_req buckets and htpasswd files (with several workers: buckets shared through the supervisor). */
  access?: AccessPhase;
}

export class ProxyServer {
  /** The table requests route on; replaced in one assignment. */
  private table: RoutingTable | null = null;
  /** The table being applied: requests on its freshly opened ports already use it. */
  private pending: RoutingTable | null = null;
  private readonly logFiles: LogFiles;
  private readonly errorLog: ErrorLog;
  private readonly deps: PipelineDeps;
  private readonly listeners: ListenerSet;
  private readonly warned = new Set<string>();
  private readonly limitsCache = new WeakMap<CompiledSite, ConnectionLimits>();
  /** Upstream servers, pools and health checks; they outlive config versions. */
  private readonly upstreams = new UpstreamRegistry();
  /** Certificates by SNI; created at the first config (the data dir comes with it). */
  private sniStore: SniStore | null = null;
  /** The config the SNI store reads: the one being applied, then the one in use. */
  private sniConfig: BerthConfig | null = null;

  constructor(private readonly options: ProxyServerOptions) {
    const clock = options.clock ?? (() => new Date());
    this.logFiles = new LogFiles((message) => this.warnOnce(message));
    this.errorLog = new ErrorLog(this.logFiles, '', clock, options.pid ?? process.pid);
    this.deps = { accessLog: new AccessLog(this.logFiles), errorLog: this.errorLog, clock, access: options.access ?? new AccessPhase() };
    this.listeners = new ListenerSet({
      onRequest: (req, res, listener, connection) => {
        const current = this.table;
        const table = current?.ports.has(listener.configPort) ? current : (this.pending ?? current);
        if (!table) {
          res.destroy();
          return;
        }
        handleRequest(req, res, listener, table, connection, this.deps);
      },
      onRejected: (info, listener) => this.logRejected(info, listener),
      limitsFor: (configPort) => this.limitsFor(configPort),
      warn: (message) => this.options.warn(message),
      fixFor: (configPort) => this.fixFor(configPort),
      sni: {
        contextFor: (servername, port) => this.sniStore?.contextFor(servername, port) ?? null,
        reload: () => this.sniStore?.reload() ?? Promise.resolve(),
      },
      ticketKeys: options.ticketKeys,
      handles: options.handles,
      reusePort: options.reusePort,
    });
    this.deps.tlsPortOf = (configPort) => this.listeners.actualPort(configPort);
  }

  /** Session ticket keys for TLS ports opened from now on (48 bytes, the same in every worker). */
  setTicketKeys(keys: Buffer): void {
    this.listeners.setTicketKeys(keys);
  }

  /** The cert service changed certificates: new handshakes use them; handshakes in flight finish with the old. */
  async certificatesChanged(): Promise<void> {
    if (!this.sniStore) return;
    await this.sniStore.reload();
    await this.refreshDefaultCertificates();
  }

  /** Throws a BerthError (BERTH_ERR_PORT_IN_USE, _PORT_DENIED, _BIND_FAILED, _CONFIG_INVALID). */
  async start(runtime: RuntimeSettings, config: BerthConfig, configVersion: number): Promise<ProxyDetail> {
    const detail = await this.apply(runtime, config, configVersion);
    this.logFiles.start();
    return detail;
  }

  /** On error the previous config keeps serving, unchanged. */
  reconfigure(runtime: RuntimeSettings, config: BerthConfig, configVersion: number): Promise<ProxyDetail> {
    return this.apply(runtime, config, configVersion);
  }

  /** Every log line this worker writes from now on (the live tail). */
  onLogLine(listener: LineListener | null): void {
    this.logFiles.onLine(listener);
  }

  /** Per-server upstream state (the `upstreams.state` request). */
  upstreamState(): UpstreamState[] {
    // HTTP groups, then the app server's apps and the uwsgi/fastcgi upstreams (app-protocols/backends.ts).
    return [...this.upstreams.state(), ...appBackends.state(Date.now())];
  }

  detail(): ProxyDetail {
    return {
      listening: this.listeners.listening(),
      sites: this.table?.sites.length ?? 0,
      configVersion: this.table?.configVersion ?? 0,
    };
  }

  /** Stop accepting, let in-flight requests finish for up to `graceMs`, then write the logs out. */
  async stop(graceMs = 5000): Promise<void> {
    await this.listeners.closeAll(graceMs);
    this.upstreams.close();
    await this.logFiles.close();
  }

  /** Last-moment log flush when the process must exit now. */
  flushLogsSync(): void {
    this.logFiles.flushAllSync();
  }

  private async apply(runtime: RuntimeSettings, config: BerthConfig, configVersion: number): Promise<ProxyDetail> {
    const table = buildRoutingTable(config, runtime, configVersion, this.upstreams.prepare(config));
    const plan = listenPlan(config, runtime);
    const previousSniConfig = this.sniConfig;
    this.pending = table;
    try {
      if (plan.some((p) => p.tls) || this.sniStore) {
        this.sniStore ??= createSniStore(dataPaths(runtime.dataDir).certsDir, () => this.sniConfig ?? config, { warn: (m) => this.options.warn(m) }); // it says each problem once until it changes
        // The SNI table reads `site.listen`: give it the listens with the default rule applied.
        this.sniConfig = withSiteListens(config, runtime);
        await this.sniStore.reload();
      }
      await this.listeners.reconcile(plan, runtime.bindAddresses);
    } catch (e) {
      if (this.sniStore && previousSniConfig) {
        this.sniConfig = previousSniConfig;
        void this.sniStore.reload();
      }
      throw e;
    } finally {
      this.pending = null;
    }
    this.table = table;
    this.deps.access?.retainSites(new Set(config.sites.map((site) => site.id)));
    await this.refreshDefaultCertificates();
    this.upstreams.commit(table.upstreams, config);
    this.errorLog.setLogDir(runtime.logDir);
    applyLogSettings(config.settings.logs, this.logFiles, this.errorLog);
    for (const w of table.warnings) this.warnOnce(w);
    return this.detail();
  }

  /** Connection limits (header/body/keep-alive timeouts, body size) of the port's default site. */
  private limitsFor(configPort: number): ConnectionLimits {
    const table = this.table?.ports.has(configPort) ? this.table : (this.pending ?? this.table);
    const site = table?.ports.get(configPort)?.defaultSite;
    if (!site) return DEFAULT_LIMITS;
    let limits = this.limitsCache.get(site);
    if (!limits) {
      const l = site.site.limits;
      limits = {
        headerTimeoutMs: l.headerTimeoutS * 1000,
        bodyTimeoutMs: l.bodyTimeoutS * 1000,
        keepaliveTimeoutMs: l.keepaliveTimeoutS * 1000,
        sendTimeoutMs: (l.sendTimeoutS ?? DEFAULT_SEND_TIMEOUT_S) * 1000,
        maxBodyBytes: l.maxBodyBytes,
        head: DEFAULT_HEAD_LIMITS,
      };
      this.limitsCache.set(site, limits);
    }
    return limits;
  }

  /** A request the engine refused before the pipeline: logged under the port's default site, like nginx. */
  private logRejected(info: RejectedRequest, listener: ListenerInfo): void {
    const site = (this.table ?? this.pending)?.ports.get(listener.configPort)?.defaultSite;
    const now = this.deps.clock();
    if (site?.site.accessLog && this.table) {
      this.deps.accessLog.write(this.table.runtime.logDir, site.id, {
        remoteAddr: info.remoteAddress,
        remoteUser: null,
        time: now,
        request: info.requestLine ?? '',
        status: info.status,
        bodyBytes: info.bodyBytes,
        referer: undefined,
        userAgent: undefined,
      });
    }
    this.errorLog.write('info', `client sent ${info.reason} (${info.status}) while reading the client request`, {
      connection: info.connection,
      client: info.remoteAddress,
      server: site?.serverName ?? '',
      request: info.requestLine ?? '',
      host: undefined,
    });
  }

  /** Handshakes without SNI get the port's default site's certificate (nginx: the default server's). */
  private async refreshDefaultCertificates(): Promise<void> {
    const table = this.table;
    if (!table) return;
    for (const { configPort, front } of this.listeners.tlsFronts()) {
      const site = table.ports.get(configPort)?.defaultSite;
      const pem = site ? await readDefaultCertificate(dataPaths(table.runtime.dataDir).certsDir, site.site) : null;
      if (pem) {
        try {
          front.setDefaultCertificate(pem.cert, pem.key);
        } catch (e) {
          this.warnOnce(`TLS port ${configPort}: the certificate of site "${site?.id ?? ''}" cannot be used (${(e as Error).message}); clients without SNI cannot connect`);
        }
      }
    }
  }

  private fixFor(configPort: number): string {
    const table = this.pending ?? this.table;
    if (table && configPort === table.runtime.httpPort) return 'start Berth with --http-port N to use another port';
    if (table && configPort === table.runtime.httpsPort && table.sites.some((s) => s.listens.some((l) => l.implicit && l.tls))) return 'start Berth with --https-port N to use another port';
    const sites = table?.sites.filter((s) => s.listens.some((l) => l.port === configPort)).map((s) => `"${s.id}"`) ?? [];
    return `change the listen port ${configPort} of site ${sites.join(', ') || '(unknown)'}`;
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.warn(message);
  }
}
