// Which of a site's names can be opened in a browser, and at which URL.
import type { Site } from '../../../server-core/config/schema.js';

export interface SiteNameLink {
  name: string;
  /** Null for names that match many hosts (`*.a.test`, `a.*`, `~regex`) or nginx's catch-all `_`. */
  url: string | null;
}

function isExactHostName(name: string): boolean {
  return name !== '_' && !name.startsWith('~') && !name.includes('*');
}

/**
 * A plain-HTTP listen entry wins, then a TLS one; with no `listen` the site is on the stack's
 * HTTP port (`httpPort`: the port this run actually bound, which CLI flags may override).
 */
export function siteNameLinks(site: Site, httpPort: number | null): SiteNameLink[] {
  const chosen = site.listen.find((l) => !l.tls) ?? site.listen[0];
  const scheme = chosen?.tls ? 'https' : 'http';
  const port = chosen ? chosen.port : httpPort;
  return site.names.map((name) => {
    if (!isExactHostName(name) || port === null || port === 0) return { name, url: null };
    const host = name.includes(':') ? `[${name}]` : name;
    const defaultPort = scheme === 'https' ? 443 : 80;
    return { name, url: `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}/` };
  });
}
