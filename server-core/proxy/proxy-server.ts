// The proxy's lifecycle without the IPC: start from a config, swap configs, stop gracefully.
// worker.ts wires it to the supervisor; tests can drive it directly.
import type { BerthConfig } from '../config/schema.js';
import type { ListenAddress } from '../contract/api.js';
import type { RuntimeSettings } from '../contract/ipc.js';
import { AccessLog } from './access-log.js';
import { ErrorLog } from './error-log.js';
import { ListenerSet } from './listeners.js';
import { LogFiles } from './log-files.js';
import { handleRequest, type PipelineDeps } from './pipeline.js';
import { buildRoutingTable, type RoutingTable } from './routing-table.js';

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

  constructor(private readonly options: ProxyServerOptions) {
    const clock = options.clock ?? (() => new Date());
    this.logFiles = new LogFiles((message) => this.warnOnce(message));
    this.errorLog = new ErrorLog(this.logFiles, '', clock, options.pid ?? process.pid);
    this.deps = { accessLog: new AccessLog(this.logFiles), errorLog: this.errorLog, clock };
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
      warn: (message) => this.options.warn(message),
      fixFor: (configPort) => this.fixFor(configPort),
    });
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
    await this.logFiles.close();
  }

  /** Last-moment log flush when the process must exit now. */
  flushLogsSync(): void {
    this.logFiles.flushAllSync();
  }

  private async apply(runtime: RuntimeSettings, config: BerthConfig, configVersion: number): Promise<ProxyDetail> {
    const table = buildRoutingTable(config, runtime, configVersion);
    this.pending = table;
    try {
      await this.listeners.reconcile([...table.ports.keys()], runtime.bindAddresses);
    } finally {
      this.pending = null;
    }
    this.table = table;
    this.errorLog.setLogDir(runtime.logDir);
    for (const w of table.warnings) this.warnOnce(w);
    return this.detail();
  }

  private fixFor(configPort: number): string {
    const table = this.pending ?? this.table;
    if (table && configPort === table.runtime.httpPort) return 'start Berth with --http-port N to use another port';
    const sites = table?.sites.filter((s) => s.site.listen.some((l) => l.port === configPort)).map((s) => `"${s.id}"`) ?? [];
    return `change the listen port ${configPort} of site ${sites.join(', ') || '(unknown)'}`;
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.warn(message);
  }
}
