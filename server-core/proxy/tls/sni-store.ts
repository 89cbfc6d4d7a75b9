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
// previous context, and the store retries shortly. One still missing after the retries (deleted, or
// named by a config saved before it was deleted) is logged with the sites using it.
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';
import { autoCertId, certFiles, certIdForSite } from '../../certs/layout.js';
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
  /** Called with a message when a certificate cannot be loaded (the proxy logs it); once per problem until what is wrong changes. */
  warn?: (message: string) => void;
  /** First wait before re-reading certificates that could not be loaded (tests shorten it). */
  retryMs?: number;
}

interface Missing {
  id: string;
  siteIds: string[];
  why: 'absent' | 'unusable';
}

function missingMessage(m: Missing): string {
  const sites = m.siteIds.map((id) => `"${id}"`).join(', ');
  const auto = m.siteIds.length === 1 && m.id === autoCertId(m.siteIds[0] ?? '');
  const what = auto ? `the automatic certificate "${m.id}" of site ${sites}` : `certificate "${m.id}" of site${m.siteIds.length > 1 ? 's' : ''} ${sites}`;
  const why = m.why === 'absent' ? (auto ? 'has not been issued (see the Certificates page)' : 'is not in the certificate store') : 'cannot be read or its key does not match';
  const fix = auto ? '' : `; import it on the Certificates page or set tls.certificate to "auto"`;
  return `${what} ${why}, so TLS there answers with the port's default certificate${fix}`;
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
  /** The problem lines last warned about ('' = none). */
  let reported = '';
  const retryMs = options.retryMs ?? RETRY_MS;

  /** A certificate's context, or why there is none: the files are absent, or they do not make a usable pair. */
  async function load(id: string, previous: Loaded | undefined): Promise<Loaded | 'absent' | 'unusable'> {
    const f = certFiles(certsDir, id);
    let cert: string;
    let key: string;
    try {
      [cert, key] = await Promise.all([readFile(f.fullchain, 'utf8'), readFile(f.key, 'utf8')]);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unusable';
    }
    const pemKey = `${cert}\n${key}`;
    if (previous && previous.pemKey === pemKey) return previous;
    try {
      // Throws when the key does not match the certificate (a read between two writes).
      return { pemKey, context: createSecureContext({ cert, key }) };
    } catch {
      return 'unusable';
    }
  }

  /** Builds and swaps in the new table; returns the certificates that could not be loaded and other problems to report. */
  async function build(): Promise<{ missing: Missing[]; problems: string[] }> {
    const config = getConfig();
    const byPort = new Map<number, { names: readonly string[]; defaultServer: boolean; value: SiteEntry }[]>();
    const wanted = new Map<string, string[]>();
    for (const site of config.sites) {
      const certId = certIdForSite(site);
      if (certId) wanted.set(certId, [...(wanted.get(certId) ?? []), site.id]);
      for (const l of site.listen) {
        if (!l.tls) continue;
        const list = byPort.get(l.port) ?? [];
        if (list.some((e) => e.value.siteId === site.id)) continue;
        list.push({ names: site.names, defaultServer: l.defaultServer, value: { siteId: site.id, certId } });
        byPort.set(l.port, list);
      }
    }
    const nextContexts = new Map<string, Loaded>();
    const missing: Missing[] = [];
    for (const [id, siteIds] of wanted) {
      const previous = contexts.get(id);
      const loaded = await load(id, previous);
      if (typeof loaded !== 'string') nextContexts.set(id, loaded);
      else {
        if (previous) nextContexts.set(id, previous);
        missing.push({ id, siteIds, why: loaded });
      }
    }
    const nextPorts = new Map<number, NameIndex<SiteEntry>>();
    const problems: string[] = [];
    for (const [port, entries] of byPort) {
      try {
        nextPorts.set(port, buildNameIndex(entries));
      } catch (e) {
        problems.push(`TLS port ${port}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    // The swap: one assignment each, nothing awaited in between.
    ports = nextPorts;
    contexts = nextContexts;
    return { missing, problems };
  }

  async function reloadOnce(): Promise<void> {
    const { missing, problems } = await build();
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    if (missing.length > 0 && retries < MAX_RETRIES) {
      retries++;
      retryTimer = setTimeout(() => void reload(), retryMs * retries);
      retryTimer.unref();
      return;
    }
    retries = 0;
    // Said again whenever what is wrong changes (another apply, a deletion), not once per process.
    const lines = [...problems, ...missing.map(missingMessage)];
    const key = lines.join('\n');
    if (key !== reported) lines.forEach((line) => options.warn?.(line));
    reported = key;
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
