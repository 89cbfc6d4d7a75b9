// nginx `server { … }` → a Berth site: names, listen, root/index, TLS, access rules, limits,
// logging and its locations. Site-level fields in Berth (access, limits, logging) that a location
// sets differently are reported, not guessed.
import { posix } from 'node:path';
import type { z } from 'zod';
import type { siteSchema } from '../../config/schema.js';
import type { WarningSink } from '../warnings.js';
import type { Directive } from './parser.js';
import { argValues, markers, Scope } from './scope.js';
import { listensAreImplicit, type SitePorts } from '../../config/site-listens.js';
import { mapErrorPages } from './map-error-pages.js';
import { mapLocationHandler, mapLocationMatch, mapReturn, mapStatic, type LocationContext, type LocationInput } from './map-location.js';
import { parseSize, parseTimeS } from './units.js';
import { mapRewrites } from './rewrites.js';

export type SiteInput = z.input<typeof siteSchema>;

export interface RateZone {
  perSecond: number;
  key: string;
  at: Directive;
}

export interface ServerContext extends LocationContext {
  /** `limit_req_zone` zones by name. */
  zones: ReadonlyMap<string, RateZone>;
  /** The main config file's folder: relative paths in the config are taken from here (nginx's prefix). */
  baseDir: string;
  /** `--map-port 80=8080`: listen ports to move. */
  portMap: ReadonlyMap<number, number>;
}

export interface MappedServer {
  site: SiteInput;
  /** `# berth: redirect-for=ID`: Berth's export of a site's HTTP→HTTPS redirect, not a site. */
  redirectFor: string | null;
  /** `# berth: listen-at=0,2` on that redirect: where its listens were in the site's `listen` list. */
  listenAt: number[] | null;
  idHint: string | null;
  /** `# berth: listen=default http=N https=M` on the first listen: the site had no `listen` (see collapseDefaultListens). */
  defaultPorts: SitePorts | null;
}

const SITE_LEVEL_IN_BERTH = ['client_max_body_size', 'allow', 'deny', 'auth_basic', 'auth_basic_user_file', 'limit_req', 'access_log', 'client_header_timeout', 'client_body_timeout', 'keepalive_timeout', 'ssl_certificate', 'ssl_certificate_key'];

