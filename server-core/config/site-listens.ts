// The ports a site listens on, after applying the implicit default. nginx's `server` block with
// no `listen` listens on port 80; Berth's site with no `listen` listens on the stack's HTTP port,
// and when it has a `tls` block also on the stack's HTTPS port (TLS, h2 offered by ALPN), as a
// hand-written nginx server would with `listen 80; listen 443 ssl; http2 on;`. The ports are the
// run's (CLI flags override `settings`), so `--http-port` / `--https-port` move implicit listens.
// This is the one rule: the validator, the proxy's listen plan, routing and SNI tables, the nginx
// export/import and the CLI's site URLs all call it (the dashboard mirrors it in site-links.ts,
// and a renderer spec checks the mirror against this function).
import type { BerthConfig, Listen } from './schema.js';

/** The stack's default ports: `settings` in a config, or the run's `RuntimeSettings`. */
export interface SitePorts {
  readonly httpPort: number;
  readonly httpsPort: number;
}

export interface SiteListen extends Listen {
  /** True when the entry comes from the default rule, not from the site's `listen` list. */
  readonly implicit: boolean;
}

/** Explicit listens as written; none → the HTTP port, plus the HTTPS port for a site with `tls`. */
export function siteListens(site: { readonly listen: readonly Listen[]; readonly tls?: object | undefined }, ports: SitePorts): SiteListen[] {
  if (site.listen.length > 0) return site.listen.map((l) => ({ ...l, implicit: false }));
  const plain: SiteListen = { port: ports.httpPort, tls: false, http2: false, defaultServer: false, implicit: true };
  if (!site.tls) return [plain];
  return [plain, { port: ports.httpsPort, tls: true, http2: true, defaultServer: false, implicit: true }];
}

/** True when the site's listens are exactly what the default rule gives (export/import round trip). */
export function listensAreImplicit(listens: readonly Listen[], hasTls: boolean, ports: SitePorts): boolean {
  const implicit = siteListens({ listen: [], tls: hasTls ? {} : undefined }, ports);
  if (listens.length !== implicit.length) return false;
  return implicit.every((want) =>
    listens.some((l) => l.port === want.port && l.tls === want.tls && !l.defaultServer && (!want.tls || l.http2 === want.http2)),
  );
}

/** The config with every site's listens explicit (for code that reads `site.listen` directly). */
export function withSiteListens(config: BerthConfig, ports: SitePorts): BerthConfig {
  return {
    ...config,
    sites: config.sites.map((site) => (site.listen.length > 0 ? site : { ...site, listen: siteListens(site, ports).map(({ implicit: _implicit, ...l }) => l) })),
  };
}
