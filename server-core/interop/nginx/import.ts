// nginx config (parsed) → Berth sites and upstreams, plus a warning for every directive that is
// not carried over. Like Caddy's adapters: returns config and warnings, never guesses silently.
// A file holding just `server { … }` blocks (a sites-enabled snippet) is read as if inside `http`.
import type { WarningSink } from '../warnings.js';
import { bareAddressUpstreamId, type LocationContext } from './map-location.js';
import { collapseDefaultListens, mapServerBlock, type MappedServer, type RateZone, type SiteInput } from './map-server.js';
import { mapUpstream, type MappedUpstream, type UpstreamInput } from './map-upstream.js';
import { FORWARDED_MAP_VARIABLES } from './forwarding.js';
import { notCarriedMessage } from './not-carried.js';
import type { Directive, ParsedNginx } from './parser.js';
import { Scope } from './scope.js';

export interface NginxImportOptions {
  /** Normalised socket address → app id, so `uwsgi_pass 127.0.0.1:8001` becomes that app's location. */
  appBySocket?: ReadonlyMap<string, string>;
  /** Listen ports to move (`--map-port 80=8080`). */
  portMap?: ReadonlyMap<number, number>;
}

export interface NginxImport {
  sites: SiteInput[];
  upstreams: UpstreamInput[];
}

/** Directives the mapper reads somewhere; unused ones get "has no effect" instead of "unsupported". */
const MAPPED = new Set([
  'server_name', 'listen', 'root', 'alias', 'index', 'autoindex', 'try_files', 'expires', 'add_header', 'gzip',
  'return', 'rewrite', 'proxy_pass', 'proxy_set_header', 'proxy_hide_header', 'proxy_connect_timeout', 'proxy_read_timeout',
  'proxy_send_timeout', 'proxy_http_version', 'uwsgi_pass', 'uwsgi_param', 'uwsgi_connect_timeout', 'uwsgi_read_timeout',
  'uwsgi_send_timeout', 'fastcgi_pass', 'fastcgi_param', 'fastcgi_split_path_info', 'fastcgi_index', 'fastcgi_connect_timeout',
  'fastcgi_read_timeout', 'fastcgi_send_timeout', 'client_max_body_size', 'client_header_timeout', 'client_body_timeout',
  'keepalive_timeout', 'allow', 'deny', 'auth_basic', 'auth_basic_user_file', 'limit_req', 'access_log',
  'ssl_certificate', 'ssl_certificate_key', 'error_page', 'proxy_intercept_errors', 'uwsgi_intercept_errors', 'fastcgi_intercept_errors',
]);