export function mapServerBlock(block: Directive, http: Scope, ctx: ServerContext): MappedServer {
  const { sink } = ctx;
  const scope = new Scope(http, block.block ?? [], http.used);
  const hints = markers(block);
  const site: SiteInput = { id: hints.id ?? '', names: [] };

  // server_name
  for (const d of scope.ownList('server_name')) {
    for (const name of argValues(d)) {
      if (name === '') continue;
      if (name.startsWith('.') && name.length > 1) {
        site.names.push(name.slice(1), `*${name}`);
        sink.add(d, 'server_name', `".${name.slice(1)}" became "${name.slice(1)}" and "*${name}" (Berth has no ".name" shorthand)`);
      } else if (name.startsWith('$')) {
        sink.add(d, 'server_name', `"${name}" (a variable) is not in Berth's model; not carried over`);
      } else site.names.push(name);
    }
  }
  if (site.names.length === 0) site.names.push('_');

  // listen
  const listens: NonNullable<SiteInput['listen']> = [];
  const listenDirectives = scope.ownList('listen');
  for (const d of listenDirectives) {
    const l = mapListen(d, ctx);
    // `listen 80; listen [::]:80;` (Debian's default site, most recipes): one port to Berth, which
    // binds each port on 127.0.0.1 and ::1 alike.
    const same = l && listens.find((x) => x.port === l.port && x.tls === l.tls);
    if (same && l) {
      if (l.defaultServer) same.defaultServer = true;
      if (l.http2) same.http2 = true;
    } else if (l) listens.push(l);
  }
  if (listens.length > 0) site.listen = listens;

  // root, index
  const root = scope.one('root');
  if (root?.args[0]) site.root = absolute(root.args[0].value, root, ctx);
  const index = scope.get('index');
  if (index.length > 0) site.index = index.flatMap(argValues);

  mapLogging(scope, site, sink);
  // error_page: the server's own list, else http's (nginx: a level with any replaces the list above).
  const errorPages = mapErrorPages(scope.get('error_page'), sink);
  if (errorPages.length > 0) site.errorPages = errorPages;
  mapLimits(scope, site, ctx);
  mapAccess(scope, site, ctx);
  mapTls(scope, site, listens, sink);

  // Locations. A server-level return answers before any location is chosen; server-level rewrites run before it.
  const locations: LocationInput[] = [];
  const serverReturn = mapReturn(scope, sink);
  const rewrites = mapRewrites(block.block ?? [], scope, sink, 'server');
  if (rewrites) site.rewrites = rewrites;
  const blocks = (block.block ?? []).filter((d) => d.block !== null);
  for (const b of blocks) {
    if (b.name !== 'location') continue;
    if (serverReturn) {
      sink.add(b, 'location', 'never reached: the server-level return answers every request first (as in nginx); not carried over');
      markAll(b, scope.used);
      continue;
    }
    locations.push(...mapLocationBlock(b, scope, ctx));
  }
  if (serverReturn) locations.push({ match: { kind: 'prefix', path: '/' }, handler: serverReturn });
  else if (!locations.some((l) => l.match.kind !== 'regex' && l.match.kind !== 'regex-i' && l.match.path === '/')) {
    // No `location /`: requests nothing else matches use the server's own settings (try_files,
    // autoindex, expires, add_header, gzip). Berth needs an explicit location for them.
    const notHsts = (l: Scope) => l.peekOwn('add_header').some((d) => d.args[0]?.value.toLowerCase() !== 'strict-transport-security');
    const serverLevel = ['try_files', 'autoindex', 'expires'].some((n) => scope.hasOwn(n) || http.hasOwn(n)) || notHsts(scope) || notHsts(http);
    if (serverLevel) {
      const h = mapStatic(scope, sink);
      if (h.type === 'static') {
        delete h.root;
        delete h.index;
      }
      locations.push({ match: { kind: 'prefix', path: '/' }, handler: h });
    }
  } else {
    for (const d of scope.peekOwn('try_files')) sink.add(d, 'try_files', 'has no effect: every request matches a location, and locations do not inherit try_files (nginx rule)');
  }
  if (locations.length > 0) site.locations = locations;

  for (const b of blocks) {
    if (b.name !== 'location') markAll(b, scope.used);
    if (b.name !== 'location') sink.add(b, b.name, b.name === 'if' ? '`if` blocks are not in Berth\'s model; move the condition into separate locations' : `"${b.name}" blocks inside a server are not in Berth's model; not carried over`);
  }
  const listenAt = hints['listen-at']?.split(',').map(Number) ?? null;
  return {
    site,
    redirectFor: hints['redirect-for'] ?? null,
    listenAt: listenAt && listenAt.every((n) => Number.isInteger(n) && n >= 0) ? listenAt : null,
    idHint: hints.id ?? null,
    defaultPorts: exportedDefaultPorts(listenDirectives[0]),
  };
}

function mapLocationBlock(b: Directive, server: Scope, ctx: ServerContext): LocationInput[] {
  const match = mapLocationMatch(b, ctx.sink);
  const scope = new Scope(server, b.block ?? [], server.used);
  for (const nested of (b.block ?? []).filter((d) => d.block !== null)) {
    markAll(nested, server.used);
    server.used.add(nested);
    ctx.sink.add(nested, nested.name, nested.name === 'location' ? 'nested locations are not in Berth\'s model; list it as its own location' : `"${nested.name}" blocks inside a location are not in Berth's model; not carried over`);
  }
  if (match === null) {
    markAll(b, server.used);
    return [];
  }
  // nginx `internal` (no arguments): only internal redirects reach the location.
  const internal = scope.ownList('internal').length > 0 ? { internal: true } : {};
  // The rewrite phase comes before access and content (and runs with `return`, in order).
  const rewrites = mapRewrites(b.block ?? [], scope, ctx.sink, 'location');
  const own = { ...internal, ...(rewrites ? { rewrites } : {}) };
  // Its own error_page list replaces the site's; without one, the site's apply (nginx's merge).
  const ownErrorPages = mapErrorPages(scope.ownList('error_page'), ctx.sink);
  const errorPages = ownErrorPages.length > 0 ? { errorPages: ownErrorPages } : {};
  if (deniesEveryone(scope)) {
    // `location ~ /\.ht { deny all; }` and friends: Berth's access rules are per site, but a
    // location that refuses every client is nginx's 403 for any request it matches — carried over
    // as such (left out, the location would have served the very files it hides).
    markAll(b, server.used);
    return [{ match, handler: { type: 'return', status: 403 }, ...own, ...errorPages }];
  }
  const handler = mapLocationHandler(b, scope, ctx);
  // Berth keeps these per site: a location's own different value cannot be carried over.
  const ownRules = accessRules(scope);
  if (ownRules.length > 0 && ruleText(ownRules) !== ruleText(inheritedAccessRules(server))) {
    for (const d of ownRules) ctx.sink.add(d, d.name, `is a per-site setting in Berth; this location's own access rules are not carried over (the site's apply)`);
  }
  for (const d of ownRules) server.used.add(d);
  for (const name of SITE_LEVEL_IN_BERTH) {
    if (name === 'allow' || name === 'deny') continue;
    for (const d of scope.peekOwn(name)) {
      server.used.add(d);
      const own = argValues(d).join(' ');
      const site = server.get(name).map((x) => argValues(x).join(' '));
      if (!site.includes(own) || site.length !== scope.peekOwn(name).length) {
        ctx.sink.add(d, name, `is a per-site setting in Berth; this location's own value is not carried over (the site's applies)`);
      }
    }
  }
  if (handler === null) {
    markAll(b, server.used);
    return [];
  }
  if (handler.type === 'static' && handler.root !== undefined) handler.root = absolute(handler.root, b, ctx);
  if (handler.type === 'static' && handler.alias !== undefined) handler.alias = absolute(handler.alias, b, ctx);
  const intercept = interceptsErrors(scope, handler.type) ? { interceptErrors: true } : {};
  return [{ match, handler, ...own, ...errorPages, ...intercept }];
}

