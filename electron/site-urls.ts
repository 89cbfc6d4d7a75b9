// The tray's "Open Site" submenu: a browser URL per plain site name. Same rule as the dashboard's
// renderer/src/format/site-links.ts: a plain-HTTP listen entry wins, then a TLS one, else the
// stack's HTTP port; wildcard, regex and `_` names match many hosts and get no entry.
import type { BerthConfig } from '../server-core/config/schema.js';

export interface SiteUrl {
  label: string;
  url: string;
}

/** Menus longer than this scroll off small screens; the dashboard lists every site. */
export const maxSiteEntries = 25;

export function siteUrls(config: BerthConfig, httpPort: number): SiteUrl[] {
  const out: SiteUrl[] = [];
  for (const site of config.sites) {
    const chosen = site.listen.find((l) => !l.tls) ?? site.listen[0];
    const scheme = chosen?.tls ? 'https' : 'http';
    const port = chosen ? chosen.port : httpPort;
    if (port === 0) continue;
    const defaultPort = scheme === 'https' ? 443 : 80;
    for (const name of site.names) {
      if (name === '_' || name.startsWith('~') || name.includes('*')) continue;
      const host = name.includes(':') ? `[${name}]` : name;
      out.push({ label: name, url: `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}/` });
      if (out.length === maxSiteEntries) return out;
    }
  }
  return out;
}