export function importNginx(parsed: ParsedNginx, sink: WarningSink, options: NginxImportOptions = {}): NginxImport {
  for (const n of parsed.notes) sink.add(n, n.directive, n.message);
  const used = new Set<Directive>();

  // main context → the http directives (top-level server/upstream blocks count as http's).
  const httpDirectives: Directive[] = [];
  let httpSeen = false;
  for (const d of parsed.directives) {
    if (d.name === 'http' && d.block !== null) {
      if (httpSeen) sink.add(d, 'http', 'a second http block (nginx refuses this: "http" directive is duplicate); not carried over');
      else httpDirectives.push(...d.block);
      httpSeen = true;
    } else if ((d.name === 'server' || d.name === 'upstream' || d.name === 'map' || d.name === 'limit_req_zone') && !httpSeen) {
      httpDirectives.push(d);
    } else {
      sink.add(d, d.name, notCarriedMessage(d.name));
    }
  }
  const http = new Scope(null, httpDirectives, used);
  // Berth's default type is nginx's stock one: nothing to carry over.
  for (const d of http.peekOwn('default_type')) if (d.args[0]?.value === 'application/octet-stream') used.add(d);

  // upstreams, zones, maps
  const upstreams: MappedUpstream[] = [];
  const zones = new Map<string, RateZone>();
  for (const d of httpDirectives) {
    if (d.name === 'upstream' && d.block !== null) {
      const u = mapUpstream(d, sink);
      if (u) upstreams.push(u);
    } else if (d.name === 'limit_req_zone') {
      used.add(d);
      const zone = readZone(d, sink);
      if (zone) zones.set(zone.name, zone.zone);
    } else if (d.name === 'map' && d.block !== null) {
      if (!isConnectionUpgradeMap(d) && !FORWARDED_MAP_VARIABLES.has(d.args[1]?.value ?? '')) sink.add(d, 'map', `map blocks are not in Berth's model; "${d.args.map((a) => a.value).join(' ')}" is not carried over`);
    } else if (d.name === 'types' && d.block !== null) {
      if (d.block.length > 0) sink.add(d, 'types', `Berth uses its own MIME table; these ${d.block.length} type mappings are not carried over`);
    } else if (d.block !== null && d.name !== 'server') {
      sink.add(d, d.name, notCarriedMessage(d.name));
    }
  }

  const upstreamByName = new Map(upstreams.map((u) => [u.name, { id: u.upstream.id, appId: u.appId }]));
  const protocolUse = new Map<string, { protocol: UpstreamInput['protocol']; at: Directive }>();
  const bare = new Map<string, UpstreamInput>();
  const useUpstream: LocationContext['useUpstream'] = (target, protocol, at) => {
    let id: string;
    if ('upstreamName' in target) {
      id = (upstreamByName.get(target.upstreamName) as { id: string }).id;
    } else {
      id = bareAddressUpstreamId(protocol ?? 'http', target.address);
      if (!bare.has(id)) bare.set(id, { id, protocol, keepalive: 0, servers: [{ address: target.address }] });
    }
    const seen = protocolUse.get(id);
    if (seen && seen.protocol !== protocol) {
      sink.add(at, at.name, `upstream "${id}" is also used with ${seen.protocol} at ${seen.at.file}:${seen.at.line}; one upstream speaks one protocol in Berth, ${seen.protocol} is kept`);
    } else if (!seen) protocolUse.set(id, { protocol, at });
    return id;
  };

  const ctx = {
    sink,
    upstreamByName,
    appBySocket: options.appBySocket ?? new Map<string, string>(),
    useUpstream,
    zones,
    baseDir: parsed.file.startsWith('(') ? '/' : parsed.file.replace(/\/[^/]*$/, '') || '/',
    portMap: options.portMap ?? new Map<number, number>(),
  };

  const servers: MappedServer[] = [];
  for (const d of httpDirectives) {
    if (d.name !== 'server' || d.block === null) continue;
    servers.push(mapServerBlock(d, http, ctx));
  }
  mergeHttpsRedirects(servers, ctx.portMap);
  servers.forEach(collapseDefaultListens);
  const sites = servers.map((s) => s.site);
  assignSiteIds(sites);

  // Everything not read above: say why.
  reportUnused(httpDirectives, used, sink);

  const outUpstreams: UpstreamInput[] = [];
  for (const u of upstreams) {
    if (u.appId) continue; // an app's own upstream: the app handler stands for it
    const use = protocolUse.get(u.upstream.id);
    outUpstreams.push({ ...u.upstream, protocol: use?.protocol ?? u.protocolHint ?? 'http' });
  }
  outUpstreams.push(...bare.values());
  return { sites, upstreams: outUpstreams };
}

function readZone(d: Directive, sink: WarningSink): { name: string; zone: RateZone } | null {
  const args = d.args.map((a) => a.value);
  const key = args[0] ?? '';
  const zone = args.find((a) => a.startsWith('zone='))?.slice(5).split(':')[0];
  const rate = /^rate=(\d+)r\/([sm])$/.exec(args.find((a) => a.startsWith('rate=')) ?? '');
  if (!zone || !rate) {
    sink.add(d, 'limit_req_zone', `cannot read "${args.join(' ')}" (expected zone=NAME:SIZE rate=Nr/s); not carried over`);
    return null;
  }
  const perSecond = rate[2] === 's' ? Number(rate[1]) : Number(rate[1]) / 60;
  return { name: zone, zone: { perSecond, key, at: d } };
}

