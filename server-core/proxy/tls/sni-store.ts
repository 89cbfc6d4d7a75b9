// The proxy's certificates by server name: which SecureContext a TLS handshake on a port gets.
// The cert service writes certificates under <certsDir>/store/<id>/ (certs/layout.ts); this store
// reads them. A site uses `auto-<siteId>` when its TLS is `auto`, else its certificate id.
//
// Selection (nginx's server_name order, server-names.ts): exact name → longest leading wildcard →
// longest trailing wildcard → first regex → the port's default site → the first site on the port.
// No SNI (an IP-address client) selects the port's default site, as nginx does.
//
// Hot swap: reload() builds a whole new table, then replaces the old one in one assignment. A
// handshake already past its SNI callback keeps the context it got; later ones get the new table.
// A certificate that cannot be read during a reload (being replaced this instant) keeps its
// previous context, and the store retries shortly.
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';
import { certFiles, certIdForSite } from '../../certs/layout.js';
import type { BerthConfig } from '../../config/schema.js';
import { buildNameIndex, normalizeHost, selectByHost, type NameIndex } from '../server-names.js';

export interface SniStore {
  /** The context for a handshake naming `servername` (null: no SNI) on config port `port`; null when the port has no TLS site with a certificate. */
  contextFor(servername: string | null, port: number): SecureContext | null;
  /** Re-reads the config and the certificate files; resolves once the new table is in use. */
  reload(): Promise<void>;
}

interface Loaded {
  /** The PEM text it was built from: an unchanged certificate keeps its context. */
  pemKey: string;
  context: SecureContext;
}

interface SiteEntry {
  siteId: string;
  certId: string | null;
}

/** Wait before retrying certificates that could not be read during a reload. */
const RETRY_MS = 200;
const MAX_RETRIES = 5;

export interface SniStoreOptions {
  /** Called with a message when a certificate cannot be loaded (the proxy logs it). */
  warn?: (message: string) => void;
}

/**
 * `getConfig` returns the config the proxy runs. `port` in contextFor is the config port of a TLS
 * listen entry (the routing table's key), so a run that remaps ports maps them before asking.
 */
export function createSniStore(certsDir: string, getConfig: () => BerthConfig, options: SniStoreOptions = {}): SniStore {
  let ports = new Map<number, NameIndex<SiteEntry>>();
  let contexts = new Map<string, Loaded>();
  let retries = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;

  async function load(id: string, previous: Loaded | undefined): Promise<Loaded | null> {
    const f = certFiles(certsDir, id);
    let cert: string;
    let key: string;
    try {
      [cert, key] = await Promise.all([readFile(f.fullchain, 'utf8'), readFile(f.key, 'utf8')]);
    } catch {
      return null;
    }
    const pemKey = `${cert}\n${key}`;
    if (previous && previous.pemKey === pemKey) return previous;
    try {
      // Throws when the key does not match the certificate (a read between two writes).
      return { pemKey, context: createSecureContext({ cert, key }) };
    } catch {
      return null;
    }
  }

  async function build(): Promise<boolean> {
    const config = getConfig();
    const byPort = new Map<number, { names: readonly string[]; defaultServer: boolean; value: SiteEntry }[]>();
    const wanted = new Set<string>();
    for (const site of config.sites) {
      const certId = certIdForSite(site);
      if (certId) wanted.add(certId);
      for (const l of site.listen) {
        if (!l.tls) continue;
        const list = byPort.get(l.port) ?? [];
        if (list.some((e) => e.value.siteId === site.id)) continue;
        list.push({ names: site.names, defaultServer: l.defaultServer, value: { siteId: site.id, certId } });
        byPort.set(l.port, list);
      }
    }
    const nextContexts = new Map<string, Loaded>();
    let missing = false;
    for (const id of wanted) {
      const previous = contexts.get(id);
      const loaded = await load(id, previous);
      if (loaded) nextContexts.set(id, loaded);
      else {
        if (previous) nextContexts.set(id, previous);
        missing = true;
      }
    }
    const nextPorts = new Map<number, NameIndex<SiteEntry>>();
    for (const [port, entries] of byPort) {
      try {
        nextPorts.set(port, buildNameIndex(entries));
      } catch (e) {
        options.warn?.(`TLS port ${port}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    // The swap: one assignment each, nothing awaited in between.
    ports = nextPorts;
    contexts = nextContexts;
    return missing;
  }

  async function reloadOnce(): Promise<void> {
    const missing = await build();
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    if (missing && retries < MAX_RETRIES) {
      retries++;
      retryTimer = setTimeout(() => void reload(), RETRY_MS * retries);
      retryTimer.unref();
    } else {
      if (missing) options.warn?.('some site certificates could not be loaded; those sites answer with their port’s default certificate');
      retries = 0;
    }
  }

  /** One reload at a time; a request during one runs once more after it. */
  function reload(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await reloadOnce();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  function contextFor(servername: string | null, port: number): SecureContext | null {
    const index = ports.get(port);
    if (!index) return null;
    const host = servername === null ? null : normalizeHost(servername);
    const entry = selectByHost(index, host);
    const own = entry?.certId ? contexts.get(entry.certId) : undefined;
    if (own) return own.context;
    // The chosen site has no usable certificate: the port's default site's, as a browser would
    // rather see a name mismatch it can explain than a dropped connection.
    const fallback = index.fallback?.certId ? contexts.get(index.fallback.certId) : undefined;
    return fallback?.context ?? null;
  }

  return { contextFor, reload };
}
