// Compiles a config into the immutable table requests route on. A config change builds a new
// table and swaps it in one assignment; a request keeps the table it started with.
import { isAbsolute, resolve } from 'node:path';
import type { BerthConfig, Site } from '../config/schema.js';
import type { RuntimeSettings } from '../contract/ipc.js';
import { siteListens, type SiteListen } from '../config/site-listens.js';
import { compileErrorPages, compileLocation, type CompiledLocation } from './locations.js';
import { compileRewrites, type CompiledRewrite } from './rewrite.js';
import { buildNameIndex, selectByHost, type NameEntry, type NameIndex } from './server-names.js';
import { EMPTY_UPSTREAMS, type UpstreamSet } from './upstream/registry.js';
import { listenPlan } from './listen-plan.js';

export interface CompiledSite {
  readonly id: string;
  readonly site: Site;
  /** Absolute document root, or null when the site has none. */
  readonly root: string | null;
  readonly index: readonly string[];
  readonly locations: readonly CompiledLocation[];
  /** Used when no location matches: nginx then serves with the server-level root. */
  readonly fallback: CompiledLocation;
  /** nginx server-level `rewrite` rules, run before a location is chosen (pipeline.ts). */
  readonly rewrites: readonly CompiledRewrite[];
  /** nginx `$server_name`: the site's first name. */
  readonly serverName: string;
  /** The site's listens with the default rule applied for this run's ports (config/site-listens.ts). */
  readonly listens: readonly SiteListen[];
}

export interface PortRoute {
  readonly port: number;
  readonly names: NameIndex<CompiledSite>;
  /** The port's default site (nginx `default_server`, else the first): its connection limits apply before a Host is read. */
  readonly defaultSite: CompiledSite | null;
  /** TLS on this port, and whether ALPN offers h2 (proxy/listen-plan.ts). */
  readonly tls: boolean;
  readonly http2: boolean;
}

export interface RoutingTable {
  readonly configVersion: number;
  readonly runtime: RuntimeSettings;
  readonly sites: readonly CompiledSite[];
  /** Config port (0 = any free port) → the sites listening on it. */
  readonly ports: ReadonlyMap<number, PortRoute>;
  /** Things the config asks for that this build cannot serve yet (one message per site). */
  readonly warnings: readonly string[];
  /** Upstream groups of this config version (proxy locations route through them). */
  readonly upstreams: UpstreamSet;
}

/** Throws BerthError `BERTH_ERR_CONFIG_INVALID` for names or regexes that cannot compile. */
export function buildRoutingTable(config: BerthConfig, runtime: RuntimeSettings, configVersion: number, upstreams: UpstreamSet = EMPTY_UPSTREAMS): RoutingTable {
  const warnings: string[] = [];
  const sites: CompiledSite[] = [];
  const byPort = new Map<number, NameEntry<CompiledSite>[]>();

  for (const site of config.sites) {
    const compiled = compileSite(site, runtime);
    sites.push(compiled);
    const seen = new Set<number>();
    for (const l of compiled.listens) {
      if (seen.has(l.port)) continue;
      seen.add(l.port);
      const list = byPort.get(l.port) ?? [];
      list.push({ names: site.names, defaultServer: l.defaultServer, value: compiled });
      byPort.set(l.port, list);
    }
  }
  // Like nginx with no server blocks: still listen on the HTTP port and answer 404.
  if (byPort.size === 0 && config.sites.length === 0) byPort.set(runtime.httpPort, []);

  const ports = new Map<number, PortRoute>();
  const plan = new Map(listenPlan(config, runtime).map((p) => [p.port, p]));
  for (const [port, entries] of byPort) {
    const names = buildNameIndex(entries);
    ports.set(port, { port, names, defaultSite: selectByHost(names, null), tls: plan.get(port)?.tls ?? false, http2: plan.get(port)?.http2 ?? false });
  }
  return { configVersion, runtime, sites, ports, warnings, upstreams };
}

function compileSite(site: Site, runtime: RuntimeSettings): CompiledSite {
  // nginx resolves a relative root against its prefix; Berth's prefix is the data dir.
  const root = site.root === undefined ? null : isAbsolute(site.root) ? site.root : resolve(runtime.dataDir, site.root);
  // nginx: a location with its own error_page list replaces the server's; the others share the server's.
  const siteErrorPages = compileErrorPages(site.errorPages);
  const fallback = compileLocation({ kind: 'prefix', path: '/' }, { type: 'static', autoindex: false, tryFiles: [], compress: true, addHeaders: {} }, { implicit: true, errorPages: siteErrorPages });
  const locations =
    site.locations.length === 0
      ? [fallback]
      : site.locations.map((l) =>
          compileLocation(l.match, l.handler, {
            internal: l.internal,
            errorPages: l.errorPages && l.errorPages.length > 0 ? compileErrorPages(l.errorPages) : siteErrorPages,
            interceptErrors: l.interceptErrors,
            rewrites: compileRewrites(l.rewrites),
          }),
        );
  return { id: site.id, site, root, index: site.index, locations, fallback, rewrites: compileRewrites(site.rewrites), serverName: site.names[0] ?? '', listens: siteListens(site, runtime) };
}
