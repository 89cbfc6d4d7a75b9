// Which of a site's names can be opened in a browser, and at which URL; and the ports a site
// listens on, for display.
import type { Site } from '../../../server-core/config/schema.js';

export interface SiteNameLink {
  name: string;
  /** Null for names that match many hosts (`*.a.test`, `a.*`, `~regex`) or nginx's catch-all `_`. */
  url: string | null;
  /** The HTTPS URL too when `url` is plain HTTP and the site also listens with TLS; else null. */
  secureUrl: string | null;
}

/** The ports this run uses for sites with no `listen` (null while unknown). */
export interface StackPorts {
  httpPort: number | null;
  httpsPort: number | null;
}

export interface ListenPort {
  port: number | null;
  tls: boolean;
  defaultServer: boolean;
  /** From the default rule (the site has no `listen`), not a listen entry. */
  implicit: boolean;
}

/**
 * The default rule of server-core/config/site-listens.ts (`siteListens`), mirrored because the
 * renderer takes only types from server-core; renderer/spec/format.spec.ts checks that the two
 * agree. No `listen` = the stack's HTTP port, plus its HTTPS port (TLS) when the site has `tls`.
 */
export function siteListenPorts(site: Pick<Site, 'listen' | 'tls'>, ports: StackPorts): ListenPort[] {
  if (site.listen.length > 0) return site.listen.map((l) => ({ port: l.port, tls: l.tls, defaultServer: l.defaultServer, implicit: false }));
  const plain: ListenPort = { port: ports.httpPort, tls: false, defaultServer: false, implicit: true };
  return site.tls ? [plain, { port: ports.httpsPort, tls: true, defaultServer: false, implicit: true }] : [plain];
}

function isExactHostName(name: string): boolean {
  return name !== '_' && !name.startsWith('~') && !name.includes('*');
}

function urlFor(name: string, listen: ListenPort | undefined): string | null {
  if (!listen || listen.port === null || listen.port === 0 || !isExactHostName(name)) return null;
  const scheme = listen.tls ? 'https' : 'http';
  const host = name.includes(':') ? `[${name}]` : name;
  return `${scheme}://${host}${listen.port === (listen.tls ? 443 : 80) ? '' : `:${listen.port}`}/`;
}

/**
 * A plain-HTTP listen wins (it works before the local CA is trusted), then a TLS one; a site that
 * redirects HTTP to HTTPS links HTTPS directly. Ports are the ones this run bound (CLI flags may
 * override the config's settings).
 */
export function siteNameLinks(site: Site, ports: StackPorts): SiteNameLink[] {
  const listens = siteListenPorts(site, ports);
  const plain = listens.find((l) => !l.tls);
  const tls = listens.find((l) => l.tls);
  const primary = site.tls?.redirectHttp && tls ? tls : (plain ?? tls);
  const secondary = primary === plain ? tls : undefined;
  return site.names.map((name) => {
    const url = urlFor(name, primary);
    return { name, url, secureUrl: url === null ? null : urlFor(name, secondary) };
  });
}