/**
 * `proxy_intercept_errors on` (uwsgi_, fastcgi_) of the module that passes this location's
 * requests (inherited from the server or http level, as nginx merges it). The other modules'
 * switches do nothing here and are reported as such (import.ts reportUnused).
 */
function interceptsErrors(scope: Scope, type: string): boolean {
  if (type !== 'proxy' && type !== 'uwsgi' && type !== 'fastcgi' && type !== 'app') return false;
  // The pass directive mapLocationHandler used, in its order.
  const module = ['proxy', 'uwsgi', 'fastcgi'].find((m) => scope.peekOwn(`${m}_pass`).length > 0);
  return module !== undefined && scope.one(`${module}_intercept_errors`)?.args[0]?.value === 'on';
}

/** A level's own allow/deny rules in file order: nginx checks them as one ordered list. */
function accessRules(scope: Scope): Directive[] {
  return [...scope.peekOwn('allow'), ...scope.peekOwn('deny')].sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
}

/** The rules a level inherits: the nearest level with any allow/deny replaces the whole list (nginx). */
function inheritedAccessRules(scope: Scope): Directive[] {
  for (let s: Scope | null = scope; s !== null; s = s.parent) {
    const rules = accessRules(s);
    if (rules.length > 0) return rules;
  }
  return [];
}

function ruleText(rules: readonly Directive[]): string {
  return rules.map((d) => `${d.name} ${argValues(d).join(' ')}`).join('; ');
}

/**
 * True when the location's own access rules refuse everyone: only `deny` rules, one of them
 * `deny all` (nginx takes the first matching rule, so no order lets a client through), and no
 * `satisfy any` that would let an authenticated client in instead. A `return` in the location
 * answers before the access phase (nginx's rewrite phase), so such a location is not one.
 */
function deniesEveryone(scope: Scope): boolean {
  if (scope.hasOwn('allow') || scope.hasOwn('return') || scope.peek('satisfy').at(-1)?.args[0]?.value === 'any') return false;
  return scope.peekOwn('deny').some((d) => d.args[0]?.value === 'all');
}

/** After a location is given up on, its directives have all been reported once already. */
function markAll(b: Directive, used: Set<Directive>): void {
  for (const d of b.block ?? []) {
    used.add(d);
    if (d.block) markAll(d, used);
  }
}

function absolute(path: string, at: Directive, ctx: ServerContext): string {
  if (path.startsWith('/') || path.includes('$')) return path;
  const resolved = posix.resolve(ctx.baseDir, path);
  ctx.sink.add(at, 'root', `relative path "${path}" taken from the config's folder: ${resolved}`);
  return resolved;
}