/** `map $http_upgrade $connection_upgrade { default upgrade; '' close; }`: the WebSocket recipe. */
function isConnectionUpgradeMap(d: Directive): boolean {
  return d.args[0]?.value === '$http_upgrade' && d.args[1]?.value === '$connection_upgrade';
}

/**
 * A plain-HTTP server whose only job is `return 301 https://$host[:PORT]$request_uri` for names that
 * a TLS site also serves is that site's "redirect HTTP to HTTPS" switch (Berth's export writes it so).
 * Its listen ports become the site's plain ports (Berth answers them with the redirect,
 * tls/https-policy.ts), at the `# berth: listen-at=…` positions of Berth's export, else at the end; a
 * redirect server with no `listen` is nginx's port 80 and adds none. An explicit PORT must be the
 * site's first TLS port, where Berth redirects to.
 */
function mergeHttpsRedirects(servers: MappedServer[], portMap: ReadonlyMap<number, number>): void {
  for (let i = servers.length - 1; i >= 0; i--) {
    const redirect = servers[i] as MappedServer;
    const s = redirect.site;
    const loc = s.locations?.[0];
    if (s.tls || s.locations?.length !== 1 || !loc || loc.match.kind !== 'prefix' || loc.match.path !== '/') continue;
    const h = loc.handler;
    const url = h.type === 'return' && h.status === 301 ? /^https:\/\/\$(?:host|server_name)(?::(\d{1,5}))?\$request_uri$/.exec(h.body ?? '') : null;
    if (!url) continue;
    const plain = s.listen ?? [];
    if (plain.some((l) => l.tls)) continue;
    const named = redirect.redirectFor === null ? undefined : servers.find((t) => t !== redirect && t.site.id === redirect.redirectFor);
    const target = (named ?? servers.find((t) => t !== redirect && t.site.tls && s.names.every((n) => t.site.names.includes(n))))?.site;
    if (!target?.tls || !s.names.every((n) => target.names.includes(n))) continue;
    const listens = [...(target.listen ?? [])];
    const tlsPort = listens.find((l) => l.tls)?.port;
    if (url[1] !== undefined && tlsPort !== undefined && (portMap.get(Number(url[1])) ?? Number(url[1])) !== tlsPort) continue;
    const at = redirect.listenAt?.length === plain.length ? redirect.listenAt : null;
    plain.forEach((l, k) => {
      if (listens.some((x) => x.port === l.port)) return;
      const pos = at?.[k];
      if (pos !== undefined && pos <= listens.length) listens.splice(pos, 0, l);
      else listens.push(l);
    });
    if (listens.length > 0) target.listen = listens;
    target.tls.redirectHttp = true;
    servers.splice(i, 1);
  }
}

function assignSiteIds(sites: SiteInput[]): void {
  const taken = new Set(sites.map((s) => s.id).filter((id) => id !== ''));
  for (const s of sites) {
    if (s.id !== '') continue;
    const name = s.names.find((n) => !n.startsWith('~') && n !== '_') ?? 'site';
    const base =
      name
        .toLowerCase()
        .replace(/^\*\./, 'wildcard-')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 56) || 'site';
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    s.id = id;
  }
}

function reportUnused(directives: readonly Directive[], used: ReadonlySet<Directive>, sink: WarningSink): void {
  const visit = (list: readonly Directive[], depth: number) => {
    for (const d of list) {
      if (d.block !== null) {
        if (d.name === 'server' || d.name === 'location') visit(d.block, depth + 1);
        continue;
      }
      if (used.has(d)) continue;
      if (MAPPED.has(d.name)) sink.add(d, d.name, depth === 0 ? 'has no effect on any imported site; not carried over' : 'has no effect here in Berth; not carried over');
      else sink.add(d, d.name, notCarriedMessage(d.name));
    }
  };
  visit(directives, 0);
}
