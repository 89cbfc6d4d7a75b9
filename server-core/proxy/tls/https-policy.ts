// A site's HTTPS rules, applied once the site is known (nginx's server-level rewrite phase):
//   - plain HTTP with `tls.redirectHttp` → 301 to https on the site's TLS port (nginx:
//     `return 301 https://$host$request_uri;` in the port-80 server);
//   - HTTPS with `tls.hstsMaxAgeS` > 0 → `Strict-Transport-Security` on every response (nginx:
//     `add_header … always`). RFC 6797 §7.2: never sent over plain HTTP.
import type { RequestContext } from '../request-context.js';
import { sendErrorPage } from '../respond.js';

/** The port a config port is bound to (port 0 resolved), or null when it is not open. */
export type TlsPortOf = (configPort: number) => number | null;

/** True when the request was answered (the redirect). */
export function applyHttpsPolicy(ctx: RequestContext, tlsPortOf: TlsPortOf | undefined): boolean {
  const site = ctx.site?.site;
  const tls = site?.tls;
  if (!site || !tls) return false;
  if (ctx.listener.protocol === 'https') {
    if (tls.hstsMaxAgeS > 0) ctx.res.setHeader('Strict-Transport-Security', `max-age=${tls.hstsMaxAgeS}`);
    return false;
  }
  if (!tls.redirectHttp) return false;
  // The site's listens with the default rule applied: a site with no `listen` redirects to the run's HTTPS port.
  const listen = ctx.site?.listens.find((l) => l.tls);
  if (!listen) return false;
  const port = tlsPortOf?.(listen.port) ?? listen.port;
  let host = ctx.host ?? ctx.site?.serverName ?? ctx.listener.address;
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const url = ctx.req.url ?? '/';
  // $request_uri: the original target with its query; an absolute-form target keeps only its path.
  const requestUri = url.startsWith('/') ? url : `${ctx.uri}${ctx.args ? `?${ctx.args}` : ''}`;
  sendErrorPage(ctx, 301, { Location: `https://${host}${port === 443 ? '' : `:${port}`}${requestUri}` });
  return true;
}
