// Compiles a config into the immutable table requests route on. A config change builds a new
// table and swaps it in one assignment; a request keeps the table it started with.
import { isAbsolute, resolve } from 'node:path';
import type { BerthConfig, Site } from '../config/schema.js';
import type { RuntimeSettings } from '../contract/ipc.js';
import { compileLocation, type CompiledLocation } from './locations.js';
import { buildNameIndex, type NameEntry, type NameIndex } from './server-names.js';

export interface CompiledSite {
  readonly id: string;
  readonly site: Site;
  /** Absolute document root, or null when the site has none. */
  readonly root: string | null;
  readonly index: readonly string[];
  readonly locations: readonly CompiledLocation[];
  /** Used when no location matches: nginx then serves with the server-level root. */
  readonly fallback: CompiledLocation;
  /** nginx `$server_name`: the site's first name. */
  readonly serverName: string;
}

export interface PortRoute {
  readonly port: number;
  readonly names: NameIndex<CompiledSite>;
}

export interface RoutingTable {
  readonly configVersion: number;
  readonly runtime: RuntimeSettings;
  readonly sites: readonly CompiledSite[];
  /** Config port (0 = any free port) → the sites listening on it. */
  readonly ports: ReadonlyMap<number, PortRoute>;
  /** Things the config asks for that this build cannot serve yet (one message per site). */
  readonly warnings: readonly string[];
}

/** Throws BerthError `BERTH_ERR_CONFIG_INVALID` for names or regexes that cannot compile. */
export function buildRoutingTable(config: BerthConfig, runtime: RuntimeSettings, configVersion: number): RoutingTable {
  const warnings: string[] = [];
  const sites: CompiledSite[] = [];
  const byPort = new Map<number, NameEntry<CompiledSite>[]>();

  for (const site of config.sites) {
    const compiled = compileSite(site, runtime);
    sites.push(compiled);
    const plain = site.listen.filter((l) => !l.tls);
    if (plain.length < site.listen.length) {
      warnings.push(`site "${site.id}": TLS listen entries are not served yet (HTTPS arrives with the certificates issue); serving its plain HTTP ports only`);
    }
    const entries = site.listen.length === 0 ? [{ port: runtime.httpPort, defaultServer: false }] : plain;
    const seen = new Set<number>();
    for (const l of entries) {
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
  for (const [port, entries] of byPort) ports.set(port, { port, names: buildNameIndex(entries) });
  return { configVersion, runtime, sites, ports, warnings };
}

function compileSite(site: Site, runtime: RuntimeSettings): CompiledSite {
  // nginx resolves a relative root against its prefix; Berth's prefix is the data dir.
  const root = site.root === undefined ? null : isAbsolute(site.root) ? site.root : resolve(runtime.dataDir, site.root);
  const fallback = compileLocation({ kind: 'prefix', path: '/' }, { type: 'static', autoindex: false, tryFiles: [], compress: true, addHeaders: {} }, true);
  const locations = site.locations.length === 0 ? [fallback] : site.locations.map((l) => compileLocation(l.match, l.handler));
  return { id: site.id, site, root, index: site.index, locations, fallback, serverName: site.names[0] ?? '' };
}