function mapListen(d: Directive, ctx: ServerContext): NonNullable<SiteInput['listen']>[number] | null {
  const [addr, ...opts] = argValues(d);
  if (addr === undefined) return null;
  if (addr.startsWith('unix:')) {
    ctx.sink.add(d, 'listen', `listening on a unix socket ("${addr}") is not in Berth's model; not carried over`);
    return null;
  }
  const m = /^(?:(\[[^\]]+\]|[^:[]+):)?(\d+)$/.exec(addr) ?? /^(\[[^\]]+\]|[^:[]+)()$/.exec(addr);
  if (!m) {
    ctx.sink.add(d, 'listen', `cannot read "${addr}"; not carried over`);
    return null;
  }
  const host = m[1];
  let port = m[2] === '' || m[2] === undefined ? 80 : Number(m[2]);
  if (host !== undefined && host !== '*' && host !== '0.0.0.0' && host !== '[::]') {
    ctx.sink.add(d, 'listen', `the address "${host}" is not carried over: Berth binds its ports on loopback (127.0.0.1 and ::1)`);
  }
  const mapped = ctx.portMap.get(port);
  if (mapped !== undefined) port = mapped;
  else if (port < 1024 && port !== 0) {
    ctx.sink.add(d, 'listen', `port ${port} needs administrator rights; Berth serves on 8080/8443 by default — re-run with --map-port ${port}=${port === 443 ? 8443 : 8080} to move it`);
  }
  const listen: NonNullable<SiteInput['listen']>[number] = { port };
  let http2 = false;
  for (const opt of opts) {
    if (opt === 'ssl') listen.tls = true;
    else if (opt === 'http2') http2 = true;
    else if (opt === 'default_server' || opt === 'default') listen.defaultServer = true;
    else if (opt === 'ipv6only=on' || opt === 'ipv6only=off') continue;
    else ctx.sink.add(d, 'listen', `listen option "${opt}" is not in Berth's model; not carried over`);
  }
  // Berth offers HTTP/2 on TLS ports unless told not to; nginx (1.22) only with the http2 flag.
  if (listen.tls) listen.http2 = http2;
  else if (http2) ctx.sink.add(d, 'listen', 'http2 on a plain-HTTP port (h2c) is not in Berth\'s model; HTTP/1.1 is served there');
  return listen;
}

function mapLogging(scope: Scope, site: SiteInput, sink: WarningSink): void {
  const logs = scope.get('access_log');
  if (logs.length === 0) return;
  if (logs.some((d) => d.args[0]?.value === 'off')) {
    site.accessLog = false;
    return;
  }
  site.accessLog = true;
  for (const d of logs) sink.add(d, 'access_log', `Berth writes this site's access log in its data dir (logs/), in the combined format; "${d.args[0]?.value ?? ''}" is not used`);
}

function mapLimits(scope: Scope, site: SiteInput, ctx: ServerContext): void {
  const { sink } = ctx;
  const limits: NonNullable<SiteInput['limits']> = {};
  const body = scope.one('client_max_body_size');
  if (body) {
    const bytes = parseSize(body.args[0]?.value ?? '');
    if (bytes === null) sink.add(body, body.name, `"${body.args[0]?.value ?? ''}" is not a size such as 10m; not carried over`);
    else limits.maxBodyBytes = bytes;
  }
  const time = (name: string, set: (s: number) => void) => {
    const d = scope.one(name);
    if (!d) return;
    const s = parseTimeS(d.args[0]?.value ?? '');
    if (s === null || s <= 0) sink.add(d, name, `"${d.args[0]?.value ?? ''}" is not a positive time; not carried over`);
    else set(s);
    if (name === 'keepalive_timeout' && d.args.length > 1) sink.add(d, name, 'the second value (the Keep-Alive header) is not in Berth\'s model');
  };
  time('client_header_timeout', (s) => (limits.headerTimeoutS = s));
  time('client_body_timeout', (s) => (limits.bodyTimeoutS = s));
  const keepalive = scope.one('keepalive_timeout');
  if (keepalive && keepalive.args[0]?.value === '0') limits.keepaliveTimeoutS = 0;
  else time('keepalive_timeout', (s) => (limits.keepaliveTimeoutS = s));

  const req = scope.get('limit_req');
  if (req.length > 1) sink.add(req[1] as Directive, 'limit_req', 'Berth keeps one rate limit per site; only the first limit_req is carried over');
  const first = req[0];
  if (first) {
    const opts = new Map(argValues(first).map((a) => a.split('=', 2) as [string, string | undefined]));
    const zone = ctx.zones.get(opts.get('zone') ?? '');
    if (!zone) sink.add(first, 'limit_req', `zone "${opts.get('zone') ?? ''}" has no limit_req_zone; not carried over`);
    else {
      if (!/^\$(binary_)?remote_addr$/.test(zone.key)) sink.add(zone.at, 'limit_req_zone', `Berth limits per client address; the key "${zone.key}" is not carried over`);
      const burst = opts.get('burst');
      limits.rateLimit = { perSecond: zone.perSecond, burst: burst === undefined ? 0 : Number(burst), nodelay: opts.has('nodelay') };
      for (const k of opts.keys()) if (k !== 'zone' && k !== 'burst' && k !== 'nodelay') sink.add(first, 'limit_req', `option "${k}" is not in Berth's model; not carried over`);
    }
  }
  if (Object.keys(limits).length > 0) site.limits = limits;
}

