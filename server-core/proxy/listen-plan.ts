// Which sockets a config asks for: one entry per config port, with its protocol. Shared by the
// proxy worker (routing table, listeners) and the supervisor's listener owner, so both open the
// same set. A site without `listen` uses the run's HTTP port, plus its HTTPS port when the site has
// TLS (config/site-listens.ts; nginx: `listen 80` by default).
import type { BerthConfig } from '../config/schema.js';
import { siteListens } from '../config/site-listens.js';
import type { RuntimeSettings } from '../contract/ipc.js';

export interface PlannedPort {
  /** The port as configured (0 = any free port). */
  readonly port: number;
  /** TLS on this port (validation keeps a port to one protocol). */
  readonly tls: boolean;
  /** Offer h2 by ALPN: any TLS listen entry on the port with `http2` (nginx: `listen … http2`). */
  readonly http2: boolean;
}

export function listenPlan(config: BerthConfig, runtime: Pick<RuntimeSettings, 'httpPort' | 'httpsPort'>): PlannedPort[] {
  const byPort = new Map<number, { tls: boolean; http2: boolean }>();
  for (const site of config.sites) {
    for (const l of siteListens(site, runtime)) {
      const seen = byPort.get(l.port);
      if (!seen) byPort.set(l.port, { tls: l.tls, http2: l.tls && l.http2 });
      else if (l.tls && l.http2) seen.http2 = true;
    }
  }
  // Like nginx with no server blocks: still listen on the HTTP port (and answer 404).
  if (byPort.size === 0) byPort.set(runtime.httpPort, { tls: false, http2: false });
  return [...byPort].map(([port, p]) => ({ port, tls: p.tls, http2: p.http2 }));
}
