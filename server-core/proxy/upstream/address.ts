// Upstream server addresses as nginx writes them: `host:port`, `[v6]:port`, `host` (port 80) and
// `unix:/path/to.sock`, plus `proxy_pass` URLs (`http://host:port/path`, `http://unix:/sock:/path`).
import { isIP } from 'node:net';

export type UpstreamAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly label: string }
  | { readonly kind: 'unix'; readonly path: string; readonly label: string };

/** nginx's default port for a server without one (ngx_parse_url, `default_port = 80`). */
const DEFAULT_PORT = 80;

/** Parses an upstream `server` address; null when it is not one of the accepted forms. */
export function parseUpstreamAddress(text: string): UpstreamAddress | null {
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    return path.startsWith('/') && !path.includes('\0') ? { kind: 'unix', path, label: text } : null;
  }
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return null;
    host = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return null;
    portText = rest === '' ? undefined : rest.slice(1);
    if (isIP(host) !== 6) return null;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') !== colon) return null; // a bare IPv6 needs brackets
    host = colon >= 0 ? text.slice(0, colon) : text;
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
    if (!/^[A-Za-z0-9.-]+$/.test(host)) return null;
  }
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) return null;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { kind: 'tcp', host, port, label: `${shown}:${port}` };
}

/** A `proxy_pass` URL split into where to connect, nginx's `$proxy_host`, and the URI part. */
export interface ProxyUrl {
  readonly address: UpstreamAddress;
  /** nginx `$proxy_host`: host[:port] as written, the port left out when it is 80; `localhost` for unix sockets. */
  readonly proxyHost: string;
  /** The path after the authority, or null when the URL has none (then the request URI passes unchanged). */
  readonly uri: string | null;
  /** The host when written without a port: nginx first looks it up among upstream names (`proxy_pass http://backend/;`). */
  readonly upstreamName: string | null;
}

/** Parses `http://host[:port][/uri]` or `http://unix:/path.sock:[/uri]`; null for anything else (https included). */
export function parseProxyUrl(url: string): ProxyUrl | null {
  const m = /^http:\/\/(.*)$/i.exec(url);
  if (!m) return null;
  const rest = m[1] ?? '';
  if (rest.startsWith('unix:')) {
    // nginx: `http://unix:/tmp/app.sock:/uri` — the socket path ends at the next ':'.
    const colon = rest.indexOf(':', 5);
    const path = colon < 0 ? rest.slice(5) : rest.slice(5, colon);
    const address = parseUpstreamAddress(`unix:${path}`);
    if (!address) return null;
    const uri = colon < 0 ? null : rest.slice(colon + 1);
    return { address, proxyHost: 'localhost', uri: uri === '' || uri === null ? null : uri, upstreamName: null };
  }
  const slash = rest.search(/[/?]/);
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const uri = slash < 0 ? null : rest.slice(slash);
  if (authority.includes('@')) return null;
  const address = parseUpstreamAddress(authority);
  if (!address || address.kind !== 'tcp') return null;
  // ngx_http_proxy_set_vars: the port is left out when it is the default one.
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const proxyHost = address.port === DEFAULT_PORT ? host : `${host}:${address.port}`;
  return { address, proxyHost, uri, upstreamName: authority.includes(':') ? null : authority };
}