function mapAccess(scope: Scope, site: SiteInput, ctx: ServerContext): void {
  // allow and deny are one ordered list in nginx; a level with either replaces the list above.
  let level: Scope | null = scope;
  let rules: Directive[] = [];
  for (; level !== null; level = level.parent) {
    const own = [...level.peekOwn('allow'), ...level.peekOwn('deny')];
    if (own.length > 0) {
      rules = own.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : 0));
      for (const d of own) scope.used.add(d);
      break;
    }
  }
  const access: NonNullable<SiteInput['access']> = { rules: rules.map((d) => ({ action: d.name as 'allow' | 'deny', source: d.args[0]?.value ?? '' })) };
  const auth = scope.one('auth_basic');
  const file = scope.one('auth_basic_user_file');
  if (auth && auth.args[0]?.value !== 'off') {
    if (!file) ctx.sink.add(auth, 'auth_basic', 'has no auth_basic_user_file; not carried over');
    else access.basicAuth = { realm: auth.args[0]?.value ?? 'Restricted', htpasswdFile: absolute(file.args[0]?.value ?? '', file, ctx) };
  }
  if (access.rules?.length || access.basicAuth) site.access = access;
}

function mapTls(scope: Scope, site: SiteInput, listens: NonNullable<SiteInput['listen']>, sink: WarningSink): void {
  const cert = scope.one('ssl_certificate');
  const key = scope.one('ssl_certificate_key');
  const tlsPort = listens.some((l) => l.tls);
  const hsts = scope.get('add_header').find((d) => d.args[0]?.value.toLowerCase() === 'strict-transport-security');
  if (!tlsPort && !cert) {
    if (hsts) sink.add(hsts, 'add_header', 'Strict-Transport-Security on a site without TLS does nothing (browsers ignore it over HTTP); not carried over');
    return;
  }
  const hints = cert ? markers(cert) : {};
  const tls: NonNullable<SiteInput['tls']> = { certificate: hints.certificate ?? 'auto' };
  if (cert && !hints.certificate) {
    sink.add(
      cert,
      'ssl_certificate',
      `certificate "${cert.args[0]?.value ?? ''}"${key ? ` with key "${key.args[0]?.value ?? ''}"` : ''} is not copied: the site uses a certificate from Berth's local CA (tls: auto); import the files into Berth's certificates to use them instead`,
    );
  }
  if (!tlsPort) sink.add(cert as Directive, 'ssl_certificate', 'no `listen … ssl` uses this certificate; TLS settings kept for when one does');
  const max = hsts ? /max-age=(\d+)/.exec(hsts.args[1]?.value ?? '') : null;
  if (max) tls.hstsMaxAgeS = Number(max[1]);
  site.tls = tls;
}

function exportedDefaultPorts(first: Directive | undefined): SitePorts | null {
  const hints = first ? markers(first) : {};
  if (hints.listen !== 'default') return null;
  const ports = { httpPort: Number(hints.http), httpsPort: Number(hints.https) };
  return Number.isInteger(ports.httpPort) && Number.isInteger(ports.httpsPort) ? ports : null;
}

/**
 * Berth's export writes a site's default listens (config/site-listens.ts) with
 * `# berth: listen=default http=N https=M`; they come back as "no listen" while they still are
 * exactly those ports. Edited ports or options keep the listens as written. Run after the site's
 * HTTP→HTTPS redirect server gave its HTTP port back (import.ts mergeHttpsRedirects).
 */
export function collapseDefaultListens(server: MappedServer): void {
  const { site, defaultPorts } = server;
  if (!defaultPorts || !site.listen) return;
  const full = site.listen.map((l) => ({ port: l.port, tls: l.tls ?? false, http2: l.http2 ?? true, defaultServer: l.defaultServer ?? false }));
  if (listensAreImplicit(full, site.tls !== undefined, defaultPorts)) delete site.listen;
}
